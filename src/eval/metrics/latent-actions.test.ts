import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  analyseLatentActions,
  codebookUsage,
  cooccurrenceMatrix,
  fitManyToOneMapping,
  mappingAccuracy,
  normalizedMutualInformation,
  type LabelledClip,
} from './latent-actions.ts';
import { seededUniform } from './test-fixtures.ts';

function nmiOfLabels(a: number[], b: number[]): number {
  return normalizedMutualInformation(cooccurrenceMatrix(a, b, Math.max(...a) + 1, Math.max(...b) + 1));
}

function near(actual: number, expected: number, tolerance = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `got ${actual}, expected ${expected}`);
}

describe('cooccurrenceMatrix', () => {
  it('counts (latent, true) pairs with latent codes as rows', () => {
    assert.deepEqual(cooccurrenceMatrix([0, 1, 1, 2], [1, 0, 0, 1], 3, 2), [[0, 1], [2, 0], [0, 1]]);
  });

  it('rejects labels out of range and arrays of different lengths', () => {
    assert.throws(() => cooccurrenceMatrix([0, 8], [0, 0], 8, 2), /latent action 1 is 8, outside 0..7/);
    assert.throws(() => cooccurrenceMatrix([0], [0, 1], 8, 2), /1 latent actions but 2 true actions/);
  });
});

describe('normalizedMutualInformation', () => {
  it('is 1 for a permutation of the labels', () => {
    const uniform = seededUniform(1);
    const labels = Array.from({ length: 500 }, () => Math.floor(uniform() * 8));
    const permutation = [3, 7, 0, 5, 1, 6, 2, 4];
    near(nmiOfLabels(labels, labels.map((l) => permutation[l])), 1);
  });

  it('is 0 for exactly independent labels and near 0 for independently drawn ones', () => {
    near(normalizedMutualInformation([[2, 4, 6], [1, 2, 3]]), 0);
    const uniform = seededUniform(2);
    const draw = (n: number) => Array.from({ length: 20000 }, () => Math.floor(uniform() * n));
    assert.ok(nmiOfLabels(draw(8), draw(15)) < 0.005);
  });

  it('matches scikit-learn on small examples (arithmetic normalisation)', () => {
    near(nmiOfLabels([0, 0, 1, 1], [0, 0, 1, 2]), 0.8); // MI = ln 2, entropies ln 2 and 1.5 ln 2
    near(nmiOfLabels([0, 0, 0, 0], [0, 1, 2, 3]), 0);
    near(nmiOfLabels([0, 0, 0], [1, 1, 1]), 1); // two constant labellings agree
    // 2x2 table [[3, 1], [1, 3]]: MI = 0.75 ln 1.5 + 0.25 ln 0.5, both entropies ln 2.
    near(normalizedMutualInformation([[3, 1], [1, 3]]), (0.75 * Math.log(1.5) + 0.25 * Math.log(0.5)) / Math.log(2));
  });
});

describe('many-to-one mapping', () => {
  it('maps each latent code to its most frequent true action, unseen codes to the overall majority', () => {
    const counts = [[5, 1, 0], [0, 2, 2], [0, 0, 0], [1, 0, 9]];
    const mapping = fitManyToOneMapping(counts);
    assert.deepEqual(mapping, [0, 1, 2, 2]); // row 1 ties to the lower index; row 2 unseen -> column 2 (11 of 20)
    near(mappingAccuracy(mapping, counts), (5 + 2 + 9) / 20);
  });

  it('is fitted on the first half of the clips and scored on the second', () => {
    // Codes 0 and 1 both mean true action 0, code 2 means 1, code 3 means 2 in the first half only.
    const first: LabelledClip[] = [{ latent: [0, 1, 2, 3, 3], trueActions: [0, 0, 1, 2, 2] }];
    const second: LabelledClip[] = [{ latent: [0, 1, 2, 3, 2], trueActions: [0, 0, 1, 0, 1] }];
    const analysis = analyseLatentActions([...first, ...second], 4, 3);
    assert.deepEqual(analysis.mapping, [0, 0, 1, 2]);
    near(analysis.mappingAccuracy, 4 / 5);
    near(analysis.majorityAccuracy, 3 / 5); // first half's most common true action is 0 (tie with 2 -> lower index)
    assert.deepEqual(analysis.cooccurrence, [[2, 0, 0], [2, 0, 0], [0, 3, 0], [1, 0, 2]]);
    assert.equal(analysis.fitClips, 1);
    assert.equal(analysis.scoreClips, 1);
    assert.throws(() => analyseLatentActions(first, 4, 3), /at least 2 clips/);
  });
});

describe('codebookUsage', () => {
  it('gives counts, fractions, codes used and perplexity', () => {
    const usage = codebookUsage([0, 1, 0, 1], 4);
    assert.deepEqual(usage.counts, [2, 2, 0, 0]);
    assert.deepEqual(usage.fractions, [0.5, 0.5, 0, 0]);
    assert.equal(usage.used, 2);
    near(usage.perplexity, 2);
  });

  it('has perplexity numCodes when uniform and 1 when collapsed', () => {
    near(codebookUsage([0, 1, 2, 3, 4, 5, 6, 7], 8).perplexity, 8);
    near(codebookUsage([5, 5, 5], 8).perplexity, 1);
    assert.throws(() => codebookUsage([], 8), /no codes/);
  });
});
