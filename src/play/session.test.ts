import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlaySession, SessionError, SessionManager, frameSeed, replay } from './session.ts';
import { countingWorld } from './testing.ts';
import type { Frame } from './world.ts';

const prompt = (size = 4): Frame => ({ width: size, height: size, rgb: new Uint8Array(size * size * 3).fill(10) });

test('a session steps, steps back and branches, keeping the history', () => {
  const session = new PlaySession(countingWorld(), 5, 100);
  session.start(prompt());
  const a = session.act(1);
  const b = session.act(2);
  assert.equal(session.length, 3);
  assert.deepEqual(session.goTo(1).rgb, a.rgb);
  assert.equal(session.length, 2);
  const branch = session.act(0);
  assert.notDeepEqual(branch.rgb, b.rgb, 'a different action after stepping back gives a different frame');
  assert.equal(session.recording().steps.length, 2);
  assert.deepEqual(session.recording().steps.map((s) => s.action), [1, 0]);
});

test('the same action from the same frame gives the same frame after an undo (frame seeds are positional)', () => {
  const session = new PlaySession(countingWorld(), 9, 100);
  session.start(prompt());
  session.act(1);
  const first = session.act(2);
  session.goTo(1);
  assert.deepEqual(session.act(2).rgb, first.rgb);
  assert.notEqual(frameSeed(9, 1), frameSeed(9, 2));
  assert.notEqual(frameSeed(9, 1), frameSeed(10, 1));
});

test('the legend previews exactly what each action would do next', () => {
  const session = new PlaySession(countingWorld(), 3, 100);
  session.start(prompt());
  session.act(2);
  const legend = session.legend();
  assert.equal(legend.length, 3);
  assert.equal(session.length, 2, 'previews do not append frames');
  assert.deepEqual(session.act(1).rgb, legend[1].rgb);
});

test('a recording replays to the same frames, settings changes included', () => {
  const world = countingWorld();
  const session = new PlaySession(world, 42, 100);
  const frames = [session.start(prompt())];
  frames.push(session.act(1));
  session.updateSettings({ maskgitSteps: 9, temperature: 0.5 });
  frames.push(session.act(2), session.act(0));
  const json = JSON.parse(JSON.stringify(session.recording()));
  assert.deepEqual(json.steps[1], { action: 2, temperature: 0.5, maskgitSteps: 9 });
  const replayed = replay(world, json);
  assert.deepEqual(replayed.map((f) => Array.from(f.rgb)), frames.map((f) => Array.from(f.rgb)));
});

test('bad requests get clear errors and leave the session usable', () => {
  const session = new PlaySession(countingWorld(), 1, 3);
  assert.throws(() => session.act(0), /no prompt yet/);
  assert.throws(() => session.start(prompt(5)), /prompt is 5x5, the world plays at 4x4/);
  session.start(prompt());
  assert.throws(() => session.act(3), /action 3 does not exist: this world has actions 0..2/);
  assert.throws(() => session.act(1.5), SessionError);
  assert.throws(() => session.goTo(4), /frame 4 does not exist/);
  session.act(0);
  session.act(0);
  assert.throws(() => session.act(0), /maximum of 3 frames/);
  session.reset();
  assert.equal(session.length, 1);
  session.act(1);
  assert.equal(session.length, 2);
});

test('the manager bounds the number of sessions and evicts idle ones', () => {
  const manager = new SessionManager(countingWorld(), { maxSessions: 2, idleMs: 1000, maxFramesPerSession: 10 });
  const a = manager.create(0);
  manager.create(500);
  assert.throws(() => manager.create(600), /already runs 2 sessions/);
  manager.touch(a, 900);
  const c = manager.create(1600); // the one created at 500 is idle by now
  assert.ok(manager.get(a.id));
  assert.ok(manager.get(c.id));
  assert.deepEqual(manager.evictIdle(2000), [a.id]);
  a.start(prompt());
  assert.equal(manager.stats().sessions, 1);
});
