// redis_invalidation_bus.h: cache invalidations carried between replicas by
// Redis pub/sub, each acknowledged by every replica that applied it.
//
//   RedisInvalidationBus bus(redis.get(), &scheduler, "replica-7f3a",
//                            absl::Milliseconds(250));
//   bus.Listen(apply, reliability);
//   bus.Publish(account, scopes, [] { ...answer the write... });
//
// Publish sends the invalidation on the "invalidate" channel; PUBLISH says
// how many replicas receive it, and each (but the sender) applies it to its
// cache, then answers on the sender's "invalidated:<replica>" channel. The
// write is answered once every receiver has answered, so a read through any
// replica after the write's answer sees the write (read-your-writes across
// replicas), unless `timeout` passes first (a replica stalled): the write
// is then answered anyway, and the stalled replica may serve the old answer
// until its invalidation lands or the TTL ends. While Redis cannot be
// reached, Publish answers at once, and Listen's `reliability` is told, so
// the cache can distrust what it holds.
#ifndef GATEWAY_SHARED_REDIS_INVALIDATION_BUS_H_
#define GATEWAY_SHARED_REDIS_INVALIDATION_BUS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/cache/invalidation_bus.h"
#include "gateway/common/scheduler.h"
#include "gateway/shared/redis_client.h"

namespace gateway::shared {

// RedisInvalidationBus: `redis` and `scheduler` are borrowed and must
// outlive it.
//
// Thread safety: thread-safe; see cache::InvalidationBus.
class RedisInvalidationBus final : public cache::InvalidationBus {
 public:
  // Subscribes: call before redis->Start().
  RedisInvalidationBus(RedisClient* redis, Scheduler* scheduler,
                       std::string replica, absl::Duration timeout);
  ~RedisInvalidationBus() override;

  void Listen(Apply apply, Reliability reliability) override;
  void Publish(const std::string& account,
               const std::vector<cache::ReadCache::PathScope>& scopes,
               Done done) override;

 private:
  // Sent is a published invalidation waiting for its acknowledgements.
  struct Sent {
    int acknowledged = 0;
    int expected = -1;  // unknown until PUBLISH answers
    Scheduler::TaskId timeout = 0;
    Done done;
  };

  void Received(absl::string_view message);
  void Acknowledged(absl::string_view id);
  // Settle ends `id`'s wait when `force`d or fully acknowledged.
  void Settle(uint64_t id, bool force);

  RedisClient* const redis_;
  Scheduler* const scheduler_;
  const std::string replica_;
  const absl::Duration timeout_;
  Apply apply_;
  Reliability reliability_;

  absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, Sent> sent_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gateway::shared

#endif  // GATEWAY_SHARED_REDIS_INVALIDATION_BUS_H_
