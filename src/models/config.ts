// Model settings of Genie's three components (Bruce et al., ICML 2024), validated with zod. Training
// settings (learning rate, batch, steps) belong to src/train; what is here fixes the architecture, so a
// checkpoint's saved model config alone rebuilds its modules. The named presets live in presets.ts.
import { z } from 'zod';

const count = z.number().int().positive();
const fraction = z.number().min(0).max(1);

// One ST-transformer stack (paper Fig. 4): `blocks` spatiotemporal blocks, each spatial attention over the
// tokens of a frame, causal temporal attention over frames, then ONE feed-forward layer.
export const stTransformerSchema = z
  .strictObject({
    blocks: count,
    width: count, // D
    heads: count,
    // The paper's "k/q size": width of one attention head. Omitted: width / heads (st-block spec).
    headDim: count.optional(),
    // Feed-forward width M = round(mlpRatio * width).
    mlpRatio: z.number().positive(),
  })
  .refine((s) => s.headDim !== undefined || s.width % s.heads === 0, {
    message: 'width must be divisible by heads (or set headDim, the width of one head)',
    path: ['heads'],
  });

// Cosine vector quantiser (st-block.md): l2-normalised inputs and codes, straight-through gradient.
export const quantizerSchema = z.strictObject({
  codes: count, // K: 1024 for the tokenizer, |A| for the latent action model
  latentDim: count, // Dz: width of a code
  commitment: z.number().min(0), // beta in codebook_loss + beta * commitment_loss (paper: 0.25)
  // Dead-code reset: every `resetEvery` training steps the trainer calls resetDeadCodes(), which moves
  // each code used less than `deadBelow` x the mean usage onto a recent encoder output. Open VQ-VAE
  // reimplementations most often fail by codebook collapse; this is the usual cure.
  resetEvery: count,
  deadBelow: fraction,
  // Batch-entropy regulariser: weight x (0.5 H(per-sample code distribution) - H(batch mean)), code
  // distributions softmax(cosine similarity / temperature). 0 turns it off. Needed by the latent action
  // model: with plain VQ its 8 codes collapsed to one within 50 steps on CoinRun (cpu-feasibility.md).
  entropyWeight: z.number().min(0),
  entropyTemperature: z.number().positive(),
});

export const videoSchema = z.strictObject({
  height: count,
  width: count,
  channels: count,
  frames: count, // sequence length in training and the context window at play time (paper: 16)
  fps: z.number().positive(),
});

export const tokenizerSchema = z.strictObject({
  patch: count, // P: each frame is cut into (H/P) x (W/P) patches, one token each
  encoder: stTransformerSchema,
  decoder: stTransformerSchema,
  quantizer: quantizerSchema,
});

export const latentActionSchema = z.strictObject({
  patch: count,
  encoder: stTransformerSchema,
  decoder: stTransformerSchema,
  quantizer: quantizerSchema, // codes = |A|, the number of latent actions a player can choose from
  // Motion features (lam.ts, motion.ts): the encoder sees how well each shift of the previous frame fits each
  // patch, and the decoder draws patches from shifted copies of x_t. The shifts cover the largest move
  // between frames, in pixels. Not in the paper: its LAM learnt motion from pixels at a scale we lack.
  motion: z.strictObject({ maxShiftX: z.number().int().min(0), maxShiftY: z.number().int().min(0) }).optional(),
  // Which encoder features the latent of t -> t+1 is read from (lam.ts): 'pair', frames t and t+1 (default);
  // 'next', frame t+1 alone. With motion features frame t+1's tokens hold the move t -> t+1, and frame t's
  // half of a pair the move before it, which the codes then followed (src/bc/README.md, session 10).
  latentFrom: z.enum(['pair', 'next']).optional(),
});

export const dynamicsSchema = z
  .strictObject({
    transformer: stTransformerSchema,
    // Training masks each token of frames 2..T with a probability drawn from U[min, max] (paper: [0.5, 1]).
    maskRateMin: fraction,
    maskRateMax: fraction,
    // MaskGIT decoding of one frame: paper 25 steps; temperature 2 for Platformers, 1 for CoinRun.
    maskgitSteps: count,
    temperature: z.number().min(0),
    // Generation holds video.frames frames of context; once full, it drops this many of the oldest at once
    // and recomputes the KV cache of the rest (sample.ts). 1 keeps the most context, at the cost of a
    // recomputation per frame; default half the window (windowSlide() below).
    windowSlide: count.optional(),
  })
  .refine((d) => d.maskRateMin <= d.maskRateMax, { message: 'maskRateMin must be <= maskRateMax', path: ['maskRateMin'] });

export const modelConfigSchema = z
  .strictObject({
    name: z.string().min(1),
    video: videoSchema,
    tokenizer: tokenizerSchema,
    lam: latentActionSchema,
    dynamics: dynamicsSchema,
  })
  .superRefine((config, ctx) => {
    const slide = config.dynamics.windowSlide;
    if (slide !== undefined && slide >= config.video.frames) {
      ctx.addIssue({ code: 'custom', path: ['dynamics', 'windowSlide'], message: `windowSlide ${slide} must be below video.frames ${config.video.frames}: a slide keeps at least one frame` });
    }
    for (const part of ['tokenizer', 'lam'] as const) {
      const patch = config[part].patch;
      for (const side of ['height', 'width'] as const) {
        if (config.video[side] % patch !== 0) {
          ctx.addIssue({
            code: 'custom',
            path: [part, 'patch'],
            message: `patch ${patch} does not tile video.${side} ${config.video[side]}`,
          });
        }
      }
    }
  });

export type STTransformerConfig = z.infer<typeof stTransformerSchema>;
export type QuantizerConfig = z.infer<typeof quantizerSchema>;
export type VideoConfig = z.infer<typeof videoSchema>;
export type TokenizerConfig = z.infer<typeof tokenizerSchema>;
export type LatentActionConfig = z.infer<typeof latentActionSchema>;
export type DynamicsConfig = z.infer<typeof dynamicsSchema>;
export type ModelConfig = z.infer<typeof modelConfigSchema>;

export function headDim(s: STTransformerConfig): number {
  return s.headDim ?? s.width / s.heads;
}

export function mlpWidth(s: STTransformerConfig): number {
  return Math.round(s.mlpRatio * s.width);
}

export function tokensPerFrame(video: VideoConfig, patch: number): number {
  return (video.height / patch) * (video.width / patch);
}

// Frames dropped at once when the generation window is full (see dynamicsSchema).
export function windowSlide(config: ModelConfig): number {
  return config.dynamics.windowSlide ?? Math.max(1, Math.floor(config.video.frames / 2));
}
