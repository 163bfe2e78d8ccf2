// `genie play` (browser or terminal) and `genie generate` (a clip from a prompt image and actions).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { type Precision, bf16Products, bf16Supported, choosePrecision, int8Supported } from '../engine/index.ts';
import { PlaySession, type Recording, SETTINGS_LIMITS, recordingSchema, replay } from '../play/session.ts';
import { integer, number, precisionOption } from './options.ts';

// The world shipped with the project, played when no --world is given.
export const SHIPPED_WORLD = fileURLToPath(new URL('../../worlds/coinrun', import.meta.url));

type PrecisionFlag = Precision | 'auto';

async function openWorld(dir: string | undefined, precisionFlag: PrecisionFlag) {
  const [{ loadWorld }, { playableWorld }] = await Promise.all([import('../world/world-folder.ts'), import('../play/playable-world.ts')]);
  const precision = choosePrecision(precisionFlag);
  if (!dir && !existsSync(SHIPPED_WORLD)) {
    throw new Error(`no shipped world at ${SHIPPED_WORLD}: it has not been trained yet. Pass --world DIR to play a world you trained and packed (see README: "Train your own world")`);
  }
  try {
    return playableWorld(await loadWorld(dir ?? SHIPPED_WORLD), precision);
  } catch (err) {
    if (dir) throw err;
    throw new Error(`the shipped world could not be loaded (${(err as Error).message}); pass --world DIR to play another`);
  }
}

async function promptFrame(path: string, width: number, height: number) {
  const { promptFromImage } = await import('../play/prompt-image.ts');
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`--prompt ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  try {
    return await promptFromImage(bytes, width, height);
  } catch (err) {
    throw new Error(`--prompt ${path}: ${(err as Error).message}`);
  }
}

interface PlayFlags {
  world?: string;
  host: string;
  port: number;
  terminal?: boolean;
  prompt?: string;
  example: number;
  seed: number;
  maxSessions: number;
  idleMinutes: number;
  precision: PrecisionFlag;
}

async function play(flags: PlayFlags): Promise<void> {
  const world = await openWorld(flags.world, flags.precision);
  if (flags.terminal) {
    const { playInTerminal } = await import('../play/terminal.ts');
    const prompt = flags.prompt ? await promptFrame(flags.prompt, world.width, world.height) : world.examples[flags.example];
    if (!prompt) throw new Error(`--example ${flags.example}: this world has ${world.examples.length} examples; pass --prompt IMAGE instead`);
    return playInTerminal(world, prompt, flags.seed);
  }
  const { startPlayServer } = await import('../play/server.ts');
  const { DEFAULT_SESSION_LIMITS } = await import('../play/session.ts');
  const server = await startPlayServer({
    world,
    host: flags.host,
    port: flags.port,
    seed: flags.seed,
    limits: { ...DEFAULT_SESSION_LIMITS, maxSessions: flags.maxSessions, idleMs: flags.idleMinutes * 60_000 },
  });
  const arithmetic = { fp32: 'fp32', bf16: `bf16 on ${bf16Products()}`, int8: `int8 products on AVX512-VNNI, bf16 on ${bf16Products()}` }[world.precision];
  console.log(`genie: playing "${world.name}" (${arithmetic}) at ${server.url}  (Ctrl-C to stop)`);
  if (flags.host !== '127.0.0.1' && flags.host !== 'localhost') console.warn(`genie: listening on ${flags.host}: other machines can reach this server`);
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

interface GenerateFlags {
  world?: string;
  prompt?: string;
  actions?: string;
  replay?: string;
  out: string;
  seed: number;
  temperature?: number;
  steps?: number;
  fps: number;
  scale: number;
  precision?: PrecisionFlag;
}

function readRecording(path: string): Recording {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`--replay ${path}: ${(err as Error).message}`);
  }
  const parsed = recordingSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`--replay ${path}: field "${issue.path.join('.')}": ${issue.message}`);
  }
  return parsed.data;
}

async function generate(flags: GenerateFlags): Promise<void> {
  const { writeClip } = await import('../data/clip-writer.ts');
  const recording = flags.replay ? readRecording(flags.replay) : null;
  // A replay is made in the recording's precision unless --precision says otherwise.
  const recorded = recording?.precision ?? 'fp32';
  if (!flags.precision && ((recorded === 'bf16' && !bf16Supported()) || (recorded === 'int8' && !int8Supported()))) {
    const needs = recorded === 'bf16' ? 'AMX tiles or AVX512-BF16' : 'AVX512-VNNI with AVX512-BF16';
    throw new Error(`--replay ${flags.replay}: recorded in ${recorded}, which this CPU cannot compute (no ${needs}); pass --precision fp32 to replay it in fp32 (the frames will differ)`);
  }
  const world = await openWorld(flags.world, flags.precision ?? recording?.precision ?? 'auto');
  let frames;
  if (recording) {
    if (flags.prompt || flags.actions) throw new Error('--replay carries its own prompt and actions: drop --prompt and --actions');
    frames = replay(world, recording);
  } else {
    if (!flags.prompt || !flags.actions) throw new Error('give --prompt IMAGE and --actions 0,3,3,1,... (or --replay session.json)');
    const actions = flags.actions.split(',').map((text, i) => {
      const action = Number(text.trim());
      if (!Number.isInteger(action) || action < 0 || action >= world.numActions) {
        throw new Error(`--actions: item ${i + 1} is '${text}'; actions are integers 0..${world.numActions - 1}`);
      }
      return action;
    });
    const session = new PlaySession(world, flags.seed, actions.length + 1);
    session.updateSettings({
      ...(flags.temperature !== undefined && { temperature: flags.temperature }),
      ...(flags.steps !== undefined && { maskgitSteps: flags.steps }),
    });
    frames = [session.start(await promptFrame(flags.prompt, world.width, world.height))];
    for (const action of actions) frames.push(session.act(action));
  }
  await writeClip(frames.map((f) => f.rgb), { width: world.width, height: world.height, fps: flags.fps, scale: flags.scale }, flags.out);
  console.log(`genie: wrote ${frames.length} frames to ${flags.out}`);
}

export function register(program: Command): void {
  program
    .command('play')
    .description('play a world: a local web page (default) or the terminal')
    .option('--world <dir>', 'a world folder (default: the shipped CoinRun world)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0: any free port)', integer(0, 65535), 8080)
    .option('--terminal', 'play in this terminal with 24-bit colour half blocks instead of a web page')
    .option('--prompt <image>', 'terminal: start from this image (PNG/JPEG/WebP/GIF)')
    .option('--example <n>', 'terminal: start from the world\'s example frame n', integer(0), 0)
    .option('--seed <n>', 'sampling seed of the first session (each new session takes the next)', integer(0, 2 ** 32 - 1), 0)
    .option('--max-sessions <n>', 'browser tabs that can play at once', integer(1), 16)
    .option('--idle-minutes <n>', 'close sessions idle this long', number(0.05, 24 * 60), 10)
    .addOption(precisionOption('auto'))
    .action(play);

  program
    .command('generate')
    .description('generate a clip from a prompt image and a list of latent actions (deterministic for a seed)')
    .option('--world <dir>', 'a world folder (default: the shipped CoinRun world)')
    .option('--prompt <image>', 'the first frame: any image, resized and centre-cropped to the world')
    .option('--actions <list>', 'comma-separated latent actions, e.g. 0,3,3,1')
    .option('--replay <json>', 'replay a session exported from the play page (prompt, actions and settings)')
    .requiredOption('--out <file>', 'the clip to write: .gif or .mp4')
    .option('--seed <n>', 'sampling seed', integer(0, 2 ** 32 - 1), 0)
    .option('--temperature <t>', 'MaskGIT sampling temperature (default: the world\'s)', number(SETTINGS_LIMITS.temperature.min, SETTINGS_LIMITS.temperature.max))
    .option('--steps <n>', 'MaskGIT steps per frame (default: the world\'s)', integer(SETTINGS_LIMITS.maskgitSteps.min, SETTINGS_LIMITS.maskgitSteps.max))
    .option('--fps <n>', 'frame rate of the clip', number(0.1, 120), 10)
    .option('--scale <n>', 'enlarge frames n times (nearest neighbour)', integer(1, 16), 4)
    .addOption(precisionOption(undefined, "; default: a replay's own, else auto"))
    .action(generate);
}
