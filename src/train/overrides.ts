// `--set key=value` overrides: a dotted path into the resolved config and a value. Values parse as JSON
// when they can (numbers, booleans, arrays), else stay strings, so `--set train.lr=3e-4` and
// `--set name=my-run` both do what they say. A path must name a field that exists: a typo fails with the
// fields that do exist, instead of being silently dropped by the schema.
import type { z } from 'zod';

export interface Override {
  path: string[];
  value: unknown;
  source: string; // as the user wrote it, for error messages
}

export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`--set ${text}: expected key=value, e.g. --set train.lr=3e-4`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  const path = key.split('.');
  if (path.some((p) => p === '')) throw new Error(`--set ${text}: "${key}" is not a dotted field path`);
  return { path, value: parseValue(raw), source: text };
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

// A copy of `config` with the override applied; the original is untouched.
export function applyOverride(config: unknown, override: Override): unknown {
  const root = structuredClone(config) as Record<string, unknown>;
  let node: Record<string, unknown> = root;
  override.path.forEach((key, i) => {
    const where = override.path.slice(0, i).join('.') || 'the config';
    if (!(key in node)) {
      throw new Error(`--set ${override.source}: no field "${key}" in ${where} (fields: ${Object.keys(node).join(', ')})`);
    }
    if (i === override.path.length - 1) {
      node[key] = override.value;
      return;
    }
    const child = node[key];
    if (child === null || typeof child !== 'object' || Array.isArray(child)) {
      throw new Error(`--set ${override.source}: "${override.path.slice(0, i + 1).join('.')}" is a value, not a group of fields`);
    }
    node = child as Record<string, unknown>;
  });
  return root;
}

// Deep merge of a partial config (from a file) onto a full one; arrays and values replace, objects merge.
// Unknown keys are rejected the same way as with --set.
export function mergeConfig(base: unknown, partial: unknown, source: string, prefix: string[] = []): unknown {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) return partial;
  if (base === null || typeof base !== 'object' || Array.isArray(base)) {
    throw new Error(`${source}: "${prefix.join('.')}" is a value in the config, not a group of fields`);
  }
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(partial)) {
    if (!(key in merged)) {
      const where = prefix.join('.') || 'the config';
      throw new Error(`${source}: no field "${key}" in ${where} (fields: ${Object.keys(merged).join(', ')})`);
    }
    merged[key] = mergeConfig(merged[key], value, source, [...prefix, key]);
  }
  return merged;
}

// Validates with the models' zod schema; the error lists every bad field by its dotted path.
export function validateConfig<S extends z.ZodType>(schema: S, config: unknown, source: string): z.infer<S> {
  const result = schema.safeParse(config);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  field ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new Error(`${source}: invalid config\n${problems.join('\n')}`);
}
