// Tests for client/bench/histogram.h: bucket math and percentiles within the
// documented error.
#include "client/bench/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace client::bench {
namespace {

// The documented bound: a percentile is within 1/128 of the true sample.
constexpr double kRelativeError = 1.0 / 128;

// ExpectNear checks `got` is within the documented error of `want`.
void ExpectWithinError(absl::Duration got, absl::Duration want) {
  const double g = absl::ToDoubleNanoseconds(got);
  const double w = absl::ToDoubleNanoseconds(want);
  EXPECT_LE(std::abs(g - w), w * kRelativeError)
      << "got " << got << ", want " << want;
}

TEST(LatencyHistogramTest, EveryValueLiesInItsBucket) {
  std::vector<int64_t> values;
  for (int64_t v = 0; v < 5000; ++v) values.push_back(v);
  for (int shift = 12; shift < 40; ++shift) {
    const int64_t p = int64_t{1} << shift;
    for (int64_t v : {p - 1, p, p + 1, p + p / 3}) values.push_back(v);
  }
  for (int64_t v : values) {
    const int index = LatencyHistogram::BucketIndex(v);
    ASSERT_GE(index, 0) << v;
    ASSERT_LT(index, LatencyHistogram::BucketCount()) << v;
    EXPECT_LE(LatencyHistogram::BucketLow(index), v);
    EXPECT_LT(v, LatencyHistogram::BucketLow(index) +
                     LatencyHistogram::BucketWidth(index));
    // The width is at most 1/128 of the bucket's values.
    EXPECT_LE(LatencyHistogram::BucketWidth(index) * 128,
              std::max<int64_t>(128, LatencyHistogram::BucketLow(index)))
        << v;
  }
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGaps) {
  for (int i = 0; i + 1 < LatencyHistogram::BucketCount(); ++i) {
    ASSERT_EQ(LatencyHistogram::BucketLow(i) + LatencyHistogram::BucketWidth(i),
              LatencyHistogram::BucketLow(i + 1))
        << i;
  }
}

TEST(LatencyHistogramTest, EmptyIsZero) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.Count(), 0);
  EXPECT_EQ(histogram.Max(), absl::ZeroDuration());
  EXPECT_EQ(histogram.Mean(), absl::ZeroDuration());
  EXPECT_EQ(histogram.Percentile(50), absl::ZeroDuration());
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram histogram;
  for (int64_t nanos = 1; nanos <= 200; ++nanos) {
    histogram.Record(absl::Nanoseconds(nanos));
  }
  EXPECT_EQ(histogram.Percentile(50), absl::Nanoseconds(100));
  EXPECT_EQ(histogram.Percentile(1), absl::Nanoseconds(2));
  EXPECT_EQ(histogram.Percentile(100), absl::Nanoseconds(200));
}

TEST(LatencyHistogramTest, PercentilesWithinTheDocumentedError) {
  // 1 us .. 100 ms in 1 us steps, shuffled by a stride so order is not
  // sorted: the p-th percentile is p% of 100 ms.
  LatencyHistogram histogram;
  constexpr int64_t kSamples = 100000;
  for (int64_t i = 0; i < kSamples; ++i) {
    const int64_t micros = (i * 7919) % kSamples + 1;
    histogram.Record(absl::Microseconds(micros));
  }
  ASSERT_EQ(histogram.Count(), kSamples);
  ExpectWithinError(histogram.Percentile(50), absl::Microseconds(50000));
  ExpectWithinError(histogram.Percentile(90), absl::Microseconds(90000));
  ExpectWithinError(histogram.Percentile(99), absl::Microseconds(99000));
  ExpectWithinError(histogram.Percentile(99.9), absl::Microseconds(99900));
  ExpectWithinError(histogram.Percentile(0.01), absl::Microseconds(10));
  EXPECT_EQ(histogram.Max(), absl::Microseconds(kSamples));
  EXPECT_EQ(histogram.Mean(), absl::Nanoseconds(50000500));
}

TEST(LatencyHistogramTest, SkewedDistribution) {
  // 990 fast calls and 10 slow ones: p99 is fast, p99.9 slow.
  LatencyHistogram histogram;
  for (int i = 0; i < 990; ++i) histogram.Record(absl::Microseconds(300));
  for (int i = 0; i < 10; ++i) histogram.Record(absl::Milliseconds(250));
  ExpectWithinError(histogram.Percentile(50), absl::Microseconds(300));
  ExpectWithinError(histogram.Percentile(99), absl::Microseconds(300));
  ExpectWithinError(histogram.Percentile(99.1), absl::Milliseconds(250));
  EXPECT_EQ(histogram.Max(), absl::Milliseconds(250));
}

TEST(LatencyHistogramTest, MaxIsExactAndCapsPercentiles) {
  LatencyHistogram histogram;
  const absl::Duration odd = absl::Nanoseconds(123456789);
  histogram.Record(odd);
  EXPECT_EQ(histogram.Max(), odd);
  EXPECT_EQ(histogram.Mean(), odd);
  // The bucket midpoint may lie above the only sample; the cap hides that.
  EXPECT_LE(histogram.Percentile(100), odd);
  ExpectWithinError(histogram.Percentile(100), odd);
}

TEST(LatencyHistogramTest, NegativeCountsAsZeroAndHugeIsClamped) {
  LatencyHistogram histogram;
  histogram.Record(absl::Nanoseconds(-5));
  EXPECT_EQ(histogram.Count(), 1);
  EXPECT_EQ(histogram.Max(), absl::ZeroDuration());
  EXPECT_EQ(histogram.Percentile(50), absl::ZeroDuration());
  histogram.Record(absl::Hours(5));
  EXPECT_EQ(histogram.Count(), 2);
  EXPECT_EQ(histogram.Max(), absl::Hours(5));  // Max stays exact.
}

TEST(LatencyHistogramTest, ConcurrentRecordsAreAllCounted) {
  LatencyHistogram histogram;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&histogram, t] {
      for (int i = 0; i < kPerThread; ++i) {
        histogram.Record(absl::Microseconds(1 + t * kPerThread + i));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(histogram.Count(), kThreads * kPerThread);
  EXPECT_EQ(histogram.Max(), absl::Microseconds(kThreads * kPerThread));
  ExpectWithinError(histogram.Percentile(50), absl::Microseconds(50000));
}

}  // namespace
}  // namespace client::bench
