#include "gateway/audit/redaction.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace gateway::audit {
namespace {

constexpr char kRedacted[] = "[REDACTED]";

// Matched against the name lower-cased with '_' and '-' removed, so
// `api_key`, `apiKey`, `X-Api-Key`, `private_key` and `Client_Secret` all
// match. Deliberately broad: a false positive costs a readable value in an
// audit record, a false negative leaks a secret.
constexpr const char* kSecretWords[] = {
    "password",   "passwd", "passphrase", "secret",        "token",
    "credential", "apikey", "privatekey", "authorization",
};

// RedactInPlace rewrites `value`'s secret-looking members, at any depth.
void RedactInPlace(Json& value) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (IsSecretName(it.key())) {
        it.value() = kRedacted;
      } else {
        RedactInPlace(it.value());
      }
    }
  } else if (value.is_array()) {
    for (Json& element : value) RedactInPlace(element);
  }
}

}  // namespace

bool IsSecretName(absl::string_view name) {
  std::string folded;
  folded.reserve(name.size());
  for (const char c : name) {
    if (c == '_' || c == '-') continue;
    folded.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  for (const char* word : kSecretWords) {
    if (absl::StrContains(folded, word)) return true;
  }
  return false;
}

Json Redact(const Json& value) {
  Json copy = value;
  RedactInPlace(copy);
  return copy;
}

}  // namespace gateway::audit
