// Why one pool, and why it blocks. OpenBLAS's own pthread pool keeps polling (sched_yield) for a long while
// after each threaded sgemm, so a second pool running the element-wise kernel that follows fights it for
// the two cores. Measured on the 2-core machine: linear, GELU, linear, LayerNorm, softmax, add on (8192, 128)
// took 15-35 ms with OpenBLAS threads plus this pool, 13 ms with this pool alone, 29 ms on one thread; a
// lone 1024^3 sgemm is only ~14% faster on OpenBLAS's threads (6.3 vs 7.3 ms). So OpenBLAS runs
// single-threaded (gemm.cc splits products into blocks over this pool) and this pool is the only source of
// threads. Its workers poll for 300 us after a loop, because kernels arrive back to back during a training
// step or a MaskGIT step, and then block on a condition variable, so an idle process leaves the cores to others.
#include "thread-pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace genie {

namespace {

thread_local bool insideLoop = false;

int detectThreads() {
  if (const char* env = std::getenv("GENIE_THREADS")) {
    int requested = std::atoi(env);
    if (requested >= 1) return std::min(requested, 256);
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

struct Job {
  const RangeBody* body;
  int64_t count;
  int64_t chunk;
  uint64_t id;
  std::atomic<int64_t> next{0};
  std::atomic<int> joined{0};  // workers inside runChunks; changed under Pool::mutex_, read by the caller's spin
};

// The CPU's spin-wait hint: PAUSE on x86, YIELD on ARM.
inline void spinHint() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield");
#endif
}

// Spins (with the spin-wait hint) while `waiting()` holds, for at most `micros` microseconds.
template <class Waiting>
void pollWhile(int micros, Waiting waiting) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(micros);
  while (waiting() && std::chrono::steady_clock::now() < until) spinHint();
}

void runChunks(Job& job) {
  insideLoop = true;
  for (;;) {
    int64_t begin = job.next.fetch_add(job.chunk, std::memory_order_relaxed);
    if (begin >= job.count) break;
    (*job.body)(begin, std::min(job.count, begin + job.chunk));
  }
  insideLoop = false;
}

class Pool {
 public:
  explicit Pool(int threads) : threads_(threads) {
    for (int i = 1; i < threads_; i++) workers_.emplace_back([this] { workerLoop(); });
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& worker : workers_) worker.join();
  }

  int threads() const { return threads_; }

  // False when another thread is running a loop on the pool; the caller then runs inline.
  bool run(int64_t count, int64_t chunk, const RangeBody& body) {
    std::unique_lock<std::mutex> owner(ownerMutex_, std::try_to_lock);
    if (!owner.owns_lock()) return false;
    Job job;
    job.body = &body;
    job.count = count;
    job.chunk = chunk;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job.id = ++lastJobId_;
      current_ = &job;
      published_.store(job.id, std::memory_order_release);
    }
    wake_.notify_all();
    runChunks(job);
    // Withdraw the job so late workers skip it, then wait for those that joined to finish their chunks:
    // polling first, as their last chunk usually ends within microseconds, sooner than a sleep and wake-up
    // (play frames 214-216 -> 199-204 ms; a training ST block's step unchanged).
    std::unique_lock<std::mutex> lock(mutex_);
    current_ = nullptr;
    lock.unlock();
    pollWhile(20, [&] { return job.joined.load(std::memory_order_acquire) > 0; });
    lock.lock();
    done_.wait(lock, [&] { return job.joined == 0; });
    return true;
  }

 private:
  void workerLoop() {
    uint64_t seen = 0;
    for (;;) {
      spinForWork(seen);
      Job* job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || (current_ != nullptr && current_->id != seen); });
        if (stopping_) return;
        job = current_;
        seen = job->id;
        job->joined++;
      }
      runChunks(*job);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--job->joined == 0) done_.notify_all();
      }
    }
  }

  // Polls for a new job for a short while before blocking (measured: this halves the cost of the
  // back-to-back small kernels of a training step). 300 us rather than 50: at play time the JavaScript and
  // one-thread kernels between two parallel kernels often take longer than 50 us, and waking a blocked
  // worker costs ~15 us; a frame of the shipped world took 203-223 ms polling 300 us, 232-234 ms polling
  // 50 us. 300 us is still far below anything another process notices.
  void spinForWork(uint64_t seen) {
    pollWhile(300, [&] { return published_.load(std::memory_order_acquire) == seen; });
  }

  const int threads_;
  std::vector<std::thread> workers_;
  std::mutex ownerMutex_;  // one loop at a time (Node worker_threads may share the addon)
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  Job* current_ = nullptr;
  uint64_t lastJobId_ = 0;
  std::atomic<uint64_t> published_{0};
  bool stopping_ = false;
};

Pool& pool() {
  static Pool instance(detectThreads());
  return instance;
}

}  // namespace

int threadCount() { return pool().threads(); }

void parallelFor(int64_t count, int64_t grain, const RangeBody& body) {
  if (count <= 0) return;
  Pool& p = pool();
  if (insideLoop || p.threads() == 1 || count <= grain) {
    body(0, count);
    return;
  }
  // A few chunks per thread rather than one: when another process holds a core, the threads that are
  // running take over the chunks of the one that is not, instead of waiting for it.
  const int64_t chunks = 4 * static_cast<int64_t>(p.threads());
  int64_t chunk = std::max(grain, (count + chunks - 1) / chunks);
  if (!p.run(count, chunk, body)) body(0, count);
}

// Like parallelFor, but hands out one item at a time.
static void parallelForEach(int64_t count, const std::function<void(int64_t item)>& body) {
  if (count <= 0) return;
  RangeBody range = [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; item++) body(item);
  };
  Pool& p = pool();
  if (insideLoop || p.threads() == 1 || count == 1 || !p.run(count, 1, range)) range(0, count);
}

void parallelItems(int64_t count, int workers, const std::function<void(int64_t item, int worker)>& body) {
  // Runs of neighbouring items rather than single ones: neighbours (adjacent attention heads) share cache
  // lines at their edges, which would bounce between cores if the threads took items in turn. About 16
  // runs per worker still balance items of uneven cost.
  const int64_t run = std::max<int64_t>(1, count / (16 * static_cast<int64_t>(workers)));
  std::atomic<int64_t> next{0};
  parallelForEach(std::min<int64_t>(workers, count), [&](int64_t worker) {
    for (int64_t first = next.fetch_add(run); first < count; first = next.fetch_add(run)) {
      for (int64_t item = first; item < std::min(count, first + run); item++) body(item, static_cast<int>(worker));
    }
  });
}

}  // namespace genie
