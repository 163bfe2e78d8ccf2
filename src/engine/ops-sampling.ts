// One index drawn per row of logits, for generation: one kernel call per MaskGIT step in place of a softmax
// over every row and a JS loop over each drawn row's probabilities (~10 ms of a 137 ms play frame of the
// shipped world). The draws are exactly those of rng.categorical(softmax(logits / temperature)) row by row
// in the order given, so a seed makes the same frames as before.
import { backend } from './backend.ts';
import type { Rng } from './random.ts';
import type { Tensor } from './tensor.ts';

export interface Draws {
  ids: Int32Array; // one per listed row
  probabilities: Float32Array; // each drawn index's probability
}

// `rows` lists rows of logits (..., K) seen as (rows, K). Temperature 0 takes each row's most likely index.
export function sampleRows(logits: Tensor, rows: Int32Array, temperature: number, rng: Rng): Draws {
  if (!(temperature >= 0 && Number.isFinite(temperature))) throw new Error(`sampleRows: temperature must be a finite number >= 0, got ${temperature}`);
  const cols = logits.shape[logits.shape.length - 1];
  const uniforms = new Float64Array(temperature > 0 ? rows.length : 0);
  for (let i = 0; i < uniforms.length; i++) uniforms[i] = rng.uniform();
  const draws = { ids: new Int32Array(rows.length), probabilities: new Float32Array(rows.length) };
  backend().sampleRows(logits.data, cols, rows, temperature, uniforms, draws.ids, draws.probabilities);
  return draws;
}
