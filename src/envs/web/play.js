// The page's game loop: the platformer (bundled from src/envs/platformer by the server) steps 10 times a
// second with the action the held keys make. `window.envPlay` holds the level seed and the actions taken,
// so a test can replay them in Node and compare pixels.
import { ACTION_NAMES, PlatformerEnv } from './platformer.js';

const STEP_MS = 100;
const SIZE = 64;
const $ = (id) => document.getElementById(id);
const screen = $('screen').getContext('2d');
const env = new PlatformerEnv({ size: SIZE });
const held = new Set();
const KEYS = { ArrowLeft: 'left', a: 'left', ArrowRight: 'right', d: 'right', ArrowUp: 'jump', w: 'jump', ' ': 'jump' };
const play = { seed: 0, actions: [], score: 0, ended: null, paused: false };
window.envPlay = play;

function draw(rgb) {
  const image = screen.createImageData(SIZE, SIZE);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    image.data[j] = rgb[i];
    image.data[j + 1] = rgb[i + 1];
    image.data[j + 2] = rgb[i + 2];
    image.data[j + 3] = 255;
  }
  screen.putImageData(image, 0, 0);
}

function show() {
  $('level').textContent = String(play.seed);
  $('step').textContent = String(play.actions.length);
  $('score').textContent = String(play.score);
  const ends = { goal: 'coin! N: next level', death: 'you died. R: retry', timeout: 'out of time. R: retry' };
  $('state').textContent = play.ended ? ends[play.ended] : play.paused ? 'paused (P)' : 'playing';
}

function start(seed) {
  Object.assign(play, { seed, actions: [], score: 0, ended: null, paused: false });
  draw(env.reset(seed));
  $('seed').value = String(seed);
  show();
}

// left/right/jump held -> NOOP, LEFT, RIGHT, JUMP, LEFT+JUMP, RIGHT+JUMP (the data sets' action ids).
function heldAction() {
  const left = held.has('left') && !held.has('right');
  const right = held.has('right') && !held.has('left');
  if (held.has('jump')) return left ? 4 : right ? 5 : 3;
  return left ? 1 : right ? 2 : 0;
}

function tick() {
  if (play.paused || play.ended) return;
  const action = heldAction();
  const { frame, reward, info } = env.step(action);
  play.actions.push(action);
  play.score += reward;
  play.ended = info.episodeEnd;
  $('action').textContent = ACTION_NAMES[action];
  draw(frame);
  show();
}

// Letters in either case ('A' with Shift or Caps Lock), other keys by name.
const keyName = (event) => (event.key.length === 1 ? event.key.toLowerCase() : event.key);

addEventListener('keydown', (event) => {
  if (event.target instanceof HTMLInputElement) return;
  const key = keyName(event);
  if (KEYS[key]) {
    held.add(KEYS[key]);
    event.preventDefault();
  } else if (key === 'p') {
    play.paused = !play.paused;
    show();
  } else if (key === 'r') start(play.seed);
  else if (key === 'n') start(play.seed + 1);
});
addEventListener('keyup', (event) => held.delete(KEYS[keyName(event)]));
addEventListener('blur', () => held.clear());

$('go').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('seed').value.trim();
  const seed = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(seed)) {
    $('message').textContent = `level seed: "${text}" is not a whole number >= 0`;
    return;
  }
  $('message').textContent = '';
  start(seed);
  $('seed').blur();
});

const fromUrl = Number(new URLSearchParams(location.search).get('seed') ?? 0);
start(Number.isSafeInteger(fromUrl) && fromUrl >= 0 ? fromUrl : 0);
setInterval(tick, STEP_MS);
