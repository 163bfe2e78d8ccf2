// Fréchet distances between real and generated 16-frame clips. Real FVD is a Fréchet distance over the
// features of an I3D network trained on Kinetics, whose weights cannot be installed here, so what we
// compute is NOT FVD: it is the same distance over substitute feature spaces, each named in the report.
// A real I3D would be one more FeatureExtractor passed to the same clipFrechetDistance call.
import { imageFrames, videoBatch, type EvalWorld, type VideoBatch } from './eval-world.ts';
import { clipFrechetDistance, pixelStatisticsExtractor, type ClipFrechetResult, type FeatureExtractor, type VideoClip } from './metrics/index.ts';

// Our own tokenizer, trained on the same kind of video: per clip, the mean and the standard deviation over
// all frames and tokens of each of the Dz channels of the code vectors it chose. Sensitive to what the
// tokenizer learned to encode; blind to what it did not.
export function tokenizerEmbeddingExtractor(world: EvalWorld, batchSize: number): FeatureExtractor {
  const dim = world.embeddingDim;
  return {
    id: 'tokenizer-codes-mean-std',
    description:
      `per clip: the mean and standard deviation, over all frames and tokens, of each of the ${dim} channels of the unit-length ` +
      `code vectors this world's tokenizer chose (${2 * dim} numbers); a substitute for I3D features, so NOT FVD`,
    dim: 2 * dim,
    async extract(clips) {
      const features = new Float64Array(clips.length * 2 * dim);
      for (let first = 0; first < clips.length; first += batchSize) {
        const group = clips.slice(first, first + batchSize);
        const embeddings = world.encoderEmbeddings(toVideoBatch(group));
        const perClip = embeddings.length / group.length;
        if (!Number.isInteger(perClip / dim)) throw new Error(`world.encoderEmbeddings: ${embeddings.length} values for ${group.length} clips is not a multiple of Dz=${dim}`);
        group.forEach((_, i) => poolMeanStd(embeddings.subarray(i * perClip, (i + 1) * perClip), dim, features.subarray((first + i) * 2 * dim, (first + i + 1) * 2 * dim)));
      }
      return { rows: clips.length, dim: 2 * dim, data: features };
    },
  };
}

export async function clipFrechetDistances(
  extractors: readonly FeatureExtractor[],
  real: readonly VideoBatch[],
  generated: readonly VideoBatch[],
): Promise<(ClipFrechetResult & { clipFrames: number })[]> {
  const realClips = real.flatMap(clipsOf);
  const generatedClips = generated.flatMap(clipsOf);
  const clipFrames = realClips[0]?.length ?? 0;
  const results = [];
  for (const extractor of extractors) results.push({ ...(await clipFrechetDistance(extractor, realClips, generatedClips)), clipFrames });
  return results;
}

export function substituteExtractors(world: EvalWorld, batchSize: number): FeatureExtractor[] {
  return [tokenizerEmbeddingExtractor(world, batchSize), pixelStatisticsExtractor({ dataRange: 1, grid: 4, channels: world.channels })];
}

function clipsOf(video: VideoBatch): VideoClip[] {
  return Array.from({ length: video.batch }, (_, b) => imageFrames(video, b));
}

function toVideoBatch(clips: readonly VideoClip[]): VideoBatch {
  const first = clips[0][0];
  const frames = clips[0].length;
  const size = first.height * first.width * first.channels;
  const data = new Float32Array(clips.length * frames * size);
  clips.forEach((clip, b) => {
    if (clip.length !== frames) throw new Error(`tokenizer embeddings: clip ${b} has ${clip.length} frames, clip 0 has ${frames}`);
    clip.forEach((frame, t) => {
      if (!(frame.data instanceof Float32Array)) throw new Error(`tokenizer embeddings: clip ${b}, frame ${t} is not a [0, 1] Float32Array frame`);
      data.set(frame.data, (b * frames + t) * size);
    });
  });
  return videoBatch(data, clips.length, frames, first.height, first.width, first.channels);
}

// values (rows, dim) -> out [mean (dim), standard deviation (dim)].
function poolMeanStd(values: Float32Array, dim: number, out: Float64Array): void {
  const rows = values.length / dim;
  for (let j = 0; j < dim; j++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += values[r * dim + j];
    const m = sum / rows;
    let squares = 0;
    for (let r = 0; r < rows; r++) squares += (values[r * dim + j] - m) ** 2;
    out[j] = m;
    out[dim + j] = Math.sqrt(squares / rows);
  }
}
