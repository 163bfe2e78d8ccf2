#include "softmax-norm.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>

#include "args.h"
#include "thread-pool.h"
#include "vector-math.h"

namespace genie {

namespace {

struct Rows {
  int64_t rows, cols;
};

Rows readRows(const Args& args, size_t first) {
  Rows r{args.size(first, "rows"), args.size(first + 1, "cols")};
  checkedMul(args, r.rows, r.cols);
  return r;
}

// Runs body(row) over the rows, several rows per task when rows are short.
template <class Body>
void forRows(int64_t rows, int64_t cols, int64_t grain, Body body) {
  parallelFor(rows, std::max<int64_t>(1, grain / std::max<int64_t>(1, cols)), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) body(r);
  });
}

void requireOptional(const Args& args, const char* name, const FloatSpan& span, int64_t cols) {
  if (span.data != nullptr) args.requireLength(name, span.length, cols);
}

// Rows per part of the dw/db reduction: fixed by the shape alone, so results do not depend on threads.
int64_t rowsPerPart(int64_t cols) { return std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, cols)); }

// dw[j] (and db[j]) = sum over rows of dy * normed (and dy), accumulated per part in double and then
// added up in part order. `normed(r, j)` gives the normalised input.
template <class RowBody>
void normBackwardRows(int64_t rows, int64_t cols, float* dw, float* db, RowBody rowBody) {
  const bool wantParams = dw != nullptr || db != nullptr;
  const int64_t perPart = rowsPerPart(cols);
  const int64_t parts = (rows + perPart - 1) / perPart;
  std::vector<double> dwParts(wantParams ? parts * cols : 0, 0.0);
  std::vector<double> dbParts(db != nullptr ? parts * cols : 0, 0.0);
  parallelFor(parts, 1, [&](int64_t begin, int64_t end) {
    for (int64_t part = begin; part < end; part++) {
      double* dwAcc = wantParams ? dwParts.data() + part * cols : nullptr;
      double* dbAcc = db != nullptr ? dbParts.data() + part * cols : nullptr;
      for (int64_t r = part * perPart; r < std::min(rows, (part + 1) * perPart); r++) rowBody(r, dwAcc, dbAcc);
    }
  });
  for (int64_t j = 0; j < cols; j++) {
    double dwTotal = 0.0, dbTotal = 0.0;
    for (int64_t part = 0; part < parts; part++) {
      if (wantParams) dwTotal += dwParts[part * cols + j];
      if (db != nullptr) dbTotal += dbParts[part * cols + j];
    }
    if (dw != nullptr) dw[j] = static_cast<float>(dwTotal);
    if (db != nullptr) db[j] = static_cast<float>(dbTotal);
  }
}

}  // namespace

float softmaxRow(const float* x, float* y, int64_t visible) {
  const float peak = maxFloat(x, visible);
  for (int64_t j = 0; j < visible; j++) y[j] = fastExp(x[j] - peak);
  const double total = sumDouble(y, visible);
  const float inverse = static_cast<float>(1.0 / total);
  for (int64_t j = 0; j < visible; j++) y[j] *= inverse;
  return static_cast<float>(peak + std::log(total));
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args args(info, "softmax");
  FloatSpan x = args.floats(0, "x");
  FloatSpan y = args.floats(1, "y");
  Rows s = readRows(args, 2);
  int64_t causalRows = args.integer(4, "causalRows");  // <= 0: not causal
  args.requireLength("x", x.length, s.rows * s.cols);
  args.requireLength("y", y.length, s.rows * s.cols);
  const float* xs = x.data;
  float* ys = y.data;
  forRows(s.rows, s.cols, kCostlyGrain, [&](int64_t r) {
    // Query i = r % causalRows sees columns j <= i + (cols - causalRows); masked columns are exactly 0.
    int64_t visible = causalRows > 0 ? std::min(s.cols, r % causalRows + (s.cols - causalRows) + 1) : s.cols;
    visible = std::max<int64_t>(visible, 0);
    if (visible > 0) softmaxRow(xs + r * s.cols, ys + r * s.cols, visible);
    std::fill(ys + r * s.cols + visible, ys + (r + 1) * s.cols, 0.0f);
  });
  return info.Env().Undefined();
}

// Sampling from rows of logits, as generation did in JS: p = softmax(row * float(1 / temperature)) exactly as
// the unary mulScalar and softmax kernels compute it (temperature 0: softmax(row)), then the index
// Rng.categorical (src/engine/random.ts) draws from p with the row's uniform: a sum in double in index order,
// then target = u * sum less each p[j] in order until it drops below 0. Temperature 0 takes the argmax (the
// lowest index on ties). Rows go in groups of kSampleGroup whose sequential double chains are interleaved:
// one row's chain of 1024 dependent adds is latency-bound, eight side by side are not.
constexpr int64_t kSampleGroup = 8;

Napi::Value SampleRows(const Napi::CallbackInfo& info) {
  Args args(info, "sampleRows");
  FloatSpan logits = args.floats(0, "logits");
  const int64_t cols = args.size(1, "cols");
  IntSpan rows = args.ints(2, "rows");
  const double temperature = args.number(3, "temperature");
  DoubleSpan uniforms = args.doubles(4, "uniforms");
  IntSpan ids = args.ints(5, "ids");
  FloatSpan probabilities = args.floats(6, "probabilities");
  if (cols == 0) args.failRange("cols must be >= 1");
  if (!(temperature >= 0) || !std::isfinite(temperature)) args.failRange("temperature must be a finite number >= 0");
  const int64_t count = rows.length;
  args.requireLength("uniforms", uniforms.length, temperature > 0 ? count : 0);
  args.requireLength("ids", ids.length, count);
  args.requireLength("probabilities", probabilities.length, count);
  const int64_t available = logits.length / cols;
  for (int64_t i = 0; i < count; i++) {
    if (rows.data[i] < 0 || rows.data[i] >= available) {
      args.failRange("rows[" + std::to_string(i) + "] = " + std::to_string(rows.data[i]) + " is outside the " + std::to_string(available) + " rows of logits");
    }
  }
  const float inverse = temperature > 0 ? static_cast<float>(1.0 / temperature) : 1.0f;  // as mulScalar(1 / temperature)
  const int64_t groups = (count + kSampleGroup - 1) / kSampleGroup;
  const int workers = count < 2 * kSampleGroup ? 1 : threadCount();
  std::vector<float> scratch(static_cast<size_t>(workers * kSampleGroup * cols));
  std::atomic<int64_t> badRow{-1};  // a row whose probabilities are not finite (NaN logits)
  parallelItems(groups, workers, [&](int64_t group, int worker) {
    const int64_t first = group * kSampleGroup, size = std::min(kSampleGroup, count - first);
    float* p[kSampleGroup];
    for (int64_t g = 0; g < size; g++) {
      p[g] = scratch.data() + (static_cast<size_t>(worker) * kSampleGroup + g) * cols;
      const float* row = logits.data + static_cast<int64_t>(rows.data[first + g]) * cols;
      if (temperature > 0) {
        for (int64_t j = 0; j < cols; j++) p[g][j] = row[j] * inverse;
        softmaxRow(p[g], p[g], cols);
      } else {
        softmaxRow(row, p[g], cols);
      }
    }
    if (temperature == 0) {
      for (int64_t g = 0; g < size; g++) {
        int64_t best = 0;
        for (int64_t j = 1; j < cols; j++) if (p[g][j] > p[g][best]) best = j;
        ids.data[first + g] = static_cast<int32_t>(best);
        probabilities.data[first + g] = p[g][best];
      }
      return;
    }
    double total[kSampleGroup] = {}, target[kSampleGroup];
    for (int64_t j = 0; j < cols; j++) {
      for (int64_t g = 0; g < size; g++) total[g] += p[g][j];
    }
    int64_t found[kSampleGroup], left = size;
    for (int64_t g = 0; g < size; g++) {
      if (!(total[g] > 0 && std::isfinite(total[g]))) {  // a NaN anywhere in the row makes its sum NaN
        badRow.store(first + g);
        return;
      }
      target[g] = uniforms.data[first + g] * total[g];
      found[g] = -1;
    }
    for (int64_t j = 0; j < cols && left > 0; j++) {
      for (int64_t g = 0; g < size; g++) {
        if (found[g] >= 0) continue;
        target[g] -= p[g][j];
        if (target[g] < 0) {
          found[g] = j;
          left--;
        }
      }
    }
    for (int64_t g = 0; g < size; g++) {
      // Rounding can leave the target at 0 after the last positive probability: that index, as in JS.
      for (int64_t j = cols - 1; found[g] < 0; j--) if (p[g][j] > 0) found[g] = j;
      ids.data[first + g] = static_cast<int32_t>(found[g]);
      probabilities.data[first + g] = p[g][found[g]];
    }
  });
  if (badRow.load() >= 0) {
    args.failRange("row " + std::to_string(rows.data[badRow.load()]) + " of logits gives probabilities that are not finite (NaN or infinite logits)");
  }
  return info.Env().Undefined();
}

Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  Args args(info, "softmaxBackward");
  FloatSpan y = args.floats(0, "y");
  FloatSpan dy = args.floats(1, "dy");
  FloatSpan dx = args.floats(2, "dx");
  Rows s = readRows(args, 3);
  for (auto [name, span] : {std::pair{"y", y}, {"dy", dy}, {"dx", dx}}) args.requireLength(name, span.length, s.rows * s.cols);
  forRows(s.rows, s.cols, kCheapGrain, [&](int64_t r) {
    const float* yr = y.data + r * s.cols;
    const float* dyr = dy.data + r * s.cols;
    float* dxr = dx.data + r * s.cols;
    const float dot = static_cast<float>(dotDouble(yr, dyr, s.cols));
    for (int64_t j = 0; j < s.cols; j++) dxr[j] = yr[j] * (dyr[j] - dot);
  });
  return info.Env().Undefined();
}

Napi::Value LogSoftmax(const Napi::CallbackInfo& info) {
  Args args(info, "logSoftmax");
  FloatSpan x = args.floats(0, "x");
  FloatSpan y = args.floats(1, "y");
  Rows s = readRows(args, 2);
  args.requireLength("x", x.length, s.rows * s.cols);
  args.requireLength("y", y.length, s.rows * s.cols);
  forRows(s.rows, s.cols, kCostlyGrain, [&](int64_t r) {
    const float* xr = x.data + r * s.cols;
    float* yr = y.data + r * s.cols;
    const float peak = maxFloat(xr, s.cols);
    const double total = sumOf(s.cols, [&](int64_t j) { return fastExp(xr[j] - peak); });
    const float lse = static_cast<float>(peak + std::log(total));
    for (int64_t j = 0; j < s.cols; j++) yr[j] = xr[j] - lse;
  });
  return info.Env().Undefined();
}

Napi::Value LogSoftmaxBackward(const Napi::CallbackInfo& info) {
  Args args(info, "logSoftmaxBackward");
  FloatSpan y = args.floats(0, "y");
  FloatSpan dy = args.floats(1, "dy");
  FloatSpan dx = args.floats(2, "dx");
  Rows s = readRows(args, 3);
  for (auto [name, span] : {std::pair{"y", y}, {"dy", dy}, {"dx", dx}}) args.requireLength(name, span.length, s.rows * s.cols);
  forRows(s.rows, s.cols, kCostlyGrain, [&](int64_t r) {
    const float* yr = y.data + r * s.cols;
    const float* dyr = dy.data + r * s.cols;
    float* dxr = dx.data + r * s.cols;
    const float total = static_cast<float>(sumDouble(dyr, s.cols));
    for (int64_t j = 0; j < s.cols; j++) dxr[j] = dyr[j] - fastExp(yr[j]) * total;
  });
  return info.Env().Undefined();
}

void layerNormRow(const float* x, int64_t cols, const float* w, const float* b, double eps, float* y, float* mean, float* rstd) {
  // Two passes in double: the mean, then the squared deviations from it (no E[x^2] - E[x]^2 cancellation).
  const double mu = sumDouble(x, cols) / static_cast<double>(cols);
  const double variance = sumSquaresDouble(x, cols, mu) / static_cast<double>(cols);
  const double inverse = 1.0 / std::sqrt(variance + eps);
  if (mean) *mean = static_cast<float>(mu);
  if (rstd) *rstd = static_cast<float>(inverse);
  const float m = static_cast<float>(mu), rs = static_cast<float>(inverse);
  if (w && b) for (int64_t j = 0; j < cols; j++) y[j] = (x[j] - m) * rs * w[j] + b[j];
  else if (w) for (int64_t j = 0; j < cols; j++) y[j] = (x[j] - m) * rs * w[j];
  else if (b) for (int64_t j = 0; j < cols; j++) y[j] = (x[j] - m) * rs + b[j];
  else for (int64_t j = 0; j < cols; j++) y[j] = (x[j] - m) * rs;
}

Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  Args args(info, "layerNorm");
  FloatSpan x = args.floats(0, "x");
  FloatSpan w = args.optionalFloats(1, "w");
  FloatSpan b = args.optionalFloats(2, "b");
  FloatSpan y = args.floats(3, "y");
  FloatSpan mean = args.floats(4, "mean");
  FloatSpan rstd = args.floats(5, "rstd");
  Rows s = readRows(args, 6);
  const double eps = args.number(8, "eps");
  args.requireLength("x", x.length, s.rows * s.cols);
  args.requireLength("y", y.length, s.rows * s.cols);
  args.requireLength("mean", mean.length, s.rows);
  args.requireLength("rstd", rstd.length, s.rows);
  requireOptional(args, "w", w, s.cols);
  requireOptional(args, "b", b, s.cols);
  forRows(s.rows, s.cols, kCheapGrain, [&](int64_t r) {
    layerNormRow(x.data + r * s.cols, s.cols, w.data, b.data, eps, y.data + r * s.cols, mean.data + r, rstd.data + r);
  });
  return info.Env().Undefined();
}

Napi::Value LayerNormBackward(const Napi::CallbackInfo& info) {
  Args args(info, "layerNormBackward");
  FloatSpan x = args.floats(0, "x");
  FloatSpan w = args.optionalFloats(1, "w");
  FloatSpan mean = args.floats(2, "mean");
  FloatSpan rstd = args.floats(3, "rstd");
  FloatSpan dy = args.floats(4, "dy");
  FloatSpan dx = args.floats(5, "dx");
  FloatSpan dw = args.optionalFloats(6, "dw");
  FloatSpan db = args.optionalFloats(7, "db");
  Rows s = readRows(args, 8);
  for (auto [name, span] : {std::pair{"x", x}, {"dy", dy}, {"dx", dx}}) args.requireLength(name, span.length, s.rows * s.cols);
  args.requireLength("mean", mean.length, s.rows);
  args.requireLength("rstd", rstd.length, s.rows);
  requireOptional(args, "w", w, s.cols);
  requireOptional(args, "dw", dw, s.cols);
  requireOptional(args, "db", db, s.cols);
  const int64_t cols = s.cols;
  normBackwardRows(s.rows, cols, dw.data, db.data, [&](int64_t r, double* dwAcc, double* dbAcc) {
    const float* xr = x.data + r * cols;
    const float* dyr = dy.data + r * cols;
    float* dxr = dx.data + r * cols;
    const float m = mean.data[r], rs = rstd.data[r];
    auto g = [&](int64_t j) { return w.data ? dyr[j] * w.data[j] : dyr[j]; };  // dy * w
    auto normed = [&](int64_t j) { return (xr[j] - m) * rs; };
    const double sumG = sumOf(cols, g);
    const double sumGX = sumOf(cols, [&](int64_t j) { return g(j) * normed(j); });
    if (dwAcc) for (int64_t j = 0; j < cols; j++) dwAcc[j] += static_cast<double>(dyr[j]) * normed(j);
    if (dbAcc) for (int64_t j = 0; j < cols; j++) dbAcc[j] += dyr[j];
    const float gMean = static_cast<float>(sumG / cols), gxMean = static_cast<float>(sumGX / cols);
    for (int64_t j = 0; j < cols; j++) dxr[j] = rs * (g(j) - gMean - normed(j) * gxMean);
  });
  return info.Env().Undefined();
}

Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  Args args(info, "rmsNorm");
  FloatSpan x = args.floats(0, "x");
  FloatSpan w = args.optionalFloats(1, "w");
  FloatSpan y = args.floats(2, "y");
  FloatSpan rstd = args.floats(3, "rstd");
  Rows s = readRows(args, 4);
  const double eps = args.number(6, "eps");
  args.requireLength("x", x.length, s.rows * s.cols);
  args.requireLength("y", y.length, s.rows * s.cols);
  args.requireLength("rstd", rstd.length, s.rows);
  requireOptional(args, "w", w, s.cols);
  forRows(s.rows, s.cols, kCheapGrain, [&](int64_t r) {
    const float* xr = x.data + r * s.cols;
    float* yr = y.data + r * s.cols;
    const double inverse = 1.0 / std::sqrt(sumSquaresDouble(xr, s.cols, 0.0) / static_cast<double>(s.cols) + eps);
    rstd.data[r] = static_cast<float>(inverse);
    const float rs = static_cast<float>(inverse);
    if (w.data) for (int64_t j = 0; j < s.cols; j++) yr[j] = xr[j] * rs * w.data[j];
    else for (int64_t j = 0; j < s.cols; j++) yr[j] = xr[j] * rs;
  });
  return info.Env().Undefined();
}

Napi::Value RmsNormBackward(const Napi::CallbackInfo& info) {
  Args args(info, "rmsNormBackward");
  FloatSpan x = args.floats(0, "x");
  FloatSpan w = args.optionalFloats(1, "w");
  FloatSpan rstd = args.floats(2, "rstd");
  FloatSpan dy = args.floats(3, "dy");
  FloatSpan dx = args.floats(4, "dx");
  FloatSpan dw = args.optionalFloats(5, "dw");
  Rows s = readRows(args, 6);
  for (auto [name, span] : {std::pair{"x", x}, {"dy", dy}, {"dx", dx}}) args.requireLength(name, span.length, s.rows * s.cols);
  args.requireLength("rstd", rstd.length, s.rows);
  requireOptional(args, "w", w, s.cols);
  requireOptional(args, "dw", dw, s.cols);
  const int64_t cols = s.cols;
  normBackwardRows(s.rows, cols, dw.data, nullptr, [&](int64_t r, double* dwAcc, double*) {
    const float* xr = x.data + r * cols;
    const float* dyr = dy.data + r * cols;
    float* dxr = dx.data + r * cols;
    const float rs = rstd.data[r];
    auto g = [&](int64_t j) { return w.data ? dyr[j] * w.data[j] : dyr[j]; };  // dy * w
    const double sumGX = sumOf(cols, [&](int64_t j) { return g(j) * xr[j] * rs; });
    if (dwAcc) for (int64_t j = 0; j < cols; j++) dwAcc[j] += static_cast<double>(dyr[j]) * (xr[j] * rs);
    const float gxMean = static_cast<float>(sumGX / cols);
    for (int64_t j = 0; j < cols; j++) dxr[j] = rs * (g(j) - xr[j] * rs * gxMean);
  });
  return info.Env().Undefined();
}

}  // namespace genie
