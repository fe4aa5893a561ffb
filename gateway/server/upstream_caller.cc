#include "gateway/server/upstream_caller.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/error_details.h"

namespace gateway::server {

absl::Status UpstreamCaller::Prepare(const CallContext& call,
                                     HttpRequest& request) const {
  absl::StatusOr<std::string> authorization =
      credentials_->Authorization(call.account());
  if (!authorization.ok()) {
    return ErrorWithInfo(
        absl::StatusCode::kUnavailable,
        absl::StrCat(call.route().operation_id, ": no upstream credentials: ",
                     authorization.status().message()),
        "UPSTREAM_CREDENTIALS_MISSING",
        {{"operation", call.route().operation_id}});
  }
  request.headers.emplace_back("Authorization", *std::move(authorization));
  request.headers.emplace_back("X-Polytomic-Version", api_version_);
  request.deadline = call.deadline();
  return absl::OkStatus();
}

void UpstreamCaller::Send(const std::shared_ptr<CallContext>& call,
                          HttpRequest request,
                          RestClient::Callback on_answer) const {
  if (call->cancelled()) {
    std::move(on_answer)(absl::CancelledError("the caller cancelled the call"));
    return;
  }
  RestClient::RequestId id = client_->Send(
      std::move(request), [call, on_answer = std::move(on_answer)](
                              absl::StatusOr<HttpResponse> answer) mutable {
        if (answer.ok()) call->set_upstream_status(answer->status);
        std::move(on_answer)(std::move(answer));
      });
  call->TrackUpstream(client_, id);
}

}  // namespace gateway::server
