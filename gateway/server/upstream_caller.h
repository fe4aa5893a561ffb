// upstream_caller.h: sends a translated request upstream on behalf of a call:
// adds the credentials of the account the caller acts as, the API version and
// the call's deadline, and ties the transfer to the call so cancelling the
// call aborts it and its answer's HTTP status is known to the audit.
//
//   RETURN_IF_ERROR(caller.Prepare(*call, http));
//   caller.Send(call, std::move(http), [](absl::StatusOr<HttpResponse> a)
//   {...});
#ifndef GATEWAY_SERVER_UPSTREAM_CALLER_H_
#define GATEWAY_SERVER_UPSTREAM_CALLER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gateway/common/credential_source.h"
#include "gateway/common/rest_client.h"
#include "gateway/server/call_context.h"

namespace gateway::server {

// UpstreamCaller is shared by every call. Thread safety: thread-safe; the
// client and credentials are borrowed and must outlive it.
class UpstreamCaller {
 public:
  UpstreamCaller(RestClient* client, const CredentialSource* credentials,
                 std::string api_version)
      : client_(client),
        credentials_(credentials),
        api_version_(std::move(api_version)) {}

  // Prepare adds the credentials of `call.account()`, the API version and
  // the call's deadline. Fails (UNAVAILABLE, naming the account, never a
  // key) if the account has no credentials.
  absl::Status Prepare(const CallContext& call, HttpRequest& request) const;

  // Send sends a prepared request; `on_answer` runs once, on the transport's
  // thread, or inline with CANCELLED if the call is already cancelled.
  void Send(const std::shared_ptr<CallContext>& call, HttpRequest request,
            RestClient::Callback on_answer) const;

 private:
  RestClient* const client_;
  const CredentialSource* const credentials_;
  const std::string api_version_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_UPSTREAM_CALLER_H_
