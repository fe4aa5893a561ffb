// TimerThread: tasks run once, in time order, off the caller's thread;
// Cancel and Stop keep tasks from running.
#include "gateway/common/scheduler.h"

#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gateway {
namespace {

using ::testing::ElementsAre;

TEST(TimerThreadTest, RunsTasksInTimeOrderOffTheCallersThread) {
  TimerThread timers;
  absl::Mutex mu;
  std::vector<int> order;
  std::thread::id ran_on;
  absl::Notification added, last;
  absl::Time now = absl::Now();
  // The first task holds the timer thread until every other is added, so
  // the order below depends on their times only, not on how fast this
  // thread adds them.
  timers.RunAt(now - absl::Seconds(1), [&] {
    added.WaitForNotification();
    absl::MutexLock lock(&mu);
    order.push_back(1);
    ran_on = std::this_thread::get_id();
  });
  timers.RunAt(now + absl::Milliseconds(30), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(4);
    last.Notify();
  });
  timers.RunAt(now + absl::Milliseconds(10), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(3);
  });
  timers.RunAt(now, [&] {
    absl::MutexLock lock(&mu);
    order.push_back(2);
  });
  added.Notify();
  last.WaitForNotification();
  absl::MutexLock lock(&mu);
  EXPECT_THAT(order, ElementsAre(1, 2, 3, 4));
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(TimerThreadTest, ACancelledTaskNeverRuns) {
  TimerThread timers;
  bool ran = false;
  Scheduler::TaskId id =
      timers.RunAt(absl::Now() + absl::Hours(1), [&ran] { ran = true; });
  EXPECT_TRUE(timers.Cancel(id));
  EXPECT_FALSE(timers.Cancel(id));  // already gone
  absl::Notification after;
  timers.RunAt(absl::Now(), [&after] { after.Notify(); });
  after.WaitForNotification();
  timers.Stop();
  EXPECT_FALSE(ran);
}

TEST(TimerThreadTest, AfterStopNothingRuns) {
  TimerThread timers;
  timers.Stop();
  bool ran = false;
  timers.RunAt(absl::Now() - absl::Seconds(1), [&ran] { ran = true; });
  timers.Stop();  // idempotent, and returns at once
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace gateway
