// histogram.h: a lock-free, fixed-size latency histogram with log-linear
// buckets (the HdrHistogram layout), for recording millions of calls from
// many threads without storing them.
//
//   client::bench::LatencyHistogram histogram;
//   histogram.Record(absl::Microseconds(250));  // from any thread
//   absl::Duration p99 = histogram.Percentile(99.0);
//
// Each power-of-two range of nanoseconds is split into 128 equal buckets, so
// a reported percentile is within 1/128 (0.8%) of the true sample; values
// below 256 ns are exact. Values above ~18 minutes are clamped. Max and mean
// are exact.
#ifndef CLIENT_BENCH_HISTOGRAM_H_
#define CLIENT_BENCH_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/time/time.h"

namespace client::bench {

// LatencyHistogram counts durations in log-linear buckets.
//
// Thread safety: Record() may run concurrently from any number of threads
// (relaxed atomics). The readers are meant to run after the recording
// threads are done (synchronized by the caller, e.g. by joining them); run
// concurrently they see a consistent-enough but not atomic snapshot.
class LatencyHistogram {
 public:
  LatencyHistogram();
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  // Record adds one sample; negative durations count as zero.
  void Record(absl::Duration latency);

  // Number of samples.
  int64_t Count() const;
  // Largest sample, exact; zero when empty.
  absl::Duration Max() const;
  // Mean of the samples, exact up to nanoseconds; zero when empty.
  absl::Duration Mean() const;
  // Percentile returns the sample at `percent` (0 < percent <= 100): the
  // smallest bucket midpoint with at least percent% of samples at or below
  // it, capped at Max(). Zero when empty.
  absl::Duration Percentile(double percent) const;

  // Bucket math, public for tests: the bucket of `nanos`, and the lowest
  // value and width of a bucket.
  static int BucketIndex(int64_t nanos);
  static int64_t BucketLow(int index);
  static int64_t BucketWidth(int index);
  static int BucketCount();

 private:
  std::unique_ptr<std::atomic<int64_t>[]> counts_;
  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> sum_nanos_{0};
  std::atomic<int64_t> max_nanos_{0};
};

}  // namespace client::bench

#endif  // CLIENT_BENCH_HISTOGRAM_H_
