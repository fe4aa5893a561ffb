#include "gateway/auth/rate_limiter.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/error_details.h"

namespace gateway::auth {

void RateLimiter::Configure(const config::v1::Callers& callers) {
  absl::flat_hash_map<std::string, Bucket> buckets;
  absl::MutexLock lock(&mu_);
  for (const config::v1::Policy& policy : callers.policies()) {
    if (!policy.has_rate_limit()) continue;
    Bucket bucket;
    bucket.rate = policy.rate_limit().requests_per_second();
    bucket.burst = std::max(1, policy.rate_limit().burst());
    bucket.tokens = bucket.burst;
    auto it = buckets_.find(policy.principal());
    if (it != buckets_.end() && it->second.rate == bucket.rate &&
        it->second.burst == bucket.burst) {
      bucket = it->second;
    }
    buckets.emplace(policy.principal(), bucket);
  }
  buckets_ = std::move(buckets);
}

absl::Status RateLimiter::Take(absl::string_view principal, absl::Time now) {
  double rate;
  double burst;
  absl::Duration wait;
  {
    absl::MutexLock lock(&mu_);
    auto it = buckets_.find(principal);
    if (it == buckets_.end()) return absl::OkStatus();
    Bucket& bucket = it->second;
    if (bucket.updated != absl::InfinitePast() && now > bucket.updated) {
      bucket.tokens = std::min(
          bucket.burst,
          bucket.tokens +
              bucket.rate * absl::ToDoubleSeconds(now - bucket.updated));
    }
    bucket.updated = std::max(bucket.updated, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return absl::OkStatus();
    }
    rate = bucket.rate;
    burst = bucket.burst;
    wait = absl::Seconds((1 - bucket.tokens) / bucket.rate);
  }
  return RateLimited(principal, rate, burst, wait);
}

absl::Status RateLimited(absl::string_view principal, double rate, double burst,
                         absl::Duration wait) {
  std::string limit = absl::StrCat(rate, " calls per second, burst ", burst);
  absl::Status status =
      ErrorWithInfo(absl::StatusCode::kResourceExhausted,
                    absl::StrCat(principal, " is over its rate limit (", limit,
                                 "; callers.policies[].rate_limit)"),
                    "RATE_LIMITED", {{"principal", std::string(principal)}});
  google::rpc::QuotaFailure quota;
  auto* violation = quota.add_violations();
  violation->set_subject(absl::StrCat("principal:", principal));
  violation->set_description(absl::StrCat("at most ", limit));
  AttachDetail(status, quota);
  AttachRetryDelay(status, wait);
  return status;
}

}  // namespace gateway::auth
