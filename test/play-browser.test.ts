// End to end in a real browser: Debian's chromium driven by playwright-core plays a world through the page.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { startPlayServer, type PlayServer } from '../src/play/server.ts';
import { tinyTestWorld } from './tiny-world.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = join(process.cwd(), 'test', 'output');

let server: PlayServer;
let browser: BrowserContext;
let page: Page;

before(async () => {
  server = await startPlayServer({ world: await tinyTestWorld(), port: 0, log: () => {} });
  // A fresh profile each run; the flags keep chromium off the (closed) network.
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'genie-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(server.url);
  await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'connected');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** The pixels currently on the main canvas. */
const screen = () => page.evaluate(() => {
  const canvas = document.getElementById('screen') as HTMLCanvasElement;
  return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data);
});
const frameIndex = () => page.locator('#frame-index').textContent();

async function waitForFrame(index: number) {
  await page.waitForFunction((i) => document.getElementById('frame-index')?.textContent === String(i), index);
}

test('upload an image, act with keys, step back, branch, draw a sketch, export', async () => {
  const photo = join(mkdtempSync(join(tmpdir(), 'genie-upload-')), 'photo.png');
  writeFileSync(photo, await sharp({ create: { width: 320, height: 200, channels: 3, background: '#c05030' } }).png().toBuffer());
  await page.setInputFiles('#upload', photo);
  await page.locator('#upload-preview').waitFor({ state: 'visible' });
  await page.click('#upload-start');
  await waitForFrame(0);
  const prompt = await screen();

  await page.keyboard.press('1');
  await waitForFrame(1);
  const afterAction1 = await screen();
  assert.notDeepEqual(afterAction1, prompt, 'a new frame arrived');

  await page.click('#back');
  await waitForFrame(0);
  await page.keyboard.press('2');
  await waitForFrame(1);
  const afterAction2 = await screen();
  assert.notDeepEqual(afterAction2, afterAction1, 'different actions from the same frame give different frames');
  assert.equal(await page.locator('#frame-count').textContent(), '2', 'stepping back and acting branched the history');

  await page.keyboard.press('ArrowRight');
  await waitForFrame(2);

  // Holding a key plays continuously until it is released.
  await page.keyboard.down('4');
  await page.waitForTimeout(800);
  await page.keyboard.up('4');
  await page.waitForTimeout(200);
  const held = Number(await frameIndex());
  assert.ok(held >= 5, `holding a key for 0.8 s played on (frame ${held})`);
  await page.waitForTimeout(300);
  assert.equal(Number(await frameIndex()), held, 'releasing the key stops play');

  await page.click('#legend-button');
  await page.locator('#legend canvas').first().waitFor();
  assert.equal(await page.locator('#legend canvas').count(), await page.evaluate(() => Number(document.getElementById('max-key')?.textContent)));

  const [gif] = await Promise.all([page.waitForEvent('download'), page.click('#export-gif')]);
  const gifBytes = readFileSync(await gif.path());
  assert.equal(gifBytes.subarray(0, 6).toString(), 'GIF89a');
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const recording = JSON.parse(readFileSync(await json.path(), 'utf8'));
  assert.deepEqual(recording.steps.map((s: { action: number }) => s.action).slice(0, 1), [1]);

  // A sketch: a few strokes on the pad become the new prompt.
  await page.locator('#sketch').scrollIntoViewIfNeeded();
  const pad = await page.locator('#sketch').boundingBox();
  assert.ok(pad);
  await page.mouse.move(pad.x + 20, pad.y + 200);
  await page.mouse.down();
  await page.mouse.move(pad.x + 230, pad.y + 200, { steps: 8 });
  await page.mouse.move(pad.x + 230, pad.y + 60, { steps: 8 });
  await page.mouse.up();
  const inked = await page.evaluate(() => {
    const pad = document.getElementById('sketch') as HTMLCanvasElement;
    const data = pad.getContext('2d')!.getImageData(0, 0, pad.width, pad.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] < 200) count++;
    return count;
  });
  assert.ok(inked > 500, `the strokes are on the pad (${inked} inked pixels)`);
  await page.click('#sketch-start');
  await waitForFrame(0);
  assert.equal(await page.locator('#frame-count').textContent(), '1');
  const sketchFrame = await screen();
  assert.notDeepEqual(sketchFrame, prompt, 'the sketch became the prompt');
  await page.keyboard.press('3');
  await waitForFrame(1);
  assert.equal(await frameIndex(), '1');

  mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: join(OUTPUT, 'play.png'), fullPage: true });
});

test('a non-image upload shows a clear message in the page', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'genie-upload-')), 'notes.png');
  writeFileSync(file, 'these are not pixels');
  await page.setInputFiles('#upload', file);
  await page.waitForFunction(() => (document.getElementById('message')?.textContent ?? '').length > 0);
  assert.match((await page.locator('#message').textContent()) ?? '', /not an image/);
});
