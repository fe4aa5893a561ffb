// access_control.h: the authenticate and authorize stages of the pipeline,
// over a policy that configuration reloads replace while calls run.
//
//   AccessControl access(std::move(policy), std::move(rate_limits),
//                        config.callers(), &clock);
//   access.Admit(*call, [](absl::Status admitted) {...});  // sets principal
//                                                          // and account
//   ...
//   access.Replace(std::move(reloaded_policy), reloaded.callers());
#ifndef GATEWAY_SERVER_ACCESS_CONTROL_H_
#define GATEWAY_SERVER_ACCESS_CONTROL_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "gateway/auth/access_policy.h"
#include "gateway/auth/rate_limiter.h"
#include "gateway/common/clock.h"
#include "gateway/server/call_context.h"

namespace gateway::server {

// AccessControl admits calls under the current policy.
//
// Thread safety: Admit and Replace may be called concurrently; a call is
// judged by one policy, the one current when Admit started.
class AccessControl {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // `rate_limits` holds the principals' buckets (null: in this process);
  // `clock` is borrowed and must outlive it.
  AccessControl(std::unique_ptr<const auth::AccessPolicy> policy,
                std::unique_ptr<auth::RateLimits> rate_limits,
                const config::v1::Callers& callers, const Clock* clock)
      : policy_(std::move(policy)),
        rate_limits_(rate_limits != nullptr
                         ? std::move(rate_limits)
                         : std::make_unique<auth::RateLimiter>()),
        clock_(clock) {
    rate_limits_->Configure(callers);
  }

  // Admit authenticates the caller of `call`, authorizes its method and
  // takes a token of the principal's rate limit: sets the call's principal
  // (as soon as it is known, so a denied call's audit record names it) and
  // account. `done` gets OK, or UNAUTHENTICATED, PERMISSION_DENIED or
  // RESOURCE_EXHAUSTED (RATE_LIMITED, see auth/rate_limiter.h) with
  // ErrorInfo; inline, or on the rate limits' thread.
  void Admit(CallContext& call, Done done);

  // Replace installs a reloaded policy and rate limits for the calls that
  // start after it.
  void Replace(std::unique_ptr<const auth::AccessPolicy> policy,
               const config::v1::Callers& callers);

 private:
  std::shared_ptr<const auth::AccessPolicy> policy_;  // atomic load/store
  const std::unique_ptr<auth::RateLimits> rate_limits_;
  const Clock* const clock_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_ACCESS_CONTROL_H_
