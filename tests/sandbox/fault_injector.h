// fault_injector.h: test-controlled faults on /api/ operations.
//
//   FaultInjector faults(known_operations);
//   FieldErrors errors;
//   std::optional<std::string> id = faults.Add(
//       {{"operation", "bulkSync.get"}, {"kind", "status"}, {"status", 503}},
//       errors);
//   FaultPlan plan = faults.Plan("bulkSync.get", FaultWhen::kBefore);
//   // plan.terminal->status == 503
//
// A fault matches an operationId (or `*`). `count` limits how many matching
// requests it applies to (0 = unlimited); `fraction` applies it to that
// share of matching requests deterministically: the n-th matching request
// (1-based) is hit when floor(n * fraction) > floor((n - 1) * fraction), so
// 0.5 hits every second one starting with the second. Several faults may
// apply to one request: latencies add up, holds wait in turn, and the first
// applicable terminal fault (status, respond, drop, malformed) wins; terminal
// faults after it are not consulted for that request.
//
// Thread safety: all methods may be called concurrently. Hold() blocks the
// calling thread until Release(), Clear() or Shutdown(); callers must not
// hold other locks while calling it.
#ifndef TESTS_SANDBOX_FAULT_INJECTOR_H_
#define TESTS_SANDBOX_FAULT_INJECTOR_H_

#include <condition_variable>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"

namespace sandbox {

enum class FaultWhen { kBefore, kAfter };

// Fault is one configured fault and how often it has matched and applied.
struct Fault {
  std::string id;
  std::string operation;  // operationId or "*"
  std::string kind;       // latency, status, respond, drop, malformed, hold
  FaultWhen when = FaultWhen::kBefore;
  int status = 500;
  std::string retry_after;  // empty: no Retry-After header
  int64_t count = 1;        // 0: unlimited
  double fraction = 1.0;
  int64_t latency_ms = 0;
  // respond: the body sent verbatim (any JSON value) and extra headers.
  nlohmann::ordered_json body;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t matched = 0;
  int64_t applied = 0;

  nlohmann::ordered_json ToJson() const;
};

// FaultPlan is what applies to one request at one stage.
struct FaultPlan {
  int64_t latency_ms = 0;
  int holds = 0;                  // how many hold faults to wait for
  std::optional<Fault> terminal;  // status, respond, drop or malformed
  nlohmann::ordered_json applied = nlohmann::ordered_json::array();
};

class FaultInjector {
 public:
  explicit FaultInjector(std::set<std::string> known_operations);

  // Add validates a fault document; on success returns its id, else fills
  // `errors` (all syntax problems: the hook answers 400).
  std::optional<std::string> Add(const nlohmann::ordered_json& spec,
                                 FieldErrors& errors);
  // Clear removes every fault and releases every held request.
  void Clear();
  // List returns the faults with their counters.
  nlohmann::ordered_json List() const;

  // Plan consumes the faults that apply to one request of `operation` at
  // stage `when`.
  FaultPlan Plan(const std::string& operation, FaultWhen when);

  // Hold blocks until the request is released (Release, Clear, Shutdown).
  void Hold(const std::string& operation);
  // WaitHeld waits until at least `min` requests of `operation` ("" = any)
  // are held, or the timeout passes; returns the number held at return.
  int WaitHeld(const std::string& operation, int min, absl::Duration timeout);
  // Release releases the requests held now for `operation` ("" = all) and
  // returns how many.
  int Release(const std::string& operation);
  // Shutdown releases everything and makes later holds return at once.
  void Shutdown();

 private:
  struct Ticket {
    std::string operation;
    bool released = false;
  };
  int HeldLocked(const std::string& operation) const;

  const std::set<std::string> known_operations_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Fault> faults_;  // guarded by mu_, in insertion order
  std::list<Ticket> held_;     // guarded by mu_
  int64_t next_id_ = 1;        // guarded by mu_
  bool shutdown_ = false;      // guarded by mu_
};

}  // namespace sandbox

#endif  // TESTS_SANDBOX_FAULT_INJECTOR_H_
