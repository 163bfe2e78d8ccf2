# Builds build/Release/genie_native.node, the kernels of src/engine/kernels.ts in C++ on OpenBLAS.
# -march=native is fine because `npm install` builds the addon on the machine that runs it; on a CPU with AMX
# it also enables the bf16 tile kernels (native/bf16.h). -mprefer-vector-width=512 lets GCC vectorise loops
# with AVX-512 where the CPU has it (GCC's default is 256-bit): exact GELU over 131,072 values went from 192
# to 140 us on one core; the flag changes nothing on CPUs without AVX-512, and is x86's only (ARM builds, e.g.
# a Raspberry Pi or an AWS Graviton, compile the portable code: cross-compiled for aarch64, not run).
# No -ffast-math: countNonFinite and the NaN checks of training rely on IEEE NaN/Inf semantics.
# -fno-math-errno only drops errno writes, so sqrtf and friends inline and loops vectorise; -ffp-contract=fast
# lets a * b + c become one FMA (what -std=gnu++ would do by default; -std=c++17 turns it off).
{
  "targets": [
    {
      "target_name": "genie_native",
      "sources": [
        "native/addon.cc",
        "native/args.cc",
        "native/thread-pool.cc",
        "native/gemm.cc",
        "native/elementwise.cc",
        "native/reduce.cc",
        "native/softmax-norm.cc",
        "native/index-ops.cc",
        "native/attention.cc",
        "native/bf16.cc",
        "native/int8.cc",
        "native/st-block.cc",
        "native/optim.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-O3"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-march=native", "-fno-math-errno", "-ffp-contract=fast"],
      "conditions": [["target_arch=='x64'", {"cflags_cc": ["-mprefer-vector-width=512"]}]],
      "libraries": ["-lopenblas", "-pthread"]
    }
  ]
}
