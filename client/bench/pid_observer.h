// pid_observer.h: a WindowObserver that samples a process (the server under
// load, given by --pid) over the measured window with a ProcSampler.
//
//   client::bench::PidObserver observer(gateway_pid);
//   absl::Status status = load.Run(&observer, &report);
//   report.target_pid = gateway_pid;
//   report.target_process = observer.window();
#ifndef CLIENT_BENCH_PID_OBSERVER_H_
#define CLIENT_BENCH_PID_OBSERVER_H_

#include <sys/types.h>

#include "absl/time/time.h"
#include "client/bench/proc_stats.h"
#include "client/bench/window_observer.h"

namespace client::bench {

// PidObserver samples `pid`: its idle baseline at the load's start, its
// status every 100 ms over the window, its CPU time and context switches at
// the window's ends.
//
// Thread safety: as ProcSampler; window() after the generator's Run().
class PidObserver final : public WindowObserver {
 public:
  explicit PidObserver(pid_t pid) : sampler_(pid, absl::Milliseconds(100)) {}
  void OnLoadStart() override { sampler_.Baseline(); }
  void OnWindowStart() override { sampler_.Start(); }
  void OnWindowEnd() override { sampler_.Stop(); }
  ProcWindow window() const { return sampler_.window(); }

 private:
  ProcSampler sampler_;
};

}  // namespace client::bench

#endif  // CLIENT_BENCH_PID_OBSERVER_H_
