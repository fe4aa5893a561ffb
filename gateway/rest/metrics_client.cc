#include "gateway/rest/metrics_client.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace gateway::rest {

absl::StatusOr<std::unique_ptr<MetricsClient>> MetricsClient::Create(
    std::unique_ptr<RestClient> inner, MetricsRegistry* registry) {
  absl::StatusOr<Family<Counter>*> requests = registry->AddCounterFamily(
      "polytomic_gateway_upstream_requests_total",
      "Requests sent upstream, by operation and HTTP status (\"error\": no "
      "HTTP answer).",
      {"operation", "code"});
  if (!requests.ok()) return requests.status();
  return std::unique_ptr<MetricsClient>(
      new MetricsClient(std::move(inner), *requests));
}

RestClient::RequestId MetricsClient::Send(HttpRequest request, Callback done) {
  // The operation outlives the request (RestClient's contract), and so its
  // callback: the view can be kept instead of a copy.
  absl::string_view operation = request.operation;
  return inner_->Send(
      std::move(request),
      [requests = requests_, operation,
       done = std::move(done)](absl::StatusOr<HttpResponse> response) mutable {
        absl::AlphaNum status(response.ok() ? response->status : 0);
        absl::string_view code = response.ok() ? status.Piece() : "error";
        requests->WithLabels({operation, code})->Increment();
        std::move(done)(std::move(response));
      });
}

}  // namespace gateway::rest
