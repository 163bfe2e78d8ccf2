// Per-frame image quality: PSNR and SSIM, with the conventions the Genie reimplementations report
// (Jafar uses dm_pix.psnr/ssim; torchmetrics and skimage agree with it), so our numbers sit beside theirs.
import { assertDataRange, assertSameShape, type ImageFrame } from './frame.ts';

// PSNR of identical frames is +Infinity, and psnr() says so. Averages cannot hold an Infinity, so
// meanPsnr() and the per-step curves cap each frame at this ceiling first. 100 dB lies above every
// finite PSNR of uint8 frames up to 256x256 RGB (one grey level off in one pixel is 101 dB there),
// so the cap only ever replaces "identical", and a reader can recognise it.
export const PSNR_CAP_DB = 100;

// 10 log10(R^2 / MSE), MSE over every pixel and channel; R is the data range (255 for uint8, 1 for [0,1]).
export function psnr(reference: ImageFrame, test: ImageFrame, dataRange: number): number {
  assertSameShape(reference, test, 'psnr');
  assertDataRange(dataRange, 'psnr');
  const a = reference.data;
  const b = test.data;
  let sumSquares = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sumSquares += d * d;
  }
  return psnrFromMse(sumSquares / a.length, dataRange);
}

// The same PSNR from a mean squared error already computed (e.g. a model's reconstruction loss).
export function psnrFromMse(mse: number, dataRange: number): number {
  if (mse === 0) return Infinity;
  return 10 * Math.log10((dataRange * dataRange) / mse);
}

export function capPsnr(db: number): number {
  if (Number.isNaN(db)) throw new Error('capPsnr: PSNR is NaN (were the frames NaN?)');
  return Math.min(db, PSNR_CAP_DB);
}

export function meanPsnr(values: readonly number[]): number {
  if (values.length === 0) throw new Error('meanPsnr: no values to average');
  return values.reduce((sum, v) => sum + capPsnr(v), 0) / values.length;
}

// Per-step scores of a generated sequence against the true one; index t of both is the same time step.
export function psnrPerStep(truth: readonly ImageFrame[], generated: readonly ImageFrame[], dataRange: number): number[] {
  assertSameLength(truth, generated, 'psnrPerStep');
  return truth.map((frame, t) => psnr(frame, generated[t], dataRange));
}

export function ssimPerStep(truth: readonly ImageFrame[], generated: readonly ImageFrame[], dataRange: number): number[] {
  assertSameLength(truth, generated, 'ssimPerStep');
  return truth.map((frame, t) => ssim(frame, generated[t], dataRange));
}

function assertSameLength(truth: readonly ImageFrame[], generated: readonly ImageFrame[], what: string): void {
  if (truth.length !== generated.length) {
    throw new Error(`${what}: ${truth.length} true frames but ${generated.length} generated frames`);
  }
}

// Mean over clips of per-step PSNR curves (all the same length), each frame capped as in meanPsnr.
export function meanPsnrPerStep(curves: readonly (readonly number[])[]): number[] {
  if (curves.length === 0) throw new Error('meanPsnrPerStep: no curves to average');
  const steps = curves[0].length;
  curves.forEach((curve, i) => {
    if (curve.length !== steps) throw new Error(`meanPsnrPerStep: curve ${i} has ${curve.length} steps, curve 0 has ${steps}`);
  });
  return Array.from({ length: steps }, (_, t) => meanPsnr(curves.map((curve) => curve[t])));
}

// SSIM as Wang et al. 2004 define it: an 11x11 Gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03,
// local statistics weighted by that window (population, not sample, variances), computed only where
// the window lies wholly inside the image ("valid"), the SSIM map averaged, then averaged over the
// channels: RGB frames are scored per channel, not on luma. This is the convention of dm_pix.ssim
// (Jafar), torchmetrics and skimage's structural_similarity(gaussian_weights=True, channel_axis=-1).
export const SSIM_WINDOW = 11;
export const SSIM_SIGMA = 1.5;
export const SSIM_K1 = 0.01;
export const SSIM_K2 = 0.03;

export function ssim(reference: ImageFrame, test: ImageFrame, dataRange: number): number {
  assertSameShape(reference, test, 'ssim');
  assertDataRange(dataRange, 'ssim');
  const { height, width, channels } = reference;
  if (height < SSIM_WINDOW || width < SSIM_WINDOW) {
    throw new Error(`ssim: frames are ${height}x${width}, smaller than the ${SSIM_WINDOW}x${SSIM_WINDOW} window`);
  }
  const c1 = (SSIM_K1 * dataRange) ** 2;
  const c2 = (SSIM_K2 * dataRange) ** 2;
  const window = gaussianWindow(SSIM_WINDOW, SSIM_SIGMA);
  let sum = 0;
  for (let c = 0; c < channels; c++) {
    const x = channelPlane(reference, c);
    const y = channelPlane(test, c);
    const product = (p: Float64Array, q: Float64Array) => p.map((v, i) => v * q[i]);
    const blur = (plane: Float64Array) => filterValid(plane, height, width, window);
    const muX = blur(x);
    const muY = blur(y);
    const xx = blur(product(x, x));
    const yy = blur(product(y, y));
    const xy = blur(product(x, y));
    let mapSum = 0;
    for (let i = 0; i < muX.length; i++) {
      const varX = xx[i] - muX[i] * muX[i];
      const varY = yy[i] - muY[i] * muY[i];
      const covXY = xy[i] - muX[i] * muY[i];
      const numerator = (2 * muX[i] * muY[i] + c1) * (2 * covXY + c2);
      const denominator = (muX[i] * muX[i] + muY[i] * muY[i] + c1) * (varX + varY + c2);
      mapSum += numerator / denominator;
    }
    sum += mapSum / muX.length;
  }
  return sum / channels;
}

export function gaussianWindow(size: number, sigma: number): Float64Array {
  const centre = (size - 1) / 2;
  const weights = Float64Array.from({ length: size }, (_, i) => Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma)));
  const total = weights.reduce((s, w) => s + w, 0);
  return weights.map((w) => w / total);
}

function channelPlane(frame: ImageFrame, channel: number): Float64Array {
  const plane = new Float64Array(frame.height * frame.width);
  for (let i = 0; i < plane.length; i++) plane[i] = frame.data[i * frame.channels + channel];
  return plane;
}

// The 2-D Gaussian is the outer product of the 1-D one, so filter rows then columns.
function filterValid(plane: Float64Array, height: number, width: number, window: Float64Array): Float64Array {
  const k = window.length;
  const outWidth = width - k + 1;
  const outHeight = height - k + 1;
  const rows = new Float64Array(height * outWidth);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < outWidth; c++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += window[j] * plane[r * width + c + j];
      rows[r * outWidth + c] = s;
    }
  }
  const out = new Float64Array(outHeight * outWidth);
  for (let r = 0; r < outHeight; r++) {
    for (let c = 0; c < outWidth; c++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += window[j] * rows[(r + j) * outWidth + c];
      out[r * outWidth + c] = s;
    }
  }
  return out;
}
