// redis_write_only_values.h: WriteOnlyValues shared by gateway replicas: a
// Redis hash per resource, each value sealed (AES-256-GCM, Sealer) with the
// key every replica reads from updates.seal_key_file, so Redis never holds
// plaintext and any replica can re-send what another sent.
//
//   RedisWriteOnlyValues values(redis.get(), std::move(sealer));
//   values.Remember("5d7c...", {{"encryption_passphrase", Json("s3cret")}},
//                   [](absl::Status stored) { ... });
//
// A Remember or Forget that fails (Redis unreachable) leaves the resource
// "unsettled" here: this replica recalls nothing for it (so a partial update
// asks for the values rather than re-sending stale ones), and deletes what
// Redis holds for it as soon as Redis is back. Another replica that reaches
// Redis meanwhile still sees the older values: the one window left, closed
// by the reconnect.
#ifndef GATEWAY_SHARED_REDIS_WRITE_ONLY_VALUES_H_
#define GATEWAY_SHARED_REDIS_WRITE_ONLY_VALUES_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "gateway/common/write_only_values.h"
#include "gateway/shared/redis_client.h"
#include "gateway/state/sealer.h"

namespace gateway::shared {

// RedisWriteOnlyValues: `redis` is borrowed and must outlive it.
//
// Thread safety: thread-safe. Callbacks run on the Redis loop thread (or
// inline when there is nothing to send).
class RedisWriteOnlyValues final : public WriteOnlyValues {
 public:
  // Listens for Redis's return: call before redis->Start().
  RedisWriteOnlyValues(RedisClient* redis,
                       std::unique_ptr<state::Sealer> sealer);

  void Remember(const std::string& resource, HeldValues values,
                Done done) override;
  void Recall(const std::string& resource, Recalled done) override;
  void Forget(const std::string& resource, Done done) override;

 private:
  std::string KeyOf(const std::string& resource) const;
  // Settle marks `resource` unsettled when `status` failed.
  void Settle(const std::string& resource, const absl::Status& status);
  // Reconnected deletes what Redis holds for the unsettled resources.
  void Reconnected();

  RedisClient* const redis_;
  const std::unique_ptr<state::Sealer> sealer_;
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> unsettled_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gateway::shared

#endif  // GATEWAY_SHARED_REDIS_WRITE_ONLY_VALUES_H_
