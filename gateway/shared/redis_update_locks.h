// redis_update_locks.h: UpdateLocks shared by gateway replicas, as leases in
// Redis with fencing tokens.
//
//   RedisUpdateLocks locks(redis.get(), &scheduler, absl::Seconds(10),
//                          "replica-7f3a");
//   locks.Acquire(key, [](absl::StatusOr<std::unique_ptr<Lease>> lease) {
//     ...GET, merge; (*lease)->Confirm(...) then PUT...
//   });
//
// A key is first taken in this replica (InMemoryUpdateLocks, FIFO), so only
// one of its waiters at a time asks Redis. In Redis the lock is a key
// holding "<owner>:<fencing token>" with a lease (PX); the token comes from
// a counter per key that only grows. A holder renews the lease every third
// of it; Confirm checks, just before the PUT, that the key still holds this
// holder's token (a holder that stalled past its lease writes nothing) and
// renews it. Release deletes the key only if it still holds the token, and
// publishes the key on the "unlocked" channel, which wakes the waiters of
// every replica; a waiter also retries when the lease it waits behind runs
// out, so a replica that dies holding a lock blocks the others for at most
// the lease. Without Redis, Acquire fails with SHARED_STATE_UNAVAILABLE.
#ifndef GATEWAY_SHARED_REDIS_UPDATE_LOCKS_H_
#define GATEWAY_SHARED_REDIS_UPDATE_LOCKS_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/common/scheduler.h"
#include "gateway/common/update_locks.h"
#include "gateway/shared/redis_client.h"
#include "gateway/state/in_memory_update_locks.h"

namespace gateway::shared {

// RedisUpdateLocks must outlive every lease it grants; `redis` and
// `scheduler` are borrowed and must outlive it.
//
// Thread safety: thread-safe. Callbacks run inline (a local refusal), on the
// Redis loop thread, or on the scheduler's thread.
class RedisUpdateLocks final : public UpdateLocks {
 public:
  // Subscribes to the "unlocked" channel: call before redis->Start().
  RedisUpdateLocks(RedisClient* redis, Scheduler* scheduler,
                   absl::Duration lease, std::string owner);
  ~RedisUpdateLocks() override;

  WaitId Acquire(const std::string& key, Acquired acquired) override;
  void Abandon(WaitId id) override;

 private:
  struct Wait;
  class RemoteLease;

  void TryRemote(const std::shared_ptr<Wait>& wait);
  void Woken(const std::string& key);
  // Finish ends a wait once: with a lease, or an error.
  void Finish(const std::shared_ptr<Wait>& wait,
              absl::StatusOr<std::unique_ptr<Lease>> result);

  RedisClient* const redis_;
  Scheduler* const scheduler_;
  const absl::Duration lease_;
  const std::string owner_;
  state::InMemoryUpdateLocks local_;
  std::atomic<WaitId> next_id_{1};

  absl::Mutex mu_;
  absl::flat_hash_map<WaitId, std::shared_ptr<Wait>> waits_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace gateway::shared

#endif  // GATEWAY_SHARED_REDIS_UPDATE_LOCKS_H_
