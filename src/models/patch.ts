// Frames <-> patch tokens. Video is channels-last, (B, T, H, W, C) in [0, 1]; a token is one P x P patch
// flattened in (row, column, channel) order, tokens in raster order over the (H/P) x (W/P) grid.
// Pure reshapes and one permute, so gradients flow through both directions.
import { permute, reshape, type Tensor } from '../engine/index.ts';

// (B, T, H, W, C) -> (B, T, N, P*P*C) with N = (H/P) * (W/P).
export function patchify(frames: Tensor, patch: number): Tensor {
  const [batch, time, height, width, channels] = frames.shape;
  if (frames.shape.length !== 5 || height % patch !== 0 || width % patch !== 0) {
    throw new Error(`patchify: frames (${frames.shape.join(', ')}) must be (B, T, H, W, C) with H and W multiples of ${patch}`);
  }
  const rows = height / patch;
  const cols = width / patch;
  // Rank 6 at most (the engine's copy limit): B and T are merged while the patch axes move.
  const grid = reshape(frames, [batch * time, rows, patch, cols, patch, channels]);
  const tokens = permute(grid, [0, 1, 3, 2, 4, 5]); // (BT, rows, cols, P, P, C)
  return reshape(tokens, [batch, time, rows * cols, patch * patch * channels]);
}

// (B, T, N, P*P*C) -> (B, T, H, W, C): the inverse of patchify.
export function unpatchify(tokens: Tensor, patch: number, height: number, width: number): Tensor {
  const [batch, time, count, features] = tokens.shape;
  const rows = height / patch;
  const cols = width / patch;
  const channels = features / (patch * patch);
  if (tokens.shape.length !== 4 || count !== rows * cols || !Number.isInteger(channels)) {
    throw new Error(`unpatchify: tokens (${tokens.shape.join(', ')}) do not hold ${rows}x${cols} patches of ${patch}x${patch} pixels`);
  }
  const grid = reshape(tokens, [batch * time, rows, cols, patch, patch, channels]);
  const frames = permute(grid, [0, 1, 3, 2, 4, 5]); // (BT, rows, P, cols, P, C)
  return reshape(frames, [batch, time, height, width, channels]);
}
