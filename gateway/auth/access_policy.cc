#include "gateway/auth/access_policy.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gateway/common/sha256.h"

namespace gateway::auth {
namespace {

bool IsSha256Hex(absl::string_view hash) {
  if (hash.size() != 64) return false;
  for (char c : hash) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// WithoutLeadingSlash lets configurations write method patterns as gRPC
// spells full method names ("/pkg.Service/Method") or without the slash.
absl::string_view WithoutLeadingSlash(absl::string_view name) {
  absl::ConsumePrefix(&name, "/");
  return name;
}

const std::string* FirstNonEmpty(const std::vector<std::string>& values) {
  for (const std::string& value : values) {
    if (!value.empty()) return &value;
  }
  return nullptr;
}

}  // namespace

bool MatchesPattern(absl::string_view pattern, absl::string_view name) {
  // Greedy matching that backtracks only to the last `*` seen: O(|pattern| *
  // |name|) at worst, never exponential.
  size_t p = 0;
  size_t n = 0;
  size_t star = absl::string_view::npos;  // pattern index of the last '*'
  size_t star_n = 0;  // name index that '*' is currently matched up to
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_n = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

absl::StatusOr<std::unique_ptr<AccessPolicy>> AccessPolicy::Create(
    const config::v1::Callers& callers,
    const std::vector<std::string>& account_names) {
  auto policy = absl::WrapUnique(new AccessPolicy());
  // Token index per hash, to name both entries of a duplicate.
  absl::flat_hash_map<std::string, int> token_index;
  for (int i = 0; i < callers.tokens_size(); ++i) {
    const config::v1::CallerToken& token = callers.tokens(i);
    std::string where = absl::StrCat("callers.tokens[", i, "]");
    if (token.principal().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".principal: required"));
    }
    absl::StrAppend(&where, " (\"", token.principal(), "\")");
    if (!IsSha256Hex(token.sha256())) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".sha256: must be 64 hex digits"));
    }
    std::string hash = absl::AsciiStrToLower(token.sha256());
    auto [it, inserted] = token_index.emplace(hash, i);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".sha256: the same token as callers.tokens[",
                       it->second, "]"));
    }
    policy->principal_by_token_hash_.emplace(std::move(hash),
                                             token.principal());
  }

  const absl::flat_hash_set<absl::string_view> known_accounts(
      account_names.begin(), account_names.end());
  for (int i = 0; i < callers.policies_size(); ++i) {
    const config::v1::Policy& entry = callers.policies(i);
    std::string where = absl::StrCat("callers.policies[", i, "]");
    if (entry.principal().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".principal: required"));
    }
    absl::StrAppend(&where, " (\"", entry.principal(), "\")");
    if (policy->rules_.contains(entry.principal())) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".principal: a principal has at most one policy"));
    }
    if (entry.account().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".account: required"));
    }
    if (!known_accounts.contains(entry.account())) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".account: unknown account \"", entry.account(), "\""));
    }
    if (entry.allow().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".allow: at least one method pattern required"));
    }
    Rule rule;
    rule.account = entry.account();
    for (int j = 0; j < entry.allow_size(); ++j) {
      absl::string_view pattern = WithoutLeadingSlash(entry.allow(j));
      if (pattern.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".allow[", j, "]: empty pattern"));
      }
      rule.patterns.emplace_back(pattern);
    }
    policy->rules_.emplace(entry.principal(), std::move(rule));
  }
  return policy;
}

absl::StatusOr<Caller> AccessPolicy::Authenticate(
    const PeerIdentity& peer, absl::string_view bearer_token) const {
  // A verified certificate identifies the caller even if no policy names it:
  // authorization then denies, with the principal in the message.
  const std::string* san = FirstNonEmpty(peer.uri_sans);
  if (san == nullptr) san = FirstNonEmpty(peer.dns_sans);
  if (san != nullptr) return Caller{*san, Caller::Via::kCertificate};
  if (bearer_token.empty()) {
    return absl::UnauthenticatedError(
        "missing credentials: send a client certificate or "
        "`authorization: Bearer <token>` metadata");
  }
  // The digest is not secret, so a plain hash-map lookup leaks nothing useful.
  auto it = principal_by_token_hash_.find(Sha256Hex(bearer_token));
  if (it == principal_by_token_hash_.end()) {
    return absl::UnauthenticatedError("unknown bearer token");
  }
  return Caller{it->second, Caller::Via::kToken};
}

absl::StatusOr<std::string> AccessPolicy::Authorize(
    absl::string_view principal, absl::string_view full_method) const {
  absl::string_view method = WithoutLeadingSlash(full_method);
  auto it = rules_.find(principal);
  if (it != rules_.end()) {
    for (const std::string& pattern : it->second.patterns) {
      if (MatchesPattern(pattern, method)) return it->second.account;
    }
  }
  return absl::PermissionDeniedError(
      absl::StrCat(principal, " may not call ", method));
}

}  // namespace gateway::auth
