// rate_limiter.h: per-principal token buckets (callers.policies[].rate_limit).
//
//   RateLimiter limiter;
//   limiter.Configure(config.callers());       // and again on each reload
//   limiter.Acquire("team-billing", clock.Now(), [](absl::Status admitted) {
//     ...
//   });
//
// A principal with a rate_limit has a bucket of `burst` tokens that refills
// at `requests_per_second`; each call takes one. A call that finds no token
// gets RESOURCE_EXHAUSTED, reason RATE_LIMITED, with a QuotaFailure naming
// the principal and the limit, and a RetryInfo saying when a token will be
// there (RateLimited). A principal without a rate_limit is not limited.
// RateLimits is the interface the access stage asks; RateLimiter keeps the
// buckets in this process, shared::RedisRateLimits in Redis for every
// replica.
#ifndef GATEWAY_AUTH_RATE_LIMITER_H_
#define GATEWAY_AUTH_RATE_LIMITER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::auth {

// RateLimited is the refusal of a call of `principal` over its limit (`rate`
// calls per second, `burst`), whose next token comes after `wait`.
absl::Status RateLimited(absl::string_view principal, double rate, double burst,
                         absl::Duration wait);

// RateLimits takes a token of a principal's bucket for each call.
//
// Thread safety: thread-safe. `done` runs exactly once, inline or on the
// implementation's thread; it must not block.
class RateLimits {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;
  virtual ~RateLimits() = default;

  // Configure installs the limits of `callers` (defaults applied: burst
  // set): a principal whose limit is unchanged keeps its bucket; a new or
  // changed one starts full; principals no longer limited lose theirs.
  virtual void Configure(const config::v1::Callers& callers) = 0;

  // Acquire takes a token of `principal` at `now`: OK, or RateLimited.
  virtual void Acquire(const std::string& principal, absl::Time now,
                       Done done) = 0;
};

// RateLimiter holds the buckets in this process.
//
// Thread safety: thread-safe; Take takes a short lock and never blocks
// otherwise.
class RateLimiter final : public RateLimits {
 public:
  void Configure(const config::v1::Callers& callers) override;
  void Acquire(const std::string& principal, absl::Time now,
               Done done) override {
    std::move(done)(Take(principal, now));
  }

  // Take takes a token of `principal` at `now`, at once.
  absl::Status Take(absl::string_view principal, absl::Time now);

 private:
  struct Bucket {
    double rate = 0;  // tokens per second
    double burst = 0;
    double tokens = 0;
    absl::Time updated = absl::InfinitePast();
  };

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gateway::auth

#endif  // GATEWAY_AUTH_RATE_LIMITER_H_
