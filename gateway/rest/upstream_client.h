// upstream_client.h: the one factory that stacks the RestClient decorators
// on the transport, and the only place that knows their order.
//
//   ASSIGN_OR_RETURN(auto transport,
//                    CurlRestClient::Create(config.upstream()));
//   ASSIGN_OR_RETURN(std::unique_ptr<RestClient> upstream,
//                    ComposeUpstream(std::move(transport), &credential_store,
//                                    &metrics_registry, config.upstream()));
//
// From the caller down: credentials -> metrics -> transport.
// - Credentials on top: every request is signed, and a request refused for
//   want of credentials (inline) never went upstream, so it is not counted.
// - Metrics right above the transport: they count what actually went
//   upstream, each attempt once (a retry layer, when it comes, goes above
//   them, so that every attempt is counted).
// Retries, circuit breaking and tracing each become one more layer here,
// and nowhere else.
#ifndef GATEWAY_REST_UPSTREAM_CLIENT_H_
#define GATEWAY_REST_UPSTREAM_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "gateway/common/credential_source.h"
#include "gateway/common/metrics.h"
#include "gateway/common/rest_client.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::rest {

// ComposeUpstream wraps `transport` (owned by the result). `credentials`
// and `metrics` are borrowed and must outlive the result; the upstream
// request counter is registered in `metrics` (the only failure: a metric of
// that name but another shape is already there).
absl::StatusOr<std::unique_ptr<RestClient>> ComposeUpstream(
    std::unique_ptr<RestClient> transport, const CredentialSource* credentials,
    MetricsRegistry* metrics, const config::v1::Upstream& upstream);

}  // namespace gateway::rest

#endif  // GATEWAY_REST_UPSTREAM_CLIENT_H_
