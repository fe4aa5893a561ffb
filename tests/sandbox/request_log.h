// request_log.h: what the sandbox saw, for tests to assert on.
//
//   RequestLog log([](const std::string& line) { std::puts(line.c_str()); });
//   log.Count("bulkSync.get");
//   log.Append({{"operation", "bulkSync.get"}, {"status", 200}});  // adds
//   "seq" log.Emit("GET /api/bulk/syncs/1 bulkSync.get 200 1ms");
//   nlohmann::ordered_json entries = log.Entries("bulkSync.get");
//
// Entries are kept in arrival order, at most kMaxEntries (the oldest are
// dropped so that a load test cannot exhaust memory); counters are never
// dropped. Callers build entries and lines without credentials: this class
// stores and prints what it is given.
//
// Thread safety: all methods may be called concurrently; the sink is called
// under this object's lock, one line at a time.
#ifndef TESTS_SANDBOX_REQUEST_LOG_H_
#define TESTS_SANDBOX_REQUEST_LOG_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "nlohmann/json.hpp"

namespace sandbox {

class RequestLog {
 public:
  static constexpr size_t kMaxEntries = 10000;

  // RequestLog prints lines to `sink`; an empty sink keeps it quiet.
  explicit RequestLog(std::function<void(const std::string&)> sink);

  // Count adds one to the counter of `operation`.
  void Count(const std::string& operation);
  // Append stores an entry, setting its "seq" (1-based, never reused until
  // Clear).
  void Append(nlohmann::ordered_json entry);
  // Emit prints one line through the sink.
  void Emit(const std::string& line);

  // Entries returns {"requests": [...]}, filtered by operation unless empty.
  nlohmann::ordered_json Entries(const std::string& operation) const;
  // Counters returns {"operationId": n, ...}.
  nlohmann::ordered_json Counters() const;
  // Clear forgets entries and counters.
  void Clear();

 private:
  const std::function<void(const std::string&)> sink_;
  mutable std::mutex mu_;
  std::deque<nlohmann::ordered_json> entries_;  // guarded by mu_
  std::map<std::string, int64_t> counters_;     // guarded by mu_
  int64_t next_seq_ = 1;                        // guarded by mu_
};

}  // namespace sandbox

#endif  // TESTS_SANDBOX_REQUEST_LOG_H_
