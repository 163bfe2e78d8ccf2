export { prepareDataset, formatPrepareSummary, PREPARE_DEFAULTS, type PrepareOptions, type PrepareProgress, type PrepareReport } from './prepare.ts';
export { PreparedDataset, readCacheIndex, type CacheIndex, type VideoEntry } from './prepared-dataset.ts';
export { ClipSampler, splitVideos, SAMPLER_DEFAULTS, type ClipBatch, type ClipWindow, type SamplerOptions, type Split } from './sampler.ts';
export { summarizeDataset, formatDatasetSummary, writeContactSheet, verifyDataset, type DatasetSummary, type ContactSheetOptions } from './inspect.ts';
export {
  writeClip,
  writeGif,
  writeVideoFile,
  writeFrameFolder,
  createVideoWriter,
  CLIP_EXTENSIONS,
  type ClipFormat,
  type ClipFrames,
  type VideoFileFormat,
  type VideoWriter,
} from './clip-writer.ts';
export { readActionLabels, readLabelledClips, ActionLabelLineSchema, ACTION_LABELS_FILE, type ActionLabelLine, type LabelledClip, type LabelledClipOptions } from './labels.ts';
export { findVideoSources, VIDEO_EXTENSIONS, FRAME_EXTENSIONS, type VideoSource, type SkippedInput, type SkipCategory } from './sources.ts';
export { decodeVideos, framesOf, type DecodeResult, type FrameData, type Fit, type FrameFormat } from './decode.ts';
export { FfmpegMissingError } from './ffmpeg.ts';
export { runPool } from './pool.ts';
