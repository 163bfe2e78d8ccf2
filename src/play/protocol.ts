// The WebSocket messages between the play page and the server. Every incoming message is parsed with
// these schemas; anything else is answered with an error and the session carries on.
import { z } from 'zod';
import { SETTINGS_LIMITS, maskgitStepsSchema, temperatureSchema } from './session.ts';

export const clientMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    prompt: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('example'), index: z.number().int().nonnegative() }),
      z.object({ kind: z.literal('upload'), id: z.string().uuid() }),
    ]),
  }),
  z.object({ type: z.literal('act'), action: z.number().int().nonnegative() }),
  z.object({ type: z.literal('goto'), index: z.number().int().nonnegative() }),
  z.object({ type: z.literal('reset') }),
  z.object({
    type: z.literal('settings'),
    temperature: temperatureSchema.optional(),
    maskgitSteps: maskgitStepsSchema.optional(),
  }),
  z.object({ type: z.literal('legend') }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

/** Server -> page. Frames travel as base64 of raw RGB (H, W, 3): tiny at 64x64 and trivial to draw. */
export type ServerMessage =
  | {
      type: 'hello';
      session: string;
      world: { name: string; width: number; height: number; numActions: number; keyMap: Record<string, { action: number; label: string }> };
      settings: { temperature: number; maskgitSteps: number };
      limits: typeof SETTINGS_LIMITS;
      examples: number;
    }
  | { type: 'frame'; index: number; length: number; rgb: string; action: number | null; latencyMs: number; sessionBytes: number }
  | { type: 'legend'; frames: string[]; latencyMs: number }
  | { type: 'settings'; temperature: number; maskgitSteps: number }
  | { type: 'error'; message: string };

/** Parses one raw message; returns an error text instead of throwing. */
export function parseClientMessage(raw: string): { ok: true; message: ClientMessage } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'message is not JSON' };
  }
  const parsed = clientMessage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `invalid message: ${issue.path.join('.') || 'message'}: ${issue.message}` };
  }
  return { ok: true, message: parsed.data };
}
