// grpc_load.h: a gRPC load generator for one unary method, on the callback
// API (no thread per call), closed loop or fixed rate.
//
//   client::bench::GrpcLoadOptions options;
//   options.target = "127.0.0.1:15051";
//   options.method_path = "/polytomic.v1.BulkSyncService/GetBulkSync";
//   options.request = request.SerializeAsString();
//   options.concurrency = 64;             // or options.rate = 5000;
//   client::bench::GrpcLoadGenerator load(options);
//   client::bench::Report report;
//   absl::Status status = load.Run(/*observer=*/nullptr, &report);
//
// Closed loop: `concurrency` calls are always in flight; each completion
// starts the next call on the same channel. Fixed rate: one pacing thread
// sends call i at start + i/rate, whether or not earlier calls are done, and
// a call's latency counts from that intended time, so a stalled server shows
// up in the percentiles instead of silently slowing the sender (no
// coordinated omission). Calls spread round-robin over `channels` channels
// with distinct channel arguments, so each is its own TCP connection.
//
// Only calls whose (intended) start falls in the measured window count; the
// generator waits for every one of them, and counts every status, failed
// ones by code.
#ifndef CLIENT_BENCH_GRPC_LOAD_H_
#define CLIENT_BENCH_GRPC_LOAD_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/bench/histogram.h"
#include "client/bench/report.h"
#include "client/bench/window_observer.h"

namespace client::bench {

// GrpcLoadOptions configures one run.
struct GrpcLoadOptions {
  std::string target;       // HOST:PORT.
  std::string method_path;  // "/pkg.Service/Method".
  std::string request;      // The serialized request, sent on every call.
  int channels = 4;
  int concurrency = 16;  // Closed loop: calls in flight.
  double rate = 0;       // > 0: fixed rate, calls per second, instead.
  absl::Duration duration = absl::Seconds(10);
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration call_timeout = absl::Seconds(10);  // Per-call deadline.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Fixed rate: at most this many calls in flight; the sender waits (and
  // falls behind schedule, which the report shows) instead of growing
  // without bound against a stalled server.
  int max_in_flight = 20000;
  // Sent on every call, e.g. {"authorization", "Bearer <token>"}: built
  // once, copied into each call's ClientContext. Keys lower-case.
  std::vector<std::pair<std::string, std::string>> metadata;
  // When set, the measured calls are counted by the value of this response
  // metadata key (lower-case, e.g. "x-cache-status"), into the report's
  // metadata_counts.
  std::string count_metadata;
};

// GrpcLoadGenerator runs one load run.
//
// Thread safety: Run() once, from one thread. Completion callbacks run on
// gRPC's threads and only touch atomics.
class GrpcLoadGenerator {
 public:
  explicit GrpcLoadGenerator(GrpcLoadOptions options);
  GrpcLoadGenerator(const GrpcLoadGenerator&) = delete;
  GrpcLoadGenerator& operator=(const GrpcLoadGenerator&) = delete;

  // Run connects every channel (Unavailable if one does not connect within
  // connect_timeout), runs warm-up + window, waits for every call, and fills
  // the measurement fields of `report` (its `latency` points into this
  // generator, so keep the generator alive while using the report).
  absl::Status Run(WindowObserver* observer, Report* report);

 private:
  struct Call;

  void StartCall(int channel, int64_t intended_nanos);
  void OnDone(Call* call, const grpc::Status& status);
  void RunClosedLoop(WindowObserver* observer);
  // Sends call i at start + i/rate: the schedule shares its origin with the
  // window, so the number of measured calls is exactly the number of
  // intended sends in the window.
  void RunFixedRate(WindowObserver* observer, int64_t start);

  const GrpcLoadOptions options_;
  const bool closed_loop_;
  grpc::ByteBuffer request_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  int64_t window_start_nanos_ = 0;  // Monotonic clock; set before any call.
  int64_t window_end_nanos_ = 0;

  LatencyHistogram latency_;
  // Measured calls by status code; index 17 collects codes out of range.
  std::array<std::atomic<int64_t>, 18> by_code_{};
  std::array<std::atomic<int64_t>, 18> warmup_by_code_{};
  int64_t behind_schedule_ = 0;  // Only the pacing thread touches these.
  int64_t max_lag_nanos_ = 0;

  absl::Mutex metadata_mu_;
  std::map<std::string, int64_t> metadata_counts_ ABSL_GUARDED_BY(metadata_mu_);

  std::atomic<int64_t> in_flight_{0};
  absl::Mutex drained_mu_;
  absl::CondVar drained_;
};

// ConnectChannels creates `count` insecure channels to `target`, each its
// own TCP connection (distinct channel arguments, a local subchannel pool),
// and waits until each is connected: Unavailable naming the channel if one
// does not connect within `timeout`.
absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> ConnectChannels(
    const std::string& target, int count, absl::Duration timeout);

// MetadataValue is the first value of `key` in a finished call's initial
// metadata, else in its trailing metadata (a call failed before answering
// sends trailers only), else kNoMetadataValue.
std::string MetadataValue(const grpc::ClientContext& context,
                          const std::string& key);

// MonotonicNanos is CLOCK_MONOTONIC in nanoseconds, the clock every
// timestamp of the generators uses.
int64_t MonotonicNanos();

// SleepUntilNanos sleeps until MonotonicNanos() >= deadline.
void SleepUntilNanos(int64_t deadline);

}  // namespace client::bench

#endif  // CLIENT_BENCH_GRPC_LOAD_H_
