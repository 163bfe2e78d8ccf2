// Worker thread of ClipSampler (sampler.ts): reads the windows of one batch from the shard files into
// a fresh buffer and hands the buffer back without copying, so the next batch is read while the
// training step runs. Plain JavaScript so the thread needs no TypeScript loader.
// workerData: { shardPaths: string[], frameBytes: number }
// request:    { id, windowLength, frameStride, reads: [shard, firstFrame, ...] pairs, one per window }
// reply:      { id, buffer } or { id, error }
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { shardPaths, frameBytes } = workerData;
const fds = new Map();

function fd(shard) {
  if (!fds.has(shard)) fds.set(shard, openSync(shardPaths[shard], 'r'));
  return fds.get(shard);
}

function readExactly(shard, out, offset, length, position) {
  const read = readSync(fd(shard), out, offset, length, position);
  if (read !== length) throw new Error(`${shardPaths[shard]} ended early (read ${read} of ${length} bytes at ${position}); re-run \`genie data prepare\``);
}

function readBatch({ windowLength, frameStride, reads }) {
  const windowBytes = windowLength * frameBytes;
  const out = new Uint8Array((reads.length / 2) * windowBytes);
  for (let w = 0; w < reads.length / 2; w++) {
    const shard = reads[2 * w];
    const first = reads[2 * w + 1];
    if (frameStride === 1) {
      readExactly(shard, out, w * windowBytes, windowBytes, first * frameBytes);
    } else {
      for (let t = 0; t < windowLength; t++) {
        readExactly(shard, out, w * windowBytes + t * frameBytes, frameBytes, (first + t * frameStride) * frameBytes);
      }
    }
  }
  return out.buffer;
}

parentPort.on('message', (request) => {
  if (request === 'close') {
    for (const descriptor of fds.values()) closeSync(descriptor);
    parentPort.close();
    return;
  }
  try {
    const buffer = readBatch(request);
    parentPort.postMessage({ id: request.id, buffer }, [buffer]);
  } catch (err) {
    parentPort.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) });
  }
});
