// Motion features for the latent action model (lam.ts, config `lam.motion`): candidate shifts of a frame, every
// patch as seen under each shift, and a cost volume that says how well each shift of the previous frame
// explains a patch (the correlation layer of optical-flow networks such as FlowNet). They are computed from
// the input pixels, which need no gradient, so they are plain loops over typed arrays.
//
// Why (src/bc/README.md, "What the latent actions encode"): in the platformer a key moves the picture by
// 2 pixels. A patch-8 LAM decoder given the TRUE keys predicted the next frame only 0.33 dB better than with
// random ones, so its encoder had nothing to learn; drawing each patch from shifted copies of x_t raised that
// to 2.3 dB, and feeding the encoder the cost volume let its codes find the motion.
//
// Frames are channels-last (F, H, W, C) in [0, 1]; patches and shifts follow patch.ts's raster order.

export interface Shift {
  dy: number; // rows: content at (y + dy, x + dx) of the earlier frame lands at (y, x)
  dx: number;
}

// Every shift with |dy| <= maxShiftY and |dx| <= maxShiftX, row by row.
export function shiftGrid(maxShiftX: number, maxShiftY: number): Shift[] {
  const shifts: Shift[] = [];
  for (let row = 0; row <= 2 * maxShiftY; row++) {
    for (let col = 0; col <= 2 * maxShiftX; col++) shifts.push({ dy: row - maxShiftY, dx: col - maxShiftX });
  }
  return shifts;
}

export interface FrameShape {
  frames: number; // F
  height: number;
  width: number;
  channels: number;
}

// Source row (column) of each output row (column) under each shift, clamped to the frame: edges repeat.
function clampedIndex(size: number, offsets: readonly number[]): Int32Array[] {
  return offsets.map((d) => Int32Array.from({ length: size }, (_, i) => Math.min(size - 1, Math.max(0, i + d))));
}

// Per shift, the source rows and columns of a frame of `shape`.
function shiftedSources(shape: FrameShape, shifts: readonly Shift[]): { rows: Int32Array[]; cols: Int32Array[] } {
  return { rows: clampedIndex(shape.height, shifts.map((s) => s.dy)), cols: clampedIndex(shape.width, shifts.map((s) => s.dx)) };
}

// pixels (F, H, W, C) -> (F, N, K, P*P*C): each patch of each frame as it reads after each shift.
export function shiftedPatches(pixels: Float32Array, shape: FrameShape, patch: number, shifts: readonly Shift[]): Float32Array {
  const { frames, height, width, channels } = shape;
  const { rows, cols } = shiftedSources(shape, shifts);
  const out = new Float32Array(frames * height * width * channels * shifts.length);
  let o = 0;
  for (let f = 0; f < frames; f++) {
    const frame = f * height * width * channels;
    for (let gy = 0; gy < height; gy += patch) {
      for (let gx = 0; gx < width; gx += patch) {
        for (let k = 0; k < shifts.length; k++) {
          const row = rows[k];
          const col = cols[k];
          for (let y = gy; y < gy + patch; y++) {
            const line = frame + row[y] * width * channels;
            for (let x = gx; x < gx + patch; x++) {
              const at = line + col[x] * channels;
              for (let c = 0; c < channels; c++) out[o++] = pixels[at + c];
            }
          }
        }
      }
    }
  }
  return out;
}

const COST_FLOOR = 1e-4; // keeps log finite where a shift matches exactly

// pixels (B*T, H, W, C) of clips of `time` frames -> (B*T, N, K): for each frame after the first of its
// clip, log of the mean squared difference between each patch and the previous frame's patch under each
// shift, minus its mean over the shifts (only which shift fits best matters, not how busy the patch is);
// zeros for the first frame, which has no previous one.
export function costVolume(pixels: Float32Array, shape: FrameShape, time: number, patch: number, shifts: readonly Shift[]): Float32Array {
  const { frames, height, width, channels } = shape;
  if (frames % time !== 0) throw new Error(`costVolume: ${frames} frames are not whole clips of ${time}`);
  const { rows, cols } = shiftedSources(shape, shifts);
  const frameSize = height * width * channels;
  const tokens = (height / patch) * (width / patch);
  const count = shifts.length;
  const out = new Float32Array(frames * tokens * count);
  for (let f = 0; f < frames; f++) {
    if (f % time === 0) continue;
    const current = f * frameSize;
    const previous = (f - 1) * frameSize;
    let token = 0;
    for (let gy = 0; gy < height; gy += patch) {
      for (let gx = 0; gx < width; gx += patch, token++) {
        const o = (f * tokens + token) * count;
        let mean = 0;
        for (let k = 0; k < count; k++) {
          const row = rows[k];
          const col = cols[k];
          let error = 0;
          for (let y = gy; y < gy + patch; y++) {
            const here = current + y * width * channels;
            const there = previous + row[y] * width * channels;
            for (let x = gx; x < gx + patch; x++) {
              const a = here + x * channels;
              const b = there + col[x] * channels;
              for (let c = 0; c < channels; c++) {
                const d = pixels[a + c] - pixels[b + c];
                error += d * d;
              }
            }
          }
          const value = Math.log(error / (patch * patch * channels) + COST_FLOOR);
          out[o + k] = value;
          mean += value;
        }
        mean /= count;
        for (let k = 0; k < count; k++) out[o + k] -= mean;
      }
    }
  }
  return out;
}
