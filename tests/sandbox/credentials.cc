#include "tests/sandbox/credentials.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/sandbox/id_generator.h"

namespace sandbox {
namespace {

nlohmann::ordered_json Actor(const std::string& id, const std::string& name,
                             const std::string& type) {
  return nlohmann::ordered_json{{"id", id}, {"name", name}, {"type", type}};
}

}  // namespace

Credentials::Credentials(
    std::vector<std::string> api_keys,
    std::vector<std::pair<std::string, std::string>> org_keys)
    : api_keys_(std::move(api_keys)), org_keys_(std::move(org_keys)) {}

absl::Status Credentials::Validate() const {
  if (api_keys_.empty() && org_keys_.empty()) {
    return absl::InvalidArgumentError(
        "at least one API key or organization key is required");
  }
  for (const std::string& key : api_keys_) {
    if (key.empty()) return absl::InvalidArgumentError("empty API key");
  }
  for (const auto& [org, key] : org_keys_) {
    if (org.empty() || key.empty()) {
      return absl::InvalidArgumentError(
          "organization keys need a non-empty organization id and key");
    }
    if (absl::StrContains(org, ':')) {
      return absl::InvalidArgumentError(
          "an organization id must not contain ':'");
    }
  }
  return absl::OkStatus();
}

std::string Credentials::OrganizationOfApiKey(const std::string& key) {
  return DerivedUuid("organization:" + key);
}

std::string Credentials::PrimaryOrganization() const {
  if (!api_keys_.empty()) return OrganizationOfApiKey(api_keys_.front());
  if (!org_keys_.empty()) return org_keys_.front().first;
  return "";
}

std::optional<Principal> Credentials::Authenticate(
    const std::string& header) const {
  size_t space = header.find(' ');
  if (space == std::string::npos) return std::nullopt;
  std::string scheme = absl::AsciiStrToLower(header.substr(0, space));
  std::string value = header.substr(space + 1);
  if (scheme == "bearer") {
    for (size_t i = 0; i < api_keys_.size(); ++i) {
      if (api_keys_[i] != value) continue;
      std::string org = OrganizationOfApiKey(value);
      return Principal{
          org, "Bearer",
          Actor(DerivedUuid("actor:api_key:" + value),
                absl::StrCat("Sandbox API key ", i + 1), "api_key")};
    }
    return std::nullopt;
  }
  if (scheme == "basic") {
    std::string decoded;
    if (!absl::Base64Unescape(value, &decoded)) return std::nullopt;
    size_t colon = decoded.find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string org = decoded.substr(0, colon);
    std::string key = decoded.substr(colon + 1);
    for (size_t i = 0; i < org_keys_.size(); ++i) {
      if (org_keys_[i].first != org || org_keys_[i].second != key) continue;
      return Principal{org, "Basic",
                       Actor(DerivedUuid("actor:org_key:" + org + ":" + key),
                             absl::StrCat("Sandbox organization key ", i + 1),
                             "partner_key")};
    }
  }
  return std::nullopt;
}

}  // namespace sandbox
