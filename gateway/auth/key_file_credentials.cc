#include "gateway/auth/key_file_credentials.h"

#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace gateway::auth {

absl::StatusOr<std::unique_ptr<KeyFileCredentials>> KeyFileCredentials::Load(
    const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return absl::FailedPreconditionError(
        absl::StrCat("upstream API key file ", path, " cannot be read"));
  }
  std::string line;
  std::getline(file, line);
  absl::string_view key = absl::StripAsciiWhitespace(line);
  if (key.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("upstream API key file ", path, " is empty"));
  }
  return std::unique_ptr<KeyFileCredentials>(
      new KeyFileCredentials(absl::StrCat("Bearer ", key)));
}

absl::StatusOr<std::string> KeyFileCredentials::Authorization(
    absl::string_view) const {
  return header_;
}

}  // namespace gateway::auth
