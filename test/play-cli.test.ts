// `genie generate` and `genie play` as a user runs them, on a tiny real world.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import sharp from 'sharp';
import { makeTinyWorld } from '../src/world/testing.ts';

const work = mkdtempSync(join(tmpdir(), 'genie-play-cli-'));
const worldDir = join(work, 'world');
const promptPath = join(work, 'prompt.jpg');

const genie = (...args: string[]) => spawnSync(process.execPath, ['bin/genie.js', ...args], { encoding: 'utf8', timeout: 60_000 });

before(async () => {
  await makeTinyWorld(worldDir);
  writeFileSync(promptPath, await sharp({ create: { width: 90, height: 40, channels: 3, background: '#208040' } }).jpeg().toBuffer());
});

test('genie generate writes a clip that is the same for the same seed and differs for another', async () => {
  const run = (seed: number, out: string) => genie('generate', '--world', worldDir, '--prompt', promptPath, '--actions', '0,1,2,3', '--seed', String(seed), '--steps', '3', '--scale', '1', '--out', out);
  const [a, b, c] = ['a.gif', 'b.gif', 'c.gif'].map((f) => join(work, f));
  for (const [seed, out] of [[5, a], [5, b], [6, c]] as const) {
    const result = run(seed, out);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /wrote 5 frames/);
  }
  assert.deepEqual(readFileSync(a), readFileSync(b));
  assert.notDeepEqual(readFileSync(a), readFileSync(c));
  const gif = await sharp(a, { pages: -1 }).metadata();
  assert.equal(gif.pages, 5);
  assert.equal(gif.width, 16);
});

test('genie generate --replay reproduces a recording; bad input gets one clear line', () => {
  const recording = join(work, 'session.json');
  const rgb = Buffer.alloc(16 * 16 * 3, 90);
  writeFileSync(recording, JSON.stringify({ world: 'tiny', seed: 2, width: 16, height: 16, prompt: rgb.toString('base64'), steps: [{ action: 1, temperature: 1, maskgitSteps: 2 }] }));
  const ok = genie('generate', '--world', worldDir, '--replay', recording, '--out', join(work, 'replay.mp4'));
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(readFileSync(join(work, 'replay.mp4')).length > 100);

  const cases: [string[], RegExp][] = [
    [['--prompt', promptPath, '--actions', '0,9'], /--actions: item 2 is '9'; actions are integers 0..3/],
    [['--prompt', join(work, 'missing.png'), '--actions', '0'], /--prompt .*missing.png: no such file/],
    [['--prompt', recording, '--actions', '0'], /--prompt .*session.json: the upload is not an image/],
    [['--actions', '0'], /give --prompt IMAGE and --actions/],
    [['--prompt', promptPath, '--actions', '0', '--steps', '0'], /--steps <n>' argument '0' is invalid. expected an integer from 1 to 64/],
    [['--prompt', promptPath, '--actions', '0', '--out', join(work, 'x.avi')], /unknown extension '.avi'/],
    [['--prompt', promptPath, '--actions', '0', '--precision', 'half'], /--precision <p>' argument 'half' is invalid. Allowed choices are auto, bf16, int8, fp32/],
  ];
  for (const [args, message] of cases) {
    const result = genie('generate', '--world', worldDir, '--out', join(work, 'x.gif'), ...args);
    assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  }
  writeFileSync(recording, JSON.stringify({ seed: -1 }));
  assert.match(genie('generate', '--world', worldDir, '--replay', recording, '--out', join(work, 'x.gif')).stderr, /--replay .*session.json: field "world"/);
  assert.match(genie('generate', '--world', join(work, 'nowhere'), '--prompt', promptPath, '--actions', '0', '--out', join(work, 'x.gif')).stderr, /world .*nowhere: no such folder/);
});

test('genie play serves the page on loopback and stops cleanly on SIGINT', async () => {
  const child = spawn(process.execPath, ['bin/genie.js', 'play', '--world', worldDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const match = out.match(/at (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`genie play exited with ${code}`)));
  });
  assert.equal((await fetch(url)).status, 200);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});
