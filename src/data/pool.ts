// Runs jobs with at most `width` at once; after the first failure no new job starts, and the error is
// thrown once the running ones have finished (so nothing is still writing when the caller reports it).
export async function runPool<T>(jobs: T[], width: number, run: (job: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async () => {
    while (!failure && next < jobs.length) {
      const job = jobs[next++];
      try {
        await run(job);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, jobs.length)) }, lane));
  if (failure) throw (failure as { error: unknown }).error;
}
