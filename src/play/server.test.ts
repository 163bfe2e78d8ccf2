import assert from 'node:assert/strict';
import { request } from 'node:http';
import { crc32 } from 'node:zlib';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { WebSocket } from 'ws';
import { startPlayServer, type PlayServer } from './server.ts';
import { countingWorld } from './testing.ts';

let server: PlayServer;
const logged: string[] = [];

before(async () => {
  server = await startPlayServer({ world: countingWorld(8), port: 0, maxUploadBytes: 200_000, log: (l) => logged.push(l) });
});
after(() => server.close());

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3080c0' } }).png().toBuffer();

function upload(body: Uint8Array, type: string) {
  return fetch(`${server.url}/api/prompt`, { method: 'POST', headers: { 'content-type': type }, body: new Blob([Buffer.from(body)]) });
}

/** A raw GET with the path sent exactly as written (fetch would normalise away the dot segments). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('binds to loopback by default and serves the page', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const page = await fetch(`${server.url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<canvas id="screen"/);
});

test('static serving cannot leave its folder', async () => {
  for (const path of ['/../package.json', '/..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/web/../../server.ts', '/..%5c..%5cpackage.json', '/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json']) {
    const res = await rawGet(path);
    assert.ok(res.status >= 400 && res.status < 500, `${path} answered ${res.status}`);
    assert.doesNotMatch(res.body, /"name": "genie-ts"|startPlayServer/, `${path} leaked a file`);
  }
});

test('an uploaded image becomes a prompt at the world resolution, with a preview', async () => {
  const res = await upload(await png(300, 120), 'image/png');
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.match(body.id, /^[0-9a-f-]{36}$/);
  const preview = await sharp(Buffer.from(body.preview.split(',')[1], 'base64')).metadata();
  assert.equal(preview.width, 32); // 8x8 world shown at 4x
  assert.equal(preview.height, 32);
});

test('bad uploads get a 4xx with a clear message and the server stays up', async () => {
  const cases: [Uint8Array, string, number, RegExp][] = [
    [new TextEncoder().encode('hello'), 'text/plain', 415, /PNG, JPEG, WebP or GIF/],
    [new TextEncoder().encode('not really a png'), 'image/png', 422, /not an image/],
    [(await png(64, 64)).subarray(0, 60), 'image/png', 422, /not an image|could not be decoded/],
    [new Uint8Array(0), 'image/png', 422, /empty|not an image/],
    [new Uint8Array(300_000), 'image/png', 413, /over the limit of 200000 bytes/],
  ];
  for (const [body, type, status, message] of cases) {
    const res = await upload(body, type);
    assert.equal(res.status, status, `${type} ${body.length} bytes`);
    assert.match((await res.json()).error, message);
  }
  // A decompression bomb: a tiny PNG whose header declares 100000 x 100000 pixels.
  const bomb = Buffer.from(await png(1, 1));
  bomb.writeUInt32BE(100_000, 16);
  bomb.writeUInt32BE(100_000, 20);
  bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29); // keep the header chunk's checksum valid
  const res = await upload(bomb, 'image/png');
  assert.equal(res.status, 422);
  assert.match((await res.json()).error, /100000x100000: over the limit of 40000000 pixels/);
  assert.equal((await fetch(`${server.url}/api/stats`)).status, 200);
});

function openSession() {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
  const inbox: any[] = [];
  const waiters: ((m: any) => void)[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  const next = (): Promise<any> => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((resolve) => waiters.push(resolve)));
  const send = (m: unknown) => socket.send(typeof m === 'string' ? m : JSON.stringify(m));
  return { socket, next, send };
}

test('a WebSocket session plays, and survives malformed and unknown messages', async () => {
  const { socket, next, send } = openSession();
  const hello = await next();
  assert.equal(hello.type, 'hello');
  assert.equal(hello.world.numActions, 3);
  send('{not json');
  assert.match((await next()).message, /not JSON/);
  send({ type: 'teleport' });
  assert.match((await next()).message, /invalid message/);
  send({ type: 'act', action: 1 });
  assert.match((await next()).message, /no prompt yet/);
  send({ type: 'start', prompt: { kind: 'example', index: 0 } });
  const first = await next();
  assert.equal(first.type, 'frame');
  assert.equal(first.length, 1);
  send({ type: 'act', action: 7 });
  assert.match((await next()).message, /action 7 does not exist/);
  send({ type: 'settings', temperature: 99 });
  assert.match((await next()).message, /temperature/);
  send({ type: 'act', action: 2 });
  const second = await next();
  assert.equal(second.index, 1);
  assert.equal(Buffer.from(second.rgb, 'base64').length, 8 * 8 * 3);
  send({ type: 'legend' });
  assert.equal((await next()).frames.length, 3);
  const recording = await (await fetch(`${server.url}/api/sessions/${hello.session}/recording.json`)).json();
  assert.deepEqual(recording.steps.map((s: any) => s.action), [2]);
  assert.ok(logged.some((l) => l.includes('rejected message')), 'rejected messages are logged');
  socket.close();
});
