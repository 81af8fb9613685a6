"""Camera framing: every entity in view, seen from -Y looking toward +Y."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# view -> (azimuth deg: 0 = from -Y, negative = from the left; elevation deg)
VIEWS = {
    None: (-12.0, 15.0), "front": (0.0, 15.0), "front_left": (-35.0, 22.0), "front_right": (35.0, 22.0),
    "left": (-80.0, 15.0), "right": (80.0, 15.0), "back": (180.0, 20.0), "top": (0.0, 85.0),
    "aerial": (-20.0, 50.0), "low": (-12.0, 6.0),
}


def look_rotation(direction: np.ndarray) -> tuple[float, float, float]:
    """Euler XYZ for a camera looking along ``direction`` (camera looks down its -Z, up is +Y)."""
    d = direction / np.linalg.norm(direction)
    pitch = math.acos(max(-1.0, min(1.0, -d[2])))      # rotation about X from looking straight down
    yaw = math.atan2(d[1], d[0]) - math.pi / 2          # rotation about Z
    return (pitch, 0.0, yaw)


def frame(points: np.ndarray, view: str | None = None, lens_mm: float = 35.0, aspect: float = 16 / 9,
          zoom: float = 1.0, margin: float = 1.08, sensor_mm: float = 36.0,
          angles: tuple[float, float] | None = None, tilt: float = 0.0):
    """Camera location and rotation so that all ``points`` (N,3) are in view.

    The camera stands on the line from the points' centre at (azimuth, elevation) (``angles`` in
    degrees, else the named ``view``'s) and looks back along it, raised by ``tilt`` degrees (the subject
    then sits low in the frame and the horizon comes into it). The distance is solved exactly per point
    for that orientation, so the frame is as tight as ``margin`` allows.
    """
    az, el = angles if angles is not None else VIEWS.get(view, VIEWS[None])
    az, el = math.radians(az), math.radians(el)
    # unit vector from the target toward the camera
    back = np.array([math.sin(az) * math.cos(el), -math.cos(az) * math.cos(el), math.sin(el)])
    fwd0 = -back
    right = np.cross(fwd0, [0.0, 0.0, 1.0])
    if np.linalg.norm(right) < 1e-6:
        right = np.array([1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    up0 = np.cross(right, fwd0)
    tan_h = (sensor_mm / 2) / lens_mm
    tan_v = tan_h / aspect if aspect >= 1 else tan_h
    if aspect < 1:
        tan_h = tan_v * aspect
    t = math.radians(max(0.0, min(tilt, 0.8 * math.degrees(math.atan(tan_v / margin)))))
    c, s = math.cos(t), math.sin(t)
    fwd, up = c * fwd0 + s * up0, -s * fwd0 + c * up0
    lo, hi = points.min(axis=0), points.max(axis=0)
    center = (lo + hi) / 2
    rel = points - center
    x, y, r = rel @ right, rel @ up, rel @ fwd
    # with loc = center + back * d: depth = r + d c, vertical offset = y - d s (see the docstring)
    need = np.abs(x) * margin / (tan_h * c) - r / c
    need = np.maximum(need, (y * margin - tan_v * r) / (tan_v * c + margin * s))
    need = np.maximum(need, (-y * margin - tan_v * r) / (tan_v * c - margin * s))
    dist = max(float(need.max()), 1.5) / max(zoom, 1e-3)
    # not inside any object: at least clear of the nearest point along the view
    dist = max(dist, float((-(rel @ fwd0)).max()) + 0.5)
    loc = center + back * dist
    if loc[2] < 0.3:
        loc[2] = 0.3
    aim = center - loc
    aim = aim / np.linalg.norm(aim)
    if t:
        side = np.cross(aim, [0.0, 0.0, 1.0])
        side = side / np.linalg.norm(side) if np.linalg.norm(side) > 1e-6 else right
        aim = c * aim + s * np.cross(side, aim)
    return tuple(loc), look_rotation(aim), dist


# ---------------------------------------------------------------------------
# choosing among candidate views

ELEVATION_STEPS = (-10.0, 0.0, 12.0, 24.0)   # lowered (toward eye level) and raised views
YAW_STEPS = (-15.0, 15.0, -30.0, 30.0)       # turned views, tried only when no upright one shows everything
HIGH_ELEVATIONS = (40.0, 60.0)
CLIMB_ELEVATIONS = (40.0, 60.0, 75.0)             # looking down on small things spread on the ground
LENS_STEPS = (18.0, 24.0, 35.0, 50.0, 70.0)   # focal lengths for a thing too small, when the scene gives none
MANY = 60                               # more named things: a coarser grid, fewer views, no climb
SEARCH_PIXEL_MARGIN = 1.1               # see choose_view
FINE_ABOVE, FINE_BELOW = 0.4, 3.0       # things the coarse grid counts at this many MIN_PIXELS (or misses) ...
FINE_MAX = 40                           # ... are counted again at the report's grid (if no more than this)
PROXY_OBJECTS, PROXY_GRID = 6, (160, 90)   # the smallest few, alone, at a middle grid, rank those views
TIGHT_MARGIN = 1.0                     # those views frame the boxes edge to edge (still all in view)
CLIMB_STEPS = 4                        # moves of that climb (azimuth, elevation, lens: one step each)
PROXY_TOP = 3                           # views of that climb scored in full (where they show largest)
MAX_TILT_STEPBACK = 1.25                 # a raised aim may move the camera back this much, no more
SHARE_CAP = 0.6                          # least visible shares above this all count the same


@dataclass
class Choice:
    location: tuple
    rotation: tuple
    angles: tuple[float, float]
    min_share: float
    visible: int
    composition: float
    tried: int
    hidden: list[str]
    lens: float = 35.0
    min_pixels: float = 0.0
    hint_shows_all: bool = True     # the hinted view itself showed every named entity
    small: list[str] = field(default_factory=list)   # shown whole enough, but in too few pixels


def candidate_angles(view: str | None, tan_v: float = 0.29) -> tuple[list[tuple], list[tuple]]:
    """(upright candidates, turned candidates) as (azimuth, elevation, tilt) around the hinted view.

    Upright ones only change the height (down to about eye level, and raise the aim so the horizon
    shows), so left stays left and in front stays in front from every one of them; turned ones yaw a
    little (at most 30 degrees, never past the side the hint looks from), or look down from higher up.
    The tilt puts the horizon about a third from the top of the frame."""
    az, el = VIEWS.get(view, VIEWS[None])
    steps = ELEVATION_STEPS if el < 60.0 else tuple(-2 * d for d in ELEVATION_STEPS if d >= 0)
    els = list(dict.fromkeys(min(85.0, max(4.0, el + d)) for d in steps))
    horizon_pitch = math.degrees(math.atan(0.4 * tan_v))

    def tilts(e):
        return ([e - horizon_pitch, 0.0] if e - horizon_pitch > 1.0 and e <= 30.0 else [0.0])
    upright = [(az, e, t) for e in els for t in tilts(e)]
    if el >= 80.0:
        return upright, []
    near = sorted(els, key=lambda e: (abs(e - el), e))[:2]
    turned = [(az + d, e, 0.0) for d in YAW_STEPS for e in near]
    turned += [(az + d, e, 0.0) for e in HIGH_ELEVATIONS if e > max(els) for d in (0.0, YAW_STEPS[1])]
    return upright, turned


def composition(view, points: np.ndarray, pitch_deg: float) -> float:
    """0..1: the subject's centre near a thirds line, the horizon in the frame near the upper third."""
    u, v, _z = view.project(points.mean(axis=0, keepdims=True))
    cu, cv = float(u[0]), float(v[0])
    thirds = 1.0 - min(3.0 * min(abs(cu - 1 / 3), abs(cu - 2 / 3), abs(cu - 0.5)),
                       3.0 * min(abs(cv - 1 / 3), abs(cv - 2 / 3)), 1.0)
    horizon_v = 0.5 - 0.5 * math.tan(math.radians(pitch_deg)) / view.tan_v
    horizon = max(0.0, 1.0 - 3.0 * abs(horizon_v - 1 / 3)) if 0.05 < horizon_v < 0.95 else 0.0
    return 0.5 * thirds + 0.5 * horizon


def choose_view(points: np.ndarray, roots, view: str | None, lens_mm: float, aspect: float, zoom: float,
                trees=None, occluders=(), lens_given: bool = True) -> Choice:
    """The candidate view that shows the most named entities, then the largest least-visible share, then
    the most pixels for the smallest one (when something is too small to count), then the best
    composition (``visibility.measure`` at its coarse search grid). Every candidate frames all
    ``points``. The upright views around the hint come first; turned, higher and (unless ``lens_given``)
    other focal lengths only when none of those shows everything. The hinted view wins ties."""
    from . import visibility as vis_mod
    trees = trees or vis_mod.Trees()
    grid = vis_mod.SEARCH_GRID if len(roots) <= MANY else (64, 36)
    _th, tan_v = vis_mod.fov_tangents(lens_mm, 36.0, aspect)
    upright, turned = candidate_angles(view, tan_v)
    base_az, base_el = VIEWS.get(view, VIEWS[None])
    if len(roots) > MANY:     # many things: each view costs more, and their sizes are alike
        turned = [c for c in turned if abs(c[0] - base_az) <= 15.0 and c[1] <= base_el + 12.0][:4]
    more = [(c, lens_mm) for c in turned]
    need = SEARCH_PIXEL_MARGIN * vis_mod.MIN_PIXELS
    level_dist: dict[tuple, float] = {}
    state = {"best": None, "key": None, "tried": 0, "hint_shows_all": True}

    def place(cand, margin=1.08):
        (az, el, tilt), lens = cand
        loc, rot, dist = frame(points, view, lens, aspect, zoom, margin, angles=(az, el), tilt=tilt)
        plain = level_dist.get((az, el, lens))
        if plain is None:
            plain = dist if not tilt else frame(points, view, lens, aspect, zoom, angles=(az, el))[2]
            level_dist[(az, el, lens)] = plain
        if tilt and dist > MAX_TILT_STEPBACK * plain:
            return None       # the horizon would cost the subject too much of the frame
        return loc, rot, vis_mod.View.from_matrix(_matrix(loc, rot), lens, 36.0, aspect)

    def evaluate(cand, placed) -> None:
        (az, el, tilt), lens = cand
        loc, rot, v = placed
        vis = vis_mod.measure(roots, v, occluders, grid, trees)
        small = [o for o in roots if vis[o.name].silhouette == 0.0
                 or FINE_ABOVE * vis_mod.MIN_PIXELS <= vis[o.name].pixels < FINE_BELOW * vis_mod.MIN_PIXELS]
        if small and len(small) <= FINE_MAX:    # the coarse grid cannot count a few hundred pixels
            fine = set(small)
            rest = [o for o in roots if o not in fine]
            vis.update(vis_mod.measure(small, v, rest + list(occluders), vis_mod.GRID, trees, clip=True))
        state["tried"] += 1
        shares = [x.share for x in vis.values()]
        n_vis = sum(x.share >= vis_mod.MIN_SHARE and x.pixels >= need for x in vis.values())
        low = min(shares) if shares else 1.0
        px = min((x.pixels for x in vis.values()), default=need)
        comp = composition(v, points, el - tilt)
        # prefer the hint: each step away costs a little, so only a real gain moves the camera
        away = (abs(el - base_el) / 12.0 * 0.15 + abs(az - base_az) / 15.0 * 0.15
                + (0.1 if lens != lens_mm else 0.0))
        key = (n_vis, round(min(low, SHARE_CAP), 1), min(px, need) // 25, comp - away)
        if (az, el, lens) == (base_az, base_el, lens_mm) and not tilt:
            state["hint_shows_all"] = n_vis == len(roots)
        if state["key"] is None or key > state["key"]:
            state["key"] = key
            state["best"] = Choice(loc, rot, (az, el), low, n_vis, comp, 0,
                                   [x.name for x in vis.values() if not x.visible], lens, px,
                                   small=[x.name for x in sorted(vis.values(), key=lambda x: x.pixels)
                                          if x.share >= vis_mod.MIN_SHARE and x.pixels < need])

    def done() -> bool:
        return state["best"] is not None and state["best"].visible == len(roots)

    for cand in ((c, lens_mm) for c in upright):
        placed = place(cand)
        if placed is not None:
            evaluate(cand, placed)
    if not done():
        best = state["best"]
        occluded = best is None or best.min_share < vis_mod.MIN_SHARE
        if occluded:         # something is hidden behind something: look from the turned views
            for cand in [c for c in more if c[1] == lens_mm]:
                placed = place(cand)
                if placed is not None:
                    evaluate(cand, placed)
        best = state["best"]
        by_name = {o.name: o for o in roots}
        small = [] if best is None or len(roots) > MANY else [by_name[n] for n in best.small[:PROXY_OBJECTS]]
        if not done() and small:   # something is too small: climb to the views where it alone shows largest
            azs = [base_az] if base_el >= 80.0 else [base_az + d for d in (-30.0, -15.0, 0.0, 15.0, 30.0)]
            els = sorted({e for (_a, e, _t) in upright} | {e for e in CLIMB_ELEVATIONS if e > base_el})
            lenses = [lens_mm] if lens_given else sorted(set(LENS_STEPS + (lens_mm,)))
            proxy: dict[tuple, tuple] = {}

            def score(ix):
                if ix not in proxy:
                    cand = ((azs[ix[0]], els[ix[1]], 0.0), lenses[ix[2]])
                    placed = place(cand, TIGHT_MARGIN)
                    alone = vis_mod.measure(small, placed[2], (), PROXY_GRID, trees, clip=True)
                    proxy[ix] = (min(x.silhouette for x in alone.values()), cand, placed)
                return proxy[ix][0]
            b = state["best"]
            start = (min(range(len(azs)), key=lambda i: abs(azs[i] - b.angles[0])),
                     min(range(len(els)), key=lambda i: abs(els[i] - b.angles[1])),
                     min(range(len(lenses)), key=lambda i: abs(lenses[i] - b.lens)))
            mid_lens = min(range(len(lenses)), key=lambda i: abs(lenses[i] - 50.0))
            starts = [start, (len(azs) // 2, len(els) - 2, mid_lens)]        # from the best; from above
            starts += [(0, len(els) // 2, mid_lens), (len(azs) - 1, len(els) // 2, mid_lens)]   # from the sides
            for at in dict.fromkeys(starts):
                for _step in range(CLIMB_STEPS):
                    nbrs = [tuple(min(max(at[k] + (d if k == j else 0), 0), n - 1)
                                  for k, n in enumerate((len(azs), len(els), len(lenses))))
                            for j in range(3) for d in (-1, 1)]
                    nxt = max(set(nbrs) - {at}, key=score, default=at)
                    if score(nxt) <= score(at):
                        break
                    at = nxt
            for ix in sorted(proxy, key=lambda k: -proxy[k][0])[:PROXY_TOP]:
                evaluate(proxy[ix][1], proxy[ix][2])
    best = state["best"]
    best.tried = state["tried"]
    best.hint_shows_all = state["hint_shows_all"]
    return best


def _matrix(loc, rot) -> np.ndarray:
    """World matrix of a camera at ``loc`` with Euler XYZ ``rot`` (no roll)."""
    from mathutils import Euler, Matrix, Vector
    return np.array(Matrix.Translation(Vector(loc)) @ Euler(rot, "XYZ").to_matrix().to_4x4())
