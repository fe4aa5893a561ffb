// credentials.h: the API keys the sandbox accepts and whom they act for.
//
//   Credentials creds({"k1"}, {{"org-7", "partner-key"}});
//   std::optional<Principal> p = creds.Authenticate("Bearer k1");
//   // p->organization_id == DerivedUuid("organization:k1")
//   p = creds.Authenticate("Basic " + Base64("org-7:partner-key"));
//   // p->organization_id == "org-7"
//
// Each API key (Bearer) belongs to its own organization, whose id is derived
// from the key so that it is stable across runs. Organization-scoped keys are
// only accepted as Basic `organization_id:key` pairs. Principals carry an
// OutputActor that describes the credential without revealing it.
//
// Thread safety: immutable after construction; const methods may be called
// concurrently.
#ifndef TESTS_SANDBOX_CREDENTIALS_H_
#define TESTS_SANDBOX_CREDENTIALS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace sandbox {

// Principal is the authenticated caller of one request.
struct Principal {
  std::string organization_id;
  std::string scheme;            // "Bearer" or "Basic"
  nlohmann::ordered_json actor;  // OutputActor {"id", "name", "type"}
};

class Credentials {
 public:
  Credentials(std::vector<std::string> api_keys,
              std::vector<std::pair<std::string, std::string>> org_keys);

  // Validate rejects an unusable configuration (no credential at all, empty
  // keys or organization ids).
  absl::Status Validate() const;

  // Authenticate checks an Authorization header value; nullopt means 401.
  std::optional<Principal> Authenticate(const std::string& header) const;

  // PrimaryOrganization is the organization of the first API key (else of the
  // first organization-scoped key).
  std::string PrimaryOrganization() const;

  // OrganizationOfApiKey returns the organization a Bearer key acts for.
  static std::string OrganizationOfApiKey(const std::string& key);

 private:
  std::vector<std::string> api_keys_;
  std::vector<std::pair<std::string, std::string>> org_keys_;
};

}  // namespace sandbox

#endif  // TESTS_SANDBOX_CREDENTIALS_H_
