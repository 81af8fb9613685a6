"""``worldsmith batch ... --ray [ADDRESS]``: the same batch on a Ray cluster (``pip install ".[ray]"``).

Without an address a local Ray starts (or the cluster ``RAY_ADDRESS`` names). The driver (this
process) reads the prompts file and ships each prompt as data, so workers never need to see it;
what every node must see is the output folder: results go to the same per-prompt folders, built
in ``DIR/.<id>.partial-*`` and renamed into place by ``batch.Worker``, so resume, ``--shard``
and the COCO merge work exactly as without Ray.

Who does what:

* **build workers** (``--build-workers N``; default: the cluster's CPUs): Ray actors that each
  import bpy once and turn prompts into result folders, one at a time.
* **model actors** (``--model-actors M``, local backend only): each loads the model once and
  serves the build workers' model requests (build worker ``k`` asks actor ``k % M``). With
  ``--backend http`` there are none: every build worker talks to the one server. ``--model-gpus``
  and ``--build-gpus`` are the GPUs Ray reserves for each actor; ``--model-cpus``/``--build-cpus``
  the CPUs (a build worker renders with that many threads, a model actor decodes with as many).

Why actors and not Ray Data: a scene is seconds of work and the result is files, not a dataset;
actors keep bpy and the model loaded, give one result per prompt as it finishes (progress,
per-prompt retry), and need nothing past plain ``ray``. ``ray.data`` would add pyarrow and a
streaming executor that retries whole blocks.

Faults: a build worker that dies (killed, out of memory, its node gone) loses only the prompt it
held; the prompt goes back to the queue (at most ``--retries`` times, then it is reported failed
with the reason) and a fresh worker takes the dead one's place. Its half-built ``.partial``
folder is never renamed into place, and the next attempt removes it. A model actor that dies is
restarted by Ray (its model loads again) and the request is repeated. Stopping the driver ends
its actors (Ray ties them to the job); running the command again resumes.

Before any work: the address must answer, and every node must import bpy and see the output
folder (a marker file the driver wrote); otherwise a clear error and exit 2.
"""
from __future__ import annotations

import os
import socket
import statistics
import sys
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from .batch import Progress, Summary, Worker, _blender_paths
from .inputs import Item
from .store import Config, is_finished, probe_writable

START_TIMEOUT = 300.0    # seconds a batch waits for a worker to start when none is working


class RayBatchError(ValueError):
    """The cluster cannot run this batch (unreachable, a node without bpy, ...): nothing was done."""


@dataclass
class RayOptions:
    address: str | None = None          # None: RAY_ADDRESS or a new local Ray
    build_workers: int | None = None    # None: one per CPU of the cluster
    model_actors: int = 1
    build_cpus: float = 1.0
    build_gpus: float = 0.0
    model_cpus: float = 1.0
    model_gpus: float = 0.0
    retries: int = 2                    # extra attempts of a prompt whose worker died
    local_cpus: int | None = None       # CPUs of a local Ray started here (None: all)
    object_store_mb: int = 128          # object store of a local Ray (the batch ships small dicts)


@dataclass
class RaySummary(Summary):
    ray: dict = field(default_factory=dict)


def _import_ray():
    try:
        import ray
    except ImportError:
        raise RayBatchError("--ray needs Ray: pip install \"worldsmith[ray]\" (or \".[ray]\" in a checkout)") \
            from None
    return ray


def check_address(address: str, timeout: float = 5.0) -> None:
    """A clear error unless ``host:port`` accepts a connection (``ray.init`` would retry for minutes)."""
    if address in ("auto", "local"):
        return
    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise RayBatchError(f"--ray {address!r}: give the head node as HOST:PORT (e.g. 10.0.0.5:6379), "
                            "'auto', or nothing for a local Ray")
    head = b""
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as s:
            # a Ray head's GCS is a gRPC (HTTP/2) server: it answers the HTTP/2 preface with a SETTINGS
            # frame. Anything else would keep ray.init retrying for minutes.
            s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0]))
            while len(head) < 9:
                chunk = s.recv(9 - len(head))
                if not chunk:
                    break
                head += chunk
    except socket.timeout:
        pass
    except OSError as exc:
        raise RayBatchError(f"cannot reach the Ray cluster at {address}: {exc} "
                            "(is `ray start --head` running there, and the port open?)") from None
    if len(head) < 9 or head[3] != 4:
        raise RayBatchError(f"{address} answers, but not as a Ray head node (no gRPC server there; give the "
                            "head's GCS port, 6379 unless `ray start --head --port` chose another)")


def connect(opts: RayOptions) -> bool:
    """Join (or start) Ray; returns whether this call started it (then the caller shuts it down)."""
    ray = _import_ray()
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    address = opts.address or os.environ.get("RAY_ADDRESS") or None
    if address:
        check_address(address)
        try:
            ray.init(address=address, log_to_driver=False, logging_level="ERROR")
        except (ConnectionError, RuntimeError, ValueError) as exc:   # e.g. the port is not a Ray head
            raise RayBatchError(f"cannot join the Ray cluster at {address}: {str(exc).strip().splitlines()[-1]}") \
                from None
    else:
        ray.init(num_cpus=opts.local_cpus, object_store_memory=opts.object_store_mb << 20,
                 include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    return True


# --------------------------------------------------------------------------- the actors (on the nodes)

def _probe(out: str, marker: str, needs_bpy: bool) -> dict:
    """Run on one node: can it see and write the output folder, and import bpy?"""
    import subprocess
    problems = []
    if not (Path(out) / marker).exists():
        problems.append(f"does not see the output folder {out} (not a shared file system?)")
    else:
        try:
            probe_writable(Path(out), 1024)
        except OSError as exc:
            problems.append(f"cannot write to {out}: {exc}")
    if needs_bpy:
        r = subprocess.run([sys.executable, "-c", "import bpy"], capture_output=True, text=True, timeout=300)
        if r.returncode:
            last = (r.stderr.strip().splitlines() or ["exit code %d" % r.returncode])[-1]
            problems.append(f"cannot import bpy with {sys.executable}: {last}")
    return {"host": socket.gethostname(), "problems": problems}


RESTART_WAIT_S = 60.0   # how long a build worker waits for a restarting model actor


class _RemoteModel:
    """A backend for ``pipeline.generate`` whose model lives in a model actor."""
    name = "ray"

    def __init__(self, actor, timeout: float = 900.0):
        self.actor, self.timeout = actor, timeout
        self.lost: str | None = None
        self.loads: set[str] = set()
        self.hop = 0.0     # seconds of model calls spent outside the model (Ray's share)

    def generate(self, request):
        import ray
        from ..generation.backends.base import Generation
        t0 = time.perf_counter()
        # an actor Ray is restarting (its node died) is "temporarily unavailable": wait for it, a little
        # longer each time, before calling the prompt lost (a model request is safe to send again)
        unavailable = getattr(ray.exceptions, "ActorUnavailableError", ())
        deadline, delay = time.monotonic() + RESTART_WAIT_S, 1.0
        while True:
            try:
                text, tokens, seconds, load_id = ray.get(self.actor.generate.remote(
                    request.messages, request.schema, request.max_tokens, request.temperature, request.seed),
                    timeout=self.timeout)
                break
            except ray.exceptions.GetTimeoutError:   # e.g. a restarting model actor with no room to start
                self.lost = f"the model actor did not answer within {self.timeout:.0f} s"
                raise RuntimeError(self.lost) from None
            except ray.exceptions.RayActorError as exc:
                again = isinstance(exc, unavailable) or "temporarily unavailable" in str(exc)
                if again and time.monotonic() + delay < deadline:
                    time.sleep(delay)
                    delay = min(2 * delay, 8.0)
                    continue
                self.lost = f"the model actor died: {_cause(exc)}"
                raise RuntimeError(self.lost) from None
        self.loads.add(load_id)
        self.hop += time.perf_counter() - t0 - seconds
        return Generation(text, tokens, seconds)

    def info(self) -> dict:
        return {"backend": "ray model actor"}

    def close(self) -> None:
        pass


class ModelActor:
    """Loads the model once; serves model requests from build workers."""

    def __init__(self, settings: dict):
        from ..generation.backends import BackendSettings, create
        self.load_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.backend = create(BackendSettings(**settings))

    def ready(self) -> str:
        return self.load_id

    def generate(self, messages, schema, max_tokens, temperature, seed):
        from ..generation.backends.base import Request
        g = self.backend.generate(Request(messages, schema, max_tokens, temperature, seed))
        return g.text, g.tokens, g.seconds, self.load_id


class BuildActor:
    """Holds bpy (imported once) and a ``batch.Worker``; one prompt at a time."""

    def __init__(self, cfg: Config, model=None, drop_paths: tuple = ()):
        sys.path[:] = [p for p in sys.path if p not in drop_paths]
        import bpy  # noqa: F401  (once per worker, and a missing bpy shows at start)
        wait = cfg.backend.get("total_timeout") or 900.0
        self.remote = _RemoteModel(model, wait) if model is not None else None
        self.worker = Worker(cfg, self.remote)

    def ready(self) -> str:
        return f"{socket.gethostname()}:{os.getpid()}"

    def process(self, item: Item) -> dict:
        if self.remote is not None:
            self.remote.lost, self.remote.hop = None, 0.0
        res = self.worker.process(item)
        if self.remote is not None:
            res["model_loads"] = sorted(self.remote.loads)
            res["model_hop_s"] = self.remote.hop
            if res["status"] == "failed" and self.remote.lost:
                res["status"], res["reason"] = "lost", self.remote.lost
        return res


# --------------------------------------------------------------------------- the driver

def preflight(out: Path, needs_bpy: bool = True, cpus: float = 1.0, gpus: float = 0.0,
              timeout: float = 600.0) -> list[dict]:
    """Check every live node that can hold a build worker (``cpus``, ``gpus``) before any work;
    raise ``RayBatchError`` naming the node and the problem."""
    ray = _import_ray()
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
    marker = f".worldsmith-ray-{uuid.uuid4().hex[:8]}"
    (out / marker).write_text("", encoding="utf-8")
    try:
        nodes = [n for n in ray.nodes() if n.get("Alive") and n["Resources"].get("CPU", 0) >= cpus
                 and n["Resources"].get("GPU", 0) >= gpus]
        if not nodes:
            raise RayBatchError(f"no node of the Ray cluster has the {cpus:g} CPU(s) and {gpus:g} GPU(s) a build "
                                "worker asks for (--build-cpus, --build-gpus)")
        probe = ray.remote(num_cpus=0, max_retries=0)(_probe)
        refs = [probe.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False))
                .remote(str(out), marker, needs_bpy) for n in nodes]
        deadline = time.monotonic() + timeout
        answers, alive = [], []
        for n, ref in zip(nodes, refs):
            try:
                answers.append(ray.get(ref, timeout=max(0.0, deadline - time.monotonic())))
                alive.append(n)
            except ray.exceptions.GetTimeoutError:
                raise RayBatchError(f"the Ray nodes did not answer the start-up check within {timeout:.0f} s") from None
            except ray.exceptions.TaskUnschedulableError:
                continue          # the node left the cluster after ray.nodes() listed it: nothing to check there
            except ray.exceptions.RayTaskError as exc:
                raise RayBatchError(f"a Ray node cannot run Worldsmith (is it installed there?): "
                                    f"{str(exc).strip().splitlines()[-1]}") from None
        nodes = alive
        if not nodes:
            raise RayBatchError("every Ray node that could hold a build worker left the cluster during the start-up "
                                "check")
    finally:
        (out / marker).unlink(missing_ok=True)
    bad = [f"node {n['NodeManagerAddress']} ({a['host']}) {p}" for n, a in zip(nodes, answers)
           for p in a["problems"]]
    if bad:
        raise RayBatchError("the Ray cluster cannot run this batch: " + "; ".join(bad))
    return [{"node": n["NodeManagerAddress"], "host": a["host"], "cpus": n["Resources"].get("CPU", 0),
             "gpus": n["Resources"].get("GPU", 0)} for n, a in zip(nodes, answers)]


def run_ray(items: list[Item], cfg: Config, opts: RayOptions, log=None) -> RaySummary:
    """Process ``items`` (skipping finished ones) on Ray; same results and summary as ``run_batch``."""
    from ..generation.errors import ModelError
    log = log or (lambda msg: print(f"worldsmith: {msg}", file=sys.stderr, flush=True))
    summary = RaySummary()
    todo = []
    for it in items:
        (summary.skipped.append(it.id) if is_finished(it, cfg) else todo.append(it))
    if summary.skipped:
        log(f"{len(summary.skipped)} prompt(s) already finished in {cfg.out}: skipped")
    if not todo:
        return summary
    ray = _import_ray()
    started = connect(opts)
    actors: list = []
    try:
        t0 = time.perf_counter()
        nodes = preflight(Path(cfg.out), True, opts.build_cpus, opts.build_gpus)
        cpus = sum(n["cpus"] for n in nodes)
        needs_model = any(it.scene is None for it in todo)
        local_model = needs_model and cfg.backend.get("backend", "local") == "local" and opts.model_actors > 0
        n_build = opts.build_workers or max(1, int((cpus - (opts.model_actors * opts.model_cpus
                                                            if local_model else 0)) // max(opts.build_cpus, 1e-3)))
        n_build = max(1, min(n_build, len(todo)))
        models = []
        if local_model:
            if not any(n.get("Alive") and n["Resources"].get("CPU", 0) >= opts.model_cpus
                       and n["Resources"].get("GPU", 0) >= opts.model_gpus for n in ray.nodes()):
                raise RayBatchError(f"no node of the Ray cluster has the {opts.model_cpus:g} CPU(s) and "
                                    f"{opts.model_gpus:g} GPU(s) a model actor asks for (--model-cpus, --model-gpus)")
            model_cls = ray.remote(ModelActor).options(num_cpus=opts.model_cpus, num_gpus=opts.model_gpus,
                                                       max_restarts=2, max_task_retries=2)
            mset = {**cfg.backend, "threads": max(1, int(opts.model_cpus))}
            models = [model_cls.remote(mset) for _ in range(opts.model_actors)]
            actors += models
            log(f"ray: {len(nodes)} node(s), {cpus:g} CPUs; loading the model in {len(models)} model actor(s)")
            try:
                loads = set(ray.get([m.ready.remote() for m in models], timeout=START_TIMEOUT))
            except ray.exceptions.GetTimeoutError:
                raise ModelError(f"the model actors did not start within {START_TIMEOUT:.0f} s (not enough free "
                                 "CPUs/GPUs for --model-actors x --model-cpus/--model-gpus?)") from None
            except ray.exceptions.RayActorError as exc:
                raise ModelError(f"the model could not be loaded in a model actor: {_cause(exc)}") from None
        else:
            loads = set()
        build_cls = ray.remote(BuildActor).options(num_cpus=opts.build_cpus, num_gpus=opts.build_gpus,
                                                   max_restarts=0)
        drop = tuple(_blender_paths())
        made = [0]

        def new_worker():
            model = models[made[0] % len(models)] if models else None
            made[0] += 1
            a = build_cls.remote(cfg, model, drop)
            actors.append(a)
            return a, a.ready.remote()

        log(f"ray: {len(nodes)} node(s), {cpus:g} CPUs; {n_build} build worker(s)"
            + (f", {len(models)} model actor(s)" if models else ""))
        pending = dict(new_worker()[::-1] for _ in range(n_build))   # ready ref -> actor
        idle: list = []
        busy: dict = {}                                              # process ref -> (actor, item)
        queue, attempts = deque(todo), {}
        progress = Progress(len(items), len(summary.skipped))
        lost = start_failures = 0
        overhead: list[float] = []
        last_change = time.monotonic()
        while queue or busy:
            while idle and queue:
                a, it = idle.pop(), queue.popleft()
                busy[a.process.remote(it)] = (a, it, time.perf_counter())
            if not busy and not pending:
                summary.stopped = "no build worker is left to run the batch"
                break
            done, _ = ray.wait(list(busy) + list(pending), num_returns=1, timeout=1.0)
            if not done:
                if not busy and time.monotonic() - last_change > START_TIMEOUT:
                    summary.stopped = (f"no build worker started within {START_TIMEOUT:.0f} s "
                                       "(not enough CPUs/GPUs in the cluster for --build-cpus/--build-gpus?)")
                    break
                continue
            ref = done[0]
            last_change = time.monotonic()
            if ref in pending:
                a = pending.pop(ref)
                try:
                    ray.get(ref)
                    idle.append(a)
                except ray.exceptions.RayError as exc:
                    start_failures += 1
                    log(f"ray: a build worker could not start: {_cause(exc)}")
                    if start_failures > opts.retries + n_build:
                        summary.stopped = f"build workers keep failing to start: {_cause(exc)}"
                        break
                    r, a2 = new_worker()[::-1]
                    pending[r] = a2
                continue
            a, it, sent = busy.pop(ref)
            try:
                res = ray.get(ref)
            except ray.exceptions.RayTaskError as exc:
                res = {"id": it.id, "line": it.line, "status": "failed", "reason": _cause(exc)}
            except ray.exceptions.RayError as exc:   # the worker or its node died with the prompt
                res = {"id": it.id, "line": it.line, "status": "lost",
                       "reason": f"its build worker died ({_cause(exc)})"}
                ray.kill(a, no_restart=True)
                r, a2 = new_worker()[::-1]
                pending[r] = a2
                a = None
            loads.update(res.pop("model_loads", ()))
            hop = res.pop("model_hop_s", 0.0)
            if res["status"] == "done":   # Ray's share of a scene: the round trip less the work, + model hops
                overhead.append(time.perf_counter() - sent - res["seconds"] + hop)
            if res["status"] == "lost":
                lost += 1
                attempts[it.id] = attempts.get(it.id, 0) + 1
                if attempts[it.id] <= opts.retries:
                    log(f"{it.id} (line {it.line}): {res['reason']}; retrying "
                        f"({attempts[it.id]} of {opts.retries})")
                    queue.appendleft(it)
                else:
                    res["status"] = "failed"
                    res["reason"] = f"lost {attempts[it.id]} times; last: {res['reason']}"
            if a is not None:
                idle.append(a)
            if res["status"] == "fatal":
                summary.stopped = res["reason"]
                break
            if res["status"] in ("done", "failed"):
                (summary.done if res["status"] == "done" else summary.failed).append(res)
                if res["status"] == "failed":
                    log(f"{it.id} (line {it.line}) failed: {res['reason']}")
                progress.update(res["status"])
        if progress.tty:
            progress.draw(end=True)
        summary.ray = {"address": opts.address or "local", "nodes": len(nodes), "cpus": cpus,
                       "build_workers": n_build, "build_workers_started": made[0], "model_actors": len(models),
                       "model_loads": len(loads) if models else (made[0] if needs_model and
                                                                  cfg.backend.get("backend", "local") == "local" else 0),
                       "lost_and_retried": lost,
                       "overhead_s_per_scene": round(statistics.median(overhead), 3) if overhead else None}
        summary.ray["seconds"] = round(time.perf_counter() - t0, 2)
        return summary
    finally:
        for a in actors:
            try:
                ray.kill(a, no_restart=True)
            except Exception:  # already gone with its node
                pass
        if started:
            ray.shutdown()


def _cause(exc: BaseException) -> str:
    """The one line that says why a Ray call failed (its cause, not Ray's traceback)."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException) and cause is not exc:
        return f"{type(cause).__name__}: {cause}".splitlines()[0]
    lines = [x.strip() for x in str(exc).strip().splitlines() if x.strip()]
    return lines[-1] if lines else type(exc).__name__
