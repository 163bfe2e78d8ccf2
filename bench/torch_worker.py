#!/usr/bin/env python3
"""PyTorch side of `npm run bench:engine`: a long-lived worker that times the ST block on request.

bench/engine.ts starts this once (so interpreter start-up and torch import stay out of the timings) and
then alternates with our engine, sending one JSON command per line on stdin:
    {"op": "block", "iters": n}    n x (zero grads, forward, loss = sum(y * R), backward)
    {"op": "matmul", "iters": n}   n x one (1024 x 1024) @ (1024 x 1024) float32 product
and reading one JSON line back: {"ms": [per-iteration milliseconds]}. The first line it prints describes
the setup (torch version, threads, attention path). The block is test/fixtures/st_block.py's STBlock:
the same definition our TypeScript block follows and the cross-check fixtures come from.
"""
import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures"))
import torch
import torch.nn.functional as F

from st_block import STBlock

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--clips", type=int, default=8)
parser.add_argument("--frames", type=int, default=16)
parser.add_argument("--tokens", type=int, default=64)
parser.add_argument("--d", type=int, default=128)
parser.add_argument("--heads", type=int, default=4)
parser.add_argument("--mlp", type=int, default=512)
parser.add_argument("--matmul-size", type=int, default=1024)
parser.add_argument("--attention", choices=["sdpa", "math"], default="sdpa",
                    help="sdpa: F.scaled_dot_product_attention (torch >= 2.0; PyTorch's fused CPU kernel); "
                         "math: matmul + softmax written out (torch 1.13 has only this)")
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(0)
use_sdpa = args.attention == "sdpa" and hasattr(F, "scaled_dot_product_attention")

block = STBlock(args.d, args.heads, args.mlp, use_sdpa=use_sdpa)
x = torch.randn(args.clips, args.frames, args.tokens, args.d, requires_grad=True)
loss_weights = torch.randn(args.clips, args.frames, args.tokens, args.d)
a = torch.randn(args.matmul_size, args.matmul_size)
b = torch.randn(args.matmul_size, args.matmul_size)


def block_step():
    block.zero_grad(set_to_none=True)
    x.grad = None
    loss = (block(x) * loss_weights).sum()
    loss.backward()
    loss.item()


def matmul_step():
    a @ b


STEPS = {"block": block_step, "matmul": matmul_step}


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
       "attention": "sdpa" if use_sdpa else "math", "python": sys.executable,
       "parallel_info": torch.__config__.parallel_info().splitlines()[:8]})
for line in sys.stdin:
    if not line.strip():
        continue
    command = json.loads(line)
    if command.get("op") not in STEPS:
        reply({"error": f"unknown op {command.get('op')!r}; expected one of {sorted(STEPS)}"})
        continue
    reply({"ms": timed(STEPS[command["op"]], int(command["iters"]))})
