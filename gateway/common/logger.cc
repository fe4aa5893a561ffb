#include "gateway/common/logger.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace gateway {
namespace {

constexpr absl::string_view kLevelNames[] = {"debug", "info", "warning",
                                             "error"};

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kLevelNames[i]) return static_cast<LogLevel>(i);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "log level \"", name, "\": must be debug, info, warning or error"));
}

Logger::Sink Logger::Stderr() {
  return [](absl::string_view line) {
    size_t written = 0;
    while (written < line.size()) {
      ssize_t n =
          write(STDERR_FILENO, line.data() + written, line.size() - written);
      if (n <= 0) return;  // nowhere else to report it
      written += static_cast<size_t>(n);
    }
  };
}

void Logger::Log(LogLevel level, absl::string_view message,
                 std::initializer_list<Field> fields) const {
  if (!Enabled(level)) return;
  nlohmann::ordered_json line;
  line["time"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(),
                                  absl::UTCTimeZone());
  line["level"] = kLevelNames[static_cast<int>(level)];
  line["message"] = message;
  for (const auto& [name, value] : fields) {
    line[std::string(name)] = value;
  }
  // Invalid UTF-8 (it never should be) is replaced, not thrown.
  std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  sink_(text);
}

}  // namespace gateway
