// Parameter counts and generation cost computed from a config alone, without allocating anything, so that
// `genie model info` can size the paper's 10.7B model on a laptop. The arithmetic mirrors the modules
// parameter by parameter; model-size.test.ts checks it against constructed models.
import { headDim, mlpWidth, tokensPerFrame, windowSlide as windowSlideOf } from './config.ts';
import type { ModelConfig, STTransformerConfig } from './config.ts';
import { shiftGrid } from './motion.ts';

const linear = (inputs: number, outputs: number) => inputs * outputs + outputs; // weight + bias
const layerNorm = (width: number) => 2 * width;

// st-transformer.ts: STBlock = spatial_norm, spatial_attn, temporal_norm, temporal_attn, ffn_norm, ffn;
// the stack adds a final LayerNorm.
export function stBlockParameters(s: STTransformerConfig): number {
  const inner = s.heads * headDim(s);
  const attention = linear(s.width, 3 * inner) + 2 * layerNorm(headDim(s)) + linear(inner, s.width);
  const ffn = linear(s.width, mlpWidth(s)) + linear(mlpWidth(s), s.width);
  return 3 * layerNorm(s.width) + 2 * attention + ffn;
}

export function stTransformerParameters(s: STTransformerConfig): number {
  return s.blocks * stBlockParameters(s) + layerNorm(s.width);
}

export interface ComponentSize {
  total: number;
  parts: Record<string, number>;
}

function component(parts: Record<string, number>): ComponentSize {
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

// Patch embedding + spatial and temporal position tables, as every model embeds its input.
function positions(config: ModelConfig, tokens: number, width: number): number {
  return tokens * width + config.video.frames * width;
}

export function tokenizerParameters(config: ModelConfig): ComponentSize {
  const { patch, encoder, decoder, quantizer } = config.tokenizer;
  const pixels = patch * patch * config.video.channels;
  const tokens = tokensPerFrame(config.video, patch);
  return component({
    encoder:
      linear(pixels, encoder.width) +
      positions(config, tokens, encoder.width) +
      stTransformerParameters(encoder) +
      linear(encoder.width, quantizer.latentDim),
    codebook: quantizer.codes * quantizer.latentDim,
    decoder:
      linear(quantizer.latentDim, decoder.width) +
      positions(config, tokens, decoder.width) +
      stTransformerParameters(decoder) +
      linear(decoder.width, pixels),
  });
}

export function latentActionParameters(config: ModelConfig): ComponentSize {
  const { patch, encoder, decoder, quantizer, motion } = config.lam;
  const pixels = patch * patch * config.video.channels;
  const tokens = tokensPerFrame(config.video, patch);
  const shifts = motion ? shiftGrid(motion.maxShiftX, motion.maxShiftY).length : 0;
  return component({
    encoder:
      linear(pixels, encoder.width) +
      (motion ? linear(shifts, encoder.width) : 0) + // cost volume embedding
      positions(config, tokens, encoder.width) +
      stTransformerParameters(encoder) +
      linear((config.lam.latentFrom === 'next' ? 1 : 2) * tokens * encoder.width, quantizer.latentDim), // reads the flattened features of one or two frames
    codebook: quantizer.codes * quantizer.latentDim,
    decoder:
      linear(pixels, decoder.width) +
      positions(config, tokens, decoder.width) +
      linear(quantizer.latentDim, decoder.width) + // action embedding
      stTransformerParameters(decoder) +
      linear(decoder.width, pixels) +
      (motion ? linear(decoder.width, shifts) : 0), // weights of the shifted copies
  });
}

export function dynamicsParameters(config: ModelConfig): ComponentSize {
  const { transformer } = config.dynamics;
  const codes = config.tokenizer.quantizer.codes;
  const tokens = tokensPerFrame(config.video, config.tokenizer.patch);
  return component({
    embeddings:
      (codes + 1) * transformer.width + // token table plus the mask token
      positions(config, tokens, transformer.width) +
      linear(config.lam.quantizer.latentDim, transformer.width), // action embedding
    transformer: stTransformerParameters(transformer),
    // MaskGIT's head: dense + layer norm, logits against the token table (counted above) plus a bias per code
    head: linear(transformer.width, transformer.width) + layerNorm(transformer.width) + codes,
  });
}

// Multiply-adds x 2 of one frame of N tokens through an ST stack whose temporal attention sees `context`
// frames (itself included). Norms and element-wise ops are left out: they are a few percent at most.
export function stFrameFlops(s: STTransformerConfig, tokens: number, context: number): number {
  const inner = s.heads * headDim(s);
  const linears = 2 * tokens * (2 * 4 * inner * s.width + 2 * s.width * mlpWidth(s));
  const attention = 4 * tokens * tokens * inner + 4 * tokens * context * inner;
  return s.blocks * (linears + attention);
}

export interface GenerationCost {
  maskgit: number; // maskgitSteps dynamics passes over the new frame's tokens (KV cache for the past)
  cacheUpdate: number; // one more pass with the chosen tokens, to append the frame's keys and values
  decode: number; // the tokenizer decoder turns the new frame's tokens into pixels (KV cache as well)
  windowSlide: number; // a full window drops windowSlide frames at once and recomputes the rest's keys (per frame)
  total: number;
}

// Estimated FLOPs to generate one frame at play time with a full context window (sample.ts's procedure).
export function generationFlops(config: ModelConfig): GenerationCost {
  const tokens = tokensPerFrame(config.video, config.tokenizer.patch);
  const { transformer, maskgitSteps } = config.dynamics;
  const { decoder, quantizer, patch } = config.tokenizer;
  const context = config.video.frames;
  const dynamicsPass = (ctx: number) =>
    stFrameFlops(transformer, tokens, ctx) + 2 * tokens * transformer.width * (transformer.width + quantizer.codes);
  const decodePass = (ctx: number) =>
    stFrameFlops(decoder, tokens, ctx) +
    2 * tokens * decoder.width * (quantizer.latentDim + patch * patch * config.video.channels);
  // Every `slide` frames the context - slide frames left are run again, one at a time (sample.ts). The
  // decoder's cache restarts at each tokenizer window instead, at no extra cost.
  const slide = windowSlideOf(config);
  let windowSlide = 0;
  for (let ctx = 1; ctx <= context - slide; ctx++) windowSlide += dynamicsPass(ctx) / slide;
  const cost = {
    maskgit: maskgitSteps * dynamicsPass(context),
    cacheUpdate: dynamicsPass(context),
    decode: decodePass(context),
    windowSlide,
  };
  return { ...cost, total: cost.maskgit + cost.cacheUpdate + cost.decode + cost.windowSlide };
}

export interface ModelSize {
  tokenizer: ComponentSize;
  lam: ComponentSize;
  dynamics: ComponentSize;
  total: number;
  tokensPerFrame: { tokenizer: number; lam: number };
  generationFlops: GenerationCost;
}

export function modelSize(config: ModelConfig): ModelSize {
  const tokenizer = tokenizerParameters(config);
  const lam = latentActionParameters(config);
  const dynamics = dynamicsParameters(config);
  return {
    tokenizer,
    lam,
    dynamics,
    total: tokenizer.total + lam.total + dynamics.total,
    tokensPerFrame: {
      tokenizer: tokensPerFrame(config.video, config.tokenizer.patch),
      lam: tokensPerFrame(config.video, config.lam.patch),
    },
    generationFlops: generationFlops(config),
  };
}
