#include "gateway/server/access_control.h"

#include <utility>

#include "gateway/common/error_details.h"

namespace gateway::server {

void AccessControl::Admit(CallContext& call, Done done) {
  std::shared_ptr<const auth::AccessPolicy> policy = std::atomic_load(&policy_);
  const std::string& method = call.route().full_method;
  absl::StatusOr<auth::Caller> caller =
      policy->Authenticate(call.origin().identity, call.origin().bearer_token);
  if (!caller.ok()) {
    return std::move(done)(
        ErrorWithInfo(caller.status().code(), caller.status().message(),
                      "CALLER_UNAUTHENTICATED", {{"method", method}}));
  }
  call.set_principal(caller->principal);
  absl::StatusOr<std::string> account =
      policy->Authorize(caller->principal, method);
  if (!account.ok()) {
    return std::move(done)(
        ErrorWithInfo(account.status().code(), account.status().message(),
                      "METHOD_NOT_ALLOWED",
                      {{"method", method}, {"principal", caller->principal}}));
  }
  call.set_account(*std::move(account));
  rate_limits_->Acquire(caller->principal, clock_->Now(), std::move(done));
}

void AccessControl::Replace(std::unique_ptr<const auth::AccessPolicy> policy,
                            const config::v1::Callers& callers) {
  rate_limits_->Configure(callers);
  std::atomic_store(
      &policy_, std::shared_ptr<const auth::AccessPolicy>(std::move(policy)));
}

}  // namespace gateway::server
