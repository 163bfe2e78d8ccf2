// `genie env play`: a person plays the platformer in a web page. The environment runs in the browser
// itself: platformer/ has no DOM or Node dependencies, so esbuild bundles it once at start and the page
// imports the bundle. Its integer arithmetic renders the same pixels there as in Node
// (test/env-play-browser.test.ts replays a page's actions here and compares). Binds 127.0.0.1 unless told
// otherwise; static files come from web/ only.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

const WEB_ROOT = fileURLToPath(new URL('./web/', import.meta.url));
const ENV_ENTRY = fileURLToPath(new URL('./platformer/index.ts', import.meta.url));

export interface EnvPlayServerOptions {
  host?: string;
  port?: number; // 0 picks a free port
}

export interface EnvPlayServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The platformer as one browser ES module. */
export async function bundlePlatformer(): Promise<string> {
  const result = await build({ entryPoints: [ENV_ENTRY], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
  return result.outputFiles[0].text;
}

export async function startEnvPlayServer(options: EnvPlayServerOptions = {}): Promise<EnvPlayServer> {
  const bundle = await bundlePlatformer();
  const app = Fastify();
  await app.register(fastifyStatic, { root: WEB_ROOT, index: 'index.html' });
  app.get('/platformer.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(bundle));
  const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8081 });
  return { url, app, close: () => app.close() };
}
