#include "gateway/common/scheduler.h"

#include "absl/time/clock.h"

namespace gateway {

TimerThread::TimerThread() : thread_([this] { Run(); }) {}

TimerThread::~TimerThread() { Stop(); }

void TimerThread::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
    thread_.join();
  }
}

Scheduler::TaskId TimerThread::RunAt(absl::Time when, Task task) {
  absl::MutexLock lock(&mu_);
  TaskId id = next_id_++;
  tasks_.emplace(std::make_pair(when, id), std::move(task));
  when_.emplace(id, when);
  return id;
}

bool TimerThread::Cancel(TaskId id) {
  absl::MutexLock lock(&mu_);
  auto it = when_.find(id);
  if (it == when_.end()) return false;
  tasks_.erase(std::make_pair(it->second, id));
  when_.erase(it);
  return true;
}

void TimerThread::Run() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    // Wake when stopping, when a task is due, or when an earlier one comes.
    absl::Time first =
        tasks_.empty() ? absl::InfiniteFuture() : tasks_.begin()->first.first;
    auto changed = [this, first]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ ||
             (!tasks_.empty() && tasks_.begin()->first.first < first);
    };
    if (mu_.AwaitWithDeadline(absl::Condition(&changed), first)) continue;
    while (!stopping_ && !tasks_.empty() &&
           tasks_.begin()->first.first <= absl::Now()) {
      auto node = tasks_.extract(tasks_.begin());
      when_.erase(node.key().second);
      mu_.Unlock();
      std::move(node.mapped())();
      mu_.Lock();
    }
  }
}

}  // namespace gateway
