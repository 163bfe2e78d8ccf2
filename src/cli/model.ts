// `genie model info --config NAME|FILE [--json]`: parameter counts per component, tokens per frame and
// the estimated cost of generating one frame, computed from the config without building the model.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { modelConfigSchema, presets, modelSize } from '../models/index.ts';
import type { ModelConfig, ModelSize } from '../models/index.ts';
import { mergeConfig, validateConfig } from '../train/overrides.ts';

// A preset name, or a JSON file holding a model config. The file may start from a preset with
// "extends": NAME and override any field; a run's saved config ({ "model": {...}, ... }) works too.
export function loadModelConfig(nameOrPath: string): ModelConfig {
  const preset = presets[nameOrPath];
  if (preset) return structuredClone(preset);
  if (!existsSync(nameOrPath)) {
    throw new Error(`--config ${nameOrPath}: neither a preset (${Object.keys(presets).join(', ')}) nor a file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(nameOrPath, 'utf8'));
  } catch (err) {
    throw new Error(`${nameOrPath}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  let raw = json as Record<string, unknown>;
  if (raw && typeof raw === 'object' && 'model' in raw && !('tokenizer' in raw)) raw = raw.model as Record<string, unknown>;
  if (raw && typeof raw === 'object' && 'extends' in raw) {
    const { extends: base, ...overrides } = raw;
    const basePreset = presets[String(base)];
    if (!basePreset) throw new Error(`${nameOrPath}: "extends": "${String(base)}" is not a preset (${Object.keys(presets).join(', ')})`);
    raw = mergeConfig(basePreset, overrides, nameOrPath, modelConfigSchema) as Record<string, unknown>;
  }
  return validateConfig(modelConfigSchema, raw, nameOrPath);
}

function human(n: number, unit = ''): string {
  const scales: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, suffix] of scales) if (Math.abs(n) >= scale) return `${(n / scale).toFixed(2)}${suffix}${unit}`;
  return `${n}${unit}`;
}

function humanParams(n: number): string {
  return human(n).replace('G', 'B'); // parameters are counted in billions, not giga
}

export function formatModelInfo(config: ModelConfig, size: ModelSize): string {
  const rows: [string, string, string][] = [];
  const add = (name: string, count: number) => rows.push([name, count.toLocaleString('en-US'), humanParams(count)]);
  for (const [label, part] of [
    ['tokenizer', size.tokenizer],
    ['latent action model', size.lam],
    ['dynamics', size.dynamics],
  ] as const) {
    add(label, part.total);
    for (const [name, count] of Object.entries(part.parts)) add(`  ${name}`, count);
  }
  add('total', size.total);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const table = rows.map(([a, b, c]) => `${a.padEnd(widths[0])}  ${b.padStart(widths[1])}  ${c.padStart(widths[2])}`);
  const flops = size.generationFlops;
  const { video, dynamics } = config;
  return [
    `model ${config.name}: ${video.width}x${video.height}x${video.channels}, ${video.frames}-frame context at ${video.fps} FPS`,
    '',
    'parameters',
    ...table,
    '',
    `tokens per frame: tokenizer/dynamics ${size.tokensPerFrame.tokenizer}, latent action model ${size.tokensPerFrame.lam}`,
    `FLOPs per generated frame (${dynamics.maskgitSteps} MaskGIT steps, full ${video.frames}-frame window, KV cache): ${human(flops.total)}`,
    `  maskgit ${human(flops.maskgit)}, cache update ${human(flops.cacheUpdate)}, decode ${human(flops.decode)}, window slide ${human(flops.windowSlide)}`,
  ].join('\n');
}

export function register(program: Command): void {
  const model = program.command('model').description('inspect model configs');
  model
    .command('info')
    .description('parameter counts per component, tokens per frame and FLOPs per generated frame')
    .requiredOption('--config <name|file>', `a preset (${Object.keys(presets).join(', ')}) or a JSON config file`)
    .option('--json', 'print JSON instead of a table')
    .action((options: { config: string; json?: boolean }) => {
      const config = loadModelConfig(options.config);
      const size = modelSize(config);
      console.log(options.json ? JSON.stringify({ config: config.name, ...size }, null, 2) : formatModelInfo(config, size));
    });
}
