// Modules: objects whose tensor properties are parameters (requiresGrad) or buffers (marked with buffer()),
// and whose Module properties and arrays of modules form a tree. Names follow the property path, as in
// PyTorch: `blocks.3.attn.qkv.weight`. Initialisation always draws from a caller-provided seeded Rng.
import { formatShape, sameShape } from './shape.ts';
import { Tensor, ones, parameter, zeros } from './tensor.ts';
import { embedding, layerNorm, linear, rmsNorm } from './ops.ts';
import type { Rng } from './random.ts';

const buffers = new WeakSet<Tensor>();

// Marks a tensor as persistent module state that is not trained (saved in stateDict, not in parameters()).
export function buffer(t: Tensor): Tensor {
  buffers.add(t);
  return t;
}

export function uniform(rng: Rng, shape: number[], low: number, high: number): Tensor {
  const t = zeros(shape);
  rng.fillUniform(t.data, low, high);
  return t;
}

export function normal(rng: Rng, shape: number[], std: number): Tensor {
  const t = zeros(shape);
  rng.fillNormal(t.data, 0, std);
  return t;
}

// Normal with mean 0, redrawn outside +-2 std (the ViT / Genie-style initialisation).
export function truncatedNormal(rng: Rng, shape: number[], std: number): Tensor {
  const t = zeros(shape);
  for (let i = 0; i < t.size; i++) {
    let value: number;
    do value = rng.normal();
    while (Math.abs(value) > 2);
    t.data[i] = value * std;
  }
  return t;
}

type Entry = [name: string, tensor: Tensor];

export abstract class Module {
  training = true;

  // Parameters and buffers under their dotted names, in property order; a tensor reachable twice
  // (shared weights) is listed once, under its first name.
  private namedTensors(): { parameters: Entry[]; buffers: Entry[] } {
    const found = { parameters: [] as Entry[], buffers: [] as Entry[] };
    const seen = new Set<Tensor | Module>();
    const visit = (value: unknown, name: string): void => {
      if (value instanceof Tensor) {
        if (seen.has(value)) return;
        seen.add(value);
        if (value.requiresGrad) found.parameters.push([name, value]);
        else if (buffers.has(value)) found.buffers.push([name, value]);
      } else if (value instanceof Module) {
        if (seen.has(value)) return;
        seen.add(value);
        for (const [key, child] of Object.entries(value)) visit(child, name ? `${name}.${key}` : key);
      } else if (Array.isArray(value)) {
        value.forEach((child, i) => visit(child, `${name}.${i}`));
      }
    };
    visit(this, '');
    return found;
  }

  namedParameters(): Entry[] {
    return this.namedTensors().parameters;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  // Everything a checkpoint needs: parameters and buffers by name.
  stateDict(): Record<string, Tensor> {
    const { parameters, buffers: persistent } = this.namedTensors();
    return Object.fromEntries([...parameters, ...persistent]);
  }

  // Copies values into the existing tensors (so optimisers keep their references). Every key must match
  // by name and shape; all problems are reported together.
  loadStateDict(state: Readonly<Record<string, Tensor>>): void {
    const own = this.stateDict();
    const missing = Object.keys(own).filter((name) => !(name in state));
    const unexpected = Object.keys(state).filter((name) => !(name in own));
    const mismatched = Object.keys(own)
      .filter((name) => name in state && !sameShape(own[name].shape, state[name].shape))
      .map((name) => `${name} expects ${formatShape(own[name].shape)} but got ${formatShape(state[name].shape)}`);
    const problems = [
      missing.length ? `missing keys: ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : '',
      mismatched.length ? `shape mismatches: ${mismatched.join('; ')}` : '',
    ].filter(Boolean);
    if (problems.length) throw new Error(`loadStateDict (${this.constructor.name}): ${problems.join('; ')}`);
    for (const [name, target] of Object.entries(own)) {
      target.data.set(state[name].data);
      target.markModified();
    }
  }

  // Sets training mode (dropout active, etc.) on this module and every module below it.
  train(mode = true): this {
    const visit = (value: unknown): void => {
      if (value instanceof Module) {
        value.training = mode;
        Object.values(value).forEach(visit);
      } else if (Array.isArray(value)) {
        value.forEach(visit);
      }
    };
    visit(this);
    return this;
  }

  eval(): this {
    return this.train(false);
  }
}

export interface LinearOptions {
  bias?: boolean;
  // Truncated-normal weights with this std and zero bias; omitted: PyTorch's default, weight and bias
  // uniform in +-1/sqrt(inFeatures).
  std?: number;
}

// y = x W^T + b with W (out, in), PyTorch's layout.
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, rng: Rng, options: LinearOptions = {}) {
    super();
    const bound = 1 / Math.sqrt(inFeatures);
    const { std } = options;
    this.weight = parameter(std === undefined ? uniform(rng, [outFeatures, inFeatures], -bound, bound) : truncatedNormal(rng, [outFeatures, inFeatures], std));
    this.bias = options.bias === false ? null : parameter(std === undefined ? uniform(rng, [outFeatures], -bound, bound) : zeros([outFeatures]));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias ?? undefined);
  }
}

export class LayerNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;

  constructor(dim: number, readonly eps = 1e-5, options: { affine?: boolean; bias?: boolean } = {}) {
    super();
    const affine = options.affine ?? true;
    this.weight = affine ? parameter(ones([dim])) : null;
    this.bias = affine && options.bias !== false ? parameter(zeros([dim])) : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight ?? undefined, this.bias ?? undefined, this.eps);
  }
}

export class RMSNorm extends Module {
  weight: Tensor | null;

  constructor(dim: number, readonly eps = 1e-6, options: { affine?: boolean } = {}) {
    super();
    this.weight = options.affine === false ? null : parameter(ones([dim]));
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight ?? undefined, this.eps);
  }
}

// A (vocab, dim) table; initialised N(0, std^2), std 1 as PyTorch unless given.
export class Embedding extends Module {
  weight: Tensor;

  constructor(vocab: number, dim: number, rng: Rng, std = 1) {
    super();
    this.weight = parameter(normal(rng, [vocab, dim], std));
  }

  forward(ids: Int32Array, idsShape: readonly number[]): Tensor {
    return embedding(this.weight, ids, idsShape);
  }
}
