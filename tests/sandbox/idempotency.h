// idempotency.h: Idempotency-Key bookkeeping, per organization.
//
//   IdempotencyStore store;
//   IdempotencyStore::Claim c = store.TryClaim(org, key);
//   switch (c.result) {
//     case IdempotencyStore::kClaimed:  // run the operation, then:
//       store.Complete(org, key, reply);  // or Abandon() if it never ran
//       break;
//     case IdempotencyStore::kInFlight:  // answer 409
//     case IdempotencyStore::kReplay:    // answer c.reply
//   }
//
// The first outcome stored for a key is replayed, status and body, for every
// later request with that key, whatever its method, path or body (the
// reference documents no mismatch check). Keys are kept until reset.
//
// Thread safety: all methods may be called concurrently.
#ifndef TESTS_SANDBOX_IDEMPOTENCY_H_
#define TESTS_SANDBOX_IDEMPOTENCY_H_

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "tests/sandbox/api_reply.h"

namespace sandbox {

class IdempotencyStore {
 public:
  enum Result { kClaimed, kInFlight, kReplay };
  struct Claim {
    Result result;
    Reply reply;  // the stored outcome when kReplay
  };

  // IsValidKey checks `^[A-Za-z0-9_-]{8,255}$`.
  static bool IsValidKey(const std::string& key);

  Claim TryClaim(const std::string& organization_id, const std::string& key);
  // Complete stores the outcome of a claimed key.
  void Complete(const std::string& organization_id, const std::string& key,
                const Reply& reply);
  // Abandon forgets a claim whose operation never ran (a `before` fault
  // answered instead), so a retry with the same key runs the operation.
  void Abandon(const std::string& organization_id, const std::string& key);
  void Clear();

 private:
  struct Entry {
    bool done = false;
    Reply reply;
  };
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Entry> entries_;  // mu_
};

}  // namespace sandbox

#endif  // TESTS_SANDBOX_IDEMPOTENCY_H_
