#include "gateway/server/pipeline.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/error_details.h"

namespace gateway::server {

void Pipeline::Run(std::shared_ptr<CallContext> call, Done done) const {
  const translate::Route& route = call->route();
  if (absl::Status valid = translator_->Validate(route, call->request());
      !valid.ok()) {
    std::move(done)(std::move(valid));
    return;
  }
  absl::StatusOr<HttpRequest> http =
      translator_->ToHttp(route, call->request());
  if (!http.ok()) {
    std::move(done)(http.status());
    return;
  }
  if (absl::Status prepared = PrepareUpstream(*call, *http); !prepared.ok()) {
    std::move(done)(std::move(prepared));
    return;
  }
  SendUpstream(
      call, *std::move(http),
      [this, call,
       done = std::move(done)](absl::StatusOr<HttpResponse> answer) mutable {
        const translate::Route& route = call->route();
        absl::Status status =
            answer.ok()
                ? translator_->FromHttp(route, *answer, &call->response(),
                                        clock_->Now())
                : translator_->FromTransportError(route, answer.status());
        std::move(done)(std::move(status));
      });
}

absl::Status Pipeline::PrepareUpstream(const CallContext& call,
                                       HttpRequest& request) const {
  absl::StatusOr<std::string> authorization =
      credentials_->Authorization(options_.account);
  if (!authorization.ok()) {
    // The credential error names the account, never a key.
    return ErrorWithInfo(
        absl::StatusCode::kUnavailable,
        absl::StrCat(call.route().operation_id, ": no upstream credentials: ",
                     authorization.status().message()),
        "UPSTREAM_CREDENTIALS_MISSING",
        {{"operation", call.route().operation_id}});
  }
  request.headers.emplace_back("Authorization", *std::move(authorization));
  request.headers.emplace_back("X-Polytomic-Version", options_.api_version);
  request.deadline = call.deadline();
  return absl::OkStatus();
}

void Pipeline::SendUpstream(const std::shared_ptr<CallContext>& call,
                            HttpRequest request,
                            RestClient::Callback on_answer) const {
  if (call->cancelled()) {
    std::move(on_answer)(absl::CancelledError("the caller cancelled the call"));
    return;
  }
  RestClient::RequestId id =
      upstream_->Send(std::move(request), std::move(on_answer));
  call->TrackUpstream(upstream_, id);
}

}  // namespace gateway::server
