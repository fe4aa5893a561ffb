#include "tests/sandbox/clock.h"

#include <utility>

namespace sandbox {

Clock::Clock(std::function<absl::Time()> now) : now_(std::move(now)) {}

absl::Time Clock::Now() const { return now_ ? now_() : absl::Now(); }

std::string Clock::NowTimestamp() {
  absl::Time now = absl::FromUnixMillis(absl::ToUnixMillis(Now()));
  std::lock_guard<std::mutex> lock(mu_);
  if (now <= last_) now = last_ + absl::Milliseconds(1);
  last_ = now;
  return Format(now);
}

std::string Clock::Format(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

bool Clock::IsRfc3339(const std::string& text) {
  absl::Time t;
  std::string err;
  // absl's %Ez accepts "Z" as well as "+hh:mm"; RFC 3339 requires a zone.
  return absl::ParseTime(absl::RFC3339_full, text, &t, &err);
}

}  // namespace sandbox
