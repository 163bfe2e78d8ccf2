// Option value parsers shared by every command. Commander reports a rejected value with the option's
// name: "error: option '--port <n>' argument 'x' is invalid. expected an integer from 0 to 65535".
import { InvalidArgumentError, Option } from 'commander';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer ${range}, got '${value}'`);
    return n;
  };
}

export function number(min: number, max = Infinity): (value: string) => number {
  const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !(n >= min && n <= max)) throw new InvalidArgumentError(`expected a number ${range}, got '${value}'`);
    return n;
  };
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && Number.isFinite(n))) throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  return n;
}

// --precision of the commands that run the models: arithmetic of their products (engine/precision.ts).
// Without `fallback` the option has no default, so the command can tell whether it was given.
export function precisionOption(fallback?: 'auto' | 'fp32', note = ''): Option {
  const help = `arithmetic of the models: bf16 (faster on CPUs with AMX tiles or AVX512-BF16), int8 (bf16 with the linear layers of the blocks that play runs a frame at a time in int8: faster on CPUs with AVX512-VNNI, coarser), fp32, or auto (bf16 where the CPU has it)${note}`;
  const option = new Option('--precision <p>', help).choices(['auto', 'bf16', 'int8', 'fp32']);
  return fallback ? option.default(fallback) : option;
}
