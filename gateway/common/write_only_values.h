// write_only_values.h: the write-only field values (a model sync's
// `encryption_passphrase`, `target.create`) the gateway last sent for each
// resource. Polytomic never returns them and its full-replacement PUT clears
// them when omitted, so a partial update re-sends what is held here.
//
//   values.Remember("5d7c...", {{"encryption_passphrase", Json("s3cret")}},
//                   [](absl::Status stored) { ... });
//   values.Recall("5d7c...", [](absl::StatusOr<HeldValues> held) { ... });
//   values.Forget("5d7c...", [](absl::Status) { ... });  // it was deleted
//
// Implementations keep values sealed (never plaintext at rest, never in a
// log). The interface is asynchronous so that an implementation shared
// between gateway replicas can plug in without blocking a thread. The
// in-memory one is gateway/state/in_memory_write_only_values.h.
#ifndef GATEWAY_COMMON_WRITE_ONLY_VALUES_H_
#define GATEWAY_COMMON_WRITE_ONLY_VALUES_H_

#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/common/json_codec.h"

namespace gateway {

// HeldValues maps a field path ("target.create") to what was last sent for
// it: a value, or nullopt when it was sent unset. A path missing from the
// map is unknown.
using HeldValues = absl::flat_hash_map<std::string, std::optional<Json>>;

// WriteOnlyValues holds values per resource id.
//
// Thread safety: all methods may be called from any thread. Callbacks run
// exactly once, inline or on the implementation's thread; they must not
// block.
class WriteOnlyValues {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;
  using Recalled = absl::AnyInvocable<void(absl::StatusOr<HeldValues>) &&>;

  virtual ~WriteOnlyValues() = default;

  // Remember records `values` for `resource`, replacing what was held for
  // those paths (other paths keep theirs). A value that cannot be sealed is
  // dropped (unknown is better than wrong).
  virtual void Remember(const std::string& resource, HeldValues values,
                        Done done) = 0;

  // Recall gets everything held for `resource` (an empty map when nothing).
  virtual void Recall(const std::string& resource, Recalled done) = 0;

  // Forget drops everything held for `resource`.
  virtual void Forget(const std::string& resource, Done done) = 0;
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_WRITE_ONLY_VALUES_H_
