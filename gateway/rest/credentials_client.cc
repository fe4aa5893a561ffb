#include "gateway/rest/credentials_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/error_details.h"

namespace gateway::rest {

RestClient::RequestId CredentialsClient::Send(HttpRequest request,
                                              Callback done) {
  absl::StatusOr<std::string> authorization =
      credentials_->Authorization(request.account);
  if (!authorization.ok()) {
    std::move(done)(ErrorWithInfo(
        absl::StatusCode::kUnavailable,
        absl::StrCat(request.operation, ": no upstream credentials: ",
                     authorization.status().message()),
        "UPSTREAM_CREDENTIALS_MISSING",
        {{"operation", std::string(request.operation)}}));
    return 0;  // never a transport id: Cancel(0) is ignored
  }
  request.headers.emplace_back("Authorization", *std::move(authorization));
  request.headers.emplace_back("X-Polytomic-Version", api_version_);
  return inner_->Send(std::move(request), std::move(done));
}

}  // namespace gateway::rest
