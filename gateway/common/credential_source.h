// credential_source.h: where the gateway gets the upstream Authorization
// header for a Polytomic account.
//
//   ASSIGN_OR_RETURN(std::string authorization,
//   source.Authorization("default"));
//   request.headers.emplace_back("Authorization", std::move(authorization));
//
// Implementations live in gateway/auth. The returned header value is a secret:
// never log it, put it in an error, an audit record or a metric.
#ifndef GATEWAY_COMMON_CREDENTIAL_SOURCE_H_
#define GATEWAY_COMMON_CREDENTIAL_SOURCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gateway {

// CredentialSource maps an upstream account name to its Authorization header.
//
// Thread safety: implementations must allow concurrent calls.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;

  // Authorization returns the full header value ("Bearer ...", "Basic ...")
  // for `account`; FAILED_PRECONDITION if the account has no credentials.
  virtual absl::StatusOr<std::string> Authorization(
      absl::string_view account) const = 0;
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_CREDENTIAL_SOURCE_H_
