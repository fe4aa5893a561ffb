// in_memory_update_locks.h: the process-local UpdateLocks: a FIFO of waiters
// per key, without blocking a thread.
//
//   InMemoryUpdateLocks locks;
//   locks.Acquire(key, [](absl::StatusOr<std::unique_ptr<Lease>> lease) {
//     ...hold *lease while the read-merge-write runs...
//   });
//
// Grants never fail; a waiter leaves the queue only when granted or
// abandoned.
#ifndef GATEWAY_STATE_IN_MEMORY_UPDATE_LOCKS_H_
#define GATEWAY_STATE_IN_MEMORY_UPDATE_LOCKS_H_

#include <atomic>
#include <deque>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "gateway/common/update_locks.h"

namespace gateway::state {

// InMemoryUpdateLocks must outlive every lease it grants.
//
// Thread safety: thread-safe. Callbacks run inline in Acquire (key free),
// in Abandon (CANCELLED) or in the destructor of the previous lease. A grant
// made while another grant's callback runs on the same thread waits until
// that callback returns, so a chain of grants that release at once runs
// iteratively, not recursively.
class InMemoryUpdateLocks final : public UpdateLocks {
 public:
  WaitId Acquire(const std::string& key, Acquired acquired) override;
  void Abandon(WaitId id) override;

  // held is how many keys are held (for tests).
  size_t held() const;
  // waiting is how many waiters are queued behind holders (for tests).
  size_t waiting() const;

 private:
  class KeyLease;
  struct Waiter {
    WaitId id;
    Acquired acquired;
  };
  void Release(const std::string& key);
  // Grant runs a waiter's callback, deferring it when a grant is already
  // running on this thread.
  void Grant(std::string key, Acquired acquired);

  std::atomic<WaitId> next_id_{1};
  mutable absl::Mutex mu_;
  // A key is present while held; its deque holds the waiters behind it.
  absl::flat_hash_map<std::string, std::deque<Waiter>> queues_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<WaitId, std::string> waiting_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gateway::state

#endif  // GATEWAY_STATE_IN_MEMORY_UPDATE_LOCKS_H_
