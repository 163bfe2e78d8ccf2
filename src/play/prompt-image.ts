// Turns an uploaded image (photo, screenshot, sketch) into a prompt frame at the world's resolution.
// Every way an upload can be wrong ends in a PromptImageError with a message fit for the page.
import sharp, { type Metadata } from 'sharp';
import type { Frame } from './world.ts';

export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
// Declared dimensions are checked before decoding, so a tiny file claiming 100k x 100k pixels
// (a decompression bomb) is refused instead of allocating gigabytes.
export const MAX_INPUT_PIXELS = 40_000_000;
const ACCEPTED_FORMATS = new Set(['png', 'jpeg', 'webp', 'gif']);

export class PromptImageError extends Error {}

/** Decodes the first frame of a PNG/JPEG/WebP/GIF, centre-crops it to the target aspect and resizes it. */
export async function promptFromImage(bytes: Uint8Array, width: number, height: number): Promise<Frame> {
  if (bytes.length === 0) throw new PromptImageError('the upload is empty');
  let metadata: Metadata;
  try {
    // Reading the header decodes no pixels, so the size check below can give the real reason.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new PromptImageError('the upload is not an image this server can read (PNG, JPEG, WebP or GIF)');
  }
  if (!metadata.format || !ACCEPTED_FORMATS.has(metadata.format)) {
    throw new PromptImageError(`images of type ${metadata.format ?? 'unknown'} are not accepted: use PNG, JPEG, WebP or GIF`);
  }
  const pixels = (metadata.width ?? 0) * (metadata.pageHeight ?? metadata.height ?? 0);
  if (!pixels) throw new PromptImageError('the image declares no size');
  if (pixels > MAX_INPUT_PIXELS) {
    throw new PromptImageError(`the image is ${metadata.width}x${metadata.height}: over the limit of ${MAX_INPUT_PIXELS} pixels`);
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, pages: 1, failOn: 'truncated' })
      .flatten({ background: '#ffffff' }) // sketches and screenshots may be transparent
      .resize(width, height, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== width * height * 3) throw new Error(`decoded ${info.channels} channels`);
    return { width, height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new PromptImageError(`the image could not be decoded (truncated or corrupt?): ${(err as Error).message}`);
  }
}

export async function frameToPng(frame: Frame, scale = 1): Promise<Buffer> {
  return sharp(frame.rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(frame.width * scale, frame.height * scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
}
