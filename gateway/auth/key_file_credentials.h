// key_file_credentials.h: one upstream account whose Bearer API key is read
// from a file.
//
//   ASSIGN_OR_RETURN(auto credentials,
//   KeyFileCredentials::Load("/run/secrets/polytomic"));
//   gateway::CredentialSource& source = *credentials;
//
// The key is the file's first line, trimmed. Errors name the file, never the
// key.
#ifndef GATEWAY_AUTH_KEY_FILE_CREDENTIALS_H_
#define GATEWAY_AUTH_KEY_FILE_CREDENTIALS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/common/credential_source.h"

namespace gateway::auth {

// KeyFileCredentials serves the same key for every account name.
//
// Thread safety: immutable after Load.
class KeyFileCredentials final : public CredentialSource {
 public:
  static absl::StatusOr<std::unique_ptr<KeyFileCredentials>> Load(
      const std::string& path);

  absl::StatusOr<std::string> Authorization(
      absl::string_view account) const override;

 private:
  explicit KeyFileCredentials(std::string header)
      : header_(std::move(header)) {}
  const std::string header_;
};

}  // namespace gateway::auth

#endif  // GATEWAY_AUTH_KEY_FILE_CREDENTIALS_H_
