// credentials_client.h: the RestClient decorator that signs every request
// with its account's credentials and the API version.
//
//   auto signed = std::make_unique<CredentialsClient>(
//       std::move(transport), &credential_store, "2025-09-18");
//   signed->Send(HttpRequest{..., .account = "production"}, done);
//
// A request leaves with `Authorization` (from the CredentialSource, read at
// send time so a rotated key applies to the next request) and
// `X-Polytomic-Version`. A request whose account has no credentials is
// refused inline with UNAVAILABLE (reason UPSTREAM_CREDENTIALS_MISSING,
// naming the account, never a key) and never reaches the transport.
#ifndef GATEWAY_REST_CREDENTIALS_CLIENT_H_
#define GATEWAY_REST_CREDENTIALS_CLIENT_H_

#include <memory>
#include <string>

#include "gateway/common/credential_source.h"
#include "gateway/common/rest_client.h"

namespace gateway::rest {

// CredentialsClient owns the client it wraps; the credential source is
// borrowed and must outlive it.
//
// Thread safety: as RestClient. A refusal's callback runs inline in Send.
class CredentialsClient final : public RestClient {
 public:
  CredentialsClient(std::unique_ptr<RestClient> inner,
                    const CredentialSource* credentials,
                    std::string api_version)
      : inner_(std::move(inner)),
        credentials_(credentials),
        api_version_(std::move(api_version)) {}

  RequestId Send(HttpRequest request, Callback done) override;
  void Cancel(RequestId id) override { inner_->Cancel(id); }

 private:
  const std::unique_ptr<RestClient> inner_;
  const CredentialSource* const credentials_;
  const std::string api_version_;
};

}  // namespace gateway::rest

#endif  // GATEWAY_REST_CREDENTIALS_CLIENT_H_
