// keyed_serializer.h: runs asynchronous tasks one at a time per key, in
// arrival order, without blocking a thread.
//
//   serializer.Run("/api/syncs/5d7c...", [](KeyedSerializer::Release release) {
//     StartGet(..., [release = std::move(release)]() mutable {
//       ...PUT done...
//       std::move(release)();   // lets the next task for this key start
//     });
//   });
//
// The gateway serialises the read-merge-write of partial updates per
// resource with it, so concurrent updates through one gateway never lose
// each other's changes.
#ifndef GATEWAY_SERVER_KEYED_SERIALIZER_H_
#define GATEWAY_SERVER_KEYED_SERIALIZER_H_

#include <deque>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"

namespace gateway::server {

// KeyedSerializer queues tasks per key.
//
// Thread safety: Run and Release may be called from any thread. A task runs
// either inline in Run (when its key is free) or inline in the Release of the
// task before it; it must not block. Every task must call its Release exactly
// once.
class KeyedSerializer {
 public:
  using Release = absl::AnyInvocable<void() &&>;
  using Task = absl::AnyInvocable<void(Release) &&>;

  // Run starts `task` now if no task holds `key`, else after those queued.
  void Run(const std::string& key, Task task);

  // Pending is the number of keys held or queued (for tests).
  size_t Pending() const;

 private:
  void Next(const std::string& key);
  Release MakeRelease(const std::string& key);

  mutable std::mutex mu_;
  // A key is present while a task holds it; its deque holds those waiting.
  absl::flat_hash_map<std::string, std::deque<Task>> queues_;  // guarded by mu_
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_KEYED_SERIALIZER_H_
