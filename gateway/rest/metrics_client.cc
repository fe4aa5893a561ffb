#include "gateway/rest/metrics_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace gateway::rest {
namespace {

// MethodName is the request's method as a label of static storage (the
// request, and its string, are gone by the time the answer is counted).
absl::string_view MethodName(absl::string_view method) {
  for (absl::string_view known : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    if (method == known) return known;
  }
  return "OTHER";
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsClient>> MetricsClient::Create(
    std::unique_ptr<RestClient> inner, MetricsRegistry* registry) {
  absl::StatusOr<Family<Counter>*> requests = registry->AddCounterFamily(
      "polytomic_gateway_upstream_requests_total",
      "Requests sent upstream, by operation and HTTP status (\"error\": no "
      "HTTP answer).",
      {"operation", "code"});
  if (!requests.ok()) return requests.status();
  absl::StatusOr<Family<Histogram>*> duration = registry->AddHistogramFamily(
      "http_client_request_duration_seconds",
      "Duration of upstream HTTP requests (OpenTelemetry http.client.request."
      "duration), by operation, method and HTTP status (\"error\": no HTTP "
      "answer).",
      {"operation", "http_request_method", "http_response_status_code"},
      LatencyBounds());
  if (!duration.ok()) return duration.status();
  return std::unique_ptr<MetricsClient>(
      new MetricsClient(std::move(inner), *requests, *duration));
}

RestClient::RequestId MetricsClient::Send(HttpRequest request, Callback done) {
  // The operation outlives the request (RestClient's contract), and so its
  // callback: the view can be kept instead of a copy.
  absl::string_view operation = request.operation;
  absl::string_view method = MethodName(request.method);
  absl::Time sent = absl::Now();
  return inner_->Send(
      std::move(request),
      [this, operation, method, sent,
       done = std::move(done)](absl::StatusOr<HttpResponse> response) mutable {
        absl::AlphaNum status(response.ok() ? response->status : 0);
        absl::string_view code = response.ok() ? status.Piece() : "error";
        requests_->WithLabels({operation, code})->Increment();
        duration_->WithLabels({operation, method, code})
            ->Observe(absl::ToDoubleSeconds(absl::Now() - sent));
        std::move(done)(std::move(response));
      });
}

}  // namespace gateway::rest
