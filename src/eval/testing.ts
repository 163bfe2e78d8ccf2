// Test doubles for the eval tests (not used outside tests): a tiny labelled split in the CoinRun layout
// whose frames follow from its actions, and fake worlds with known behaviour.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { writeVideoFile } from '../data/index.ts';
import { Rng } from '../engine/index.ts';
import { frameSize, videoBatch, type EvalWorld, type GenerateRequest, type VideoBatch } from './eval-world.ts';
import type { EvalClip, EvalSplit } from './split.ts';

export const COINRUN_ACTION_NAMES = ['LEFT+DOWN', 'LEFT', 'LEFT+UP', 'DOWN', 'NOOP', 'UP', 'RIGHT+DOWN', 'RIGHT', 'RIGHT+UP', 'D', 'A', 'W', 'S', 'Q', 'E'];

export function temporaryFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), `genie-eval-${prefix}-`));
  after(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

// A 6x6 white block on a per-clip background moves 3 px left or right under CoinRun's LEFT / RIGHT
// actions and 3 px up under UP (falling back 3 px otherwise), with the CoinRun alignment:
// (frame i, actions[i]) -> frame i+1.
export function blockClips(options: { clips: number; frames: number; size?: number; seed?: number }): EvalClip[] {
  const { clips, frames, size = 32, seed = 1 } = options;
  const rng = new Rng(seed);
  return Array.from({ length: clips }, (_, c) => {
    const background = [rng.int(120), rng.int(120), rng.int(120)];
    const actions = Array.from({ length: frames }, () => rng.int(COINRUN_ACTION_NAMES.length));
    let x = Math.floor(size / 2) - 3;
    let y = size - 8;
    const pixels = new Uint8Array(frames * size * size * 3);
    for (let i = 0; i < frames; i++) {
      pixels.set(drawBlock(size, background, x, y), i * size * size * 3);
      const name = COINRUN_ACTION_NAMES[actions[i]];
      if (name.includes('LEFT')) x = Math.max(0, x - 3);
      if (name.includes('RIGHT')) x = Math.min(size - 6, x + 3);
      y = name.includes('UP') ? Math.max(0, y - 3) : Math.min(size - 8, y + 3);
    }
    return { name: `clip_${String(c).padStart(6, '0')}.mp4`, frames: pixels, frameCount: frames, actions };
  });
}

// The block clips as an in-memory split (no files, no ffmpeg).
export function blockSplit(options: { clips: number; frames: number; size?: number; seed?: number }): EvalSplit {
  const size = options.size ?? 32;
  return { dir: '/in-memory', clips: blockClips(options), height: size, width: size, channels: 3, actionNames: COINRUN_ACTION_NAMES, checksum: { sha256: 'none', files: 0 } };
}

// The block clips written in the CoinRun layout (root/manifest.json, root/test/*.mp4 + actions.jsonl) as
// lossless RGB MP4, so decoding returns exactly these pixels. Returns the split folder.
export async function writeBlockSplit(root: string, options: { clips: number; frames: number; size?: number; seed?: number }): Promise<string> {
  const size = options.size ?? 32;
  const dir = join(root, 'test');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(root, 'manifest.json'), JSON.stringify({ action_names: COINRUN_ACTION_NAMES }));
  const lines: string[] = [];
  for (const [c, clip] of blockClips(options).entries()) {
    await writeVideoFile(clip.frames, { width: size, height: size, fps: 10, lossless: true }, join(dir, clip.name));
    lines.push(JSON.stringify({ clip: clip.name, seed: c, episode: c, start: 0, actions: clip.actions, rewards: clip.actions.map(() => 0), done_at: null }));
  }
  writeFileSync(join(dir, 'actions.jsonl'), `${lines.join('\n')}\n`);
  return dir;
}

function drawBlock(size: number, background: number[], x: number, y: number): Uint8Array {
  const frame = new Uint8Array(size * size * 3);
  for (let p = 0; p < size * size; p++) {
    const [px, py] = [p % size, Math.floor(p / size)];
    const inBlock = px >= x && px < x + 6 && py >= y && py < y + 6;
    for (let ch = 0; ch < 3; ch++) frame[p * 3 + ch] = inBlock ? 255 : background[ch] + py;
  }
  return frame;
}

export interface FakeWorldOptions {
  size: number;
  numActions?: number;
  // How generated frames depend on the latent action: 'shift' brightens the last frame by 0.05 per
  // action index, 'ignore' returns the last frame whatever the action (a world that cannot be controlled).
  dynamics: 'shift' | 'ignore';
}

// A world without networks: reconstruction is the identity, the "LAM" reads the latent action off the
// block's motion, and generation copies the last context frame (plus noise from the seed, the
// same for every action, and the action's effect).
export function fakeWorld(options: FakeWorldOptions): EvalWorld & { generatedFrames: number } {
  const { size, numActions = 4, dynamics } = options;
  const like = { height: size, width: size, channels: 3 };
  const world = {
    name: `fake-${dynamics}`,
    ...like,
    contextFrames: 16,
    tokenizerFrames: 4,
    numActions,
    defaults: { maskgitSteps: 2, temperature: 1 },
    precision: 'fp32' as const,
    config: { fake: dynamics },
    checkpoints: [],
    embeddingDim: 3,
    generatedFrames: 0,
    reconstruct: (video: VideoBatch) => ({ ...video, data: video.data.slice() }),
    encoderEmbeddings(video: VideoBatch) {
      // One "token" per frame: its mean colour.
      const out = new Float32Array(video.batch * video.frames * 3);
      for (let f = 0; f < video.batch * video.frames; f++) {
        for (let p = 0; p < size * size; p++) for (let c = 0; c < 3; c++) out[f * 3 + c] += video.data[(f * size * size + p) * 3 + c] / (size * size);
      }
      return out;
    },
    // Latent action of a transition from the motion of the brightest pixels (the block of blockClips):
    // 0 moved left, 1 moved right, 2 moved up without moving sideways, 3 anything else.
    inferActions(video: VideoBatch) {
      const n = frameSize(video);
      const transitions = video.frames - 1;
      const actions = new Int32Array(video.batch * transitions);
      const predicted = new Float32Array(video.batch * transitions * n);
      for (let b = 0; b < video.batch; b++) {
        for (let t = 0; t < transitions; t++) {
          const at = (b * video.frames + t) * n;
          const [x0, y0] = brightCentre(video.data.subarray(at, at + n), size);
          const [x1, y1] = brightCentre(video.data.subarray(at + n, at + 2 * n), size);
          const code = x1 < x0 ? 0 : x1 > x0 ? 1 : y1 < y0 ? 2 : 3;
          actions[b * transitions + t] = code % numActions;
          predicted.set(video.data.subarray(at + n, at + 2 * n), (b * transitions + t) * n);
        }
      }
      return { actions, predicted: videoBatch(predicted, video.batch, transitions, size, size, 3) };
    },
    // Through `this`, so a stand-in that replaces inferActions changes this too.
    latentActions(video: VideoBatch): Int32Array {
      return this.inferActions(video).actions;
    },
    generate(request: GenerateRequest) {
      const { prompt, actions } = request;
      const n = frameSize(prompt);
      const steps = actions.length / prompt.batch;
      const out = new Float32Array(prompt.batch * steps * n);
      const last = Array.from({ length: prompt.batch }, (_, b) => prompt.data.slice((b * prompt.frames + prompt.frames - 1) * n, (b * prompt.frames + prompt.frames) * n));
      for (let t = 0; t < steps; t++) {
        const rng = new Rng(request.seed * 1000 + t); // frame t's randomness depends on (seed, t) only
        for (let b = 0; b < prompt.batch; b++) {
          const effect = dynamics === 'shift' ? 0.05 * actions[b * steps + t] : 0;
          const next = last[b].map((v) => Math.min(1, Math.max(0, v + effect + 0.02 * (rng.uniform() - 0.5))));
          out.set(next, (b * steps + t) * n);
          last[b] = request.teacherFrames ? request.teacherFrames.data.slice((b * steps + t) * n, (b * steps + t + 1) * n) : next;
        }
      }
      world.generatedFrames += prompt.batch * steps;
      return videoBatch(out, prompt.batch, steps, size, size, 3);
    },
  };
  return world;
}

// Mean position of the pixels brighter than 0.99 in every channel (the white block), or the centre if none.
function brightCentre(frame: Float32Array, size: number): [number, number] {
  let [sx, sy, count] = [0, 0, 0];
  for (let p = 0; p < size * size; p++) {
    if (frame[p * 3] > 0.99 && frame[p * 3 + 1] > 0.99 && frame[p * 3 + 2] > 0.99) {
      sx += p % size;
      sy += Math.floor(p / size);
      count++;
    }
  }
  return count ? [sx / count, sy / count] : [size / 2, size / 2];
}
