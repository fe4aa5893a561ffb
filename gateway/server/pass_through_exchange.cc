#include "gateway/server/pass_through_exchange.h"

#include <utility>

namespace gateway::server {

void PassThroughExchange::Run(std::shared_ptr<CallContext> call,
                              Done done) const {
  const translate::Route& route = call->route();
  absl::StatusOr<HttpRequest> http =
      translator_->ToHttp(route, call->request(), call->idempotency_key());
  if (!http.ok()) {
    std::move(done)(http.status());
    return;
  }
  upstream_->Send(call, route, *std::move(http), std::move(done));
}

}  // namespace gateway::server
