// redaction.h: keeps secrets out of audit records.
//
//   Json safe = Redact(request_json);
//
// Replaces with "[REDACTED]" the value (whatever its type) of every object
// member, at any depth and inside arrays, whose name looks like a secret:
// lower-cased and with '_' and '-' removed, it contains "password", "passwd",
// "passphrase", "secret", "token", "credential", "apikey", "privatekey" or
// "authorization". That covers `encryption_passphrase`, `api_key`, `apiKey`,
// `X-Api-Key`, `private_key`, `Client_Secret` and secrets inside free-form
// configuration maps. Deliberately broad: `token_count` is redacted too (a
// lost number in an audit record is cheaper than a leaked secret).
#ifndef GATEWAY_AUDIT_REDACTION_H_
#define GATEWAY_AUDIT_REDACTION_H_

#include "absl/strings/string_view.h"
#include "gateway/common/json_codec.h"

namespace gateway::audit {

// IsSecretName says whether a member name looks like a secret.
bool IsSecretName(absl::string_view name);

// Redact returns `value` with the values of secret-looking members replaced.
Json Redact(const Json& value);

}  // namespace gateway::audit

#endif  // GATEWAY_AUDIT_REDACTION_H_
