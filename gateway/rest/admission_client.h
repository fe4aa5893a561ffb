// admission_client.h: the RestClient decorator that bounds the upstream
// requests the transport holds, so overload fails fast instead of queueing
// without limit.
//
//   ASSIGN_OR_RETURN(auto admitted, AdmissionClient::Create(
//       std::move(transport), &registry, config.upstream()));
//   admitted->Send(request, done);  // refused inline beyond the bound
//
// The transport holds at most `upstream.max_connections` requests on
// connections and queues the rest; this admits at most `max_connections +
// max_queued` at once. A request beyond that is refused inline with
// RESOURCE_EXHAUSTED, reason GATEWAY_OVERLOADED (metadata: operation,
// limit), and never reaches the transport, so the memory and the wait of
// requests upstream stay bounded.
//
// Metrics: polytomic_gateway_upstream_requests_pending (a gauge: admitted
// and not yet answered) and polytomic_gateway_overload_rejections_total.
#ifndef GATEWAY_REST_ADMISSION_CLIENT_H_
#define GATEWAY_REST_ADMISSION_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "gateway/common/metrics.h"
#include "gateway/common/rest_client.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::rest {

// AdmissionClient owns the client it wraps; the registry is borrowed and
// must outlive it.
//
// Thread safety: as RestClient. A refusal's callback runs inline in Send.
class AdmissionClient final : public RestClient {
 public:
  static absl::StatusOr<std::unique_ptr<AdmissionClient>> Create(
      std::unique_ptr<RestClient> inner, MetricsRegistry* registry,
      const config::v1::Upstream& upstream);

  RequestId Send(HttpRequest request, Callback done) override;
  void Cancel(RequestId id) override { inner_->Cancel(id); }

 private:
  AdmissionClient(std::unique_ptr<RestClient> inner, std::int64_t limit,
                  Gauge* pending_gauge, Counter* rejections)
      : inner_(std::move(inner)),
        limit_(limit),
        pending_gauge_(pending_gauge),
        rejections_(rejections) {}

  const std::unique_ptr<RestClient> inner_;
  const std::int64_t limit_;
  Gauge* const pending_gauge_;  // owned by the registry
  Counter* const rejections_;   // owned by the registry
  std::atomic<std::int64_t> pending_{0};
};

}  // namespace gateway::rest

#endif  // GATEWAY_REST_ADMISSION_CLIENT_H_
