import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { frechetDistance, frechetDistanceFromStats, gaussianStats, type FeatureMatrix, type GaussianStats } from './frechet.ts';
import { seededNormal } from './test-fixtures.ts';

function stats(mean: number[], covariance: number[][]): GaussianStats {
  return { count: Infinity, mean: Float64Array.from(mean), covariance: new Matrix(covariance) };
}

function randomSpd(dim: number, seed: number): Matrix {
  const normal = seededNormal(seed);
  const a = Matrix.from1DArray(dim, dim, Array.from({ length: dim * dim }, normal));
  return a.mmul(a.transpose()).add(Matrix.eye(dim).mul(0.1));
}

// n samples of N(mean, covariance), drawn as mean + L z with L the Cholesky factor.
function sampleGaussian(mean: number[], covariance: Matrix, n: number, seed: number): FeatureMatrix {
  const dim = mean.length;
  const lower = new CholeskyDecomposition(covariance).lowerTriangularMatrix;
  const normal = seededNormal(seed);
  const data = new Float64Array(n * dim);
  for (let r = 0; r < n; r++) {
    const z = Array.from({ length: dim }, normal);
    for (let i = 0; i < dim; i++) {
      let v = mean[i];
      for (let k = 0; k <= i; k++) v += lower.get(i, k) * z[k];
      data[r * dim + i] = v;
    }
  }
  return { rows: n, dim, data };
}

function near(actual: number, expected: number, tolerance: number): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `got ${actual}, expected ${expected} ± ${tolerance}`);
}

describe('frechetDistanceFromStats', () => {
  it('is 0 for identical Gaussians', () => {
    const covariance = randomSpd(6, 1);
    near(frechetDistanceFromStats(stats([1, 2, 3, 4, 5, 6], covariance.to2DArray()), stats([1, 2, 3, 4, 5, 6], covariance.to2DArray())), 0, 1e-9);
  });

  it('is the squared distance between means when covariances are equal', () => {
    const covariance = randomSpd(4, 2).to2DArray();
    near(frechetDistanceFromStats(stats([0, 0, 0, 0], covariance), stats([1, -2, 0, 3], covariance)), 14, 1e-9);
  });

  it('is sum (sqrt a_i - sqrt b_i)^2 for diagonal covariances', () => {
    const a = [4, 9, 1, 0.25];
    const b = [1, 16, 1, 2.25];
    const diag = (d: number[]) => Matrix.diag(d).to2DArray();
    const expected = 1 ** 2 + (2 - 1) ** 2 + (3 - 4) ** 2 + (1 - 1) ** 2 + (0.5 - 1.5) ** 2; // means 1 apart in one component
    near(frechetDistanceFromStats(stats([0, 0, 0, 0], diag(a)), stats([1, 0, 0, 0], diag(b))), expected, 1e-9);
  });

  it('matches the 2x2 closed form Tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)) for non-commuting covariances', () => {
    const s1 = new Matrix([[2, 0.5], [0.5, 1]]);
    const s2 = new Matrix([[1, -0.3], [-0.3, 3]]);
    const m = s1.mmul(s2);
    const traceSqrt = Math.sqrt(m.trace() + 2 * Math.sqrt(m.get(0, 0) * m.get(1, 1) - m.get(0, 1) * m.get(1, 0)));
    const expected = s1.trace() + s2.trace() - 2 * traceSqrt;
    near(frechetDistanceFromStats(stats([0, 0], s1.to2DArray()), stats([0, 0], s2.to2DArray())), expected, 1e-12);
  });

  it('agrees with the eigenvalues of the non-symmetric product S1 S2 in 8 dimensions', () => {
    const s1 = randomSpd(8, 3);
    const s2 = randomSpd(8, 4);
    const eigenvalues = new EigenvalueDecomposition(s1.mmul(s2)).realEigenvalues;
    const expected = s1.trace() + s2.trace() - 2 * eigenvalues.reduce((sum, l) => sum + Math.sqrt(l), 0);
    near(frechetDistanceFromStats(stats(Array(8).fill(0), s1.to2DArray()), stats(Array(8).fill(0), s2.to2DArray())), expected, 1e-8 * Math.abs(expected));
  });

  it('handles singular covariances (fewer samples than dimensions) without NaN', () => {
    const normal = seededNormal(5);
    const features: FeatureMatrix = { rows: 5, dim: 20, data: Float64Array.from({ length: 100 }, normal) };
    const other: FeatureMatrix = { rows: 5, dim: 20, data: features.data.map((v) => v + 1) };
    near(frechetDistance(features, features), 0, 1e-9);
    near(frechetDistance(features, other), 20, 1e-9); // same covariance, means 1 apart in each of 20 components
  });
});

describe('frechetDistance on samples', () => {
  it('converges to the closed form as the sets grow', () => {
    const s1 = new Matrix([[1, 0.6, 0], [0.6, 2, 0.3], [0, 0.3, 0.5]]);
    const s2 = new Matrix([[1.5, -0.2, 0.1], [-0.2, 0.7, 0], [0.1, 0, 1.2]]);
    const exact = frechetDistanceFromStats(stats([0, 0, 0], s1.to2DArray()), stats([1, 0, -1], s2.to2DArray()));
    const errors = [200, 20000].map((n) => {
      const estimate = frechetDistance(sampleGaussian([0, 0, 0], s1, n, 10), sampleGaussian([1, 0, -1], s2, n, 11));
      return Math.abs(estimate - exact);
    });
    assert.ok(errors[1] < 0.03 * exact, `error ${errors[1]} at 20000 samples vs exact ${exact}`);
    assert.ok(errors[1] < errors[0], `errors ${errors} should shrink with more samples`);
  });

  it('computes unbiased covariances and the mean', () => {
    const features: FeatureMatrix = { rows: 3, dim: 2, data: Float32Array.from([1, 2, 3, 6, 5, 10]) };
    const { mean, covariance } = gaussianStats(features);
    assert.deepEqual([...mean], [3, 6]);
    assert.deepEqual(covariance.to2DArray(), [[4, 8], [8, 16]]);
  });

  it('rejects mismatched sizes, too few rows and non-finite features', () => {
    const a: FeatureMatrix = { rows: 2, dim: 2, data: new Float32Array(4) };
    assert.throws(() => frechetDistance(a, { rows: 2, dim: 3, data: new Float32Array(6) }), /feature sizes differ, 2 vs 3/);
    assert.throws(() => gaussianStats({ rows: 1, dim: 2, data: new Float32Array(2) }), /at least 2 feature vectors/);
    assert.throws(() => gaussianStats({ rows: 2, dim: 2, data: Float32Array.from([0, 1, NaN, 0]) }), /feature 1, component 0 is NaN/);
    assert.throws(() => gaussianStats({ rows: 2, dim: 2, data: new Float32Array(3) }), /3 values but 2x2 needs 4/);
  });
});
