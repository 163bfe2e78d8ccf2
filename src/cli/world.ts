// `genie world pack`: make a playable world folder from a training run.
import type { Command } from 'commander';
import { integer } from './options.ts';

interface PackFlags {
  checkpoint: string;
  out: string;
  data?: string;
  name?: string;
  examples: number;
  description?: string;
}

export function register(program: Command): void {
  const world = program.command('world').description('world folders: what genie play, generate and eval load');
  world
    .command('pack')
    .description('write a world folder from a phase-2 checkpoint (weights, play key map, example prompts)')
    .requiredOption('--checkpoint <path>', 'a run folder after `genie train dynamics`, or its dynamics.safetensors')
    .requiredOption('--out <dir>', 'the world folder to write')
    .option('--data <split>', 'a labelled split (CoinRun layout): maps the arrow keys to latent actions and takes example prompts')
    .option('--name <name>', 'the name the play page shows (default: the folder name)')
    .option('--examples <n>', 'example prompts to take from --data (frame 0 of its first clips)', integer(0, 64), 6)
    .option('--description <text>', 'one line about the world')
    .action(async (flags: PackFlags) => {
      const { basename, resolve } = await import('node:path');
      const { packWorldFromRun } = await import('../eval/pack-world.ts');
      const { manifest, keyMap } = await packWorldFromRun({ ...flags, name: flags.name ?? basename(resolve(flags.out)) });
      console.log(`genie: wrote world "${manifest.name}" to ${flags.out} (${manifest.examples.length} example prompts)`);
      if (!keyMap) console.log('  no --data: keys 1..|A| only; arrow keys unmapped');
      for (const choice of keyMap?.choices ?? []) {
        console.log(`  ${choice.role.padEnd(5)} -> action ${choice.latent + 1}  lift ${choice.lift.toFixed(2)}  support ${choice.support}${choice.distinct ? '' : '  (shared with another key)'}`);
      }
    });
}
