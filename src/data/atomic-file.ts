// Writes that are either complete or absent: a reader (or a crash) never sees half a file.
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

// The temporary name starts with '.' so directory walks (sources.ts) skip it, and ends in '.tmp' so a
// later run can recognise and remove what an interrupted one left behind.
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = temporaryPath(path);
  try {
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, path);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}
