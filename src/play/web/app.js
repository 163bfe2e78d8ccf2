// The play page: one WebSocket session with the server, which runs the world model. Frames arrive as
// base64 raw RGB and are drawn on a canvas; keys send latent actions.
const $ = (id) => document.getElementById(id);
// A key held this long plays continuously; a shorter tap is exactly one frame.
const HOLD_DELAY_MS = 250;

const state = {
  socket: null,
  session: null,
  world: null,
  length: 0, // frames in this branch
  index: -1, // the frame shown
  busy: false, // one request in flight at a time keeps held keys from queueing up frames
  heldAction: null,
  heldSince: 0,
  holdTimer: 0,
  paused: false,
  frameTimes: [],
};

// ---------- connection ----------
function connect() {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  state.socket = socket;
  socket.onopen = () => setConnection('connected');
  socket.onclose = (event) => setConnection(`disconnected${event.reason ? `: ${event.reason}` : ''} — reload to play again`);
  socket.onmessage = (event) => receive(JSON.parse(event.data));
}

function send(message) {
  if (state.socket?.readyState !== WebSocket.OPEN) return false;
  state.socket.send(JSON.stringify(message));
  state.busy = true;
  return true;
}

function receive(message) {
  state.busy = false;
  switch (message.type) {
    case 'hello':
      return onHello(message);
    case 'frame':
      return onFrame(message);
    case 'legend':
      return onLegend(message);
    case 'settings':
      return showSettings(message);
    case 'error':
      return showMessage(message.message);
  }
}

function onHello({ session, world, settings, limits, examples }) {
  state.session = session;
  state.world = world;
  $('world-name').textContent = `${world.name} · ${world.width}x${world.height} · ${world.numActions} latent actions`;
  $('screen').width = world.width;
  $('screen').height = world.height;
  $('max-key').textContent = String(world.numActions);
  const temperature = $('temperature');
  Object.assign(temperature, { min: limits.temperature.min, max: limits.temperature.max });
  const steps = $('steps');
  Object.assign(steps, { min: limits.maskgitSteps.min, max: limits.maskgitSteps.max });
  showSettings(settings);
  showKeyMap(world);
  showExamples(examples);
  for (const format of ['gif', 'mp4']) $(`export-${format}`).href = `/api/sessions/${session}/session.${format}`;
  $('export-json').href = `/api/sessions/${session}/recording.json`;
}

function onFrame({ index, length, rgb, latencyMs, sessionBytes }) {
  state.index = index;
  state.length = length;
  drawFrame($('screen'), rgb);
  const now = performance.now();
  state.frameTimes = [...state.frameTimes.filter((t) => now - t < 2000), now];
  $('fps').textContent = state.frameTimes.length > 1 ? (1000 * (state.frameTimes.length - 1) / (now - state.frameTimes[0])).toFixed(1) : '–';
  $('latency').textContent = latencyMs.toFixed(0);
  $('frame-index').textContent = String(index);
  $('frame-count').textContent = String(length);
  $('memory').textContent = `${(sessionBytes / 1024).toFixed(0)} KiB`;
  const timeline = $('timeline');
  timeline.max = String(Math.max(0, length - 1));
  timeline.value = String(index);
  $('legend').replaceChildren();
  showMessage('');
  continueHeld();
}

function onLegend({ frames }) {
  const legend = $('legend');
  legend.replaceChildren(
    ...frames.map((rgb, action) => {
      const figure = document.createElement('figure');
      const canvas = document.createElement('canvas');
      canvas.width = state.world.width;
      canvas.height = state.world.height;
      drawFrame(canvas, rgb);
      const caption = document.createElement('figcaption');
      caption.textContent = `${action + 1}${keyLabelFor(action)}`;
      figure.append(canvas, caption);
      return figure;
    }),
  );
}

// ---------- drawing ----------
function drawFrame(canvas, base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const { width, height } = canvas;
  const image = new ImageData(width, height);
  for (let i = 0, j = 0; i < bytes.length; i += 3, j += 4) {
    image.data[j] = bytes[i];
    image.data[j + 1] = bytes[i + 1];
    image.data[j + 2] = bytes[i + 2];
    image.data[j + 3] = 255;
  }
  canvas.getContext('2d').putImageData(image, 0, 0);
}

// ---------- actions and keys ----------
function act(action) {
  if (state.busy || state.length === 0) return;
  send({ type: 'act', action });
}

function continueHeld() {
  if (state.heldAction === null || state.paused) return;
  const wait = state.heldSince + HOLD_DELAY_MS - performance.now();
  clearTimeout(state.holdTimer);
  if (wait > 0) state.holdTimer = setTimeout(continueHeld, wait);
  else act(state.heldAction);
}

function keyLabelFor(action) {
  const keys = Object.entries(state.world.keyMap).filter(([, v]) => v.action === action);
  return keys.length ? ` (${keys.map(([, v]) => v.label).join(', ')})` : '';
}

function actionForKey(event) {
  const digit = Number(event.key);
  if (Number.isInteger(digit) && digit >= 1 && digit <= state.world.numActions) return digit - 1;
  const mapped = state.world.keyMap[event.code] ?? state.world.keyMap[event.key];
  return mapped ? mapped.action : null;
}

function showKeyMap(world) {
  const items = Object.entries(world.keyMap).map(([key, { action, label }]) => {
    const li = document.createElement('li');
    li.innerHTML = `<kbd></kbd> ${label} → action ${action + 1}`;
    li.querySelector('kbd').textContent = key.replace('Arrow', '').replace('Space', '␣');
    return li;
  });
  $('keymap').replaceChildren(...items);
}

document.addEventListener('keydown', (event) => {
  // Keys play the world wherever focus is (after an upload it sits on the file input), except in text fields.
  if (!state.world || (event.target instanceof HTMLInputElement && ['text', 'number'].includes(event.target.type))) return;
  if (event.key === 'Backspace') return stepBack();
  if (event.key === 'p' || event.key === 'P') return togglePause();
  if (event.key === 'r' || event.key === 'R') return send({ type: 'reset' });
  const action = actionForKey(event);
  if (action === null) return;
  event.preventDefault();
  if (event.repeat) return; // holding is handled by re-sending when each frame arrives
  state.heldAction = action;
  state.heldSince = performance.now();
  act(action);
});
document.addEventListener('keyup', (event) => {
  if (state.world && actionForKey(event) === state.heldAction) {
    state.heldAction = null;
    clearTimeout(state.holdTimer);
  }
});

function stepBack() {
  if (state.index > 0) send({ type: 'goto', index: state.index - 1 });
}

function togglePause() {
  state.paused = !state.paused;
  $('pause').textContent = state.paused ? 'resume' : 'pause';
  $('pause').setAttribute('aria-pressed', String(state.paused));
}

$('back').onclick = stepBack;
$('pause').onclick = togglePause;
$('reset').onclick = () => send({ type: 'reset' });
$('timeline').oninput = (event) => send({ type: 'goto', index: Number(event.target.value) });
$('legend-button').onclick = () => state.length && send({ type: 'legend' });

// ---------- settings ----------
function showSettings({ temperature, maskgitSteps }) {
  $('temperature').value = String(temperature);
  $('temperature-value').textContent = temperature.toFixed(1);
  $('steps').value = String(maskgitSteps);
  $('steps-value').textContent = String(maskgitSteps);
}
$('temperature').onchange = (event) => send({ type: 'settings', temperature: Number(event.target.value) });
$('steps').onchange = (event) => send({ type: 'settings', maskgitSteps: Number(event.target.value) });

// ---------- prompts: examples, uploads, sketches ----------
function showExamples(count) {
  $('examples').replaceChildren(
    ...Array.from({ length: count }, (_, index) => {
      const img = document.createElement('img');
      img.src = `/api/examples/${index}`;
      img.alt = `example ${index + 1}`;
      img.title = 'play from this frame';
      img.onclick = () => send({ type: 'start', prompt: { kind: 'example', index } });
      return img;
    }),
  );
}

async function uploadPrompt(blob) {
  const response = await fetch('/api/prompt', { method: 'POST', headers: { 'content-type': blob.type || 'application/octet-stream' }, body: blob });
  const body = await response.json().catch(() => ({ error: `upload failed (${response.status})` }));
  if (!response.ok) throw new Error(body.error);
  return body;
}

let uploadedId = null;
$('upload').onchange = async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  try {
    const { id, preview } = await uploadPrompt(file);
    uploadedId = id;
    Object.assign($('upload-preview'), { src: preview, hidden: false, alt: 'the crop the world will start from' });
    $('upload-start').hidden = false;
    showMessage('');
  } catch (err) {
    showMessage(err.message);
  }
};
$('upload-start').onclick = () => uploadedId && send({ type: 'start', prompt: { kind: 'upload', id: uploadedId } });

const sketch = $('sketch');
const pen = sketch.getContext('2d');
let erasing = false;
let drawing = false;
function clearSketch() {
  pen.fillStyle = '#ffffff';
  pen.fillRect(0, 0, sketch.width, sketch.height);
}
clearSketch();
sketch.onpointerdown = (event) => {
  drawing = true;
  sketch.setPointerCapture(event.pointerId);
  pen.beginPath();
  pen.moveTo(event.offsetX, event.offsetY);
};
sketch.onpointermove = (event) => {
  if (!drawing) return;
  pen.strokeStyle = erasing ? '#ffffff' : $('brush-colour').value;
  pen.lineWidth = Number($('brush-size').value);
  pen.lineCap = 'round';
  pen.lineJoin = 'round';
  pen.lineTo(event.offsetX, event.offsetY);
  pen.stroke();
};
sketch.onpointerup = () => (drawing = false);
$('sketch-clear').onclick = clearSketch;
$('eraser').onclick = () => {
  erasing = !erasing;
  $('eraser').setAttribute('aria-pressed', String(erasing));
};
$('sketch-start').onclick = () =>
  sketch.toBlob(async (blob) => {
    try {
      const { id } = await uploadPrompt(blob);
      send({ type: 'start', prompt: { kind: 'upload', id } });
    } catch (err) {
      showMessage(err.message);
    }
  }, 'image/png');

// ---------- status ----------
function showMessage(text) {
  $('message').textContent = text;
}
function setConnection(text) {
  $('connection').textContent = text;
}

connect();
