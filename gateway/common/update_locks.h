// update_locks.h: per-resource locks that serialize the read-merge-write of
// partial updates, so concurrent updates of one resource never lose each
// other's changes.
//
//   UpdateLocks::WaitId wait = locks.Acquire(
//       "/api/bulk/syncs/5d7c...",
//       [](absl::StatusOr<std::unique_ptr<UpdateLocks::Lease>> lease) {
//         if (!lease.ok()) return;  // CANCELLED (abandoned) or UNAVAILABLE
//         ...GET, merge...
//         (*lease)->Confirm([](absl::Status held) { ...then PUT... });
//         ...then destroy *lease to let the next one in
//       });
//   locks.Abandon(wait);  // the caller went away while waiting
//
// The interface is asynchronous so that an implementation shared between
// gateway replicas (a networked store) can plug in without blocking a
// thread. The in-memory one is gateway/state/in_memory_update_locks.h; the
// one shared by replicas is gateway/shared/redis_update_locks.h.
#ifndef GATEWAY_COMMON_UPDATE_LOCKS_H_
#define GATEWAY_COMMON_UPDATE_LOCKS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gateway {

// UpdateLocks grants each key to one holder at a time, in arrival order.
//
// Thread safety: all methods may be called from any thread. `acquired` runs
// exactly once: inline in Acquire when the key is free, inline in Abandon
// (with CANCELLED), or on the thread that releases the previous lease; it
// must not block, and the caller must not hold a lock it takes.
class UpdateLocks {
 public:
  // Lease is a held lock; destroying it releases the key to the next waiter
  // (whose callback may run inside the destructor).
  class Lease {
   public:
    using Confirmed = absl::AnyInvocable<void(absl::Status) &&>;
    virtual ~Lease() = default;
    // Confirm checks, just before the write the lease guards, that it is
    // still held (a lease that can expire may have passed to another
    // holder) and extends it. `confirmed` runs once, inline or on the
    // implementation's thread: OK, ABORTED when the lease was lost, or
    // UNAVAILABLE when the lock store cannot be reached.
    virtual void Confirm(Confirmed confirmed) = 0;
  };
  using WaitId = std::uint64_t;
  using Acquired =
      absl::AnyInvocable<void(absl::StatusOr<std::unique_ptr<Lease>>) &&>;

  virtual ~UpdateLocks() = default;

  // Acquire calls `acquired` with the lease once `key` is free, or with an
  // error (UNAVAILABLE when the lock store cannot be reached). The id is
  // only good for Abandon.
  virtual WaitId Acquire(const std::string& key, Acquired acquired) = 0;

  // Abandon stops waiting: a waiter still queued gets CANCELLED. Ids of
  // granted, abandoned or unknown waits are ignored.
  virtual void Abandon(WaitId id) = 0;
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_UPDATE_LOCKS_H_
