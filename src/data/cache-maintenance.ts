// Housekeeping around the cache directory: one prepare at a time, removing what an interrupted run left
// behind, and turning a failed write into a message that says what happened to the cache.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { INDEX_FILE, SHARD_NAME, type CacheIndex } from './prepared-dataset.ts';

const LOCK_FILE = 'prepare.lock';
// Only names this module's own writers produce (atomic-file.ts temporaryPath), so nothing of the user's is touched.
const LEFTOVER_NAME = /^\.(index\.json|shard-\d{6}\.bin|spill-\d+\.raw)\.\d+\.tmp$/;

export async function lockCache(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  for (;;) {
    try {
      await fs.writeFile(path, String(process.pid), { flag: 'wx' });
      return () => fs.rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(await fs.readFile(path, 'utf8').catch(() => ''));
    if (owner > 0 && isRunning(owner)) {
      throw new Error(`${dir} is being prepared by process ${owner} (${path}); wait for it to finish, or delete ${path} if that process is gone`);
    }
    // Left by a prepare that was killed: take it over.
    await fs.rm(path, { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Removes temporary files of interrupted runs and shards the index no longer points into (sealed by a
// run that stopped before committing them, or holding only videos that were since replaced).
export async function removeLeftovers(dir: string, index: CacheIndex): Promise<void> {
  const referenced = new Set(index.videos.map((v) => v.shard));
  for (const name of await fs.readdir(dir)) {
    if (LEFTOVER_NAME.test(name) || (SHARD_NAME.test(name) && !referenced.has(name))) await fs.rm(join(dir, name), { force: true });
  }
}

export function nextShardNumber(index: CacheIndex): number {
  return Math.max(0, ...index.videos.map((v) => Number(v.shard.match(/\d+/)![0]))) + 1;
}

const WRITE_FAILURES: Record<string, { what: string; fix: string }> = {
  ENOSPC: { what: 'no space left on the device', fix: 'free some space' },
  EDQUOT: { what: 'disk quota exceeded', fix: 'free some space' },
  EFBIG: { what: 'file size limit exceeded', fix: 'raise the file size limit (ulimit -f) or free space' },
  EACCES: { what: 'permission denied', fix: 'make the directory writable' },
  EPERM: { what: 'operation not permitted', fix: 'make the directory writable' },
  EROFS: { what: 'read-only file system', fix: 'choose a writable location' },
  EIO: { what: 'input/output error', fix: 'check the disk' },
};

// A failed write stops the whole prepare: the index on disk was last replaced after a complete shard, so
// it still describes only complete data, and the unfinished shard has been removed.
export function describeWriteFailure(err: unknown, dir: string): Error {
  const e = err as NodeJS.ErrnoException;
  const failure = e?.code ? WRITE_FAILURES[e.code] : undefined;
  if (!failure) return err instanceof Error ? err : new Error(String(err));
  return new Error(
    `cannot write the dataset cache in ${dir}: ${failure.what} (${e.code}${e.path ? ` on ${e.path}` : ''}). ` +
      `Nothing prepared is lost: ${join(dir, INDEX_FILE)} lists only complete shards, from earlier runs and any this run finished. ` +
      `${failure.fix[0].toUpperCase()}${failure.fix.slice(1)} or choose another --out, then run the same command again (finished videos are skipped).`,
  );
}
