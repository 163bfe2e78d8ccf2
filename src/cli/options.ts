// Option value parsers shared by every command. Commander reports a rejected value with the option's
// name: "error: option '--port <n>' argument 'x' is invalid. expected an integer from 0 to 65535".
import { InvalidArgumentError } from 'commander';

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
