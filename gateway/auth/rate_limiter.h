// rate_limiter.h: per-principal token buckets (callers.policies[].rate_limit).
//
//   RateLimiter limiter;
//   limiter.Configure(config.callers());       // and again on each reload
//   RETURN_IF_ERROR(limiter.Acquire("team-billing", clock.Now()));
//
// A principal with a rate_limit has a bucket of `burst` tokens that refills
// at `requests_per_second`; each call takes one. A call that finds no token
// gets RESOURCE_EXHAUSTED, reason RATE_LIMITED, with a QuotaFailure naming
// the principal and the limit, and a RetryInfo saying when a token will be
// there. A principal without a rate_limit is not limited.
#ifndef GATEWAY_AUTH_RATE_LIMITER_H_
#define GATEWAY_AUTH_RATE_LIMITER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::auth {

// RateLimiter holds the buckets.
//
// Thread safety: thread-safe; Acquire takes a short lock and never blocks
// otherwise.
class RateLimiter {
 public:
  // Configure installs the limits of `callers` (defaults applied: burst set):
  // a principal whose limit is unchanged keeps its bucket; a new or changed
  // one starts full; principals no longer limited lose theirs.
  void Configure(const config::v1::Callers& callers);

  // Acquire takes a token of `principal` at `now`.
  absl::Status Acquire(absl::string_view principal, absl::Time now);

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
