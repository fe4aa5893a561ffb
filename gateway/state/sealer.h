// sealer.h: AES-256-GCM sealing of small secrets (held write-only values),
// so they are never kept in plaintext.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Sealer> sealer,
//                    Sealer::FromConfig(config.updates()));
//   ASSIGN_OR_RETURN(std::string sealed, sealer->Seal("s3cret"));
//   ASSIGN_OR_RETURN(std::string plain, sealer->Open(sealed));
//
// A sealed value is a random 12-byte IV, the 16-byte tag, then the
// ciphertext. Messages never contain the plaintext or the key.
#ifndef GATEWAY_STATE_SEALER_H_
#define GATEWAY_STATE_SEALER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/common/json_codec.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::state {

// Sealer seals and opens with one key.
//
// Thread safety: immutable; Seal and Open may be called concurrently.
class Sealer {
 public:
  // FromConfig reads `updates.seal_key_file` (64 hex digits) or, when it is
  // unset, draws a random key (sealed values then do not outlive the
  // process). INVALID_ARGUMENT names the field when the file is unusable.
  static absl::StatusOr<std::unique_ptr<Sealer>> FromConfig(
      const config::v1::Updates& updates);
  // Create uses a 32-byte key, or a random one when `key` is empty.
  static absl::StatusOr<std::unique_ptr<Sealer>> Create(std::string key);

  absl::StatusOr<std::string> Seal(absl::string_view plaintext) const;
  // Open fails (DATA_LOSS) when `sealed` was not sealed with this key or
  // was altered.
  absl::StatusOr<std::string> Open(absl::string_view sealed) const;

 private:
  explicit Sealer(std::string key) : key_(std::move(key)) {}
  const std::string key_;
};

// SealHeld seals a held write-only value: its JSON text, or a marker when
// it was sent unset.
absl::StatusOr<std::string> SealHeld(const Sealer& sealer,
                                     const std::optional<Json>& value);

// OpenHeld opens what SealHeld sealed: the value (nullopt inside when it was
// sent unset), or nullopt when it cannot be opened (another key, altered):
// unknown, never a guess.
std::optional<std::optional<Json>> OpenHeld(const Sealer& sealer,
                                            absl::string_view sealed);

}  // namespace gateway::state

#endif  // GATEWAY_STATE_SEALER_H_
