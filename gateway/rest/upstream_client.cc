#include "gateway/rest/upstream_client.h"

#include <utility>

#include "gateway/common/status_macros.h"
#include "gateway/rest/admission_client.h"
#include "gateway/rest/credentials_client.h"
#include "gateway/rest/metrics_client.h"
#include "gateway/rest/retrying_client.h"

namespace gateway::rest {

absl::StatusOr<ComposedUpstream> ComposeUpstream(
    std::unique_ptr<RestClient> transport,
    const UpstreamEnvironment& environment,
    const config::v1::Upstream& upstream) {
  ComposedUpstream composed;
  std::unique_ptr<RestClient> client;
  ASSIGN_OR_RETURN(
      client, MetricsClient::Create(std::move(transport), environment.metrics));
  ASSIGN_OR_RETURN(
      client, AdmissionClient::Create(std::move(client), environment.metrics,
                                      upstream));
  if (upstream.circuit_breaker().failure_threshold() > 0) {
    ASSIGN_OR_RETURN(
        std::unique_ptr<CircuitBreakerClient> breaker,
        CircuitBreakerClient::Create(std::move(client), environment.scheduler,
                                     environment.clock, environment.metrics,
                                     upstream.circuit_breaker()));
    composed.breaker = breaker.get();
    client = std::move(breaker);
  }
  ASSIGN_OR_RETURN(
      client, RetryingClient::Create(std::move(client), environment.scheduler,
                                     environment.clock, environment.metrics,
                                     upstream.retry()));
  composed.client = std::make_unique<CredentialsClient>(
      std::move(client), environment.credentials, upstream.api_version());
  return composed;
}

}  // namespace gateway::rest
