// Play sessions: one per browser tab. A session holds the prompt, the frames generated so far and the
// exact settings of every step, so it can step back to any frame, branch from there, and export a
// recording that `genie generate --replay` reproduces frame for frame.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { PRECISIONS } from '../engine/index.ts';
import type { Frame, PlayableWorld, Rollout, SampleOptions } from './world.ts';

export interface Settings {
  temperature: number;
  maskgitSteps: number;
}

/** The step that made frame `index + 1` from the frames before it. */
export interface PlayStep extends Settings {
  action: number;
}

export const SETTINGS_LIMITS = { temperature: { min: 0, max: 5 }, maskgitSteps: { min: 1, max: 64 } } as const;
export const temperatureSchema = z.number().min(SETTINGS_LIMITS.temperature.min).max(SETTINGS_LIMITS.temperature.max);
export const maskgitStepsSchema = z.number().int().min(SETTINGS_LIMITS.maskgitSteps.min).max(SETTINGS_LIMITS.maskgitSteps.max);

/** Everything needed to replay a session: the page exports it, `genie generate --replay` reads it. */
export const recordingSchema = z.object({
  world: z.string(),
  seed: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  prompt: z.string().describe("base64 of the prompt's raw RGB bytes (H, W, 3)"),
  // The precision frames were made in (engine/precision.ts); replaying in another gives other frames.
  precision: z.enum(PRECISIONS).optional(),
  steps: z.array(
    z.object({
      action: z.number().int().nonnegative(),
      temperature: temperatureSchema,
      maskgitSteps: maskgitStepsSchema,
    }),
  ),
});
export type Recording = z.infer<typeof recordingSchema>;

/**
 * The seed of frame `index`: a function of the session seed and the frame's position only, so the same
 * actions from the same prompt give the same frames whether played live, after an undo, or replayed.
 */
export function frameSeed(sessionSeed: number, index: number): number {
  let h = (sessionSeed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (index + 0x85ebca6b), 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export class SessionError extends Error {}

export class PlaySession {
  readonly id = randomUUID();
  private rollout: Rollout | null = null;
  private prompt: Frame | null = null;
  private steps: PlayStep[] = [];
  settings: Settings;
  lastActive = Date.now();

  constructor(
    readonly world: PlayableWorld,
    readonly seed: number,
    private readonly maxFrames: number,
  ) {
    this.settings = { ...world.defaults };
  }

  get started(): boolean {
    return this.rollout !== null;
  }

  get length(): number {
    return this.rollout?.length ?? 0;
  }

  get bytes(): number {
    return this.rollout?.bytes ?? 0;
  }

  start(prompt: Frame): Frame {
    if (prompt.width !== this.world.width || prompt.height !== this.world.height) {
      throw new SessionError(`prompt is ${prompt.width}x${prompt.height}, the world plays at ${this.world.width}x${this.world.height}`);
    }
    this.prompt = prompt;
    this.rollout = this.world.begin(prompt);
    this.steps = [];
    return this.rollout.frame(0);
  }

  act(action: number): Frame {
    const rollout = this.requireRollout();
    this.checkAction(action);
    if (rollout.length >= this.maxFrames) {
      throw new SessionError(`this session holds its maximum of ${this.maxFrames} frames: step back or reset to go on`);
    }
    const frame = rollout.step(action, this.sampleOptions(rollout.length));
    this.steps.push({ action, ...this.settings });
    return frame;
  }

  /** A preview of the next frame under each action, from the current frame. */
  legend(): Frame[] {
    const rollout = this.requireRollout();
    const options = this.sampleOptions(rollout.length);
    return Array.from({ length: this.world.numActions }, (_, action) => rollout.peek(action, options));
  }

  /** Steps back so that `index` is the current frame; the next action branches from there. */
  goTo(index: number): Frame {
    const rollout = this.requireRollout();
    if (!Number.isInteger(index) || index < 0 || index >= rollout.length) {
      throw new SessionError(`frame ${index} does not exist: this session has frames 0..${rollout.length - 1}`);
    }
    rollout.truncate(index + 1);
    this.steps.length = index;
    return rollout.frame(index);
  }

  reset(): Frame {
    return this.goTo(0);
  }

  updateSettings(settings: Partial<Settings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  frames(): Frame[] {
    const rollout = this.requireRollout();
    return Array.from({ length: rollout.length }, (_, i) => rollout.frame(i));
  }

  recording(): Recording {
    this.requireRollout();
    const prompt = this.prompt as Frame;
    return {
      world: this.world.name,
      seed: this.seed,
      width: prompt.width,
      height: prompt.height,
      prompt: Buffer.from(prompt.rgb).toString('base64'),
      precision: this.world.precision,
      steps: this.steps.map((s) => ({ ...s })),
    };
  }

  private sampleOptions(index: number): SampleOptions {
    return { ...this.settings, seed: frameSeed(this.seed, index) };
  }

  private checkAction(action: number): void {
    if (!Number.isInteger(action) || action < 0 || action >= this.world.numActions) {
      throw new SessionError(`action ${action} does not exist: this world has actions 0..${this.world.numActions - 1}`);
    }
  }

  private requireRollout(): Rollout {
    if (!this.rollout) throw new SessionError('no prompt yet: start from an example, an image or a sketch');
    return this.rollout;
  }
}

/** Replays a recording on a world: the frames a live session with the same steps showed. */
export function replay(world: PlayableWorld, recording: Recording): Frame[] {
  if (recording.width !== world.width || recording.height !== world.height) {
    throw new SessionError(`recording is ${recording.width}x${recording.height}, the world plays at ${world.width}x${world.height}`);
  }
  const rgb = new Uint8Array(Buffer.from(recording.prompt, 'base64'));
  if (rgb.length !== world.width * world.height * 3) {
    throw new SessionError(`recording prompt has ${rgb.length} bytes, expected ${world.width * world.height * 3}`);
  }
  const session = new PlaySession(world, recording.seed, recording.steps.length + 1);
  const frames = [session.start({ width: world.width, height: world.height, rgb })];
  for (const step of recording.steps) {
    session.updateSettings({ temperature: step.temperature, maskgitSteps: step.maskgitSteps });
    frames.push(session.act(step.action));
  }
  return frames;
}

export interface SessionLimits {
  maxSessions: number;
  idleMs: number; // sessions idle this long are evicted
  maxFramesPerSession: number; // bounds each session's memory
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions: 16, idleMs: 10 * 60_000, maxFramesPerSession: 2000 };

export class SessionManager {
  private readonly sessions = new Map<string, PlaySession>();
  private nextSeed: number;

  constructor(
    private readonly world: PlayableWorld,
    readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    seed = 0,
  ) {
    this.nextSeed = seed;
  }

  create(now = Date.now()): PlaySession {
    this.evictIdle(now);
    if (this.sessions.size >= this.limits.maxSessions) {
      throw new SessionError(`the server already runs ${this.limits.maxSessions} sessions: close a tab or try again later`);
    }
    const session = new PlaySession(this.world, this.nextSeed++, this.limits.maxFramesPerSession);
    session.lastActive = now;
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string): PlaySession | undefined {
    return this.sessions.get(id);
  }

  touch(session: PlaySession, now = Date.now()): void {
    session.lastActive = now;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  /** Drops sessions idle past the limit; returns their ids. */
  evictIdle(now = Date.now()): string[] {
    const evicted: string[] = [];
    for (const [id, session] of this.sessions) {
      if (now - session.lastActive >= this.limits.idleMs) {
        this.sessions.delete(id);
        evicted.push(id);
      }
    }
    return evicted;
  }

  stats(): { sessions: number; bytes: number } {
    let bytes = 0;
    for (const session of this.sessions.values()) bytes += session.bytes;
    return { sessions: this.sessions.size, bytes };
  }
}
