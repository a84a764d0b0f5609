#include "pixel/components.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace veil::pixel {
namespace {

static_assert(std::endian::native == std::endian::little, "bytes are found by their place in a word");

std::uint64_t word_at(const unsigned char* m, int x) {
  std::uint64_t word;
  std::memcpy(&word, m + x, sizeof word);
  return word;
}

// The first non-zero byte of `m` from `x` on (`cols` if none): 32 bytes at a time over empty
// stretches, then the lowest set bit of a word.
int next_set(const unsigned char* m, int x, int cols) {
  while (x + 32 <= cols && (word_at(m, x) | word_at(m, x + 8) | word_at(m, x + 16) | word_at(m, x + 24)) == 0) x += 32;
  for (; x + 8 <= cols; x += 8)
    if (const std::uint64_t word = word_at(m, x)) return x + std::countr_zero(word) / 8;
  while (x < cols && !m[x]) ++x;
  return x;
}

// The first zero byte of `m` from `x` on (`cols` if none). In (w - 0x01..) & ~w & 0x80.., the
// lowest byte flagged is w's lowest zero byte (a borrow only flags bytes above it).
int next_clear(const unsigned char* m, int x, int cols) {
  for (; x + 8 <= cols; x += 8) {
    const std::uint64_t word = word_at(m, x);
    if (const std::uint64_t zero = (word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL)
      return x + std::countr_zero(zero) / 8;
  }
  while (x < cols && m[x]) ++x;
  return x;
}

}  // namespace

void find_components(const cv::Mat& mask, Components& out) {
  CV_Assert(mask.type() == CV_8U);
  // Scratch kept per thread: the pixel stage calls this several times per frame.
  thread_local std::vector<Run> runs;
  thread_local std::vector<int> parent, id;
  runs.clear();
  parent.clear();
  auto root = [&](int i) {
    while (parent[static_cast<std::size_t>(i)] != i) {
      auto& p = parent[static_cast<std::size_t>(i)];
      i = p = parent[static_cast<std::size_t>(p)];
    }
    return i;
  };
  std::size_t above_begin = 0, above_end = 0;  // the runs of the row above
  for (int y = 0; y < mask.rows; ++y) {
    const unsigned char* m = mask.ptr<unsigned char>(y);
    const std::size_t row_begin = runs.size();
    for (int x = 0; (x = next_set(m, x, mask.cols)) < mask.cols;) {
      const int begin = x;
      x = next_clear(m, x, mask.cols);
      parent.push_back(static_cast<int>(runs.size()));
      runs.push_back({y, begin, x});
    }
    // A run touches the runs above that cover its columns or the column just beside it (8-
    // connected). Both rows are in column order: one sweep. The root is the earliest run.
    std::size_t j = above_begin;
    for (std::size_t i = row_begin; i < runs.size(); ++i) {
      while (j < above_end && runs[j].end < runs[i].begin) ++j;
      for (std::size_t k = j; k < above_end && runs[k].begin <= runs[i].end; ++k) {
        int a = root(static_cast<int>(i)), b = root(static_cast<int>(k));
        if (a != b) parent[static_cast<std::size_t>(std::max(a, b))] = std::min(a, b);
      }
    }
    above_begin = row_begin;
    above_end = runs.size();
  }
  // Components numbered in the order of their first run; runs grouped by component.
  id.assign(runs.size(), -1);
  int n = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const int r = root(static_cast<int>(i));  // r <= i: numbered already when r < i
    id[i] = r == static_cast<int>(i) ? n++ : id[static_cast<std::size_t>(r)];
  }
  out.boxes.assign(static_cast<std::size_t>(n), cv::Rect());
  out.areas.assign(static_cast<std::size_t>(n), 0);
  out.first.assign(static_cast<std::size_t>(n) + 1, 0);
  std::vector<cv::Point> low(static_cast<std::size_t>(n), {INT32_MAX, INT32_MAX}), high(static_cast<std::size_t>(n), {-1, -1});
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto c = static_cast<std::size_t>(id[i]);
    const Run& r = runs[i];
    ++out.first[c + 1];
    out.areas[c] += r.end - r.begin;
    low[c].x = std::min(low[c].x, r.begin), high[c].x = std::max(high[c].x, r.end);
    low[c].y = std::min(low[c].y, r.y), high[c].y = r.y + 1;
  }
  for (std::size_t c = 0; c < static_cast<std::size_t>(n); ++c) {
    out.boxes[c] = cv::Rect(low[c], high[c]);
    out.first[c + 1] += out.first[c];
  }
  out.runs.resize(runs.size());
  std::vector<int> next(out.first.begin(), out.first.end() - 1);
  for (std::size_t i = 0; i < runs.size(); ++i) out.runs[static_cast<std::size_t>(next[static_cast<std::size_t>(id[i])]++)] = runs[i];
}

}  // namespace veil::pixel
