// upstream_client.h: the one factory that stacks the RestClient decorators
// on the transport, and the only place that knows their order.
//
//   ASSIGN_OR_RETURN(auto transport,
//                    CurlRestClient::Create(config.upstream()));
//   ASSIGN_OR_RETURN(ComposedUpstream upstream,
//                    ComposeUpstream(std::move(transport),
//                                    {&credentials, &metrics, &timers, &clock},
//                                    config.upstream()));
//   upstream.client->Send(request, done);
//
// From the caller down: credentials -> retries -> circuit breaker ->
// admission -> metrics -> transport.
// - Credentials on top: every request (every attempt) is signed, and a
//   request refused for want of credentials (inline) never went upstream,
//   so it is neither retried nor counted.
// - Retries above the breaker: each attempt passes the breaker, so an
//   attempt the open circuit refuses is not retried (its refusal carries an
//   ErrorInfo), and every attempt's outcome moves the circuit.
// - The breaker above admission: an overloaded gateway is not an upstream
//   failure.
// - Metrics right above the transport: they count what actually went
//   upstream, each attempt once.
// Tracing, when it comes, is one more layer here, and nowhere else.
#ifndef GATEWAY_REST_UPSTREAM_CLIENT_H_
#define GATEWAY_REST_UPSTREAM_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "gateway/common/clock.h"
#include "gateway/common/credential_source.h"
#include "gateway/common/metrics.h"
#include "gateway/common/rest_client.h"
#include "gateway/common/scheduler.h"
#include "gateway/config/v1/config.pb.h"
#include "gateway/rest/circuit_breaker_client.h"

namespace gateway::rest {

// UpstreamEnvironment is what the decorators borrow; all of it must outlive
// the composed client, and the scheduler must stop before it is destroyed.
struct UpstreamEnvironment {
  const CredentialSource* credentials = nullptr;
  MetricsRegistry* metrics = nullptr;
  Scheduler* scheduler = nullptr;
  const Clock* clock = nullptr;
};

// ComposedUpstream is the stack, and its circuit breaker (for the gateway to
// name the accounts and hear when all circuits are open).
struct ComposedUpstream {
  std::unique_ptr<RestClient> client;
  // Inside `client`; null when upstream.circuit_breaker.failure_threshold
  // is 0 (no breaker).
  CircuitBreakerClient* breaker = nullptr;
};

// ComposeUpstream wraps `transport` (owned by the result) as configured by
// `upstream` (defaults applied). Fails when a metric of the same name but
// another shape is already registered, or a setting is out of range.
absl::StatusOr<ComposedUpstream> ComposeUpstream(
    std::unique_ptr<RestClient> transport,
    const UpstreamEnvironment& environment,
    const config::v1::Upstream& upstream);

}  // namespace gateway::rest

#endif  // GATEWAY_REST_UPSTREAM_CLIENT_H_
