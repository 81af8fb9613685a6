"""Train a LoRA adapter for the embedded Gemma 3 270M on make_pairs.py's samples (tools/lora/README.md).

Runs in its own venv (tools/lora/requirements.txt: torch CPU, transformers, peft), never the project's:

    nice -n 19 python tools/lora/train.py --base HF_DIR --pairs pairs.jsonl --out adapter/ --minutes 40

``HF_DIR`` is the GGUF model dequantised to a plain transformers checkpoint (``--from-gguf`` writes it).
The loss is on the reply tokens only; the prompt is the pipeline's whole prompt (system text, examples,
hint), so the adapter learns the task the pipeline asks. Logits are computed for the reply positions only
(the 262k-word output layer over a 1,000-token prompt would cost more than the rest of the model).
A fixed wall-clock budget: it stops after ``--minutes`` and saves the adapter (PEFT format), the loss
curve and the time spent (wall and CPU) in ``train_log.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import time


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def dequantise(gguf_path: str, out: str) -> None:
    """The GGUF file as a plain transformers checkpoint (float32) in ``out``."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer
    d, f = os.path.split(gguf_path)
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    m = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32)
    os.makedirs(out, exist_ok=True)
    sd = {k: v.contiguous() for k, v in m.state_dict().items()}
    if m.config.tie_word_embeddings:
        sd.pop("lm_head.weight", None)
    save_file(sd, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    cfg = m.config.to_dict()
    cfg.pop("quantization_config", None)
    with open(os.path.join(out, "config.json"), "w") as fh:
        json.dump(cfg, fh, indent=1)
    tok.save_pretrained(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="transformers checkpoint folder of the base model")
    ap.add_argument("--from-gguf", default=None, help="first write --base from this GGUF file")
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=40.0, help="wall-clock budget")
    ap.add_argument("--max-steps", type=int, default=10_000)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--alpha", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--accum", type=int, default=4, help="samples per optimiser step")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    t0, c0 = time.time(), cpu_seconds()

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.from_gguf:
        dequantise(args.from_gguf, args.base)
    tok = AutoTokenizer.from_pretrained(args.base)
    model = AutoModelForCausalLM.from_pretrained(args.base, dtype=torch.float32)
    cfg = LoraConfig(r=args.rank, lora_alpha=args.alpha, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                     target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    model = get_peft_model(model, cfg)
    model.train()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    rows = [json.loads(line) for line in open(args.pairs, encoding="utf-8")]
    random.Random(args.seed).shuffle(rows)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.0)
    inner = model.base_model.model          # Gemma3ForCausalLM with LoRA layers
    log = {"trainable_params": trainable, "rank": args.rank, "alpha": args.alpha, "lr": args.lr,
           "accum": args.accum, "pairs_available": len(rows), "steps": [], "threads": args.threads}
    budget = args.minutes * 60
    step = seen = 0
    setup_s = time.time() - t0
    print(f"setup {setup_s:.0f} s, {trainable:,} trainable parameters, {len(rows)} pairs", flush=True)
    while step < args.max_steps and time.time() - t0 < budget + setup_s:
        opt.zero_grad(set_to_none=True)
        losses, tokens = [], 0
        for _ in range(args.accum):
            row = rows[seen % len(rows)]
            seen += 1
            # llama.cpp's token ids (make_pairs.py): transformers' reading of the GGUF tokenizer splits
            # the same text into other (more) tokens, and the adapter must learn the ids it will see
            p, c = row["prompt_ids"], row["completion_ids"]
            ids = torch.tensor([p + c])
            hidden = inner.model(input_ids=ids).last_hidden_state        # (1, T, H)
            h = hidden[0, len(p) - 1:len(p) + len(c) - 1]                 # positions that predict the reply
            logits = inner.lm_head(h)
            if getattr(inner.config, "final_logit_softcapping", None):
                cap = inner.config.final_logit_softcapping
                logits = torch.tanh(logits / cap) * cap
            loss = torch.nn.functional.cross_entropy(logits.float(), torch.tensor(c))
            (loss / args.accum).backward()
            losses.append(loss.item())
            tokens += len(p) + len(c)
        opt.step()
        step += 1
        entry = {"step": step, "loss": round(sum(losses) / len(losses), 4), "samples": seen, "tokens": tokens,
                 "wall_s": round(time.time() - t0, 1), "cpu_s": round(cpu_seconds() - c0, 1)}
        log["steps"].append(entry)
        print(json.dumps(entry), flush=True)
    os.makedirs(args.out, exist_ok=True)
    model.save_pretrained(args.out)
    log.update(samples_seen=seen, optimiser_steps=step, wall_s=round(time.time() - t0, 1),
               cpu_s=round(cpu_seconds() - c0, 1), setup_s=round(setup_s, 1))
    with open(os.path.join(args.out, "train_log.json"), "w") as fh:
        json.dump(log, fh, indent=1)
    print(f"done: {step} steps, {seen} samples, wall {log['wall_s']} s, cpu {log['cpu_s']} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
