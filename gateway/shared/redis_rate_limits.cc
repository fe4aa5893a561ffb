#include "gateway/shared/redis_rate_limits.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace gateway::shared {
namespace {

// KEYS: the bucket. ARGV: rate (tokens per second), burst.
// {1, 0} when a token was taken; {0, ms until the next one} otherwise.
constexpr char kTake[] = R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(held[1]) or burst
local at = tonumber(held[2]) or now
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
end
local taken = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', math.max(now, at))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {taken, wait}
)lua";

}  // namespace

void RedisRateLimits::Configure(const config::v1::Callers& callers) {
  absl::flat_hash_map<std::string, Limit> limits;
  for (const config::v1::Policy& policy : callers.policies()) {
    if (!policy.has_rate_limit()) continue;
    limits[policy.principal()] = {
        policy.rate_limit().requests_per_second(),
        static_cast<double>(std::max(1, policy.rate_limit().burst()))};
  }
  local_.Configure(callers);
  absl::MutexLock lock(&mu_);
  limits_ = std::move(limits);
}

void RedisRateLimits::Acquire(const std::string& principal, absl::Time now,
                              Done done) {
  Limit limit;
  {
    absl::MutexLock lock(&mu_);
    auto it = limits_.find(principal);
    if (it == limits_.end()) return std::move(done)(absl::OkStatus());
    limit = it->second;
  }
  if (!redis_->connected()) return std::move(done)(local_.Take(principal, now));
  std::string key = redis_->Key(
      absl::StrCat("rate:", principal, ":", limit.rate, ":", limit.burst));
  redis_->Command({"EVAL", kTake, "1", std::move(key), absl::StrCat(limit.rate),
                   absl::StrCat(limit.burst)},
                  [this, principal, now, limit, done = std::move(done)](
                      absl::StatusOr<RedisReply> reply) mutable {
                    if (!reply.ok() || reply->elements.size() != 2) {
                      return std::move(done)(local_.Take(principal, now));
                    }
                    if (reply->elements[0].integer == 1) {
                      return std::move(done)(absl::OkStatus());
                    }
                    std::move(done)(auth::RateLimited(
                        principal, limit.rate, limit.burst,
                        absl::Milliseconds(reply->elements[1].integer)));
                  });
}

}  // namespace gateway::shared
