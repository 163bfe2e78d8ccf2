#!/usr/bin/env python3
"""PyTorch side of the bench:* scripts: a long-lived worker that times one workload per request.

A bench starts it once (so interpreter start-up and torch import stay out of the timings), then alternates
with our engine, sending one JSON command per line on stdin and reading one JSON line back:
    {"op": "block", "iters": n, "shape": {clips, frames, tokens, width, heads, mlp}}
        n x (zero grads, forward, loss = sum(block(x) * R), backward) on one ST block
    {"op": "matmul", "iters": n, "size": s}         n x one (s x s) @ (s x s) float32 product
    {"op": "dynamics", "iters": n, "shape": {clips, frames, tokens, width, heads, layers, vocab}}
        n x one AdamW training step of bench/ref_dynamics.py's model with QK-norm blocks (see QKNormDynamics)
-> {"ms": [per-iteration milliseconds]}, or {"error": "..."}. The first line it prints describes the setup.
Models and inputs are built on first use of a shape and kept. The ST block is test/fixtures/st_block.py's
STBlock: the definition our TypeScript block follows and the cross-check fixtures come from.
"""
import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures"))
import torch
import torch.nn as nn
import torch.nn.functional as F

from st_block import STBlock

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--attention", choices=["sdpa", "math"], default="sdpa",
                    help="sdpa: F.scaled_dot_product_attention (torch >= 2.0, PyTorch's fused CPU kernel); "
                         "math: matmul + softmax written out (all torch 1.13 has)")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
USE_SDPA = args.attention == "sdpa" and hasattr(F, "scaled_dot_product_attention")


class QKNormDynamics(nn.Module):
    """bench/ref_dynamics.py's Dynamics (embedding + learned spatial/temporal positions, ST blocks, final
    LayerNorm, head) with st_block.STBlock, i.e. with QK-norm: the model bench/dynamics.ts builds on our engine."""

    def __init__(self, vocab, d, heads, layers, frames, tokens):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos_s = nn.Parameter(torch.randn(1, 1, tokens, d) * 0.02)
        self.pos_t = nn.Parameter(torch.randn(1, frames, 1, d) * 0.02)
        self.blocks = nn.ModuleList([STBlock(d, heads, 4 * d, use_sdpa=USE_SDPA) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, ids):  # (B, T, N) int64 -> (B, T, N, vocab)
        x = self.tok(ids) + self.pos_s + self.pos_t
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


def block_step(shape):
    block = STBlock(shape["width"], shape["heads"], shape["mlp"], use_sdpa=USE_SDPA)
    size = (shape["clips"], shape["frames"], shape["tokens"], shape["width"])
    x = torch.randn(*size, requires_grad=True)
    loss_weights = torch.randn(*size)

    def step():
        block.zero_grad(set_to_none=True)
        x.grad = None
        loss = (block(x) * loss_weights).sum()
        loss.backward()
        loss.item()
    return step


def matmul_step(size):
    a, b = torch.randn(size, size), torch.randn(size, size)
    return lambda: a @ b


def dynamics_step(shape):
    vocab, size = shape["vocab"], (shape["clips"], shape["frames"], shape["tokens"])
    model = QKNormDynamics(vocab, shape["width"], shape["heads"], shape["layers"], shape["frames"], shape["tokens"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
    ids, targets = torch.randint(0, vocab, size), torch.randint(0, vocab, size)

    def step():  # exactly ref_dynamics.py's timed step
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids).reshape(-1, vocab), targets.reshape(-1))
        loss.backward()
        optimizer.step()
        loss.item()
    return step


BUILDERS = {"block": lambda c: block_step(c["shape"]), "matmul": lambda c: matmul_step(c["size"]),
            "dynamics": lambda c: dynamics_step(c["shape"])}
steps = {}


def timed(step, iters):
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
       "attention": "sdpa" if USE_SDPA else "math", "python": sys.executable,
       "parallel_info": torch.__config__.parallel_info().splitlines()[:8]})
for line in sys.stdin:
    if not line.strip():
        continue
    command = json.loads(line)
    op = command.get("op")
    if op not in BUILDERS:
        reply({"error": f"unknown op {op!r}; expected one of {sorted(BUILDERS)}"})
        continue
    key = json.dumps({k: v for k, v in command.items() if k != "iters"}, sort_keys=True)
    try:
        if key not in steps:
            steps[key] = BUILDERS[op](command)
        reply({"ms": timed(steps[key], int(command["iters"]))})
    except Exception as err:  # report to the bench instead of dying silently
        reply({"error": f"{op}: {type(err).__name__}: {err}"})
