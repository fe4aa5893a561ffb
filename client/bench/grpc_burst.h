// grpc_burst.h: a one-shot burst of one unary call: N identical calls
// started at once over a few channels, every one waited for. It answers
// "do 1,000 identical reads on a cold key all get the same answer, how soon
// is the last one answered, and how did the server say it answered them"
// (e.g. x-cache-status: one miss, the rest coalesced).
//
//   client::bench::GrpcBurstOptions options;
//   options.target = "127.0.0.1:15051";
//   options.method_path = "/polytomic.v1.BulkSyncService/GetBulkSync";
//   options.request = request.SerializeAsString();
//   options.calls = 1000;
//   options.count_metadata = "x-cache-status";
//   client::bench::GrpcBurst burst(options);
//   client::bench::Report report;
//   absl::Status status = burst.Run(/*observer=*/nullptr, &report);
//   // report.burst->span, report.burst->distinct_responses,
//   // report.metadata_counts {"coalesced": 999, "miss": 1}
//
// The channels connect first; then one thread starts every call, round-robin
// over the channels, as fast as the callback API takes them (the report
// says how long that took: send_span). A call's latency counts from its own
// send; the burst's span from the first send to the last answer.
#ifndef CLIENT_BENCH_GRPC_BURST_H_
#define CLIENT_BENCH_GRPC_BURST_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/bench/histogram.h"
#include "client/bench/report.h"
#include "client/bench/window_observer.h"

namespace client::bench {

// GrpcBurstOptions configures one burst.
struct GrpcBurstOptions {
  std::string target;       // HOST:PORT.
  std::string method_path;  // "/pkg.Service/Method".
  std::string request;      // The serialized request, sent on every call.
  int channels = 8;
  int calls = 1000;
  absl::Duration call_timeout = absl::Seconds(30);  // Per-call deadline.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Sent on every call; keys lower-case.
  std::vector<std::pair<std::string, std::string>> metadata;
  // When set, the calls are counted by the value of this response metadata
  // key (lower-case), into the report's metadata_counts.
  std::string count_metadata;
};

// BurstAnswer is one finished call of a burst, as TallyBurst sees it.
struct BurstAnswer {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string metadata_value;  // Of the counted key, or kNoMetadataValue.
  std::string response;        // The serialized response, when OK.
  int64_t sent_nanos = 0;      // MonotonicNanos() at its send and answer.
  int64_t answered_nanos = 0;
};

// TallyBurst fills the measurement fields of `report` (mode "burst", calls,
// errors by code, metadata_counts when `metadata_key` is set, burst
// figures, window = span) from `answers`, recording each call's latency
// into `latency`, which report->latency then points to. Responses count as
// distinct by their exact bytes.
void TallyBurst(const std::vector<BurstAnswer>& answers,
                const std::string& metadata_key, LatencyHistogram* latency,
                Report* report);

// GrpcBurst runs one burst.
//
// Thread safety: Run() once, from one thread. Completion callbacks run on
// gRPC's threads; each touches only its own call and an atomic count.
class GrpcBurst {
 public:
  explicit GrpcBurst(GrpcBurstOptions options);
  ~GrpcBurst();
  GrpcBurst(const GrpcBurst&) = delete;
  GrpcBurst& operator=(const GrpcBurst&) = delete;

  // Run connects every channel (Unavailable if one does not connect within
  // connect_timeout), tells `observer` (may be null) the load and window
  // start, starts every call, waits for all of them, tells the window's end
  // and fills `report` with TallyBurst (its `latency` points into this
  // burst: keep the burst alive while using the report).
  absl::Status Run(WindowObserver* observer, Report* report);

  // first_response is the response of the first call that succeeded (in
  // the order they were started), "" if none did; after Run().
  const std::string& first_response() const { return first_response_; }

 private:
  struct Call;

  void OnDone(Call* call, const grpc::Status& status);

  const GrpcBurstOptions options_;
  std::vector<std::unique_ptr<Call>> calls_;
  LatencyHistogram latency_;
  std::string first_response_;

  std::atomic<int64_t> unanswered_{0};
  absl::Mutex done_mu_;
  absl::CondVar done_;
};

}  // namespace client::bench

#endif  // CLIENT_BENCH_GRPC_BURST_H_
