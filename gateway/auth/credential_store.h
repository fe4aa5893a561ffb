// credential_store.h: the Polytomic accounts the gateway acts as, with their
// keys read from files or environment variables and re-read when the files
// change.
//
//   ASSIGN_OR_RETURN(auto store, CredentialStore::Create(config.accounts()));
//   ASSIGN_OR_RETURN(std::string header, store->Authorization("production"));
//   ...
//   store->Refresh();  // from the reload loop: picks up rotated key files
//
// Rotation never fails a call: a call holds the header it was given, new
// calls get the new key, and a key file caught empty or unreadable mid-rotation
// keeps the previous key until it reads well. Errors name the account and the
// file or variable, never a key.
#ifndef GATEWAY_AUTH_CREDENTIAL_STORE_H_
#define GATEWAY_AUTH_CREDENTIAL_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gateway/common/credential_source.h"
#include "gateway/config/v1/config.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace gateway::auth {

using Accounts = google::protobuf::RepeatedPtrField<config::v1::Account>;

// CredentialStore maps account names to Authorization header values.
//
// Thread safety: all methods are thread-safe; Authorization is lock-free on
// the read path (an atomically swapped snapshot).
class CredentialStore final : public CredentialSource {
 public:
  // Create reads every account's secret. Fails if a name is empty or
  // repeated, an account has no credentials, or a secret cannot be read.
  static absl::StatusOr<std::unique_ptr<CredentialStore>> Create(
      const Accounts& accounts);

  ~CredentialStore() override;

  // Authorization returns "Bearer <key>" or "Basic base64(org:key)" for the
  // account; FAILED_PRECONDITION naming it when unknown.
  absl::StatusOr<std::string> Authorization(
      absl::string_view account) const override;

  // Refresh re-reads key files that changed (modification time, size or
  // inode) and returns the names of the accounts whose key changed.
  std::vector<std::string> Refresh();

  // Replace installs a new set of accounts (configuration reload); on error
  // the current set stays.
  absl::Status Replace(const Accounts& accounts);

 private:
  struct Snapshot;
  CredentialStore();
  std::shared_ptr<const Snapshot> Current() const;
  void Install(std::shared_ptr<const Snapshot> snapshot);

  // Serialises the writers (Refresh, Replace), so that one writer's snapshot
  // never overwrites another's; readers never take it.
  absl::Mutex write_mu_;
  std::shared_ptr<const Snapshot> snapshot_;  // atomic load/store
};

}  // namespace gateway::auth

#endif  // GATEWAY_AUTH_CREDENTIAL_STORE_H_
