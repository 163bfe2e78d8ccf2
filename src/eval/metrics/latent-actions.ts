// How the latent actions a LAM learned relate to the true actions (which training never sees): the
// co-occurrence counts, normalised mutual information, and the accuracy of reading the true action off
// the latent one; and how evenly the codebook is used. One transition = one (latent, true) label pair.

// counts[latent][trueAction] over all transitions: |A| rows, nTrue columns.
export function cooccurrenceMatrix(
  latent: ArrayLike<number>,
  trueActions: ArrayLike<number>,
  numLatent: number,
  numTrue: number,
): number[][] {
  if (latent.length !== trueActions.length) {
    throw new Error(`cooccurrenceMatrix: ${latent.length} latent actions but ${trueActions.length} true actions`);
  }
  assertLabels(latent, numLatent, 'latent action');
  assertLabels(trueActions, numTrue, 'true action');
  const counts = Array.from({ length: numLatent }, () => new Array<number>(numTrue).fill(0));
  for (let i = 0; i < latent.length; i++) counts[latent[i]][trueActions[i]]++;
  return counts;
}

// Mutual information divided by the arithmetic mean of the two entropies: scikit-learn's default
// normalized_mutual_info_score(average_method='arithmetic'), so 1 = one labelling determines the other
// (up to renaming), 0 = independent. As scikit-learn does, two constant labellings score 1.
export function normalizedMutualInformation(counts: readonly (readonly number[])[]): number {
  const total = sum(counts.map(sum));
  if (total === 0) throw new Error('normalizedMutualInformation: the co-occurrence matrix is empty');
  const rowTotals = counts.map(sum);
  const columnTotals = sumOfRows(counts);
  const rowEntropy = entropy(rowTotals);
  const columnEntropy = entropy(columnTotals);
  if (rowEntropy === 0 && columnEntropy === 0) return 1;
  let mutualInformation = 0;
  counts.forEach((row, i) =>
    row.forEach((n, j) => {
      if (n > 0) mutualInformation += (n / total) * Math.log((n * total) / (rowTotals[i] * columnTotals[j]));
    }),
  );
  // Round-off can push a perfect score a hair past 1 or an independent one below 0.
  return Math.min(1, Math.max(0, mutualInformation / ((rowEntropy + columnEntropy) / 2)));
}

// The best many-to-one map latent -> true action on these counts: each latent code maps to the true
// action it co-occurs with most (ties to the lower index). A code never seen maps to the most common
// true action overall, the best guess without information.
export function fitManyToOneMapping(counts: readonly (readonly number[])[]): number[] {
  const mostCommon = argmax(sumOfRows(counts));
  return counts.map((row) => (sum(row) === 0 ? mostCommon : argmax(row)));
}

export function mappingAccuracy(mapping: readonly number[], counts: readonly (readonly number[])[]): number {
  const total = sum(counts.map(sum));
  if (total === 0) throw new Error('mappingAccuracy: no transitions to score');
  return counts.reduce((correct, row, latent) => correct + row[mapping[latent]], 0) / total;
}

export interface LabelledClip {
  latent: readonly number[]; // the LAM's action for each transition
  trueActions: readonly number[]; // the recorded action for the same transitions
}

export interface LatentActionAnalysis {
  cooccurrence: number[][]; // all clips, (numLatent, numTrue)
  nmi: number; // all clips
  mapping: number[]; // latent -> true, fitted on the first half of the clips
  mappingAccuracy: number; // of that mapping on the second half
  majorityAccuracy: number; // always guessing the first half's most common true action, on the second half
  fitClips: number;
  scoreClips: number;
}

// The mapping is fitted on the first floor(n/2) clips and scored on the rest, so its accuracy is not
// flattered by fitting the very transitions it is scored on; majorityAccuracy is the bar it must clear.
export function analyseLatentActions(clips: readonly LabelledClip[], numLatent: number, numTrue: number): LatentActionAnalysis {
  if (clips.length < 2) throw new Error(`analyseLatentActions: needs at least 2 clips to fit on one half and score on the other, got ${clips.length}`);
  const countsOf = (subset: readonly LabelledClip[]) =>
    cooccurrenceMatrix(subset.flatMap((c) => c.latent), subset.flatMap((c) => c.trueActions), numLatent, numTrue);
  const half = Math.floor(clips.length / 2);
  const fitCounts = countsOf(clips.slice(0, half));
  const scoreCounts = countsOf(clips.slice(half));
  const cooccurrence = countsOf(clips);
  const mapping = fitManyToOneMapping(fitCounts);
  const majority = argmax(sumOfRows(fitCounts));
  return {
    cooccurrence,
    nmi: normalizedMutualInformation(cooccurrence),
    mapping,
    mappingAccuracy: mappingAccuracy(mapping, scoreCounts),
    majorityAccuracy: mappingAccuracy(new Array(numLatent).fill(majority), scoreCounts),
    fitClips: half,
    scoreClips: clips.length - half,
  };
}

export interface CodebookUsage {
  counts: number[];
  fractions: number[];
  used: number; // codes used at least once
  perplexity: number; // exp(entropy of the usage distribution): numCodes when uniform, 1 when collapsed
}

export function codebookUsage(codes: ArrayLike<number>, numCodes: number): CodebookUsage {
  if (codes.length === 0) throw new Error('codebookUsage: no codes to count');
  assertLabels(codes, numCodes, 'code');
  const counts = new Array<number>(numCodes).fill(0);
  for (let i = 0; i < codes.length; i++) counts[codes[i]]++;
  return {
    counts,
    fractions: counts.map((n) => n / codes.length),
    used: counts.filter((n) => n > 0).length,
    perplexity: Math.exp(entropy(counts)),
  };
}

// Shannon entropy in nats of the distribution proportional to counts.
function entropy(counts: readonly number[]): number {
  const total = sum(counts);
  return counts.reduce((h, n) => (n > 0 ? h - (n / total) * Math.log(n / total) : h), 0);
}

function sum(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0);
}

function sumOfRows(counts: readonly (readonly number[])[]): number[] {
  return counts[0].map((_, j) => sum(counts.map((row) => row[j])));
}

function argmax(values: readonly number[]): number {
  return values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
}

function assertLabels(labels: ArrayLike<number>, count: number, what: string): void {
  if (!Number.isInteger(count) || count <= 0) throw new Error(`the number of ${what}s must be a positive integer, got ${count}`);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= count) {
      throw new Error(`${what} ${i} is ${label}, outside 0..${count - 1}`);
    }
  }
}
