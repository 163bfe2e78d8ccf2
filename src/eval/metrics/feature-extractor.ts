// The path from video clips to a Fréchet distance. Real FVD needs I3D Kinetics weights, which we cannot
// ship; a report must therefore name the network that made its features. Any network that turns clips
// into fixed-size vectors plugs in here: our own tokenizer's embeddings now, an I3D later, through the
// same clipFrechetDistance call. Only an extractor that really is I3D on Kinetics may call its result FVD.
import { assertDataRange, assertValidFrame, type ImageFrame } from './frame.ts';
import { assertValidFeatures, frechetDistance, type FeatureMatrix } from './frechet.ts';

export type VideoClip = readonly ImageFrame[]; // frames in time order, all the same shape

export interface FeatureExtractor {
  readonly id: string; // short and stable, written into report.json, e.g. 'tokenizer-embeddings'
  readonly description: string; // exactly what the features are, for report.md
  readonly dim: number;
  extract(clips: readonly VideoClip[]): Promise<FeatureMatrix>; // one row per clip, in order
}

export interface ClipFrechetResult {
  distance: number;
  extractorId: string;
  extractorDescription: string;
  dim: number;
  realClips: number;
  generatedClips: number;
}

export async function clipFrechetDistance(
  extractor: FeatureExtractor,
  realClips: readonly VideoClip[],
  generatedClips: readonly VideoClip[],
): Promise<ClipFrechetResult> {
  const real = await extractChecked(extractor, realClips, 'real');
  const generated = await extractChecked(extractor, generatedClips, 'generated');
  return {
    distance: frechetDistance(real, generated),
    extractorId: extractor.id,
    extractorDescription: extractor.description,
    dim: extractor.dim,
    realClips: realClips.length,
    generatedClips: generatedClips.length,
  };
}

async function extractChecked(extractor: FeatureExtractor, clips: readonly VideoClip[], which: string): Promise<FeatureMatrix> {
  const features = await extractor.extract(clips);
  const what = `feature extractor '${extractor.id}' on the ${which} clips`;
  assertValidFeatures(features, what);
  if (features.rows !== clips.length || features.dim !== extractor.dim) {
    throw new Error(`${what}: returned ${features.rows}x${features.dim} features for ${clips.length} clips of dim ${extractor.dim}`);
  }
  return features;
}

// A model-free extractor: each clip becomes its time-averaged frame and its mean absolute frame-to-frame
// change, both area-averaged down to grid x grid cells per channel. It sees layout, colour and where
// motion happens, nothing semantic; a sanity check and a fallback, far weaker than a learned network.
export function pixelStatisticsExtractor(options: { dataRange: number; grid?: number; channels?: number }): FeatureExtractor {
  const { dataRange, grid = 4, channels = 3 } = options;
  assertDataRange(dataRange, 'pixelStatisticsExtractor');
  const cells = grid * grid * channels;
  return {
    id: `pixel-statistics-${grid}x${grid}`,
    description:
      `per clip: the mean frame and the mean absolute change between consecutive frames, each averaged over ` +
      `a ${grid}x${grid} grid of cells per channel (${2 * cells} numbers, pixel values divided by ${dataRange}); no learned network`,
    dim: 2 * cells,
    async extract(clips) {
      const data = new Float64Array(clips.length * 2 * cells);
      clips.forEach((clip, index) => {
        if (clip.length < 2) throw new Error(`pixelStatisticsExtractor: clip ${index} has ${clip.length} frames, needs at least 2`);
        const row = data.subarray(index * 2 * cells, (index + 1) * 2 * cells);
        clip.forEach((frame, t) => {
          assertValidFrame(frame, `pixelStatisticsExtractor: clip ${index}, frame ${t}`);
          if (frame.channels !== channels || frame.height < grid || frame.width < grid) {
            throw new Error(`pixelStatisticsExtractor: clip ${index}, frame ${t} is ${frame.height}x${frame.width}x${frame.channels}, needs at least ${grid}x${grid}x${channels}`);
          }
          addCellMeans(row.subarray(0, cells), frame, (i) => frame.data[i] / clip.length, grid);
          if (t > 0) {
            const previous = clip[t - 1];
            addCellMeans(row.subarray(cells), frame, (i) => Math.abs(frame.data[i] - previous.data[i]) / (clip.length - 1), grid);
          }
        });
        for (let i = 0; i < row.length; i++) row[i] /= dataRange;
      });
      return { rows: clips.length, dim: 2 * cells, data };
    },
  };
}

// Adds the mean of value(i) over each of grid x grid cells (per channel) into out, cell-major.
function addCellMeans(out: Float64Array, frame: ImageFrame, value: (dataIndex: number) => number, grid: number): void {
  const { height, width, channels } = frame;
  for (let y = 0; y < height; y++) {
    const cellY = Math.floor((y * grid) / height);
    for (let x = 0; x < width; x++) {
      const cellX = Math.floor((x * grid) / width);
      const pixelsInCell = cellSize(cellY, height, grid) * cellSize(cellX, width, grid);
      for (let c = 0; c < channels; c++) {
        out[(cellY * grid + cellX) * channels + c] += value((y * width + x) * channels + c) / pixelsInCell;
      }
    }
  }
}

function cellSize(cell: number, length: number, grid: number): number {
  return Math.ceil(((cell + 1) * length) / grid) - Math.ceil((cell * length) / grid);
}
