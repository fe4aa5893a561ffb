// access_policy.h: who a caller is, and what it may call.
//
//   ASSIGN_OR_RETURN(auto policy, AccessPolicy::Create(config.callers(),
//   accounts)); ASSIGN_OR_RETURN(Caller caller,
//   policy->Authenticate(peer_identity, bearer_token));
//   ASSIGN_OR_RETURN(std::string account,
//                    policy->Authorize(caller.principal,
//                    "/polytomic.v1.BulkSyncService/GetBulkSync"));
//
// Identity: a verified client certificate's first URI SAN (e.g. a SPIFFE id),
// else its first DNS SAN; otherwise a bearer token, which the configuration
// knows only by its SHA-256. Authorization: default deny; each principal's
// policy names the account it acts as and the full method names it may call
// (`*` matches any run of characters). An AccessPolicy is immutable: a
// configuration reload builds a new one.
#ifndef GATEWAY_AUTH_ACCESS_POLICY_H_
#define GATEWAY_AUTH_ACCESS_POLICY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::auth {

// PeerIdentity is what the transport proved about the caller.
struct PeerIdentity {
  std::vector<std::string> uri_sans;  // of a verified client certificate
  std::vector<std::string> dns_sans;
};

// Caller is an authenticated caller.
struct Caller {
  std::string principal;
  enum class Via { kCertificate, kToken } via = Via::kToken;
};

// AccessPolicy authenticates callers and authorizes methods.
//
// Thread safety: immutable after Create.
class AccessPolicy {
 public:
  // Create validates the callers section against the known account names:
  // token hashes are 64 hex digits and bound to one principal each; every
  // policy names a known account and at least one pattern; a principal has
  // at most one policy. Errors name the offending entry.
  static absl::StatusOr<std::unique_ptr<AccessPolicy>> Create(
      const config::v1::Callers& callers,
      const std::vector<std::string>& account_names);

  // Authenticate returns the caller: from the certificate when there is one,
  // else from `bearer_token` (the value after "Bearer " of the
  // `authorization` metadata; empty when absent). UNAUTHENTICATED when
  // neither identifies a known caller; the message never repeats the token.
  absl::StatusOr<Caller> Authenticate(const PeerIdentity& peer,
                                      absl::string_view bearer_token) const;

  // Authorize returns the account `principal` acts as when it may call
  // `full_method` ("/package.Service/Method"); PERMISSION_DENIED naming the
  // method and the principal otherwise.
  absl::StatusOr<std::string> Authorize(absl::string_view principal,
                                        absl::string_view full_method) const;

 private:
  struct Rule {
    std::string account;
    std::vector<std::string> patterns;
  };
  AccessPolicy() = default;

  absl::flat_hash_map<std::string, std::string> principal_by_token_hash_;
  absl::flat_hash_map<std::string, Rule> rules_;
};

// MatchesPattern says whether `name` matches `pattern`, where `*` matches any
// run of characters (including none) and everything else matches itself.
bool MatchesPattern(absl::string_view pattern, absl::string_view name);

}  // namespace gateway::auth

#endif  // GATEWAY_AUTH_ACCESS_POLICY_H_
