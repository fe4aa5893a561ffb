// logger.h: structured logs, one JSON object per line.
//
//   Logger log(LogLevel::kInfo, Logger::Stderr());
//   log.Log(LogLevel::kWarning, "call failed",
//           {{"request_id", id}, {"trace_id", trace}, {"code", "14"}});
//   // {"time":"2026-12-07T17:01:02.345678Z","level":"warning",
//   //  "message":"call failed","request_id":"...","trace_id":"...",
//   //  "code":"14"}
//
// Fields are strings the caller chooses; like metric labels, they never hold
// a secret (keys, tokens, write-only values), which the callers guarantee by
// logging only ids, names, codes and the gateway's own error messages (which
// never repeat secrets; tests grep for them).
#ifndef GATEWAY_COMMON_LOGGER_H_
#define GATEWAY_COMMON_LOGGER_H_

#include <functional>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gateway {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// ParseLogLevel reads "debug", "info", "warning" or "error".
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name);

// Logger writes the lines at or above its level to its sink.
//
// Thread safety: thread-safe; each line reaches the sink in one call, and
// the sink must be thread-safe (Stderr's is: one write(2) per line).
class Logger {
 public:
  // Sink receives one whole line, newline included.
  using Sink = std::function<void(absl::string_view line)>;
  using Field = std::pair<absl::string_view, absl::string_view>;

  Logger(LogLevel level, Sink sink) : level_(level), sink_(std::move(sink)) {}

  // Stderr writes each line with one write(2) to standard error.
  static Sink Stderr();

  bool Enabled(LogLevel level) const { return level >= level_; }
  void Log(LogLevel level, absl::string_view message,
           std::initializer_list<Field> fields = {}) const;

 private:
  const LogLevel level_;
  const Sink sink_;
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_LOGGER_H_
