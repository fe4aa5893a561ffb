// access_control.h: the authenticate and authorize stages of the pipeline,
// over a policy that configuration reloads replace while calls run.
//
//   AccessControl access(std::move(policy));
//   RETURN_IF_ERROR(access.Admit(*call));  // sets principal and account
//   ...
//   access.Replace(std::move(reloaded_policy));
#ifndef GATEWAY_SERVER_ACCESS_CONTROL_H_
#define GATEWAY_SERVER_ACCESS_CONTROL_H_

#include <memory>

#include "absl/status/status.h"
#include "gateway/auth/access_policy.h"
#include "gateway/server/call_context.h"

namespace gateway::server {

// AccessControl admits calls under the current policy.
//
// Thread safety: Admit and Replace may be called concurrently; a call is
// judged by one policy, the one current when Admit started.
class AccessControl {
 public:
  explicit AccessControl(std::unique_ptr<const auth::AccessPolicy> policy)
      : policy_(std::move(policy)) {}

  // Admit authenticates the caller of `call` and authorizes its method:
  // sets the call's principal (as soon as it is known, so a denied call's
  // audit record names it) and account. UNAUTHENTICATED or
  // PERMISSION_DENIED, with ErrorInfo, otherwise.
  absl::Status Admit(CallContext& call) const;

  // Replace installs a reloaded policy for the calls that start after it.
  void Replace(std::unique_ptr<const auth::AccessPolicy> policy);

 private:
  std::shared_ptr<const auth::AccessPolicy> policy_;  // atomic load/store
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_ACCESS_CONTROL_H_
