// The behaviour-cloning policy network: the K most recent frames in, one logit per action out. The same
// architecture serves every policy of the experiment (latent actions as classes for the Genie policy, real
// actions for the oracle and the label-only baseline), so the methods differ only in their labels.
//
// A small convolutional network in the style of Atari DQN agents (Mnih et al. 2015): the K frames are
// stacked as channels, then strided convolutions, a hidden layer and the action head. The engine has no
// convolution primitive, so each convolution has kernel = stride (non-overlapping): patchify the feature
// map and apply one Linear to every patch, which is exactly that convolution. Tokens come out in raster
// order over the patch grid, so the result is again a feature map (patch.ts) for the next layer.
//
// Dimension keys: B batch, K frames of history, H x W x C pixels, G = H'/W' grid of a layer, F features.
import { Linear, Module, permute, relu, reshape } from '../engine/index.ts';
import type { Rng, Tensor } from '../engine/index.ts';
import { patchify } from '../models/index.ts';

export interface PolicyNetConfig {
  historyFrames: number; // K: the policy sees frames t-K+1..t (paper App. E conditions on recent frames)
  convs: { kernel: number; channels: number }[]; // each kernel = its stride; must tile the map it gets
  hidden: number;
}

// 64x64 frames: 16x16x32, then 8x8x64, then 4x4x64 maps; ~0.3M parameters, ~2.6M multiply-adds per frame
// stack, cheap enough to train several policies and run them closed-loop on 2 CPU cores.
export const DEFAULT_POLICY_NET: PolicyNetConfig = {
  historyFrames: 4,
  convs: [
    { kernel: 4, channels: 32 },
    { kernel: 2, channels: 64 },
    { kernel: 2, channels: 64 },
  ],
  hidden: 256,
};

export class PolicyNet extends Module {
  convs: Linear[];
  hidden: Linear;
  head: Linear;
  private readonly grids: { rows: number; cols: number }[] = [];

  constructor(
    readonly config: PolicyNetConfig,
    readonly frame: { height: number; width: number; channels: number },
    readonly classes: number,
    rng: Rng,
  ) {
    super();
    let { height: rows, width: cols } = frame;
    let features = config.historyFrames * frame.channels;
    this.convs = config.convs.map(({ kernel, channels }, i) => {
      if (rows % kernel !== 0 || cols % kernel !== 0) {
        throw new Error(`policy net: conv ${i} (kernel ${kernel}) does not tile its ${rows}x${cols} input map (frames ${frame.height}x${frame.width}); choose kernels whose product divides the frame size`);
      }
      const layer = new Linear(kernel * kernel * features, channels, rng);
      rows /= kernel;
      cols /= kernel;
      features = channels;
      this.grids.push({ rows, cols });
      return layer;
    });
    this.hidden = new Linear(rows * cols * features, config.hidden, rng);
    this.head = new Linear(config.hidden, classes, rng);
  }

  // frames (B, K, H, W, C) in [0, 1], oldest first -> logits (B, classes).
  forward(frames: Tensor): Tensor {
    const [batch, history, height, width, channels] = frames.shape;
    const { historyFrames } = this.config;
    if (frames.shape.length !== 5 || history !== historyFrames || height !== this.frame.height || width !== this.frame.width || channels !== this.frame.channels) {
      throw new Error(`policy net: frames (${frames.shape.join(', ')}) must be (B, ${historyFrames}, ${this.frame.height}, ${this.frame.width}, ${this.frame.channels})`);
    }
    // Stack the history as channels: (B, 1, H, W, K*C), one "frame" for patchify.
    let x = reshape(permute(frames, [0, 2, 3, 1, 4]), [batch, 1, height, width, history * channels]);
    this.convs.forEach((conv, i) => {
      const { rows, cols } = this.grids[i];
      const patches = patchify(x, this.config.convs[i].kernel); // (B, 1, G*G, k*k*F)
      x = reshape(relu(conv.forward(patches)), [batch, 1, rows, cols, this.config.convs[i].channels]); // (B, 1, G, G, F')
    });
    return this.head.forward(relu(this.hidden.forward(reshape(x, [batch, -1])))); // (B, classes)
  }
}

// The index of the largest value (the first on ties): the most likely class of a row of logits.
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
