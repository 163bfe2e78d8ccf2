// The Fréchet distance between two sets of feature vectors, each summarised by a Gaussian (mean and
// covariance): the quantity behind FID and FVD, independent of where the features came from.
//   d^2 = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2})
// Only the trace of (S1 S2)^{1/2} is needed. S1 S2 is not symmetric, but it is similar to
// S1^{1/2} S2 S1^{1/2}, which is symmetric positive semi-definite, so the trace is the sum of the square
// roots of that matrix's eigenvalues. Two symmetric eigendecompositions (ml-matrix's, a port of JAMA's
// tridiagonal QL) replace the general matrix square root pytorch-fid takes with scipy.linalg.sqrtm, and
// need no epsilon added to singular covariances (fewer samples than dimensions is common and fine here).
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

// rows feature vectors of dim numbers each, row-major.
export interface FeatureMatrix {
  rows: number;
  dim: number;
  data: Float32Array | Float64Array;
}

export interface GaussianStats {
  count: number;
  mean: Float64Array; // (dim)
  covariance: Matrix; // (dim, dim), unbiased (divides by count - 1, as numpy.cov and pytorch-fid do)
}

export function assertValidFeatures(features: FeatureMatrix, what: string): void {
  const { rows, dim, data } = features;
  if (!Number.isInteger(rows) || !Number.isInteger(dim) || dim <= 0) {
    throw new Error(`${what}: rows and dim must be integers with dim > 0, got rows=${rows} dim=${dim}`);
  }
  if (data.length !== rows * dim) throw new Error(`${what}: data has ${data.length} values but ${rows}x${dim} needs ${rows * dim}`);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${what}: feature ${Math.floor(bad / dim)}, component ${bad % dim} is ${data[bad]}`);
}

export function gaussianStats(features: FeatureMatrix): GaussianStats {
  assertValidFeatures(features, 'gaussianStats');
  const { rows, dim, data } = features;
  if (rows < 2) throw new Error(`gaussianStats: a covariance needs at least 2 feature vectors, got ${rows}`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) mean[j] += data[r * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= rows;
  // Centre before multiplying: E[x x^T] - mu mu^T loses every digit the mean shares with the data.
  const centred = new Matrix(rows, dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) centred.set(r, j, data[r * dim + j] - mean[j]);
  const covariance = centred.gram().div(rows - 1);
  return { count: rows, mean, covariance };
}

export function frechetDistanceFromStats(a: GaussianStats, b: GaussianStats): number {
  const dim = a.mean.length;
  if (b.mean.length !== dim) throw new Error(`frechetDistance: feature sizes differ, ${dim} vs ${b.mean.length}`);
  let meanTerm = 0;
  for (let j = 0; j < dim; j++) meanTerm += (a.mean[j] - b.mean[j]) ** 2;
  const sqrtA = symmetricSqrt(a.covariance);
  const product = sqrtA.mmul(b.covariance).mmul(sqrtA); // S1^{1/2} S2 S1^{1/2}
  const traceSqrtProduct = symmetricEigen(product).values.reduce((sum, lambda) => sum + Math.sqrt(lambda), 0);
  const distance = meanTerm + a.covariance.trace() + b.covariance.trace() - 2 * traceSqrtProduct;
  // The true value is >= 0; a tiny negative result is rounding, not information.
  return Math.max(distance, 0);
}

export function frechetDistance(featuresA: FeatureMatrix, featuresB: FeatureMatrix): number {
  if (featuresA.dim !== featuresB.dim) {
    throw new Error(`frechetDistance: feature sizes differ, ${featuresA.dim} vs ${featuresB.dim}`);
  }
  return frechetDistanceFromStats(gaussianStats(featuresA), gaussianStats(featuresB));
}

// The eigendecomposition of the symmetric part of m (rounding makes a computed covariance or product
// slightly asymmetric), with eigenvalues indistinguishable from zero set to zero: as numpy's matrix_rank
// does, below dim * machine epsilon * the largest magnitude. Without this, a singular covariance's
// round-off eigenvalues of 1e-16 would contribute square roots of 1e-8 each.
function symmetricEigen(m: Matrix): { values: number[]; vectors: Matrix } {
  const evd = new EigenvalueDecomposition(m.clone().add(m.transpose()).div(2), { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const tolerance = values.length * Number.EPSILON * Math.max(...values.map(Math.abs));
  return { values: values.map((lambda) => (lambda > tolerance ? lambda : 0)), vectors: evd.eigenvectorMatrix };
}

function symmetricSqrt(m: Matrix): Matrix {
  const { values, vectors } = symmetricEigen(m);
  return vectors.mmulByTranspose(values.map(Math.sqrt)); // V diag(sqrt(lambda)) V^T
}
