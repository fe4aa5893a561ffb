#include "gateway/rest/upstream_client.h"

#include <utility>

#include "gateway/common/status_macros.h"
#include "gateway/rest/credentials_client.h"
#include "gateway/rest/metrics_client.h"

namespace gateway::rest {

absl::StatusOr<std::unique_ptr<RestClient>> ComposeUpstream(
    std::unique_ptr<RestClient> transport, const CredentialSource* credentials,
    MetricsRegistry* metrics, const config::v1::Upstream& upstream) {
  ASSIGN_OR_RETURN(std::unique_ptr<MetricsClient> counted,
                   MetricsClient::Create(std::move(transport), metrics));
  return std::make_unique<CredentialsClient>(std::move(counted), credentials,
                                             upstream.api_version());
}

}  // namespace gateway::rest
