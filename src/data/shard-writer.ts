// Appends decoded videos to shard files. A shard is written under a temporary name and renamed to
// shard-NNNNNN.bin only when complete and synced, so no reader ever sees half a shard; the index that
// points into it is written after the rename (prepare.ts), which makes the index the commit point.
import * as fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { temporaryPath } from '../util/atomic-file.ts';
import type { FrameData } from './decode.ts';
import { shardFileName } from './prepared-dataset.ts';

const COPY_CHUNK_BYTES = 8 << 20;

export interface StoredVideo {
  shard: string;
  firstFrame: number;
  frames: number;
  crc32: number;
}

interface OpenShard {
  name: string;
  temp: string;
  handle: FileHandle;
  frames: number;
}

export class ShardWriter {
  private current: OpenShard | null = null;

  constructor(
    private readonly dir: string,
    private readonly frameBytes: number,
    private readonly maxShardBytes: number,
    private nextShardNumber: number,
  ) {}

  // Returns where the video went, and the name of a shard that was sealed to make room for it (its
  // videos can now be committed to the index), if any.
  async append(data: FrameData): Promise<{ stored: StoredVideo; sealed: string | null }> {
    let sealed: string | null = null;
    if (this.current && this.current.frames > 0 && (this.current.frames * this.frameBytes + data.bytes > this.maxShardBytes)) {
      sealed = await this.seal();
    }
    const shard = this.current ?? (this.current = await this.openShard());
    const firstFrame = shard.frames;
    let checksum = 0;
    const write = async (chunks: Uint8Array[]) => {
      for (const chunk of chunks) checksum = crc32(chunk, checksum);
      await writeAll(shard.handle, chunks);
    };
    if ('chunks' in data) {
      await write(data.chunks);
    } else {
      await copyFile(data.file, (chunk) => write([chunk]));
    }
    const frames = data.bytes / this.frameBytes;
    shard.frames += frames;
    return { stored: { shard: shard.name, firstFrame, frames, crc32: checksum }, sealed };
  }

  // Seals the open shard, if it holds anything, and returns its name.
  async finish(): Promise<string | null> {
    return this.current ? this.seal() : null;
  }

  // Drops the unfinished shard; sealed shards stay (they are already committed or will be collected).
  async abort(): Promise<void> {
    const shard = this.current;
    this.current = null;
    if (!shard) return;
    await shard.handle.close().catch(() => {});
    await fs.rm(shard.temp, { force: true });
  }

  private async openShard(): Promise<OpenShard> {
    const name = shardFileName(this.nextShardNumber++);
    const temp = temporaryPath(join(this.dir, name));
    return { name, temp, handle: await fs.open(temp, 'w'), frames: 0 };
  }

  private async seal(): Promise<string> {
    const shard = this.current!;
    await shard.handle.sync();
    await shard.handle.close();
    this.current = null;
    await fs.rename(shard.temp, join(this.dir, shard.name));
    return shard.name;
  }
}

// One gathered write per video: a decoded video arrives as hundreds of 64 KiB pipe reads.
async function writeAll(handle: FileHandle, chunks: Uint8Array[]): Promise<void> {
  let pending = chunks;
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending);
    pending = dropWritten(pending, bytesWritten);
  }
}

// What is left after a short write (the system writes at most IOV_MAX buffers at once).
function dropWritten(chunks: Uint8Array[], bytes: number): Uint8Array[] {
  let i = 0;
  while (i < chunks.length && bytes >= chunks[i].length) bytes -= chunks[i++].length;
  return i === chunks.length ? [] : [chunks[i].subarray(bytes), ...chunks.slice(i + 1)];
}

async function copyFile(path: string, write: (chunk: Uint8Array) => Promise<void>): Promise<void> {
  const source = await fs.open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await source.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      await write(buffer.subarray(0, bytesRead));
    }
  } finally {
    await source.close();
  }
}
