// upstream_client.h: the one factory that stacks the RestClient decorators
// on the transport, and the only place that knows their order.
//
//   ASSIGN_OR_RETURN(auto transport,
//                    CurlRestClient::Create(config.upstream()));
//   std::unique_ptr<RestClient> upstream = ComposeUpstream(
//       std::move(transport), &credential_store, config.upstream());
//
// From the caller down: credentials -> transport. Retries, circuit
// breaking, metrics and tracing each become one more layer here, and
// nowhere else.
#ifndef GATEWAY_REST_UPSTREAM_CLIENT_H_
#define GATEWAY_REST_UPSTREAM_CLIENT_H_

#include <memory>

#include "gateway/common/credential_source.h"
#include "gateway/common/rest_client.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::rest {

// ComposeUpstream wraps `transport` (owned by the result). `credentials` is
// borrowed and must outlive the result.
std::unique_ptr<RestClient> ComposeUpstream(
    std::unique_ptr<RestClient> transport, const CredentialSource* credentials,
    const config::v1::Upstream& upstream);

}  // namespace gateway::rest

#endif  // GATEWAY_REST_UPSTREAM_CLIENT_H_
