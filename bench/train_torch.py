#!/usr/bin/env python3
"""PyTorch side of `npm run bench:train`: the same training steps as src/train's two phases, timed.

A long-lived worker (started once, so interpreter start-up and the torch import stay out of the timings).
One JSON command per stdin line, one JSON reply line:
    {"op": "tokenizer" | "dynamics", "iters": n, "model": <model config>, "train": <phase settings>}
        n x one training step of that phase on random clips -> {"ms": [per-step milliseconds]}
The first line it prints describes the setup. The models mirror src/models (tokenizer.ts, lam.ts,
dynamics.ts) layer for layer, with test/fixtures/st_block.py's STBlock (the definition our blocks follow):
  tokenizer  patch embed, positions, ST encoder + final LayerNorm, to latent, cosine VQ, from latent,
             positions, ST decoder + LayerNorm, to pixels, sigmoid; loss MSE + codebook + beta commitment
  dynamics   the frozen tokenizer's encoder tokenizes the clip in windows of the tokenizer's training length;
             LAM on pixels (action slot token, cosine VQ with the batch-entropy term, decoder with added
             action embeddings); MaskGIT dynamics (per-frame mask rate U[min, max], additive stop-gradient
             action embeddings, MaskGIT's output layer tied to the token table, cross-entropy on masked
             tokens); one AdamW over LAM + dynamics
Each step: forward, backward, global-norm clipping, AdamW (betas from the settings, weight decay on
matrices only), as src/train/loop.ts's optimizerStep.
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

from st_block import STBlock, l2_normalize

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
USE_SDPA = hasattr(F, "scaled_dot_product_attention")


def patchify(frames, p):  # (B, T, H, W, C) -> (B, T, N, P*P*C)
    B, T, H, W, C = frames.shape
    x = frames.reshape(B * T, H // p, p, W // p, p, C).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(B, T, (H // p) * (W // p), p * p * C)


def unpatchify(tokens, p, H, W):  # inverse of patchify
    B, T, N, F_ = tokens.shape
    C = F_ // (p * p)
    x = tokens.reshape(B * T, H // p, W // p, p, p, C).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(B, T, H, W, C)


class Positions(nn.Module):
    def __init__(self, tokens, frames, d):
        super().__init__()
        self.spatial = nn.Parameter(torch.randn(tokens, d) * 0.02)
        self.temporal = nn.Parameter(torch.randn(frames, d) * 0.02)

    def forward(self, x):  # (B, T, N, D)
        return x + self.spatial + self.temporal[: x.shape[1]].unsqueeze(1)


class STTransformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        mlp = round(c["mlpRatio"] * c["width"])
        self.blocks = nn.ModuleList([STBlock(c["width"], c["heads"], mlp, use_sdpa=USE_SDPA) for _ in range(c["blocks"])])
        self.norm = nn.LayerNorm(c["width"])

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.norm(x)


class CosineVQ(nn.Module):
    def __init__(self, q):
        super().__init__()
        self.q = q
        self.codebook = nn.Parameter(torch.randn(q["codes"], q["latentDim"]))

    def forward(self, z):  # (..., Dz) -> output like z, loss
        rows = z.reshape(-1, self.q["latentDim"])
        zn, cn = l2_normalize(rows), l2_normalize(self.codebook)
        indices = (zn @ cn.t()).argmax(dim=1)  # nearest unit code = largest cosine
        q = cn[indices]
        loss = ((zn.detach() - q) ** 2).mean() + self.q["commitment"] * ((zn - q.detach()) ** 2).mean()
        if self.q["entropyWeight"] > 0:
            log_p = F.log_softmax(zn @ cn.t() / self.q["entropyTemperature"], dim=-1)
            p = log_p.exp()
            per_row = -(p * log_p).sum(-1).mean()
            avg = p.mean(0)
            of_batch = -(avg * torch.log(avg + 1e-10)).sum()
            loss = loss + self.q["entropyWeight"] * (0.5 * per_row - of_batch)
        return (zn + (q - zn).detach()).reshape(z.shape), indices, loss


def tokens_per_frame(m, patch):
    return (m["video"]["height"] // patch) * (m["video"]["width"] // patch)


class Tokenizer(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m, t = m, m["tokenizer"]
        pixels, n, frames = t["patch"] ** 2 * m["video"]["channels"], tokens_per_frame(m, t["patch"]), m["video"]["frames"]
        self.patch_embed = nn.Linear(pixels, t["encoder"]["width"])
        self.encoder_positions = Positions(n, frames, t["encoder"]["width"])
        self.encoder = STTransformer(t["encoder"])
        self.to_latent = nn.Linear(t["encoder"]["width"], t["quantizer"]["latentDim"])
        self.quantizer = CosineVQ(t["quantizer"])
        self.from_latent = nn.Linear(t["quantizer"]["latentDim"], t["decoder"]["width"])
        self.decoder_positions = Positions(n, frames, t["decoder"]["width"])
        self.decoder = STTransformer(t["decoder"])
        self.to_pixels = nn.Linear(t["decoder"]["width"], pixels)

    def encode(self, frames):
        x = self.encoder_positions(self.patch_embed(patchify(frames, self.m["tokenizer"]["patch"])))
        return self.quantizer(self.to_latent(self.encoder(x)))

    def forward(self, frames):
        latents, _, vq_loss = self.encode(frames)
        x = self.decoder_positions(self.from_latent(latents))
        patches = torch.sigmoid(self.to_pixels(self.decoder(x)))
        v = self.m["video"]
        return F.mse_loss(unpatchify(patches, self.m["tokenizer"]["patch"], v["height"], v["width"]), frames) + vq_loss


class LatentActions(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m, l = m, m["lam"]
        pixels, n, frames = l["patch"] ** 2 * m["video"]["channels"], tokens_per_frame(m, l["patch"]), m["video"]["frames"]
        d_enc, d_dec, dz = l["encoder"]["width"], l["decoder"]["width"], l["quantizer"]["latentDim"]
        self.patch_embed = nn.Linear(pixels, d_enc)
        self.encoder_positions = Positions(n + 1, frames, d_enc)
        self.encoder = STTransformer(l["encoder"])
        self.to_latent = nn.Linear(d_enc, dz)
        self.quantizer = CosineVQ(l["quantizer"])
        self.decoder_patch_embed = nn.Linear(pixels, d_dec)
        self.decoder_positions = Positions(n, frames, d_dec)
        self.action_embed = nn.Linear(dz, d_dec)
        self.decoder = STTransformer(l["decoder"])
        self.to_pixels = nn.Linear(d_dec, pixels)

    def forward(self, frames):
        B, T, H, W, _ = frames.shape
        p = self.m["lam"]["patch"]
        x = self.patch_embed(patchify(frames, p))
        x = torch.cat([x, x.new_zeros(B, T, 1, x.shape[-1])], dim=2)
        h = self.encoder(self.encoder_positions(x))
        latents, _, vq_loss = self.quantizer(self.to_latent(h[:, 1:, -1]))  # (B, T-1, Dz)
        y = self.decoder_positions(self.decoder_patch_embed(patchify(frames[:, :-1], p)))
        y = y + self.action_embed(latents).unsqueeze(2)
        predicted = unpatchify(torch.sigmoid(self.to_pixels(self.decoder(y))), p, H, W)
        return latents, F.mse_loss(predicted, frames[:, 1:]) + vq_loss


class Dynamics(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m, d = m, m["dynamics"]["transformer"]["width"]
        self.mask_token = m["tokenizer"]["quantizer"]["codes"]
        self.token_embed = nn.Embedding(self.mask_token + 1, d)
        self.positions = Positions(tokens_per_frame(m, m["tokenizer"]["patch"]), m["video"]["frames"], d)
        self.action_embed = nn.Linear(m["lam"]["quantizer"]["latentDim"], d)
        self.transformer = STTransformer(m["dynamics"]["transformer"])
        self.head_dense = nn.Linear(d, d)  # MaskGIT's output layer, tied to the token table (dynamics.ts)
        self.head_norm = nn.LayerNorm(d)
        self.head_bias = nn.Parameter(torch.zeros(self.mask_token))

    def forward(self, ids, latents):  # ids (B, T, N), latents (B, T-1, Dz)
        B, T, N = ids.shape
        lo, hi = self.m["dynamics"]["maskRateMin"], self.m["dynamics"]["maskRateMax"]
        rate = lo + (hi - lo) * torch.rand(B, T, 1)
        mask = torch.rand(B, T, N) < rate
        mask[:, 0] = False
        x = self.positions(self.token_embed(torch.where(mask, torch.full_like(ids, self.mask_token), ids)))
        action = self.action_embed(latents.detach()).unsqueeze(2)  # (B, T-1, 1, D)
        x = torch.cat([x[:, :1], x[:, 1:] + action], dim=1)
        h = self.head_norm(F.gelu(self.head_dense(self.transformer(x))))
        logits = F.linear(h, self.token_embed.weight[: self.mask_token], self.head_bias)
        return F.cross_entropy(logits[mask], ids[mask])


def adamw(modules, s):
    params = [p for m in modules for p in m.parameters()]
    decay = [p for p in params if p.dim() >= 2]
    rest = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": s["weightDecay"]}, {"params": rest, "weight_decay": 0.0}]
    return params, torch.optim.AdamW(groups, lr=s["lr"], betas=(s["beta1"], s["beta2"]))


def random_clips(m, s):
    v = m["video"]
    return torch.randint(0, 256, (s["batchSize"], s["frames"], v["height"], v["width"], v["channels"]), dtype=torch.uint8)


def tokenizer_step(m, s, tokenizer_frames):
    model = Tokenizer(m)
    params, optimizer = adamw([model], s)
    clips = random_clips(m, s)

    def loss():
        return model(clips.float() / 255)
    return params, optimizer, loss, s["gradClip"]


def dynamics_step(m, s, tokenizer_frames):
    tokenizer = Tokenizer(m).eval()
    lam, dynamics = LatentActions(m), Dynamics(m)
    params, optimizer = adamw([lam, dynamics], s)
    clips = random_clips(m, s)

    def loss():
        frames = clips.float() / 255
        with torch.no_grad():  # tokens of each window of the tokenizer's training length
            ids = torch.cat([tokenizer.encode(frames[:, t:t + tokenizer_frames])[1].reshape(frames.shape[0], -1, tokens_per_frame(m, m["tokenizer"]["patch"]))
                             for t in range(0, frames.shape[1], tokenizer_frames)], dim=1)
        latents, lam_loss = lam(frames)
        return dynamics(ids, latents) + lam_loss
    return params, optimizer, loss, s["gradClip"]


def make_step(command):
    builder = {"tokenizer": tokenizer_step, "dynamics": dynamics_step}[command["op"]]
    params, optimizer, loss_fn, clip = builder(command["model"], command["train"], command.get("tokenizerFrames", 4))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, clip)
        optimizer.step()
        loss.item()
    return step


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "attention": "sdpa" if USE_SDPA else "math", "python": sys.executable})
steps = {}
for line in sys.stdin:
    if not line.strip():
        continue
    command = json.loads(line)
    if command.get("op") not in ("tokenizer", "dynamics"):
        reply({"error": f"unknown op {command.get('op')!r}; expected tokenizer or dynamics"})
        continue
    key = json.dumps({k: v for k, v in command.items() if k != "iters"}, sort_keys=True)
    try:
        if key not in steps:
            steps[key] = make_step(command)
        times = []
        for _ in range(int(command["iters"])):
            start = time.perf_counter()
            steps[key]()
            times.append((time.perf_counter() - start) * 1e3)
        reply({"ms": times})
    except Exception as err:  # report to the bench instead of dying silently
        reply({"error": f"{command['op']}: {type(err).__name__}: {err}"})
