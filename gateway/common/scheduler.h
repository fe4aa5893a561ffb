// scheduler.h: runs work later, without a thread per wait.
//
//   TimerThread timers;
//   Scheduler::TaskId id = timers.RunAt(absl::Now() + absl::Milliseconds(80),
//                                       [] { /* resend */ });
//   if (timers.Cancel(id)) { /* it will never run */ }
//
// The retry decorator waits out its backoffs here and the circuit breaker
// learns when an open circuit turns half-open; tests inject a scheduler
// they step by hand.
#ifndef GATEWAY_COMMON_SCHEDULER_H_
#define GATEWAY_COMMON_SCHEDULER_H_

#include <cstdint>
#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace gateway {

// Scheduler runs tasks at a given time.
//
// Thread safety: thread-safe; RunAt and Cancel may be called from a task.
// A task never runs inline in RunAt, and must not block.
class Scheduler {
 public:
  using TaskId = std::uint64_t;
  using Task = absl::AnyInvocable<void() &&>;

  virtual ~Scheduler() = default;

  // RunAt runs `task` once, at `when` or soon after (soon, if `when` has
  // passed). Ids are never 0.
  virtual TaskId RunAt(absl::Time when, Task task) = 0;

  // Cancel removes a task that has not started: true if it will never run;
  // false if it ran, is running, or the id is unknown.
  virtual bool Cancel(TaskId id) = 0;

  // Stop runs no task from now on, and returns once none is running; tasks
  // given to RunAt later are kept unrun. So whatever the tasks point to may
  // go away after Stop, even if it still calls RunAt.
  virtual void Stop() = 0;
};

// TimerThread runs tasks on one thread of its own, in time order. The
// destructor stops it and drops tasks that have not run.
class TimerThread final : public Scheduler {
 public:
  TimerThread();
  ~TimerThread() override;
  TimerThread(const TimerThread&) = delete;
  TimerThread& operator=(const TimerThread&) = delete;

  TaskId RunAt(absl::Time when, Task task) override;
  bool Cancel(TaskId id) override;
  void Stop() override;

 private:
  void Run();

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  TaskId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Tasks by (time, id), and each task's time by id, for Cancel.
  std::map<std::pair<absl::Time, TaskId>, Task> tasks_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<TaskId, absl::Time> when_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_SCHEDULER_H_
