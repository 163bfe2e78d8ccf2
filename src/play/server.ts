// The play server: serves the page, takes prompt images, and runs one play session per WebSocket.
// Binds 127.0.0.1 unless told otherwise; every upload and message is validated; static files are
// served from web/ only.
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { writeClip } from '../data/clip-writer.ts';
import { DEFAULT_MAX_UPLOAD_BYTES, PromptImageError, frameToPng, promptFromImage } from './prompt-image.ts';
import { parseClientMessage, type ClientMessage, type ServerMessage } from './protocol.ts';
import { DEFAULT_SESSION_LIMITS, PlaySession, SETTINGS_LIMITS, SessionError, SessionManager, type SessionLimits } from './session.ts';
import type { Frame, PlayableWorld } from './world.ts';

export const WEB_ROOT = fileURLToPath(new URL('./web/', import.meta.url));

export interface PlayServerOptions {
  world: PlayableWorld;
  host?: string;
  port?: number; // 0 picks a free port
  maxUploadBytes?: number;
  limits?: SessionLimits;
  seed?: number;
  log?: (line: string) => void;
}

export interface PlayServer {
  url: string;
  app: FastifyInstance;
  sessions: SessionManager;
  close(): Promise<void>;
}

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
const MAX_PENDING_UPLOADS = 64;
const EXPORT_FPS = 10; // the frame rate the worlds are trained at
const EXPORT_SCALE = 4; // 64x64 frames are tiny on screen

export async function startPlayServer(options: PlayServerOptions): Promise<PlayServer> {
  const { world } = options;
  const log = options.log ?? ((line: string) => console.warn(line));
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const sessions = new SessionManager(world, options.limits ?? DEFAULT_SESSION_LIMITS, options.seed ?? 0);
  const uploads = new Map<string, Frame>(); // prompt id -> cropped frame, oldest first
  const sockets = new Map<string, WebSocket>(); // session id -> its page

  const app = Fastify({ bodyLimit: maxUploadBytes });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(fastifyStatic, { root: WEB_ROOT, index: 'index.html' });

  // Prompt images arrive as the raw request body; anything that is not an accepted image type gets a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', (_req, _payload, done) => {
    done(Object.assign(new Error('upload a PNG, JPEG, WebP or GIF image'), { statusCode: 415 }), undefined);
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const message = status === 413 ? `the upload is over the limit of ${maxUploadBytes} bytes` : err.message;
    if (status === 500) log(`play: internal error: ${err.stack ?? err.message}`);
    void reply.status(status).send({ error: message });
  });

  app.post('/api/prompt', async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) return reply.status(415).send({ error: 'upload a PNG, JPEG, WebP or GIF image' });
    try {
      const frame = await promptFromImage(req.body, world.width, world.height);
      const id = randomUUID();
      uploads.set(id, frame);
      if (uploads.size > MAX_PENDING_UPLOADS) uploads.delete(uploads.keys().next().value as string);
      const preview = (await frameToPng(frame, 4)).toString('base64');
      return { id, preview: `data:image/png;base64,${preview}` };
    } catch (err) {
      if (err instanceof PromptImageError) return reply.status(422).send({ error: err.message });
      throw err;
    }
  });

  app.get<{ Params: { index: string } }>('/api/examples/:index', async (req, reply) => {
    const frame = world.examples[Number(req.params.index)];
    if (!frame) return reply.status(404).send({ error: `no example ${req.params.index}: this world has ${world.examples.length}` });
    return reply.type('image/png').send(await frameToPng(frame, 4));
  });

  app.get<{ Params: { id: string } }>('/api/sessions/:id/recording.json', async (req, reply) => {
    const session = sessions.get(req.params.id);
    if (!session?.started) return reply.status(404).send({ error: 'no such session, or it has no frames yet' });
    return reply.header('content-disposition', 'attachment; filename="genie-session.json"').send(session.recording());
  });

  app.get<{ Params: { id: string; format: string } }>('/api/sessions/:id/session.:format', async (req, reply) => {
    const { format } = req.params;
    if (format !== 'gif' && format !== 'mp4') return reply.status(404).send({ error: `no export as .${format}: use .gif or .mp4` });
    const session = sessions.get(req.params.id);
    if (!session?.started) return reply.status(404).send({ error: 'no such session, or it has no frames yet' });
    const file = join(tmpdir(), `genie-export-${randomUUID()}.${format}`);
    try {
      const frames = session.frames().map((f) => f.rgb);
      await writeClip(frames, { width: world.width, height: world.height, fps: EXPORT_FPS, scale: EXPORT_SCALE }, file);
      const bytes = await readFile(file);
      return reply
        .type(format === 'gif' ? 'image/gif' : 'video/mp4')
        .header('content-disposition', `attachment; filename="genie-session.${format}"`)
        .send(bytes);
    } finally {
      await rm(file, { force: true });
    }
  });

  app.get('/api/stats', async () => ({ ...sessions.stats(), limits: sessions.limits }));

  app.get('/ws', { websocket: true }, (socket: WebSocket) => {
    let session: PlaySession;
    try {
      session = sessions.create();
    } catch (err) {
      socket.send(JSON.stringify({ type: 'error', message: (err as Error).message } satisfies ServerMessage));
      socket.close(1013, 'server full');
      return;
    }
    sockets.set(session.id, socket);
    const send = (message: ServerMessage) => socket.send(JSON.stringify(message));
    send({
      type: 'hello',
      session: session.id,
      world: { name: world.name, width: world.width, height: world.height, numActions: world.numActions, keyMap: world.keyMap },
      settings: session.settings,
      limits: SETTINGS_LIMITS,
      examples: world.examples.length,
    });
    socket.on('message', (data, isBinary) => {
      if (!sessions.get(session.id)) return; // evicted
      sessions.touch(session);
      const parsed = isBinary ? { ok: false as const, error: 'binary messages are not accepted' } : parseClientMessage(data.toString());
      if (!parsed.ok) {
        log(`play: session ${session.id}: rejected message: ${parsed.error}`);
        send({ type: 'error', message: parsed.error });
        return;
      }
      try {
        for (const reply of handle(session, parsed.message, uploads, world)) send(reply);
      } catch (err) {
        if (!(err instanceof SessionError)) log(`play: session ${session.id}: ${(err as Error).stack ?? err}`);
        send({ type: 'error', message: (err as Error).message });
      }
    });
    socket.on('close', () => {
      sessions.close(session.id);
      sockets.delete(session.id);
    });
  });

  const evictTimer = setInterval(() => {
    for (const id of sessions.evictIdle()) sockets.get(id)?.close(4000, 'idle session evicted');
  }, Math.min(60_000, sessions.limits.idleMs));
  evictTimer.unref();

  const host = options.host ?? '127.0.0.1';
  const address = await app.listen({ host, port: options.port ?? 8080 });
  return {
    url: address,
    app,
    sessions,
    close: async () => {
      clearInterval(evictTimer);
      await app.close();
    },
  };
}

function encodeFrame(frame: Frame): string {
  return Buffer.from(frame.rgb).toString('base64');
}

/** Runs one validated message against a session and returns the replies. */
function handle(session: PlaySession, message: ClientMessage, uploads: Map<string, Frame>, world: PlayableWorld): ServerMessage[] {
  const started = performance.now();
  const frameReply = (frame: Frame, action: number | null): ServerMessage => ({
    type: 'frame',
    index: session.length - 1,
    length: session.length,
    rgb: encodeFrame(frame),
    action,
    latencyMs: performance.now() - started,
    sessionBytes: session.bytes,
  });
  switch (message.type) {
    case 'start': {
      const { prompt } = message;
      const frame = prompt.kind === 'example' ? world.examples[prompt.index] : uploads.get(prompt.id);
      if (!frame) throw new SessionError(prompt.kind === 'example' ? `no example ${prompt.index}` : 'that upload has expired: upload it again');
      return [frameReply(session.start(frame), null)];
    }
    case 'act':
      return [frameReply(session.act(message.action), message.action)];
    case 'goto':
      return [frameReply(session.goTo(message.index), null)];
    case 'reset':
      return [frameReply(session.reset(), null)];
    case 'settings':
      session.updateSettings({
        ...(message.temperature !== undefined && { temperature: message.temperature }),
        ...(message.maskgitSteps !== undefined && { maskgitSteps: message.maskgitSteps }),
      });
      return [{ type: 'settings', ...session.settings }];
    case 'legend': {
      const frames = session.legend().map(encodeFrame);
      return [{ type: 'legend', frames, latencyMs: performance.now() - started }];
    }
  }
}
