#include "gateway/server/pipeline.h"

#include <string>
#include <utility>

namespace gateway::server {

void Pipeline::Run(std::shared_ptr<CallContext> call, Done done) const {
  // Every call ends in the audit stage, whatever stage it ends in.
  Done finish = [this, call,
                 done = std::move(done)](absl::Status status) mutable {
    audit_->Finish(call, std::move(status), std::move(done));
  };
  if (absl::Status admitted = access_->Admit(*call); !admitted.ok()) {
    std::move(finish)(std::move(admitted));
    return;
  }
  const translate::Route& route = call->route();
  if (route.update_mask != nullptr) {
    updates_->Run(std::move(call), std::move(finish));
    return;
  }
  if (absl::Status valid = translator_->Validate(route, call->request());
      !valid.ok()) {
    std::move(finish)(std::move(valid));
    return;
  }
  absl::StatusOr<HttpRequest> http =
      translator_->ToHttp(route, call->request());
  if (!http.ok()) {
    std::move(finish)(http.status());
    return;
  }
  if (absl::Status prepared = upstream_->Prepare(*call, *http);
      !prepared.ok()) {
    std::move(finish)(std::move(prepared));
    return;
  }
  std::shared_ptr<CallContext> audited = call;
  audit_->BeforeUpstream(
      audited, [this, call = std::move(call), http = *std::move(http),
                finish = std::move(finish)](absl::Status cleared) mutable {
        if (!cleared.ok()) {
          std::move(finish)(std::move(cleared));
          return;
        }
        Send(std::move(call), std::move(http), std::move(finish));
      });
}

void Pipeline::Send(std::shared_ptr<CallContext> call, HttpRequest http,
                    Done done) const {
  upstream_->Send(
      call, std::move(http),
      [this, call,
       done = std::move(done)](absl::StatusOr<HttpResponse> answer) mutable {
        const translate::Route& route = call->route();
        if (!answer.ok()) {
          std::move(done)(
              translator_->FromTransportError(route, answer.status()));
          return;
        }
        absl::StatusOr<Json> body = translator_->FromHttp(
            route, *answer, &call->response(), clock_->Now());
        if (!body.ok() || route.IsRead()) {
          std::move(done)(body.status());
          return;
        }
        Json after = nullptr;
        if (auto data = body->find("data"); data != body->end()) {
          auto id = data->find("id");
          if (route.resource != nullptr && id != data->end() &&
              id->is_string()) {
            // A write carried a resource: remember its write-only fields for
            // later partial updates.
            const auto& request = call->request();
            updates_->RememberWrite(
                route,
                translator_->codec().ToJson(request.GetReflection()->GetMessage(
                    request, route.resource->descriptor)),
                id->get<std::string>());
          }
          after = std::move(*data);
        }
        Json changes = Json::object();
        changes["before"] = nullptr;
        changes["after"] = std::move(after);  // no copy of the document
        call->set_changes(std::move(changes));
        std::move(done)(absl::OkStatus());
      });
}

}  // namespace gateway::server
