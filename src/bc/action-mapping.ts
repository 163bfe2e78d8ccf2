// From latent actions to real ones with a few labels (Genie, Sec. 3.3 / App. E): N expert transitions that
// carry both the LAM's latent action and the real action taken; each latent code is mapped to the real
// action it co-occurs with most among them (majority vote, ties to the lower action id); a code that none
// of the N transitions shows maps to the most common real action among them, the best guess without
// evidence. The counting and the vote are eval's (the same many-to-one map its LAM report fits).
import { cooccurrenceMatrix, fitManyToOneMapping, mappingAccuracy } from '../eval/metrics/index.ts';

export interface LatentToRealMapping {
  mapping: number[]; // mapping[latent] = real action
  counts: number[][]; // (numLatent, numReal) co-occurrences among the labelled transitions
  unseenCodes: number[]; // codes none of the labelled transitions shows (mapped to the most common real action)
}

export function majorityVoteMapping(latent: readonly number[], real: readonly number[], numLatent: number, numReal: number): LatentToRealMapping {
  if (latent.length === 0) throw new Error('majorityVoteMapping: no labelled transitions to vote with');
  const counts = cooccurrenceMatrix(latent, real, numLatent, numReal);
  return {
    mapping: fitManyToOneMapping(counts),
    counts,
    unseenCodes: counts.flatMap((row, code) => (row.some((n) => n > 0) ? [] : [code])),
  };
}

// The share of (latent, real) transitions whose real action the mapping reads off the latent one.
export function mappedAccuracy(mapping: readonly number[], latent: readonly number[], real: readonly number[], numReal: number): number {
  return mappingAccuracy(mapping, cooccurrenceMatrix(latent, real, mapping.length, numReal));
}
