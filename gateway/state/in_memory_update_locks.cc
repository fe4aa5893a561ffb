#include "gateway/state/in_memory_update_locks.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace gateway::state {

class InMemoryUpdateLocks::KeyLease final : public UpdateLocks::Lease {
 public:
  KeyLease(InMemoryUpdateLocks* locks, std::string key)
      : locks_(locks), key_(std::move(key)) {}
  ~KeyLease() override { locks_->Release(key_); }
  // A process-local lease cannot be lost.
  void Confirm(Confirmed confirmed) override {
    std::move(confirmed)(absl::OkStatus());
  }

 private:
  InMemoryUpdateLocks* const locks_;
  const std::string key_;
};

UpdateLocks::WaitId InMemoryUpdateLocks::Acquire(const std::string& key,
                                                 Acquired acquired) {
  WaitId id = next_id_.fetch_add(1, std::memory_order_relaxed);
  {
    absl::MutexLock lock(&mu_);
    auto [it, free] = queues_.try_emplace(key);
    if (!free) {
      it->second.push_back(Waiter{id, std::move(acquired)});
      waiting_.emplace(id, key);
      return id;
    }
  }
  Grant(key, std::move(acquired));
  return id;
}

void InMemoryUpdateLocks::Abandon(WaitId id) {
  Acquired abandoned;
  {
    absl::MutexLock lock(&mu_);
    auto it = waiting_.find(id);
    if (it == waiting_.end()) return;
    std::deque<Waiter>& queue = queues_.find(it->second)->second;
    for (auto w = queue.begin(); w != queue.end(); ++w) {
      if (w->id == id) {
        abandoned = std::move(w->acquired);
        queue.erase(w);
        break;
      }
    }
    waiting_.erase(it);
  }
  std::move(abandoned)(absl::CancelledError("stopped waiting for the lock"));
}

void InMemoryUpdateLocks::Release(const std::string& key) {
  Acquired next;
  {
    absl::MutexLock lock(&mu_);
    auto it = queues_.find(key);
    if (it->second.empty()) {
      queues_.erase(it);
      return;
    }
    next = std::move(it->second.front().acquired);
    waiting_.erase(it->second.front().id);
    it->second.pop_front();
  }
  Grant(key, std::move(next));
}

void InMemoryUpdateLocks::Grant(std::string key, Acquired acquired) {
  // A grantee that releases at once (its call was cancelled) would grant the
  // next one from inside this frame; the thread-local list turns that
  // recursion into a loop.
  struct Pending {
    InMemoryUpdateLocks* locks;
    std::string key;
    Acquired acquired;
  };
  thread_local std::vector<Pending>* pending = nullptr;
  if (pending != nullptr) {
    pending->push_back(Pending{this, std::move(key), std::move(acquired)});
    return;
  }
  std::vector<Pending> queue;
  queue.push_back(Pending{this, std::move(key), std::move(acquired)});
  pending = &queue;
  for (size_t i = 0; i < queue.size(); ++i) {
    Pending grant = std::move(queue[i]);
    std::move(grant.acquired)(
        std::make_unique<KeyLease>(grant.locks, std::move(grant.key)));
  }
  pending = nullptr;
}

size_t InMemoryUpdateLocks::held() const {
  absl::MutexLock lock(&mu_);
  return queues_.size();
}

size_t InMemoryUpdateLocks::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiting_.size();
}

}  // namespace gateway::state
