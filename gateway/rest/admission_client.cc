#include "gateway/rest/admission_client.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/error_details.h"

namespace gateway::rest {

absl::StatusOr<std::unique_ptr<AdmissionClient>> AdmissionClient::Create(
    std::unique_ptr<RestClient> inner, MetricsRegistry* registry,
    const config::v1::Upstream& upstream) {
  if (upstream.max_connections() <= 0 || upstream.max_queued() < 0) {
    return absl::InvalidArgumentError(
        "upstream.max_connections must be positive and upstream.max_queued "
        "not negative");
  }
  absl::StatusOr<Family<Gauge>*> pending = registry->AddGaugeFamily(
      "polytomic_gateway_upstream_requests_pending",
      "Upstream requests admitted and not yet answered (on a connection or "
      "queued for one).",
      {});
  if (!pending.ok()) return pending.status();
  absl::StatusOr<Family<Counter>*> rejections = registry->AddCounterFamily(
      "polytomic_gateway_overload_rejections_total",
      "Upstream requests refused because max_connections + max_queued were "
      "pending.",
      {});
  if (!rejections.ok()) return rejections.status();
  std::int64_t limit =
      std::int64_t{upstream.max_connections()} + upstream.max_queued();
  return std::unique_ptr<AdmissionClient>(
      new AdmissionClient(std::move(inner), limit, (*pending)->WithLabels({}),
                          (*rejections)->WithLabels({})));
}

RestClient::RequestId AdmissionClient::Send(HttpRequest request,
                                            Callback done) {
  std::int64_t pending = pending_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (pending > limit_) {
    pending_.fetch_sub(1, std::memory_order_relaxed);
    rejections_->Increment();
    std::move(done)(ErrorWithInfo(
        absl::StatusCode::kResourceExhausted,
        absl::StrCat(request.operation, ": the gateway is overloaded: ", limit_,
                     " upstream requests are pending "
                     "(upstream.max_connections + upstream.max_queued)"),
        "GATEWAY_OVERLOADED",
        {{"operation", std::string(request.operation)},
         {"limit", absl::StrCat(limit_)}}));
    return 0;  // never a transport id: Cancel(0) is ignored
  }
  pending_gauge_->Set(static_cast<double>(pending));
  return inner_->Send(
      std::move(request), [this, done = std::move(done)](
                              absl::StatusOr<HttpResponse> answer) mutable {
        pending_gauge_->Set(static_cast<double>(
            pending_.fetch_sub(1, std::memory_order_relaxed) - 1));
        std::move(done)(std::move(answer));
      });
}

}  // namespace gateway::rest
