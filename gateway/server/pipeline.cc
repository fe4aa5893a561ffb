#include "gateway/server/pipeline.h"

#include <string>
#include <utility>

namespace gateway::server {

void Pipeline::Run(std::shared_ptr<CallContext> call, Done done) const {
  const translate::Route& route = call->route();
  if (route.update_mask != nullptr) {
    updates_->Run(std::move(call), std::move(done));
    return;
  }
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
  if (absl::Status prepared = upstream_->Prepare(*call, *http);
      !prepared.ok()) {
    std::move(done)(std::move(prepared));
    return;
  }
  upstream_->Send(
      call, *std::move(http),
      [this, call,
       done = std::move(done)](absl::StatusOr<HttpResponse> answer) mutable {
        const translate::Route& route = call->route();
        if (!answer.ok()) {
          std::move(done)(
              translator_->FromTransportError(route, answer.status()));
          return;
        }
        absl::StatusOr<Json> body =
            translator_->ParseBody(route, *answer, clock_->Now());
        if (!body.ok()) {
          std::move(done)(body.status());
          return;
        }
        absl::Status status = translator_->FromJson(route, answer->status,
                                                    *body, &call->response());
        if (status.ok() && !route.IsRead() && route.resource != nullptr) {
          // A write carried a resource: remember its write-only fields for
          // later partial updates.
          const Json* id = body->is_object() && body->contains("data")
                               ? &(*body)["data"]
                               : nullptr;
          if (id != nullptr && id->is_object() && id->contains("id") &&
              (*id)["id"].is_string()) {
            const auto& request = call->request();
            updates_->RememberWrite(
                route,
                translator_->codec().ToJson(request.GetReflection()->GetMessage(
                    request, route.resource->descriptor)),
                (*id)["id"].get<std::string>());
          }
        }
        std::move(done)(std::move(status));
      });
}

}  // namespace gateway::server
