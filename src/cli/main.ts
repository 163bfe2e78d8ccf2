// The `genie` command line. Each command group lives in its own file and exports a
// `register(program)` function; commands call library functions, so everything they do can be
// tested without a terminal.
import { Command } from 'commander';

const program = new Command();
program
  .name('genie')
  .description('Genie: generative interactive environments, trained from unlabelled video on your CPU')
  .showHelpAfterError();

// Command groups, one line each:
(await import('./model.ts')).register(program);
(await import('./data.ts')).register(program);
(await import('./env.ts')).register(program);
(await import('./train.ts')).register(program);
(await import('./runs.ts')).register(program);
(await import('./eval.ts')).register(program);
(await import('./play.ts')).register(program);
(await import('./world.ts')).register(program);
(await import('./bc.ts')).register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // User-facing errors carry their own message (file, field, what to do); a stack trace helps nobody here.
  console.error(`genie: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.GENIE_DEBUG) console.error(err);
  process.exitCode = 1;
}
