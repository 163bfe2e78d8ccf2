import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixed, markdownTable } from './report-markdown.ts';

describe('report markdown helpers', () => {
  it('formats numbers without a negative zero and says n/a for what is missing', () => {
    assert.deepEqual([fixed(-0.0001), fixed(-0.01), fixed(1.23456, 3), fixed(null), fixed(Infinity)], ['0.00', '-0.01', '1.235', 'n/a', 'n/a']);
  });

  it('escapes pipes inside cells so a table keeps its columns', () => {
    assert.equal(markdownTable(['role', 'P(role|latent)'], [['left', '0.5']]), '| role | P(role\\|latent) |\n| --- | --- |\n| left | 0.5 |');
  });
});
