// The native backend: the only module that loads build/Release/genie_native.node (the C++ addon under
// native/, built by `npm install` through node-gyp). The addon's functions take the same arguments as
// the Kernels interface and validate them in C++, throwing errors that name the kernel and argument.
import { createRequire } from 'node:module';
import type { Kernels } from './kernels.ts';

const ADDON_PATH = '../../build/Release/genie_native.node';

// What the addon exports: every kernel, plus the size of its thread pool.
type NativeAddon = Required<Omit<Kernels, 'name'>> & { threadCount(): number };

let addon: NativeAddon | null = null;
let kernels: Kernels | null = null;

function load(): NativeAddon {
  if (addon) return addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `cannot load the native kernels (build/Release/genie_native.node): ${reason}\n` +
        'Install libopenblas-dev and build-essential (apt-get install build-essential libopenblas-dev), ' +
        'then run `npm rebuild` (node-gyp rebuild) in the genie-ts folder.',
    );
  }
  return addon;
}

// The native Kernels. Loads the addon on first use, so code that only needs the reference backend
// (some tests) runs where the addon is not built.
export function loadNative(): Kernels {
  if (kernels) return kernels;
  const k = load();
  kernels = {
    name: 'native',
    gemm: k.gemm,
    unary: k.unary,
    unaryBackward: k.unaryBackward,
    binary: k.binary,
    copy: k.copy,
    sum: k.sum,
    max: k.max,
    maxBackward: k.maxBackward,
    softmax: k.softmax,
    softmaxBackward: k.softmaxBackward,
    sampleRows: k.sampleRows,
    logSoftmax: k.logSoftmax,
    logSoftmaxBackward: k.logSoftmaxBackward,
    layerNorm: k.layerNorm,
    layerNormBackward: k.layerNormBackward,
    rmsNorm: k.rmsNorm,
    rmsNormBackward: k.rmsNormBackward,
    gather: k.gather,
    scatterAdd: k.scatterAdd,
    pick: k.pick,
    pickBackward: k.pickBackward,
    nearestCode: k.nearestCode,
    attention: k.attention,
    attentionBackward: k.attentionBackward,
    bf16Available: k.bf16Available,
    bf16Products: k.bf16Products,
    bf16PackedLength: k.bf16PackedLength,
    bf16Pack: k.bf16Pack,
    bf16Linear: k.bf16Linear,
    int8Available: k.int8Available,
    int8PackedLength: k.int8PackedLength,
    int8Pack: k.int8Pack,
    int8Linear: k.int8Linear,
    attentionBf16: k.attentionBf16,
    stBlock: k.stBlock,
    adamw: k.adamw,
    axpby: k.axpby,
    sumSquares: k.sumSquares,
    countNonFinite: k.countNonFinite,
    fill: k.fill,
  };
  return kernels;
}

// Threads the addon's pool uses (GENIE_THREADS, or the CPUs this process may run on).
export function nativeThreadCount(): number {
  return load().threadCount();
}
