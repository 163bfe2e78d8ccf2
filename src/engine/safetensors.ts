// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { string:
// string } }, then the raw little-endian data. Files are checked as strictly as the reference
// implementation (offsets must tile the data section exactly), and every error names the file.
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { writeFileAtomicSync } from '../util/atomic-file.ts';
import { formatShape, sizeOf } from './shape.ts';
import { Tensor } from './tensor.ts';

// F16 is converted to float32 on read and from float32 on write; I64 is read into Int32Array (values
// must fit) and never written.
export type StoredArray =
  | { dtype: 'F32' | 'F16'; shape: number[]; data: Float32Array }
  | { dtype: 'I32' | 'I64'; shape: number[]; data: Int32Array }
  | { dtype: 'U8'; shape: number[]; data: Uint8Array };
export type Dtype = StoredArray['dtype'];

export interface SafetensorsContents {
  arrays: Record<string, StoredArray>;
  metadata: Record<string, string>;
}

const BYTES_PER_ELEMENT: Record<Dtype, number> = { F32: 4, F16: 2, I32: 4, I64: 8, U8: 1 };
// The reference implementation refuses headers above 100 MB; so do we, before allocating anything.
const MAX_HEADER_BYTES = 100_000_000;

function checkLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('safetensors: this machine is big-endian; only little-endian hosts are supported');
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

// float32 -> IEEE half, rounding to nearest even (as numpy's astype(float16)).
export function toHalf(value: number): number {
  f32[0] = value;
  const bits = f32Bits[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 112;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  let shift = 13;
  let half: number;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    shift = 14 - halfExponent;
    half = mantissa >>> shift;
  } else {
    half = (halfExponent << 10) | (mantissa >>> 13);
  }
  const remainder = mantissa & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half++;
  return sign | half;
}

export function fromHalf(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function toStored(value: Tensor | StoredArray): StoredArray {
  return value instanceof Tensor ? { dtype: 'F32', shape: value.shape, data: value.data } : value;
}

function rawBytes(name: string, array: StoredArray): Uint8Array {
  if (array.data.length !== sizeOf(array.shape)) {
    throw new Error(`safetensors: '${name}' has ${array.data.length} values for shape ${formatShape(array.shape)}`);
  }
  switch (array.dtype) {
    case 'F16': {
      const halves = new Uint16Array(array.data.length);
      for (let i = 0; i < halves.length; i++) halves[i] = toHalf(array.data[i]);
      return new Uint8Array(halves.buffer);
    }
    case 'I64':
      throw new Error(`safetensors: '${name}': writing I64 is not supported (store I32)`);
    default:
      return new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  }
}

// The whole file as bytes. Tensors may be given as Tensor (stored F32) or as typed arrays with a dtype.
export function encodeSafetensors(entries: Readonly<Record<string, Tensor | StoredArray>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  checkLittleEndian();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, value] of Object.entries(entries)) {
    if (name === '__metadata__') throw new Error("safetensors: '__metadata__' is reserved and cannot name a tensor");
    const array = toStored(value);
    const bytes = rawBytes(name, array);
    header[name] = { dtype: array.dtype, shape: array.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const file = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  file.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const chunk of chunks) {
    file.set(chunk, at);
    at += chunk.length;
  }
  return file;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

// Parses and validates a whole file; `source` names it in errors.
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsContents {
  checkLittleEndian();
  const fail = (problem: string) => new Error(`${source}: not a valid safetensors file: ${problem}`);
  if (bytes.length < 8) throw fail(`only ${bytes.length} bytes, too short for the 8-byte header length`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES) throw fail(`header length ${headerLength} exceeds the 100 MB limit`);
  if (8 + headerLength > bytes.length) throw fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (err) {
    throw fail(`header is not valid UTF-8 JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isRecord(header)) throw fail('header is not a JSON object');
  const data = bytes.subarray(8 + headerLength);
  const metadata: Record<string, string> = {};
  const arrays: Record<string, StoredArray> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isRecord(entry) || !Object.values(entry).every((v) => typeof v === 'string')) throw fail('__metadata__ must map strings to strings');
      Object.assign(metadata, entry);
      continue;
    }
    if (!isRecord(entry)) throw fail(`entry '${name}' is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !(dtype in BYTES_PER_ELEMENT)) throw fail(`'${name}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(BYTES_PER_ELEMENT).join(', ')}`);
    if (!Array.isArray(shape) || !shape.every(isCount)) throw fail(`'${name}' has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      throw fail(`'${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > data.length) throw fail(`'${name}' ends at byte ${end} but the data section has ${data.length} bytes (truncated?)`);
    const expectedBytes = sizeOf(shape) * BYTES_PER_ELEMENT[dtype as Dtype];
    if (end - begin !== expectedBytes) throw fail(`'${name}' spans ${end - begin} bytes but ${dtype} ${formatShape(shape)} needs ${expectedBytes}`);
    spans.push({ name, begin, end });
    arrays[name] = decodeArray(dtype as Dtype, shape, data.subarray(begin, end), () => fail(`'${name}' holds an I64 value outside the Int32 range`));
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const span of spans) {
    if (span.begin < covered) throw fail(`'${span.name}' overlaps the tensor before it`);
    if (span.begin > covered) throw fail(`${span.begin - covered} unused bytes before '${span.name}'`);
    covered = span.end;
  }
  if (covered !== data.length) throw fail(`the data section has ${data.length} bytes but the tensors cover ${covered}`);
  return { arrays, metadata };
}

function decodeArray(dtype: Dtype, shape: number[], bytes: Uint8Array, outOfRange: () => Error): StoredArray {
  // Copy into a fresh buffer: the file's bytes need not be aligned for a typed-array view. (Not
  // bytes.slice(): on a Buffer that is a view, not a copy.)
  const own = new Uint8Array(bytes).buffer;
  switch (dtype) {
    case 'F32':
      return { dtype, shape, data: new Float32Array(own) };
    case 'F16':
      return { dtype, shape, data: Float32Array.from(new Uint16Array(own), fromHalf) };
    case 'I32':
      return { dtype, shape, data: new Int32Array(own) };
    case 'I64': {
      const wide = new BigInt64Array(own);
      const data = new Int32Array(wide.length);
      for (let i = 0; i < wide.length; i++) {
        if (wide[i] < -2147483648n || wide[i] > 2147483647n) throw outOfRange();
        data[i] = Number(wide[i]);
      }
      return { dtype, shape, data };
    }
    case 'U8':
      return { dtype, shape, data: new Uint8Array(own) };
  }
}

// Writes atomically (a crash leaves either the old file or the new one).
export function writeSafetensors(path: string, entries: Readonly<Record<string, Tensor | StoredArray>>, metadata: Readonly<Record<string, string>> = {}): void {
  writeFileAtomicSync(path, encodeSafetensors(entries, metadata));
}

export function readSafetensors(path: string): SafetensorsContents {
  return decodeSafetensors(readFileSync(path), path);
}

// Float arrays (F32, F16) as Tensors; other dtypes are an error naming the tensor.
export function readTensors(path: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const { arrays, metadata } = readSafetensors(path);
  const tensors: Record<string, Tensor> = {};
  for (const [name, array] of Object.entries(arrays)) {
    if (array.dtype !== 'F32' && array.dtype !== 'F16') throw new Error(`${path}: '${name}' is ${array.dtype}, expected a float tensor (F32 or F16)`);
    tensors[name] = new Tensor(array.shape, array.data);
  }
  return { tensors, metadata };
}
