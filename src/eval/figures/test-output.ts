// A fresh temporary folder per test file, removed when its tests end, and a check that a file is a PNG
// of a given size.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import sharp from 'sharp';

export function temporaryFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'genie-figures-'));
  after(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export async function assertPng(path: string, width: number, height: number): Promise<void> {
  assert.deepEqual([...readFileSync(path).subarray(0, 8)], PNG_SIGNATURE, `${path} does not start with the PNG signature`);
  const metadata = await sharp(path).metadata();
  assert.equal(metadata.format, 'png');
  assert.deepEqual([metadata.width, metadata.height], [width, height], `${path} size`);
}
