import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MOVER_PERIOD, Tile, TILE, TIME_LIMIT, type Level, type Mover } from './level.ts';
import { AGENT_HEIGHT, AGENT_WIDTH, isGrounded, MAX_SPEED, stepBody, type Body } from './physics.ts';

// Levels drawn as text, top row first: '#' ground, 'C' crate, '~' lava, '^' spikes, '$' coin, 'A' agent.
function levelFromText(rows: string[], movers: Mover[] = []): { level: Level; body: Body } {
  const height = rows.length;
  const width = rows[0].length;
  const tiles = new Uint8Array(width * height);
  const codes: Record<string, number> = { '#': Tile.ground, C: Tile.crate, '~': Tile.lava, '^': Tile.spikes };
  let coin = { x: -1000, y: -1000 };
  let body: Body = { x: 0, y: 0, vx: 0, vy: 0, facing: 1 };
  rows.forEach((row, r) => {
    const ty = height - 1 - r;
    [...row].forEach((ch, tx) => {
      if (codes[ch] !== undefined) tiles[ty * width + tx] = codes[ch];
      if (ch === '$') coin = { x: tx * TILE + 6, y: ty * TILE + 4 };
      if (ch === 'A') body = { x: tx * TILE + 6, y: ty * TILE, vx: 0, vy: 0, facing: 1 };
    });
  });
  const level: Level = { seed: 0, width, height, tiles, spawn: { x: body.x + AGENT_WIDTH / 2, y: body.y }, coin, movers, moverPeriod: MOVER_PERIOD, timeLimit: TIME_LIMIT };
  return { level, body };
}

function run(level: Level, body: Body, actions: number[]): { bodies: Body[]; events: string[] } {
  const bodies = [body];
  const events: string[] = [];
  actions.forEach((action, t) => {
    const next = stepBody(level, bodies[bodies.length - 1], t, action);
    bodies.push(next.body);
    events.push(next.event);
  });
  return { bodies, events };
}

test('gravity pulls a floating agent down until it lands on the ground', () => {
  const { level, body } = levelFromText(['.....', '..A..', '.....', '.....', '#####']);
  const { bodies } = run(level, body, Array(20).fill(0));
  assert.ok(bodies[1].y < bodies[0].y && bodies[1].vy < 0, 'falls from the first step');
  assert.ok(bodies[3].y - bodies[4].y > bodies[1].y - bodies[2].y, 'falls faster and faster');
  const last = bodies[bodies.length - 1];
  assert.equal(last.y, TILE, 'rests exactly on top of the ground row');
  assert.equal(last.vy, 0);
  assert.ok(isGrounded(level, last));
});

test('the keys set the horizontal speed at once, on the ground and in the air, so each press shows in the next frame', () => {
  const { level, body } = levelFromText(['..........', '..........', '..........', '....A.....', '##########']);
  // right, left, nothing; then a jump with right, left and nothing pressed in the air
  const { bodies } = run(level, body, [2, 1, 0, 5, 1, 0]);
  assert.deepEqual(bodies.slice(1).map((b) => b.vx), [MAX_SPEED, -MAX_SPEED, 0, MAX_SPEED, -MAX_SPEED, 0]);
  assert.deepEqual(bodies.slice(1).map((b) => b.x - body.x), [MAX_SPEED, 0, 0, MAX_SPEED, 0, 0]);
  assert.deepEqual(bodies.slice(1).map((b) => b.facing), [1, -1, -1, 1, -1, -1], 'facing keeps the last pressed direction');
  assert.ok(bodies[4].y > body.y && !isGrounded(level, bodies[5]), 'the jump left the ground');
});

test('a jump rises 90 units (2.8 tiles) and comes back down to the ground', () => {
  const { level, body } = levelFromText(['.....', '.....', '.....', '.....', '..A..', '#####']);
  const { bodies } = run(level, body, [3, ...Array(30).fill(0)]);
  const top = Math.max(...bodies.map((b) => b.y));
  assert.equal(top - body.y, 90);
  assert.equal(bodies[bodies.length - 1].y, body.y);
});

test('walls stop the agent: running into one never lets it through', () => {
  const { level, body } = levelFromText(['......', '.A..#.', '######']);
  const { bodies } = run(level, body, Array(40).fill(2));
  const wallLeft = 4 * TILE;
  for (const b of bodies) assert.ok(b.x + AGENT_WIDTH <= wallLeft, `agent right edge ${b.x + AGENT_WIDTH} passed the wall at ${wallLeft}`);
  assert.equal(bodies[bodies.length - 1].x + AGENT_WIDTH, wallLeft, 'ends pressed against the wall');
  assert.equal(bodies[bodies.length - 1].vx, 0);
});

test('ceilings stop a jump', () => {
  const { level, body } = levelFromText(['....', '.##.', '....', '.A..', '####']);
  const { bodies } = run(level, body, [3, ...Array(10).fill(0)]);
  const ceiling = 3 * TILE;
  for (const b of bodies) assert.ok(b.y + AGENT_HEIGHT <= ceiling);
  assert.equal(Math.max(...bodies.map((b) => b.y + AGENT_HEIGHT)), ceiling);
});

test('the level sides are solid', () => {
  const { level, body } = levelFromText(['....', 'A...', '####']);
  const { bodies } = run(level, body, Array(20).fill(1));
  assert.equal(bodies[bodies.length - 1].x, 0);
});

test('lava, spikes and falling out of the level end the episode with death', () => {
  const lava = levelFromText(['.....', '.A~..', '#####']);
  assert.ok(run(lava.level, lava.body, Array(10).fill(2)).events.includes('death'));
  const spikes = levelFromText(['.....', '.A^..', '#####']);
  assert.ok(run(spikes.level, spikes.body, Array(10).fill(2)).events.includes('death'));
  const pit = levelFromText(['.....', '.A...', '##...']);
  const fall = run(pit.level, pit.body, Array(30).fill(2)).events;
  assert.equal(fall[fall.length - 1], 'death');
  // Standing still next to the hazards is safe.
  assert.deepEqual(new Set(run(lava.level, lava.body, Array(10).fill(0)).events), new Set(['none']));
});

test('moving hazards kill on contact, and only where they are at that time', () => {
  // A saw that moves up and down over the agent's column: standing still, the agent dies when it comes down.
  const saw: Mover = { kind: 'saw', x: TILE + 2, y: TILE + 2, dx: 0, dy: 3 * TILE, width: 24, height: 24, phase: MOVER_PERIOD / 2 };
  const { level, body } = levelFromText(['.....', '.....', '.....', '.A...', '#####'], [saw]);
  const events = run(level, body, Array(MOVER_PERIOD).fill(0)).events;
  const firstDeath = events.indexOf('death');
  assert.ok(firstDeath > 0, `dies when the saw comes down, not at once (first death at step ${firstDeath})`);
});

test('touching the coin is the goal', () => {
  const { level, body } = levelFromText(['.....', '.A.$.', '#####']);
  const { events } = run(level, body, Array(20).fill(2));
  assert.ok(events.includes('goal'));
  assert.ok(events.indexOf('goal') < events.length - 1);
});
