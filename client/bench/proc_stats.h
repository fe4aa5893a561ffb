// proc_stats.h: a process's thread count and memory from
// /proc/<pid>/status, its CPU time and its threads' context switches, and a
// sampler that watches another process (the gateway) during a benchmark's
// measured window.
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
// It answers "does the thread count stay flat under load, how much memory
// does each in-flight call cost, and how much CPU and how many context
// switches does each call cost the server".
#ifndef CLIENT_BENCH_PROC_STATS_H_
#define CLIENT_BENCH_PROC_STATS_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
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

// ContextSwitches counts a thread's (or a sum of threads') context switches:
// voluntary ones (it blocked: waited for I/O, a lock, a condition) and
// involuntary ones (the scheduler preempted it).
struct ContextSwitches {
  int64_t voluntary = 0;
  int64_t involuntary = 0;
};

// ParseContextSwitches reads the voluntary_ctxt_switches and
// nonvoluntary_ctxt_switches lines of a /proc/<pid>/task/<tid>/status text.
// InvalidArgument when either is missing.
absl::StatusOr<ContextSwitches> ParseContextSwitches(absl::string_view text);

// ReadThreadContextSwitches reads the context switches of each thread of a
// process, by thread id. /proc/<pid>/status alone would give only the main
// thread's. NotFound when the process does not exist.
absl::StatusOr<std::map<pid_t, ContextSwitches>> ReadThreadContextSwitches(
    pid_t pid);

// ContextSwitchesSince is what the threads in `now` switched since
// `before`: per thread, now minus before (a thread absent from `before`
// started since and counts in full). A thread that exited in between is
// absent from `now` and is missed: its switches since `before` are lost.
ContextSwitches ContextSwitchesSince(
    const std::map<pid_t, ContextSwitches>& before,
    const std::map<pid_t, ContextSwitches>& now);

// ReadProcessCpuTime is the CPU time (user + system) of every thread of a
// process so far, those that exited included, read from the process's
// CPU-time clock (clock_getcpuclockid). Chosen over /proc/<pid>/stat's utime
// and stime, which count 10 ms clock ticks (a 1 s window at 30% CPU rests on
// 30 ticks), and over summing /proc/<pid>/task/*/schedstat, which is as
// precise but misses threads that exited. NotFound when the process does not
// exist.
absl::StatusOr<absl::Duration> ReadProcessCpuTime(pid_t pid);

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
  // From Start() to Stop(): the process's CPU time, and its threads' context
  // switches (see ContextSwitchesSince for the threads that exit).
  absl::Duration cpu;
  ContextSwitches context_switches;
};

// ProcSampler samples a process's status at Baseline(), at Start(), every
// `interval` in between (on its own thread) and at Stop(); its CPU time and
// context switches at Start() and Stop().
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
  // ReadCounters reads the CPU time and context switches; on failure it
  // makes the window invalid and returns false.
  bool ReadCounters(absl::Duration* cpu,
                    std::map<pid_t, ContextSwitches>* switches);

  const pid_t pid_;
  const absl::Duration interval_;
  absl::Notification stop_;
  std::thread thread_;
  absl::Duration cpu_at_start_;  // Start() and Stop() alone touch these.
  std::map<pid_t, ContextSwitches> switches_at_start_;
  mutable absl::Mutex mu_;
  ProcWindow window_ ABSL_GUARDED_BY(mu_);
};

}  // namespace client::bench

#endif  // CLIENT_BENCH_PROC_STATS_H_
