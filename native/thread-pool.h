// The one thread pool of the addon. Every parallel loop (element-wise, softmax, norms, attention, and
// sgemm, which is split across the pool with OpenBLAS kept single-threaded) runs here. See
// thread-pool.cc for why there is a single pool.
#pragma once

#include <cstdint>
#include <functional>

namespace genie {

// Items below which a loop stays on the calling thread, for element-wise work costing about a cycle per
// element (add, copy: 32768 elements take ~5 us) and for work costing several (exp, erf, a softmax
// element). Handing a chunk to the worker and joining it costs a few microseconds, so a loop is split only
// when each thread gets at least that much work.
constexpr int64_t kCheapGrain = 32768;
constexpr int64_t kCostlyGrain = 4096;

using RangeBody = std::function<void(int64_t begin, int64_t end)>;

// Threads that parallel loops use, the calling thread included (GENIE_THREADS, or the CPUs this
// process may run on).
int threadCount();

// Runs body over [0, count) in chunks of at least `grain` items spread over the threads, and returns when
// every chunk is done. Runs inline when count <= grain (too small to pay for waking a thread), when
// called from inside another parallel loop, or when another JS thread holds the pool. `body` must not throw.
void parallelFor(int64_t count, int64_t grain, const RangeBody& body);

// Hands items [0, count) out in short runs of neighbours to at most `workers` parallel workers and calls
// body(item, worker), where `worker` in [0, workers) selects scratch memory the caller allocated per
// worker (so kernels need no per-item allocation and no thread-locals).
void parallelItems(int64_t count, int workers, const std::function<void(int64_t item, int worker)>& body);

}  // namespace genie
