// clock.h: the sandbox's time source and timestamp formatting.
//
//   Clock clock;  // or Clock([] { return fixed_time; }) in a test
//   std::string created_at = clock.NowTimestamp();  //
//   "2026-11-22T07:30:00.123Z"
//
// NowTimestamp never returns the same or an earlier millisecond twice, so
// `updated_at` orders resources by modification exactly (the list endpoints
// sort by it) even when two writes land in the same millisecond.
//
// Thread safety: all methods may be called concurrently.
#ifndef TESTS_SANDBOX_CLOCK_H_
#define TESTS_SANDBOX_CLOCK_H_

#include <functional>
#include <mutex>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sandbox {

class Clock {
 public:
  // Clock reads the wall clock, or `now` when given (tests inject it).
  explicit Clock(std::function<absl::Time()> now = nullptr);

  // Now returns the current time (not adjusted for monotonicity).
  absl::Time Now() const;
  // NowTimestamp returns a strictly increasing RFC 3339 UTC timestamp with
  // milliseconds.
  std::string NowTimestamp();

  // Format renders `t` as RFC 3339 UTC with milliseconds.
  static std::string Format(absl::Time t);
  // IsRfc3339 reports whether `text` is a valid RFC 3339 date-time.
  static bool IsRfc3339(const std::string& text);

 private:
  std::function<absl::Time()> now_;
  std::mutex mu_;
  absl::Time last_ = absl::InfinitePast();  // guarded by mu_
};

}  // namespace sandbox

#endif  // TESTS_SANDBOX_CLOCK_H_
