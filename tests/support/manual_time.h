// manual_time.h: a clock and a scheduler that move only when a test says so.
//
//   testsupport::ManualClock clock(absl::FromUnixSeconds(1714564800));
//   testsupport::ManualScheduler scheduler(&clock);
//   ...code under test calls scheduler.RunAt(clock.Now() + delay, task)...
//   EXPECT_EQ(scheduler.NextTime(), clock.Now() + absl::Seconds(2));
//   scheduler.RunNext();  // moves the clock to the task's time, runs it
#ifndef TESTS_SUPPORT_MANUAL_TIME_H_
#define TESTS_SUPPORT_MANUAL_TIME_H_

#include <cstddef>
#include <map>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/common/clock.h"
#include "gateway/common/scheduler.h"

namespace testsupport {

// ManualClock says what it was set to. Thread safety: thread-safe.
class ManualClock final : public gateway::Clock {
 public:
  explicit ManualClock(absl::Time now) : now_(now) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time now) {
    absl::MutexLock lock(&mu_);
    now_ = now;
  }
  void Advance(absl::Duration by) {
    absl::MutexLock lock(&mu_);
    now_ += by;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// ManualScheduler keeps tasks until the test runs them, on the test's
// thread. Thread safety: thread-safe; tasks run outside its lock.
class ManualScheduler final : public gateway::Scheduler {
 public:
  explicit ManualScheduler(ManualClock* clock) : clock_(clock) {}

  TaskId RunAt(absl::Time when, Task task) override {
    absl::MutexLock lock(&mu_);
    TaskId id = next_id_++;
    tasks_.emplace(std::make_pair(when, id), std::move(task));
    return id;
  }
  bool Cancel(TaskId id) override {
    absl::MutexLock lock(&mu_);
    for (auto it = tasks_.begin(); it != tasks_.end(); ++it) {
      if (it->first.second == id) {
        tasks_.erase(it);
        return true;
      }
    }
    return false;
  }
  void Stop() override {}

  size_t size() const {
    absl::MutexLock lock(&mu_);
    return tasks_.size();
  }
  // NextTime is when the earliest task is due (InfiniteFuture if none).
  absl::Time NextTime() const {
    absl::MutexLock lock(&mu_);
    return tasks_.empty() ? absl::InfiniteFuture()
                          : tasks_.begin()->first.first;
  }
  // RunNext sets the clock to the earliest task's time (if later) and runs
  // it; false if there is none.
  bool RunNext() {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      if (tasks_.empty()) return false;
      auto node = tasks_.extract(tasks_.begin());
      if (node.key().first > clock_->Now()) clock_->Set(node.key().first);
      task = std::move(node.mapped());
    }
    std::move(task)();
    return true;
  }

 private:
  ManualClock* const clock_;
  mutable absl::Mutex mu_;
  TaskId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::pair<absl::Time, TaskId>, Task> tasks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace testsupport

#endif  // TESTS_SUPPORT_MANUAL_TIME_H_
