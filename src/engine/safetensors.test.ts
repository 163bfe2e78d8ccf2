import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeSafetensors, fromHalf, readSafetensors, readTensors, type StoredArray, toHalf, writeSafetensors } from './safetensors.ts';
import { findPython } from '../util/python.ts';
import { tensor } from './tensor.ts';

const dir = mkdtempSync(join(tmpdir(), 'genie-safetensors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Values chosen to exercise F16 rounding: ties, subnormals, overflow to infinity, tiny values flushed to 0.
const halfProbe = [0, 1, -2.5, 0.1, 1 / 3, 65504, 65520, 1e6, 6e-8, 3e-8, 2 ** -25, 1.00048828125, 1.00146484375, -1e-5];

function sample(): Record<string, StoredArray | ReturnType<typeof tensor>> {
  return {
    'blocks.0.weight': tensor([1.5, -2, 3.25, 1e-30, -0, 7], [2, 3]),
    scalar: tensor([42], []),
    empty: tensor([], [0, 4]),
    half: { dtype: 'F16', shape: [halfProbe.length], data: Float32Array.from(halfProbe) },
    ids: { dtype: 'I32', shape: [3], data: Int32Array.of(-5, 0, 2147483647) },
    bytes: { dtype: 'U8', shape: [2, 2], data: Uint8Array.of(0, 1, 254, 255) },
  };
}
const metadata = { step: '120', format: 'genie-ts', note: 'ünïcode ✓' };

test('write then read gives identical values, metadata and bytes', () => {
  const path = join(dir, 'round-trip.safetensors');
  writeSafetensors(path, sample(), metadata);
  const bytes = readFileSync(path);
  assert.deepEqual(new Uint8Array(bytes), encodeSafetensors(sample(), metadata));
  assert.equal(Number(bytes.readBigUInt64LE(0) + 8n) % 8, 0, 'data section starts 8-byte aligned');
  const { arrays, metadata: readBack } = readSafetensors(path);
  assert.deepEqual(readBack, metadata);
  assert.deepEqual(Object.keys(arrays), Object.keys(sample()));
  assert.deepEqual([...arrays['blocks.0.weight'].data], [1.5, -2, 3.25, Math.fround(1e-30), -0, 7]);
  assert.deepEqual(arrays.scalar.shape, []);
  assert.deepEqual(arrays.empty.shape, [0, 4]);
  assert.deepEqual([...arrays.half.data], halfProbe.map((v) => fromHalf(toHalf(v))));
  assert.deepEqual([...arrays.ids.data], [-5, 0, 2147483647]);
  assert.deepEqual([...arrays.bytes.data], [0, 1, 254, 255]);
  // Reading and writing again reproduces the file byte for byte.
  assert.deepEqual(encodeSafetensors(arrays, readBack), new Uint8Array(bytes));
  assert.deepEqual(readdirSync(dir), ['round-trip.safetensors'], 'no temporary file left behind');
});

test('float16 conversion rounds to nearest even and handles the extremes', () => {
  assert.equal(toHalf(1), 0x3c00);
  assert.equal(toHalf(65504), 0x7bff);
  assert.equal(toHalf(65520), 0x7c00, 'halfway to the next power rounds to infinity');
  assert.equal(toHalf(1.00048828125), 0x3c00, 'tie rounds to even (down)');
  assert.equal(toHalf(1.00146484375), 0x3c02, 'tie rounds to even (up)');
  assert.equal(toHalf(2 ** -24), 0x0001);
  assert.equal(toHalf(2 ** -25), 0x0000, 'tie at the smallest subnormal rounds to zero');
  assert.ok(Number.isNaN(fromHalf(toHalf(NaN))));
  assert.equal(fromHalf(0xfc00), -Infinity);
});

test('corrupt and truncated files are rejected with the file name and the problem', () => {
  const good = encodeSafetensors({ a: tensor([1, 2], [2]), b: tensor([3], [1]) });
  const headerLength = Number(Buffer.from(good).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(good.subarray(8, 8 + headerLength)).toString());
  const withHeader = (edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void, data = good.subarray(8 + headerLength)) => {
    const h = structuredClone(header);
    edit(h);
    const json = Buffer.from(JSON.stringify(h));
    const out = Buffer.alloc(8 + json.length + data.length);
    out.writeBigUInt64LE(BigInt(json.length));
    json.copy(out, 8);
    out.set(data, 8 + json.length);
    return out;
  };
  const lengthPrefixed = (text: string) => Buffer.concat([Buffer.from(new BigUint64Array([BigInt(text.length)]).buffer), Buffer.from(text)]);
  const cases: [string, Uint8Array, RegExp][] = [
    ['tiny', good.subarray(0, 5), /only 5 bytes/],
    ['truncated data', good.subarray(0, good.length - 1), /'b' ends at byte 12 but the data section has 11 bytes \(truncated\?\)/],
    ['truncated header', good.subarray(0, 20), /header length \d+ runs past the end of the 20-byte file/],
    ['huge header length', Buffer.from(new BigUint64Array([2n ** 62n]).buffer), /exceeds the 100 MB limit/],
    ['invalid JSON', lengthPrefixed('{"a": '), /header is not valid UTF-8 JSON/],
    ['not an object', lengthPrefixed('[1, 2]'), /header is not a JSON object/],
    ['unknown dtype', withHeader((h) => (h.a.dtype = 'BF16')), /'a' has dtype "BF16"; supported: F32, F16, I32, I64, U8/],
    ['size mismatch', withHeader((h) => (h.a.shape = [3])), /'a' spans 8 bytes but F32 \(3\) needs 12/],
    ['offsets out of range', withHeader((h) => (h.b.data_offsets = [8, 16])), /'b' ends at byte 16/],
    ['overlap', withHeader((h) => (h.b.data_offsets = [4, 8])), /'b' overlaps the tensor before it/],
    ['reversed offsets', withHeader((h) => (h.b.data_offsets = [12, 8])), /invalid data_offsets \[12,8\]/],
    ['trailing bytes', withHeader(() => {}, Buffer.concat([good.subarray(8 + headerLength), Buffer.alloc(4)])), /data section has 16 bytes but the tensors cover 12/],
    ['bad metadata', withHeader((h) => Object.assign(h, { __metadata__: { step: 3 } })), /__metadata__ must map strings to strings/],
  ];
  for (const [name, bytes, message] of cases) {
    const path = join(dir, `${name.replaceAll(' ', '-')}.safetensors`);
    writeFileSync(path, bytes);
    assert.throws(() => readSafetensors(path), (err: Error) => {
      assert.ok(err.message.startsWith(`${path}: not a valid safetensors file: `), `${name}: ${err.message}`);
      assert.match(err.message, message, name);
      return true;
    });
  }
});

test('readTensors refuses integer arrays where float tensors are expected', () => {
  const path = join(dir, 'ints.safetensors');
  writeSafetensors(path, { ids: { dtype: 'I32', shape: [1], data: Int32Array.of(1) } });
  assert.throws(() => readTensors(path), /'ids' is I32, expected a float tensor/);
});

test('a failed write leaves no file behind', () => {
  assert.throws(() => writeSafetensors(join(dir, 'missing-dir', 'x.safetensors'), { a: tensor([1], [1]) }), /ENOENT/);
  assert.throws(() => writeSafetensors(join(dir, 'bad.safetensors'), { a: { dtype: 'I64', shape: [1], data: Int32Array.of(1) } }), /writing I64 is not supported/);
  assert.equal(existsSync(join(dir, 'bad.safetensors')), false);
});

const PYTHON_CHECK = `
import json, sys, numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file
path, probe, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
arrays = load_file(path)
with safe_open(path, framework="numpy") as f:
    metadata = f.metadata()
expected_half = np.array(probe, dtype=np.float32).astype(np.float16)
print(json.dumps({
    "metadata": metadata,
    "weight": arrays["blocks.0.weight"].tolist(), "weight_dtype": str(arrays["blocks.0.weight"].dtype),
    "shapes": {k: list(v.shape) for k, v in arrays.items()},
    "half_bits_equal": bool((arrays["half"].view(np.uint16) == expected_half.view(np.uint16)).all()),
    "ids": arrays["ids"].tolist(), "bytes": arrays["bytes"].tolist(),
}))
save_file({"w": np.arange(6, dtype=np.float32).reshape(2, 3) / 7, "h": np.array([0.1, -3], dtype=np.float16),
           "steps": np.array([1, -2, 2**31 - 1], dtype=np.int64), "mask": np.array([1, 0], dtype=np.uint8)}, out, metadata={"who": "python"})
`;

test('Python safetensors reads our files with identical values, and we read its files', (t) => {
  let python: string;
  try {
    python = findPython('import safetensors.numpy, numpy').python;
  } catch (err) {
    const why = `SKIPPED the Python safetensors check (point GENIE_TORCH_PYTHON at a Python with safetensors and numpy): ${err instanceof Error ? err.message : String(err)}`;
    t.diagnostic(why);
    console.log(`# ${why}`);
    return;
  }
  const path = join(dir, 'for-python.safetensors');
  const fromPython = join(dir, 'from-python.safetensors');
  writeSafetensors(path, sample(), metadata);
  const report = JSON.parse(execFileSync(python, ['-c', PYTHON_CHECK, path, JSON.stringify(halfProbe), fromPython], { encoding: 'utf8' }));
  assert.deepEqual(report.metadata, metadata);
  assert.equal(report.weight_dtype, 'float32');
  assert.deepEqual(report.weight.flat(), [...sample()['blocks.0.weight'].data]);
  assert.deepEqual(report.shapes, { 'blocks.0.weight': [2, 3], scalar: [], empty: [0, 4], half: [halfProbe.length], ids: [3], bytes: [2, 2] });
  assert.equal(report.half_bits_equal, true, 'our float16 rounding matches numpy bit for bit');
  assert.deepEqual(report.ids, [-5, 0, 2147483647]);
  assert.deepEqual(report.bytes, [[0, 1], [254, 255]]);

  const { arrays, metadata: theirs } = readSafetensors(fromPython);
  assert.deepEqual(theirs, { who: 'python' });
  assert.deepEqual([...arrays.w.data], [0, 1, 2, 3, 4, 5].map((v) => Math.fround(Math.fround(v) / 7)));
  assert.deepEqual([...arrays.h.data], [fromHalf(toHalf(0.1)), -3]);
  assert.deepEqual([...arrays.steps.data], [1, -2, 2 ** 31 - 1]);
  assert.deepEqual([...arrays.mask.data], [1, 0]);
});
