// in_memory_write_only_values.h: the process-local WriteOnlyValues, sealed
// with AES-256-GCM (Sealer) in memory.
//
//   ASSIGN_OR_RETURN(auto values,
//                    InMemoryWriteOnlyValues::Create(config.updates()));
//   values->Remember(id, {{"encryption_passphrase", Json("s3cret")}}, done);
//
// Held values live as long as the process (with a configured seal key they
// could be moved elsewhere; with the default random key they cannot be
// opened by anyone else). Plaintext exists only while Recall's callback
// runs.
#ifndef GATEWAY_STATE_IN_MEMORY_WRITE_ONLY_VALUES_H_
#define GATEWAY_STATE_IN_MEMORY_WRITE_ONLY_VALUES_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gateway/common/write_only_values.h"
#include "gateway/config/v1/config.pb.h"
#include "gateway/state/sealer.h"

namespace gateway::state {

// InMemoryWriteOnlyValues keeps sealed values in a map.
//
// Thread safety: thread-safe. Every callback runs inline, before the method
// returns.
class InMemoryWriteOnlyValues final : public WriteOnlyValues {
 public:
  static absl::StatusOr<std::unique_ptr<InMemoryWriteOnlyValues>> Create(
      const config::v1::Updates& updates);
  explicit InMemoryWriteOnlyValues(std::unique_ptr<Sealer> sealer)
      : sealer_(std::move(sealer)) {}

  void Remember(const std::string& resource, HeldValues values,
                Done done) override;
  void Recall(const std::string& resource, Recalled done) override;
  void Forget(const std::string& resource, Done done) override;

  // resources is how many resources hold something (for tests).
  size_t resources() const;

 private:
  // Sealed maps a field path to its sealed value.
  using Sealed = absl::flat_hash_map<std::string, std::string>;

  const std::unique_ptr<Sealer> sealer_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Sealed> held_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gateway::state

#endif  // GATEWAY_STATE_IN_MEMORY_WRITE_ONLY_VALUES_H_
