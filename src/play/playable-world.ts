// A loaded world folder as the play layer sees it: the prompt is tokenized, each action's frame is made by
// KV-cached MaskGIT (src/models/sample.ts) and decoded back to pixels by the tokenizer.
//
// Decoding follows training: the tokenizer learned on windows of `train.tokenizer.frames` frames, so frame
// t is decoded together with the frames since the start of its window (counted from the prompt), as
// `genie eval` decodes rollouts. The decoder's KV cache holds those frames, so each costs only its own
// tokens; it is filled one frame at a time, so a frame decodes to the same pixels live and after an undo.
import { type Precision, Rng, inference, noGrad, tensor, type Tensor, withPrecision, withScratchMemory } from '../engine/index.ts';
import { tokensPerFrame } from '../models/index.ts';
import { FrameGenerator } from '../models/sample.ts';
import type { LoadedWorld } from '../world/world-folder.ts';
import type { Frame, PlayableWorld, Rollout, SampleOptions } from './world.ts';

// `precision` bf16 runs the models' products in bfloat16 (engine/precision.ts): faster where the CPU has
// AMX tiles or AVX512-BF16; the caller chooses it (choosePrecision), the default is fp32.
export function playableWorld(world: LoadedWorld, precision: Precision = 'fp32'): PlayableWorld {
  const { tokenizer, lam, dynamics } = world.models;
  const { model, train } = world.config;
  const { width, height, channels } = model.video;
  if (channels !== 3) throw new Error(`world ${world.dir}: plays RGB worlds only, this one has ${channels} channels`);
  const tokens = tokensPerFrame(model.video, model.tokenizer.patch);
  const chunk = train.tokenizer.frames;
  const codes = noGrad(() => lam.actionCodes()); // (A, Dz): the latent actions the dynamics model learned
  const [numActions, latentDim] = codes.shape;
  const actionVector = (action: number): Tensor => tensor(codes.data.slice(action * latentDim, (action + 1) * latentDim), [1, latentDim]);
  const asFrame = (video: Tensor): Frame => {
    const rgb = new Uint8Array(width * height * 3); // video (1, 1, H, W, C) in [0, 1]
    for (let i = 0; i < rgb.length; i++) rgb[i] = Math.round(Math.min(1, Math.max(0, video.data[i])) * 255);
    return { width, height, rgb };
  };

  return {
    name: world.manifest.name,
    precision,
    width,
    height,
    numActions,
    keyMap: world.manifest.keyMap,
    examples: world.examples,
    defaults: { temperature: model.dynamics.temperature, maskgitSteps: model.dynamics.maskgitSteps },

    begin(prompt: Frame): Rollout {
      const pixels = Float32Array.from(prompt.rgb, (v) => v / 255);
      const promptTokens = inference(precision, () => tokenizer.tokenize(tensor(pixels, [1, 1, height, width, 3]))); // (1, 1, N)
      const generator = new FrameGenerator(dynamics, 1, true); // fill ahead: no frame pays for a window slide
      inference(precision, () => generator.begin(promptTokens, 1));
      const frames: Frame[] = [prompt]; // the prompt is shown as given, not as the tokenizer sees it

      // Frame `index` decoded after the frames of its window before it; `next` stands in for frame `index`
      // when it is not (yet) in the generator (the legend's previews) and is not kept in the cache.
      let decoder = { start: 0, cache: tokenizer.newDecoderCache(chunk) }; // holds frames start, start + 1, ...
      const decodeFrame = (index: number, next?: Int32Array): Frame => {
        const start = Math.floor(index / chunk) * chunk;
        if (decoder.start !== start || decoder.cache.frames > index - start) decoder = { start, cache: tokenizer.newDecoderCache(chunk) };
        // Pixels are copied out of the decoder's scratch memory (engine withScratchMemory) into the frame.
        const decodeOne = (ids: Int32Array, commit: boolean) =>
          withScratchMemory(() => withPrecision(precision, () => asFrame(tokenizer.decode(ids, [1, 1, tokens], decoder.cache, commit))));
        for (let t = start + decoder.cache.frames; t < index; t++) decodeOne(generator.frame(t), true);
        return decodeOne(next ?? generator.frame(index), next === undefined);
      };
      const maskgit = (options: SampleOptions) => ({ steps: options.maskgitSteps, temperature: options.temperature, rng: new Rng(options.seed) });
      const checkAction = (action: number) => {
        if (!Number.isInteger(action) || action < 0 || action >= numActions) throw new Error(`action ${action} does not exist: this world has actions 0..${numActions - 1}`);
      };

      return {
        get length() {
          return frames.length;
        },
        frame: (index) => frames[index],
        step(action, options) {
          checkAction(action);
          inference(precision, () => generator.step(actionVector(action), maskgit(options)));
          frames.push(decodeFrame(frames.length));
          return frames[frames.length - 1];
        },
        peek(action, options) {
          checkAction(action);
          return decodeFrame(frames.length, inference(precision, () => generator.generate(actionVector(action), maskgit(options))));
        },
        truncate(length) {
          inference(precision, () => generator.truncate(length)); // rebuilds the KV cache
          frames.length = length;
        },
        get bytes() {
          return frames.length * (width * height * 3 + tokens * 4) + generator.cacheBytes + decoder.cache.bytes;
        },
      };
    },
  };
}
