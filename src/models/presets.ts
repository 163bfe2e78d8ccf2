// Named model configs. `genie model info --config NAME` prints their sizes; a JSON file can start from one
// ("extends": NAME) and override any field.
//
// How the paper's tables map onto our ST blocks. The paper lists "num_layers"; read literally as ST blocks
// (two attentions + one FFN each) its models come out twice as large as it states: Table 12's 48 layers of
// d_model 5120 would be 19.1B parameters, not 10.1B; the 12 + 20 tokenizer layers 386M, not 200M; the
// 20 + 20 action-model layers 671M, not 300M. All three figures are met when num_layers counts the spatial
// and the temporal attention layers separately, i.e. blocks = num_layers / 2, with attention width
// num_heads x k/q_size and an FFN of 4.5 x d_model. The same rule reproduces every model of the scaling
// study (Table 10, 41M-2.7B) within 6%; model-size.test.ts checks all of it. The paper does not give the
// FFN width; 4.5 is what its parameter counts imply (fitted per model: 4.1-4.7, median 4.4). Only Table
// 11's "2.3B" fits no reading: its 34 layers at d2560 are 1.2x Table 10's 28-layer 1.6B model.
import type { ModelConfig, QuantizerConfig, STTransformerConfig } from './config.ts';

function st(blocks: number, width: number, heads: number, extra: Partial<STTransformerConfig> = {}): STTransformerConfig {
  return { blocks, width, heads, mlpRatio: 4, ...extra };
}

// Paper tables: FFN 4.5 x d_model (see the header) and, where given, the k/q size.
function paperST(numLayers: number, width: number, heads: number, kqSize?: number): STTransformerConfig {
  return st(numLayers / 2, width, heads, { mlpRatio: 4.5, ...(kqSize ? { headDim: kqSize } : {}) });
}

// Tokenizer codebook: a code unused (< 1% of the mean) over the last 10 steps is moved onto an encoder output.
// Every 50 steps was too slow: on CoinRun the codebook fell to 1-5 codes before the first reset (diagnosis
// runs of the cpu preset, step 150: 26.9 dB PSNR resetting every 10 steps vs 19.9 dB every 50).
function tokenCodebook(codes: number, latentDim: number): QuantizerConfig {
  return { codes, latentDim, commitment: 0.25, resetEvery: 10, deadBelow: 0.01, entropyWeight: 0, entropyTemperature: 0.1 };
}

// Action codebook: the fix measured on CoinRun (cpu-feasibility.md) against collapse to one action:
// batch-entropy term 0.02 at temperature 0.1, and resetting codes used < 0.1 x the mean.
function actionCodebook(actions: number, latentDim: number): QuantizerConfig {
  return { codes: actions, latentDim, commitment: 0.25, resetEvery: 50, deadBelow: 0.1, entropyWeight: 0.02, entropyTemperature: 0.1 };
}

// For unit tests: every component a single small block, so a training step takes a few milliseconds.
const tiny: ModelConfig = {
  name: 'tiny',
  video: { height: 16, width: 16, channels: 3, frames: 4, fps: 10 },
  tokenizer: { patch: 4, encoder: st(1, 32, 2), decoder: st(1, 32, 2), quantizer: tokenCodebook(64, 8) },
  lam: { patch: 8, encoder: st(1, 32, 2), decoder: st(1, 32, 2), quantizer: actionCodebook(4, 8) },
  dynamics: { transformer: st(1, 32, 2), maskRateMin: 0.5, maskRateMax: 1, maskgitSteps: 4, temperature: 1 },
};

// The world shipped with the project: 64x64 RGB at 10 FPS, 16-frame clips, both phases trained on 2 CPU
// cores in <= 2.5 hours (training settings: src/train/run-config.ts; results: worlds/coinrun/README.md).
// - tokenizer patch 4 (256 tokens/frame), d96, 3+3 blocks: patch 8 with the same codebook flattened near
//   26 dB in the prototype (cpu-feasibility.md), under the 28 dB floor. Measured here: 30-38 frames/s on 2
//   cores, 27.3 dB validation PSNR after 2,000 steps, 27.6 dB after 3,200 (50 min; 28.2 dB on the test split).
// - action model patch 16 (16 tokens/frame), d128, 3+3 blocks, 8 actions with the anti-collapse fix:
//   pixels are cheap at patch 16, and the paper found pixel input more controllable than tokens.
// - dynamics d128, 6 blocks: the prototype's size. At 256 tokens/frame a phase-2 step of 4 x 16 frames
//   takes ~3.5 s here (16.5-19 frames/s), so the budget left after the tokenizer buys ~1,400 steps. With
//   MaskGIT's tied output layer (dynamics.ts) they reach 47% masked-token accuracy and 23.1 dB rollouts on
//   coinrun-sticky/test. The first world, with a separate linear head, reached 15% after 560 steps of 6 x 16
//   frames (12.4 dB): below copying each token from the frame before (43% of CoinRun's tokens stay put).
const cpu: ModelConfig = {
  name: 'cpu',
  video: { height: 64, width: 64, channels: 3, frames: 16, fps: 10 },
  tokenizer: { patch: 4, encoder: st(3, 96, 4), decoder: st(3, 96, 4), quantizer: tokenCodebook(1024, 32) },
  lam: { patch: 16, encoder: st(3, 128, 4), decoder: st(3, 128, 4), quantizer: actionCodebook(8, 32) },
  dynamics: { transformer: st(6, 128, 4), maskRateMin: 0.5, maskRateMax: 1, maskgitSteps: 25, temperature: 1 },
};

// Paper App. F, the reproducible CoinRun case study (Tables 15-17): tokenizer encoder/decoder 8 layers
// d512 8 heads, 1024 codes of 32, patch 4; action model 8 + 8 layers d512 8 heads, 6 codes of 32 (patch
// size not given: the Platformers 16); dynamics 12 layers d512 8 heads, temperature 1, 25 MaskGIT steps.
// The paper gives no regularisers for the codebooks; ours are the measured fixes above (no parameters).
const coinrunPaper: ModelConfig = {
  name: 'coinrun-paper',
  video: { height: 64, width: 64, channels: 3, frames: 16, fps: 10 },
  tokenizer: { patch: 4, encoder: paperST(8, 512, 8), decoder: paperST(8, 512, 8), quantizer: tokenCodebook(1024, 32) },
  lam: { patch: 16, encoder: paperST(8, 512, 8), decoder: paperST(8, 512, 8), quantizer: actionCodebook(6, 32) },
  dynamics: { transformer: paperST(12, 512, 8), maskRateMin: 0.5, maskRateMax: 1, maskgitSteps: 25, temperature: 1 },
};

// The paper's 10.7B Genie (Sec. 3, App. C): tokenizer ~200M (Table 7: encoder 12 layers d512 8 heads,
// decoder 20 layers d1024 16 heads, k/q 64, 1024 codes of 32, patch 4), action model ~300M (Table 5: 20 + 20
// layers d1024 16 heads, 8 codes of 32, patch 16), dynamics 10.1B (Table 12: 48 layers, 36 heads, d5120,
// k/q 128), temperature 2. Frames are 160x90 in the paper; 90 rows are padded to 96 so patches of 4 and 16
// tile them (only the position tables grow). Too large to allocate here: `genie model info` counts it.
const platformers11b: ModelConfig = {
  name: 'platformers-11b',
  video: { height: 96, width: 160, channels: 3, frames: 16, fps: 10 },
  tokenizer: {
    patch: 4,
    encoder: paperST(12, 512, 8, 64),
    decoder: paperST(20, 1024, 16, 64),
    quantizer: tokenCodebook(1024, 32),
  },
  lam: { patch: 16, encoder: paperST(20, 1024, 16), decoder: paperST(20, 1024, 16), quantizer: actionCodebook(8, 32) },
  dynamics: { transformer: paperST(48, 5120, 36, 128), maskRateMin: 0.5, maskRateMax: 1, maskgitSteps: 25, temperature: 2 },
};

export const presets: Readonly<Record<string, ModelConfig>> = {
  tiny,
  cpu,
  'coinrun-paper': coinrunPaper,
  'platformers-11b': platformers11b,
};
