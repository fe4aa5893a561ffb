// report.h: the result of a load run and its two renderings, human text and
// one JSON object, shared by polytomic-bench and polytomic-http-bench so
// their numbers line up.
//
//   client::bench::Report report;
//   report.tool = "polytomic-bench";
//   report.calls = 1000;
//   report.latency = &histogram;
//   std::cout << client::bench::FormatText(report);
//   std::cout << client::bench::FormatJson(report);
//   // {"calls":1000,"errors":{},"throughput":...,"p50_us":...,...}
#ifndef CLIENT_BENCH_REPORT_H_
#define CLIENT_BENCH_REPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "client/bench/histogram.h"
#include "client/bench/proc_stats.h"

namespace client::bench {

// BurstFigures are what only a burst has (mode "burst": `concurrency` calls
// started at once, the window from the first send to the last answer).
struct BurstFigures {
  absl::Duration span;             // First send to last answer.
  absl::Duration send_span;        // First send to last send.
  absl::Duration first_answer;     // First send to first answer.
  int64_t distinct_responses = 0;  // Distinct response bytes of ok calls.
};

// Report is one run's numbers. Only calls started inside the measured window
// (after the warm-up) count; calls started during the warm-up are only
// counted in warmup_calls/warmup_errors (never dropped: a server failing
// while it warms up is worth knowing).
struct Report {
  std::string tool;    // "polytomic-bench", "polytomic-http-bench".
  std::string target;  // Address or URL.
  std::string mode;    // "closed-loop", "fixed-rate" or "burst".
  int connections = 0;
  int concurrency = 0;    // Closed loop: calls in flight; burst: calls.
  double rate = 0;        // Fixed rate: intended calls per second.
  absl::Duration window;  // Length of the measured window.
  int64_t calls = 0;      // Measured calls, successful or not.
  int64_t ok_calls = 0;   // Measured calls that succeeded.
  std::map<std::string, int64_t> errors;  // Failed measured calls, by code.
  int64_t warmup_calls = 0;
  std::map<std::string, int64_t> warmup_errors;  // Failed warm-up calls.
  // When set, a response metadata key counted over the measured calls
  // (e.g. "x-cache-status"): calls by its value, kNoMetadataValue for calls
  // answered without it.
  std::string metadata_key;
  std::map<std::string, int64_t> metadata_counts;
  std::optional<BurstFigures> burst;  // Mode "burst" only.
  // Fixed rate: sends that left more than kBehindThreshold after their
  // intended time, and the worst lag.
  int64_t behind_schedule = 0;
  absl::Duration max_send_lag;
  // Latency of every measured call, failed ones included; in fixed-rate
  // mode counted from the intended send time. Not owned.
  const LatencyHistogram* latency = nullptr;
  // This process at the end of the run.
  std::optional<ProcStatus> self;
  // The process given by --pid, during the measured window.
  int target_pid = 0;
  std::optional<ProcWindow> target_process;
};

// kBehindThreshold is how late a send may be before it counts as behind
// schedule.
inline constexpr absl::Duration kBehindThreshold = absl::Milliseconds(1);

// kNoMetadataValue counts, in metadata_counts, the calls answered without
// the key.
inline constexpr char kNoMetadataValue[] = "(none)";

// Throughput is successful measured calls per second of the window.
double Throughput(const Report& report);

// AverageInFlight is the concurrency for a closed loop, else Little's law:
// throughput times mean latency.
double AverageInFlight(const Report& report);

// FormatText renders the report for a terminal, several lines.
std::string FormatText(const Report& report);

// FormatJson renders the report as one JSON object on one line, ending in
// '\n': calls, errors{code: count}, throughput, p50_us, p90_us, p99_us,
// p999_us, max_us, mean_us, and the run's settings and process figures;
// target_process has the --pid process's CPU time and context switches in
// the window, in total (cpu_us, voluntary_ctxt_switches,
// involuntary_ctxt_switches) and divided by the measured calls
// (server_cpu_us_per_call, server_vcs_per_call, server_ivcs_per_call);
// with a metadata key, metadata_key and metadata_counts{value: count}; a
// burst adds burst{span_us, send_span_us, first_answer_us,
// distinct_responses}.
std::string FormatJson(const Report& report);

}  // namespace client::bench

#endif  // CLIENT_BENCH_REPORT_H_
