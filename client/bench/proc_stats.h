// proc_stats.h: a process's thread count and memory from
// /proc/<pid>/status, and a sampler that watches another process (the
// gateway) during a benchmark's measured window.
//
//   absl::StatusOr<client::bench::ProcStatus> self =
//       client::bench::ReadProcStatus(0);  // 0 = this process
//   client::bench::ProcSampler sampler(gateway_pid, absl::Milliseconds(100));
//   sampler.Baseline();  // before the load starts
//   sampler.Start();     // at the start of the measured window
//   ...
//   sampler.Stop();    // at its end
//   client::bench::ProcWindow window = sampler.window();
//
// It answers "does the thread count stay flat under load, and how much
// memory does each in-flight call cost".
#ifndef CLIENT_BENCH_PROC_STATS_H_
#define CLIENT_BENCH_PROC_STATS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace client::bench {

// ProcStatus is the part of /proc/<pid>/status a benchmark reports.
struct ProcStatus {
  int64_t threads = 0;
  int64_t vm_rss_kb = 0;  // Resident set size now.
  int64_t vm_hwm_kb = 0;  // Peak resident set size ("max RSS").
};

// ParseProcStatus reads the Threads, VmRSS and VmHWM lines of a
// /proc/<pid>/status text. InvalidArgument when Threads or VmRSS is missing.
absl::StatusOr<ProcStatus> ParseProcStatus(absl::string_view text);

// ReadProcStatus reads /proc/<pid>/status (pid 0: this process). NotFound
// when the process does not exist.
absl::StatusOr<ProcStatus> ReadProcStatus(pid_t pid);

// ProcWindow is what a ProcSampler saw: before the load (the idle
// baseline), and between Start() and Stop().
struct ProcWindow {
  bool valid = false;  // False if the process could not be read.
  std::string error;   // Why, when !valid.
  ProcStatus before_load;
  ProcStatus at_start;
  ProcStatus at_end;
  int64_t min_threads = 0;
  int64_t max_threads = 0;
  int64_t max_rss_kb = 0;
  int samples = 0;
};

// ProcSampler samples a process at Baseline(), at Start(), every `interval`
// in between (on its own thread) and at Stop().
//
// Thread safety: Baseline(), Start() and Stop() from one thread, once each,
// in that order; window() after Stop().
class ProcSampler {
 public:
  ProcSampler(pid_t pid, absl::Duration interval);
  ~ProcSampler();
  ProcSampler(const ProcSampler&) = delete;
  ProcSampler& operator=(const ProcSampler&) = delete;

  void Baseline();
  void Start();
  void Stop();
  ProcWindow window() const;

 private:
  enum class Kind { kBaseline, kStart, kDuring };
  void Sample(Kind kind);

  const pid_t pid_;
  const absl::Duration interval_;
  absl::Notification stop_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  ProcWindow window_ ABSL_GUARDED_BY(mu_);
};

}  // namespace client::bench

#endif  // CLIENT_BENCH_PROC_STATS_H_
