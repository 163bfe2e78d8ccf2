// The platformer's human mode end to end: Debian's chromium plays it through the page, and what the page
// drew must be the pixels Node's environment renders for the same level and actions.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PlatformerEnv } from '../src/envs/platformer/index.ts';
import { startEnvPlayServer, type EnvPlayServer } from '../src/envs/web-play.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let server: EnvPlayServer;
let browser: BrowserContext;
let page: Page;

before(async () => {
  server = await startEnvPlayServer({ port: 0 });
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'genie-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
});

after(async () => {
  await browser?.close();
  await server?.close();
});

interface PagePlay {
  seed: number;
  actions: number[];
  pixels: number[]; // RGB of the 64x64 canvas
  status: string;
}

/** Pauses the page, then reads its level, its actions and its canvas at the same moment. */
async function pauseAndRead(): Promise<PagePlay> {
  await page.keyboard.press('p');
  return page.evaluate(() => {
    const play = (window as unknown as { envPlay: { seed: number; actions: number[] } }).envPlay;
    const canvas = document.getElementById('screen') as HTMLCanvasElement;
    const rgba = canvas.getContext('2d')!.getImageData(0, 0, 64, 64).data;
    const pixels = Array.from(rgba).filter((_, i) => i % 4 !== 3);
    return { seed: play.seed, actions: [...play.actions], pixels, status: document.getElementById('state')!.textContent ?? '' };
  });
}

function nodeFrame(seed: number, actions: number[]): number[] {
  const env = new PlatformerEnv({ size: 64 });
  let frame = env.reset(seed);
  for (const action of actions) frame = env.step(action).frame;
  return Array.from(frame);
}

test('a person plays the platformer in the page: held keys step the level, and the page draws what Node renders', async () => {
  await page.goto(`${server.url}/?seed=7`);
  await page.waitForFunction(() => document.getElementById('state')?.textContent === 'playing');
  const start = await pauseAndRead();
  assert.equal(start.seed, 7);
  assert.deepEqual(start.pixels, nodeFrame(7, start.actions), 'same pixels as Node after the same steps');
  await page.keyboard.press('p');

  await page.keyboard.down('ArrowRight');
  await page.waitForFunction(() => Number(document.getElementById('step')?.textContent) >= 8);
  await page.keyboard.down('Space');
  await page.waitForFunction(() => Number(document.getElementById('step')?.textContent) >= 12);
  await page.keyboard.up('Space');
  await page.keyboard.up('ArrowRight');
  const played = await pauseAndRead();
  assert.match(played.status, /paused/);
  assert.ok(played.actions.includes(2), `RIGHT was held: ${played.actions.join(',')}`);
  assert.ok(played.actions.includes(5), `RIGHT+JUMP was held: ${played.actions.join(',')}`);
  assert.deepEqual(played.pixels, nodeFrame(7, played.actions), 'same pixels as Node after the same steps');
  assert.notDeepEqual(played.pixels, start.pixels, 'the agent moved');

  const frozen = await page.locator('#step').textContent();
  await page.waitForTimeout(300);
  assert.equal(await page.locator('#step').textContent(), frozen, 'paused: no steps');
  await page.keyboard.press('n');
  await page.waitForFunction(() => document.getElementById('level')?.textContent === '8');
});

test('a bad level seed gets a message and the level in play is kept; static files stay in their folder', async () => {
  await page.goto(`${server.url}/?seed=3`);
  await page.waitForFunction(() => document.getElementById('level')?.textContent === '3');
  await page.fill('#seed', '-2');
  await page.click('#go button');
  await page.waitForFunction(() => /not a whole number/.test(document.getElementById('message')?.textContent ?? ''));
  assert.equal(await page.locator('#level').textContent(), '3');

  const traversal = await fetch(`${server.url}/..%2f..%2fweb-play.ts`);
  assert.equal(traversal.status, 404);
  const bundle = await fetch(`${server.url}/platformer.js`);
  assert.equal(bundle.status, 200);
  assert.match(await bundle.text(), /PlatformerEnv/);
});
