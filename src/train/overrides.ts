// `--set key=value` overrides: a dotted path into the resolved config and a value. Values parse as JSON
// when they can (numbers, booleans, arrays), else stay strings, so `--set train.lr=3e-4` and
// `--set name=my-run` both do what they say. A path must name a field that exists in the config or, for
// optional fields the config leaves out (model.lam.latentFrom), in its schema: a typo fails with the fields
// that do exist, instead of being silently dropped by the schema.
import { z } from 'zod';

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

// The fields a schema allows for the object at `path` (through optional, nullable and default wrappers).
function schemaFields(schema: z.ZodType | undefined, path: readonly string[]): string[] {
  const shape = (node: unknown): Record<string, z.ZodType> | null => {
    while (node instanceof z.ZodOptional || node instanceof z.ZodNullable || node instanceof z.ZodDefault) node = node.unwrap();
    return node instanceof z.ZodObject ? (node.shape as Record<string, z.ZodType>) : null;
  };
  let node: unknown = schema;
  for (const key of path) node = shape(node)?.[key];
  return Object.keys(shape(node) ?? {});
}

// The fields of `node` (at `path`) plus the optional ones its schema allows there.
function fieldsAt(node: Record<string, unknown>, schema: z.ZodType | undefined, path: readonly string[]): string[] {
  return [...new Set([...Object.keys(node), ...schemaFields(schema, path)])];
}

// A copy of `config` with the override applied; the original is untouched. With `schema`, a field it allows
// but the config leaves out is added (an absent group of fields starts empty).
export function applyOverride(config: unknown, override: Override, schema?: z.ZodType): unknown {
  const root = structuredClone(config) as Record<string, unknown>;
  let node: Record<string, unknown> = root;
  override.path.forEach((key, i) => {
    const where = override.path.slice(0, i).join('.') || 'the config';
    if (!(key in node)) {
      const fields = fieldsAt(node, schema, override.path.slice(0, i));
      if (!fields.includes(key)) throw new Error(`--set ${override.source}: no field "${key}" in ${where} (fields: ${fields.join(', ')})`);
      if (i < override.path.length - 1) node[key] = {};
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
// Unknown keys are rejected the same way as with --set (optional fields of `schema` are known).
export function mergeConfig(base: unknown, partial: unknown, source: string, schema?: z.ZodType, prefix: string[] = []): unknown {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) return partial;
  if (base === null || typeof base !== 'object' || Array.isArray(base)) {
    throw new Error(`${source}: "${prefix.join('.')}" is a value in the config, not a group of fields`);
  }
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(partial)) {
    if (!(key in merged)) {
      const fields = fieldsAt(merged, schema, prefix);
      if (!fields.includes(key)) throw new Error(`${source}: no field "${key}" in ${prefix.join('.') || 'the config'} (fields: ${fields.join(', ')})`);
      merged[key] = value;
      continue;
    }
    merged[key] = mergeConfig(merged[key], value, source, schema, [...prefix, key]);
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
