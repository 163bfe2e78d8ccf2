// The one image layout the metrics and figure writers accept: height x width x channels, channels
// interleaved (RGBRGB...), row-major; the layout ffmpeg's rgb24 and sharp's raw output use. Pixel
// values are uint8 (0..255) or floats on any scale; every metric that depends on the scale asks for
// the data range explicitly, so a [0,1] float frame and a uint8 frame of the same picture score the same.

export type PixelArray = Uint8Array | Uint8ClampedArray | Float32Array | Float64Array;

export interface ImageFrame {
  data: PixelArray;
  height: number;
  width: number;
  channels: number; // 3 for RGB, 1 for grey
}

export function assertValidFrame(frame: ImageFrame, what: string): void {
  const { height, width, channels, data } = frame;
  for (const [field, value] of [['height', height], ['width', width], ['channels', channels]] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${what}: ${field} must be a positive integer, got ${value}`);
  }
  if (data.length !== height * width * channels) {
    throw new Error(`${what}: data has ${data.length} values but ${height}x${width}x${channels} needs ${height * width * channels}`);
  }
}

export function assertSameShape(a: ImageFrame, b: ImageFrame, what: string): void {
  assertValidFrame(a, `${what} (first frame)`);
  assertValidFrame(b, `${what} (second frame)`);
  if (a.height !== b.height || a.width !== b.width || a.channels !== b.channels) {
    throw new Error(
      `${what}: frames differ in shape, ${a.height}x${a.width}x${a.channels} vs ${b.height}x${b.width}x${b.channels}`,
    );
  }
}

export function assertDataRange(dataRange: number, what: string): void {
  if (!(Number.isFinite(dataRange) && dataRange > 0)) {
    throw new Error(`${what}: dataRange must be a positive number (255 for uint8, 1 for [0,1] floats), got ${dataRange}`);
  }
}

// Floats in [0, dataRange] to uint8 with rounding and clamping, for figures and video writers.
export function toUint8Frame(frame: ImageFrame, dataRange: number): ImageFrame {
  assertValidFrame(frame, 'toUint8Frame');
  assertDataRange(dataRange, 'toUint8Frame');
  if (frame.data instanceof Uint8Array && dataRange === 255) return frame;
  const out = new Uint8Array(frame.data.length);
  const scale = 255 / dataRange;
  for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(frame.data[i] * scale)));
  return { data: out, height: frame.height, width: frame.width, channels: frame.channels };
}
