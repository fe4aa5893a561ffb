// metrics_client.h: the RestClient decorator that counts every request that
// goes upstream, by operation and outcome.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<MetricsClient> counted,
//                    MetricsClient::Create(std::move(transport), &registry));
//   counted->Send(HttpRequest{..., .operation = "bulkSync.get"}, done);
//   // GET /metrics then shows
//   // polytomic_gateway_upstream_requests_total{operation="bulkSync.get",
//   //                                           code="200"} 1
//
// Each request is counted once, when its answer arrives: `code` is the HTTP
// status ("200", "404", ...) or "error" when no HTTP answer came (connection
// failures, deadlines, cancellations, the transport's refusals); and its
// duration, from Send to the answer, goes into
// http_client_request_duration_seconds{operation, http_request_method,
// http_response_status_code}. It passes
// the request, the answer and Cancel through untouched, and adds no
// re-send: what the transport promises still holds.
//
// Labels are bounded by design: `operation` is the route table's operation
// name (a fixed set) and `code` a status code; the request's target, headers
// and body (ids, credentials) are never read.
#ifndef GATEWAY_REST_METRICS_CLIENT_H_
#define GATEWAY_REST_METRICS_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "gateway/common/metrics.h"
#include "gateway/common/rest_client.h"

namespace gateway::rest {

// MetricsClient owns the client it wraps; the registry is borrowed and
// must outlive it.
//
// Thread safety: as RestClient. The wrapped callback runs where the inner
// client runs it (inline in Send if the inner client answers there), counts
// without blocking (a reader lock, a relaxed add) and then runs the
// caller's callback, holding no lock.
class MetricsClient final : public RestClient {
 public:
  // Create registers polytomic_gateway_upstream_requests_total{operation,
  // code} and the duration histogram in `registry` (or shares them, if they
  // are there already).
  static absl::StatusOr<std::unique_ptr<MetricsClient>> Create(
      std::unique_ptr<RestClient> inner, MetricsRegistry* registry);

  RequestId Send(HttpRequest request, Callback done) override;
  void Cancel(RequestId id) override { inner_->Cancel(id); }

 private:
  MetricsClient(std::unique_ptr<RestClient> inner, Family<Counter>* requests,
                Family<Histogram>* duration)
      : inner_(std::move(inner)), requests_(requests), duration_(duration) {}

  const std::unique_ptr<RestClient> inner_;
  Family<Counter>* const requests_;    // owned by the registry
  Family<Histogram>* const duration_;  // owned by the registry
};

}  // namespace gateway::rest

#endif  // GATEWAY_REST_METRICS_CLIENT_H_
