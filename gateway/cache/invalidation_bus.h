// invalidation_bus.h: how one replica's writes reach the read caches of the
// others.
//
//   bus.Listen(
//       [&cache](const std::string& account,
//                const std::vector<ReadCache::PathScope>& scopes) {
//         cache.Invalidate(account, scopes);
//       },
//       [&cache](bool reliable) { cache.Clear(); });
//   bus.Publish(account, scopes, [] { ...answer the write's caller... });
//
// The one implementation is shared::RedisInvalidationBus; a single gateway
// has no bus.
#ifndef GATEWAY_CACHE_INVALIDATION_BUS_H_
#define GATEWAY_CACHE_INVALIDATION_BUS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "gateway/cache/read_cache.h"

namespace gateway::cache {

// InvalidationBus carries invalidations between replicas.
//
// Thread safety: Publish may be called from any thread; callbacks run on
// the bus's thread and must not block.
class InvalidationBus {
 public:
  using Apply = std::function<void(const std::string& account,
                                   const std::vector<ReadCache::PathScope>&)>;
  // Reliability is told when the bus stops (false) or starts again (true)
  // carrying invalidations: either way some may have been missed.
  using Reliability = std::function<void(bool reliable)>;
  using Done = absl::AnyInvocable<void() &&>;

  virtual ~InvalidationBus() = default;

  // Listen sets how this replica applies the others' invalidations; once,
  // before the bus starts.
  virtual void Listen(Apply apply, Reliability reliability) = 0;

  // Publish tells every other replica; `done` runs once they have all
  // applied it, or when waiting longer is pointless (a timeout, the bus is
  // down).
  virtual void Publish(const std::string& account,
                       const std::vector<ReadCache::PathScope>& scopes,
                       Done done) = 0;
};

}  // namespace gateway::cache

#endif  // GATEWAY_CACHE_INVALIDATION_BUS_H_
