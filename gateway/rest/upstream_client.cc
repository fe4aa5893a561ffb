#include "gateway/rest/upstream_client.h"

#include <utility>

#include "gateway/rest/credentials_client.h"

namespace gateway::rest {

std::unique_ptr<RestClient> ComposeUpstream(
    std::unique_ptr<RestClient> transport, const CredentialSource* credentials,
    const config::v1::Upstream& upstream) {
  return std::make_unique<CredentialsClient>(std::move(transport), credentials,
                                             upstream.api_version());
}

}  // namespace gateway::rest
