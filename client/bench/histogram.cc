#include "client/bench/histogram.h"

#include <algorithm>
#include <cmath>

namespace client::bench {
namespace {

// 2^kSubBits buckets per power of two: the precision knob.
constexpr int kSubBits = 7;
constexpr int64_t kSubCount = int64_t{1} << kSubBits;  // 128
// Largest recordable value: 2^40 ns, about 18 minutes.
constexpr int kMaxExponent = 40;
constexpr int64_t kMaxNanos = (int64_t{1} << kMaxExponent) - 1;
// Block 0 holds [0, 128) exactly; block b >= 1 holds [128 << (b-1),
// 128 << b) in 128 buckets of width 1 << (b-1).
constexpr int kBlocks = kMaxExponent - kSubBits + 1;

int HighestBit(uint64_t v) { return 63 - __builtin_clzll(v); }

}  // namespace

int LatencyHistogram::BucketCount() { return kBlocks * kSubCount; }

int LatencyHistogram::BucketIndex(int64_t nanos) {
  nanos = std::clamp<int64_t>(nanos, 0, kMaxNanos);
  if (nanos < kSubCount) return static_cast<int>(nanos);
  const int exponent = HighestBit(static_cast<uint64_t>(nanos));  // >= 7
  const int block = exponent - kSubBits + 1;
  const int64_t sub = (nanos >> (block - 1)) - kSubCount;  // [0, 128)
  return static_cast<int>(block * kSubCount + sub);
}

int64_t LatencyHistogram::BucketLow(int index) {
  const int block = index / kSubCount;
  const int64_t sub = index % kSubCount;
  if (block == 0) return sub;
  return (kSubCount + sub) << (block - 1);
}

int64_t LatencyHistogram::BucketWidth(int index) {
  const int block = index / kSubCount;
  return block == 0 ? 1 : int64_t{1} << (block - 1);
}

LatencyHistogram::LatencyHistogram()
    : counts_(new std::atomic<int64_t>[BucketCount()]) {
  for (int i = 0; i < BucketCount(); ++i) {
    counts_[i].store(0, std::memory_order_relaxed);
  }
}

void LatencyHistogram::Record(absl::Duration latency) {
  const int64_t nanos = std::max<int64_t>(0, absl::ToInt64Nanoseconds(latency));
  counts_[BucketIndex(nanos)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(nanos, std::memory_order_relaxed);
  int64_t max = max_nanos_.load(std::memory_order_relaxed);
  while (nanos > max && !max_nanos_.compare_exchange_weak(
                            max, nanos, std::memory_order_relaxed)) {
  }
}

int64_t LatencyHistogram::Count() const {
  return count_.load(std::memory_order_relaxed);
}

absl::Duration LatencyHistogram::Max() const {
  return absl::Nanoseconds(max_nanos_.load(std::memory_order_relaxed));
}

absl::Duration LatencyHistogram::Mean() const {
  const int64_t count = Count();
  if (count == 0) return absl::ZeroDuration();
  return absl::Nanoseconds(sum_nanos_.load(std::memory_order_relaxed) / count);
}

absl::Duration LatencyHistogram::Percentile(double percent) const {
  const int64_t count = Count();
  if (count == 0) return absl::ZeroDuration();
  percent = std::clamp(percent, 0.0, 100.0);
  const int64_t rank = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(percent / 100.0 * count)));
  int64_t seen = 0;
  for (int i = 0; i < BucketCount(); ++i) {
    seen += counts_[i].load(std::memory_order_relaxed);
    if (seen >= rank) {
      const int64_t mid = BucketLow(i) + BucketWidth(i) / 2;
      return std::min(absl::Nanoseconds(mid), Max());
    }
  }
  return Max();
}

}  // namespace client::bench
