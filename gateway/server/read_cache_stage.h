// read_cache_stage.h: the pipeline's cache stage over cache::ReadCache.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<ReadCacheStage> cache,
//                    ReadCacheStage::Create(config.cache(), translator->routes(),
//                                           &clock, /*fetch_timeout=*/
//                                           absl::Seconds(30), &metrics));
//   Pipeline::Stages stages{..., .cache = cache.get(), ...};
//
// Which reads are cached and for how long: the first `cache.methods` entry
// whose pattern matches the method, else the contract's `cache_ttl` for the
// route, else `cache.default_ttl`; a TTL of 0 (or `cache.enabled: false`)
// sends every such read upstream (x-cache-status "bypass"). A read's key is
// its account, its canonical upstream path, its method and the
// deterministic serialization of its request (so field order and fields
// left at their defaults do not split a key). A caller's
// `cache-control: no-cache` reads afresh and stores the answer.
//
// A miss is fetched on a context of its own (the leader's request, account
// and request id, the upstream timeout as its deadline), so the readers
// that joined it are answered even when the one that started it cancels or
// its deadline passes; a reader that goes away is answered at once and
// leaves the fetch to the others.
//
// With replicas (an InvalidationBus), a write's invalidation is also
// published to the others, and its caller is answered once they applied it;
// theirs are applied here. While the bus is down, what is cached is
// dropped, and answers are kept at most `degraded_ttl`; when it is back,
// what is cached is dropped again (invalidations may have been missed).
#ifndef GATEWAY_SERVER_READ_CACHE_STAGE_H_
#define GATEWAY_SERVER_READ_CACHE_STAGE_H_

#include <array>
#include <atomic>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/cache/invalidation_bus.h"
#include "gateway/cache/read_cache.h"
#include "gateway/common/clock.h"
#include "gateway/common/metrics.h"
#include "gateway/config/v1/config.pb.h"
#include "gateway/server/cache_stage.h"
#include "gateway/translate/route_table.h"

namespace gateway::server {

// ReadCacheStage is shared by every call.
//
// Thread safety: thread-safe. `routes` and `clock` are borrowed and must
// outlive it.
class ReadCacheStage final : public CacheStage {
 public:
  // Create registers the cache's metrics in `metrics` (borrowed, like
  // `routes`, `clock` and `bus`; they must outlive the stage). `bus` is
  // null for a single gateway.
  static absl::StatusOr<std::unique_ptr<ReadCacheStage>> Create(
      const config::v1::Cache& config, const translate::RouteTable& routes,
      const Clock* clock, absl::Duration fetch_timeout,
      MetricsRegistry* metrics, cache::InvalidationBus* bus = nullptr,
      absl::Duration degraded_ttl = absl::ZeroDuration());

  void Read(const std::shared_ptr<CallContext>& call, Fetch fetch,
            Answered answered) override;
  void Written(const CallContext& call, Done done) override;

  // Ttl is how long `route`'s answers are kept (0: not cached).
  absl::Duration Ttl(const translate::Route& route) const;

 private:
  // PerRoute is what a read route's calls need: its TTL and its lookup
  // counters by ReadCache::Source.
  struct PerRoute {
    absl::Duration ttl;
    std::array<Counter*, 4> lookups{};
  };

  ReadCacheStage(const config::v1::Cache& config, const Clock* clock,
                 absl::Duration fetch_timeout, Counter* evictions,
                 cache::InvalidationBus* bus, absl::Duration degraded_ttl);

  const Clock* const clock_;
  const absl::Duration fetch_timeout_;
  cache::InvalidationBus* const bus_;
  const absl::Duration degraded_ttl_;
  std::atomic<bool> degraded_;  // the bus is down (or not up yet)
  absl::flat_hash_map<const translate::Route*, PerRoute> routes_;
  cache::ReadCache cache_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_READ_CACHE_STAGE_H_
