// redis_rate_limits.h: per-principal rate limits whose buckets live in
// Redis, so a limit holds across every replica.
//
//   RedisRateLimits limits(redis.get(), &logger);
//   limits.Configure(config.callers());
//   limits.Acquire("team-billing", clock.Now(), [](absl::Status admitted) {});
//
// A bucket is a Redis hash (tokens, last refill) updated by one script with
// Redis's own clock, so replicas' clocks do not matter. Its key names the
// principal and the limit, so a changed limit starts a full bucket. While
// Redis cannot be reached, each replica falls back to its own buckets (the
// limit then holds per replica): availability over exactness, since a rate
// limit protects capacity, not correctness.
#ifndef GATEWAY_SHARED_REDIS_RATE_LIMITS_H_
#define GATEWAY_SHARED_REDIS_RATE_LIMITS_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "gateway/auth/rate_limiter.h"
#include "gateway/shared/redis_client.h"

namespace gateway::shared {

// RedisRateLimits: `redis` is borrowed and must outlive it.
//
// Thread safety: thread-safe. `done` runs inline (no limit, or the local
// fallback) or on the Redis loop thread.
class RedisRateLimits final : public auth::RateLimits {
 public:
  explicit RedisRateLimits(RedisClient* redis) : redis_(redis) {}

  void Configure(const config::v1::Callers& callers) override;
  void Acquire(const std::string& principal, absl::Time now,
               Done done) override;

 private:
  struct Limit {
    double rate = 0;
    double burst = 0;
  };

  RedisClient* const redis_;
  auth::RateLimiter local_;  // while Redis cannot be reached
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Limit> limits_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gateway::shared

#endif  // GATEWAY_SHARED_REDIS_RATE_LIMITS_H_
