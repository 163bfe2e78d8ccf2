import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlatformerEnv, type EpisodeEnd } from './env.ts';
import { ExpertPolicy } from './expert.ts';
import { isGrounded, type Body } from './physics.ts';
import { SeededRandom } from './random.ts';

/** Plays one episode: `warmup` random actions first (so the expert must replan from an odd state), then the expert. */
function playEpisode(env: PlatformerEnv, seed: number, warmup = 0): EpisodeEnd {
  env.reset(seed);
  const expert = new ExpertPolicy();
  const rng = new SeededRandom(seed, 7);
  for (;;) {
    const state = env.getState();
    const action = state.t < warmup ? rng.pick([0, 1, 2]) : expert.act({ level: env.level, body: state.body, t: state.t });
    const { done, info } = env.step(action);
    if (done) return info.episodeEnd as EpisodeEnd;
  }
}

test('the expert reaches the coin on more than 80% of a fixed set of levels', () => {
  const env = new PlatformerEnv();
  const seeds = Array.from({ length: 30 }, (_, i) => 5000 + i);
  const ends = seeds.map((seed) => playEpisode(env, seed));
  const solved = ends.filter((end) => end === 'goal').length;
  assert.ok(solved / seeds.length > 0.8, `expert solved ${solved}/${seeds.length}: ${ends.join(' ')}`);
});

test('the expert replans after someone else moved the agent', () => {
  const env = new PlatformerEnv();
  const ends = [100, 101, 102, 103].map((seed) => playEpisode(env, seed, 12));
  const solved = ends.filter((end) => end === 'goal').length;
  assert.ok(solved >= 3, `expert solved ${solved}/4 after 12 random moves: ${ends.join(' ')}`);
});

test('the expert holds jump through each ascent, which changes nothing: the same run with jump released in the air', () => {
  const env = new PlatformerEnv();
  env.reset(5003);
  const expert = new ExpertPolicy();
  const played: { action: number; body: Body }[] = [];
  for (let done = false; !done; ) {
    const { body, t } = env.getState();
    const action = expert.act({ level: env.level, body, t });
    played.push({ action, body });
    done = env.step(action).done;
  }
  const rising = played.filter(({ body }) => body.vy > 0);
  assert.ok(rising.length >= 9, `only ${rising.length} rising steps: no jump in this level?`);
  for (const { action, body } of rising) assert.ok(action >= 3, `rising at (${body.x}, ${body.y}) without jump held: action ${action}`);
  const inAirOtherwise = played.filter(({ action, body }) => action >= 3 && body.vy <= 0 && !isGrounded(env.level, body));
  assert.equal(inAirOtherwise.length, 0, 'jump held while falling');

  env.reset(5003);
  for (const { action, body } of played) {
    assert.deepEqual(env.getState().body, body);
    env.step(body.vy > 0 ? action - 3 : action);
  }
});
