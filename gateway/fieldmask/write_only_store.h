// write_only_store.h: the write-only field values (e.g. a model sync's
// `encryption_passphrase`) the gateway has sent upstream, kept sealed so a
// partial update can re-send them instead of letting Polytomic's full
// replacement clear them.
//
//   store.Remember("polytomic.v1.ModelSync/5d7c...", "encryption_passphrase",
//   Json("s3cret")); std::optional<Held> held =
//   store.Recall("polytomic.v1.ModelSync/5d7c...",
//                                           "encryption_passphrase");
//
// Values are sealed with AES-256-GCM under a key given at construction (from
// the configuration) or drawn at random (then they do not survive a
// restart). Plaintext exists only while a request body is built; nothing here
// logs. "Known absent" is remembered too, so a resource created without the
// field can be updated without naming it.
#ifndef GATEWAY_FIELDMASK_WRITE_ONLY_STORE_H_
#define GATEWAY_FIELDMASK_WRITE_ONLY_STORE_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/common/json_codec.h"

namespace gateway::fieldmask {

// WriteOnlyStore maps (resource, field path) to a sealed value.
//
// Thread safety: all methods are thread-safe.
class WriteOnlyStore {
 public:
  // Held is what the store knows: the value, or that there is none.
  struct Held {
    std::optional<Json> value;  // nullopt: known to be unset upstream
  };

  // Create uses `key` (32 bytes) or, when empty, a random one.
  static absl::StatusOr<std::unique_ptr<WriteOnlyStore>> Create(
      std::string key);

  // Remember records what was last sent for the field (nullopt: nothing).
  void Remember(const std::string& resource, const std::string& field_path,
                const std::optional<Json>& value);
  // Recall returns what is held, or nullopt if the store knows nothing.
  std::optional<Held> Recall(const std::string& resource,
                             const std::string& field_path) const;
  // Forget drops everything held for `resource`.
  void Forget(const std::string& resource);

 private:
  explicit WriteOnlyStore(std::string key) : key_(std::move(key)) {}
  // Seal encrypts; nullopt if the cipher fails (the value is then not
  // held, and a later update refuses rather than guessing).
  std::optional<std::string> Seal(const std::string& plaintext) const;
  std::optional<std::string> Open(const std::string& sealed) const;

  const std::string key_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::string>
      sealed_;  // guarded by mu_
};

}  // namespace gateway::fieldmask

#endif  // GATEWAY_FIELDMASK_WRITE_ONLY_STORE_H_
