import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ActionLabelLineSchema, PreparedDataset, prepareDataset, readLabelledClips } from '../data/index.ts';
import { cutClips, playEpisode } from './clips.ts';
import { PlatformerEnv, RandomPolicy } from './platformer/index.ts';
import { recordSplit, type RecordOptions } from './record.ts';

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'genie-env-record-'));
  try {
    await run(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const small = (out: string, overrides: Partial<RecordOptions> = {}): RecordOptions => ({
  out, split: 'test', episodes: 2, policy: 'expert', firstSeed: 300, framesPerClip: 24, clips: 'all', size: 64, fps: 10, jobs: 2, ...overrides,
});

test('clips follow the CoinRun alignment and keep only whole clips from the episode start', () => {
  const env = new PlatformerEnv();
  const episode = playEpisode(env, 3, new RandomPolicy(3));
  assert.equal(episode.frames.length, episode.actions.length, 'one kept frame per action (the frame after the last action is dropped)');
  const clips = cutClips(episode, 50, 'all');
  assert.equal(clips.length, Math.floor(episode.actions.length / 50));
  clips.forEach((clip, k) => {
    assert.equal(clip.labels.start, 50 * k);
    assert.equal(clip.frames.length, 50);
    assert.equal(clip.frames[0], episode.frames[50 * k]);
    assert.deepEqual(clip.labels.actions, episode.actions.slice(50 * k, 50 * k + 50));
    assert.equal(clip.labels.episode_len, episode.actions.length);
  });
  assert.equal(cutClips(episode, 50, 'first').length, Math.min(1, clips.length));
  // An episode exactly two clips long: the last clip's last action ended it.
  const exact = cutClips({ ...episode, frames: episode.frames.slice(0, 20), actions: episode.actions.slice(0, 20), rewards: episode.rewards.slice(0, 20) }, 10, 'all');
  assert.deepEqual(exact.map((c) => c.labels.done_at), [null, 9]);
});

test('env record writes lossless clips + actions.jsonl + manifest that the data pipeline reads back exactly', async () => {
  await withTempDir(async (out) => {
    const summary = await recordSplit(small(out));
    assert.equal(summary.episode_end_counts.goal, 2, 'the expert reaches both coins');
    const splitDir = join(out, 'test');
    const lines = (await fs.readFile(join(splitDir, 'actions.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, summary.clips);
    assert.ok(lines.length >= 4, `${lines.length} clips from two expert episodes of 24-frame clips`);
    for (const line of lines) {
      assert.deepEqual(Object.keys(line), ['clip', 'seed', 'episode', 'start', 'actions', 'rewards', 'done_at', 'episode_len', 'episode_end']);
      assert.ok(ActionLabelLineSchema.safeParse(line).success);
      assert.equal(line.episode, line.seed - 300);
      assert.equal(line.actions.length, 24);
    }

    // Decoding gives back the environment's pixels bit for bit, and frame i + actions[i] -> frame i+1.
    const firstClips = lines.filter((l) => l.start === 0).map((l) => l.clip); // replayable from the level's start
    assert.equal(firstClips.length, 2);
    const clips = await readLabelledClips(splitDir, { clips: firstClips });
    const env = new PlatformerEnv();
    for (const clip of clips) {
      let frame = env.reset(clip.labels.seed as number);
      for (let i = 0; i < clip.frameCount; i++) {
        assert.ok(Buffer.compare(clip.frames.subarray(i * 12288, (i + 1) * 12288), frame) === 0, `${clip.clip} frame ${i} differs from the environment`);
        frame = env.step(clip.actions[i]).frame;
      }
    }

    const manifest = JSON.parse(await fs.readFile(join(out, 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.action_names, ['NOOP', 'LEFT', 'RIGHT', 'JUMP', 'LEFT+JUMP', 'RIGHT+JUMP']);
    assert.equal(manifest.splits.test.clips, lines.length);
    assert.equal(Object.keys(manifest.files).length, lines.length + 2, 'clips, actions.jsonl and preview.png');
    assert.ok(manifest.files['test/preview.png'].bytes > 0);
    assert.match(manifest.files['test/actions.jsonl'].sha256, /^[0-9a-f]{64}$/);

    const prepared = await prepareDataset([splitDir], { out: join(out, 'cache') });
    assert.equal(prepared.videos, lines.length);
    assert.equal(prepared.frames, lines.length * 24);
    assert.equal((await PreparedDataset.open(join(out, 'cache'))).totalFrames, lines.length * 24);
  });
});

test('env record refuses to replace a split unless asked, and adds splits to one manifest', async () => {
  await withTempDir(async (out) => {
    const options = small(out, { episodes: 1, policy: 'random', split: 'train', framesPerClip: 100, clips: 'first' });
    await recordSplit(options);
    await assert.rejects(recordSplit(options), /already exists; pass --overwrite/);
    await recordSplit({ ...options, overwrite: true });
    await recordSplit({ ...options, split: 'test', firstSeed: 100_000 });
    const manifest = JSON.parse(await fs.readFile(join(out, 'manifest.json'), 'utf8'));
    assert.deepEqual(Object.keys(manifest.splits).sort(), ['test', 'train']);
    const leftovers = (await fs.readdir(out)).filter((name) => name.startsWith('.'));
    assert.deepEqual(leftovers, [], 'no temporary folders left behind');
    await assert.rejects(recordSplit({ ...options, split: '../x' }), /plain folder name/);
  });
});
