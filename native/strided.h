// Walking strided views (binary with broadcasting, copy): adjacent axes that are contiguous for every
// operand are merged first, so most calls become one long run along the last axis that vectorises.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace genie {

template <int Operands>
struct StridedLayout {
  int rank = 0;
  std::array<int64_t, 6> shape{};
  std::array<std::array<int64_t, 6>, Operands> strides{};
  std::array<int64_t, Operands> offsets{};

  int64_t count() const {
    int64_t total = 1;
    for (int axis = 0; axis < rank; axis++) total *= shape[axis];
    return total;
  }
};

// Drops size-1 axes and merges axis pairs that every operand walks contiguously. The result has rank >= 1.
template <int Operands>
StridedLayout<Operands> coalesce(const std::vector<int64_t>& shape, const std::array<const std::vector<int64_t>*, Operands>& strides,
                                 const std::array<int64_t, Operands>& offsets) {
  StridedLayout<Operands> out;
  out.offsets = offsets;
  for (size_t axis = 0; axis < shape.size(); axis++) {
    if (shape[axis] == 1) continue;
    bool merges = out.rank > 0;
    for (int t = 0; t < Operands && merges; t++) {
      merges = out.strides[t][out.rank - 1] == (*strides[t])[axis] * shape[axis];
    }
    if (merges) {
      out.shape[out.rank - 1] *= shape[axis];
      for (int t = 0; t < Operands; t++) out.strides[t][out.rank - 1] = (*strides[t])[axis];
    } else {
      out.shape[out.rank] = shape[axis];
      for (int t = 0; t < Operands; t++) out.strides[t][out.rank] = (*strides[t])[axis];
      out.rank++;
    }
  }
  if (out.rank == 0) {  // a scalar: one run of length 1
    out.rank = 1;
    out.shape[0] = 1;
  }
  return out;
}

// Calls run(offsets, length) for the runs along the last axis that cover elements [begin, end) of the
// layout in row-major order; offsets are the operands' element offsets at the start of each run.
template <int Operands, class Run>
void forEachRun(const StridedLayout<Operands>& layout, int64_t begin, int64_t end, Run run) {
  const int last = layout.rank - 1;
  std::array<int64_t, 6> index{};
  std::array<int64_t, Operands> at = layout.offsets;
  int64_t rest = begin;
  for (int axis = last; axis >= 0; axis--) {
    index[axis] = rest % layout.shape[axis];
    rest /= layout.shape[axis];
    for (int t = 0; t < Operands; t++) at[t] += index[axis] * layout.strides[t][axis];
  }
  int64_t position = begin;
  while (position < end) {
    int64_t length = std::min(end - position, layout.shape[last] - index[last]);
    run(at, length);
    position += length;
    // Step to the start of the next run: finish this row, then carry into the outer axes.
    for (int t = 0; t < Operands; t++) at[t] += length * layout.strides[t][last];
    index[last] += length;
    for (int axis = last; axis > 0 && index[axis] == layout.shape[axis]; axis--) {
      for (int t = 0; t < Operands; t++) at[t] += layout.strides[t][axis - 1] - layout.shape[axis] * layout.strides[t][axis];
      index[axis] = 0;
      index[axis - 1]++;
    }
  }
}

}  // namespace genie
