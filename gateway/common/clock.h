// clock.h: the time source, injected so tests control it.
//
//   SystemClock clock;
//   absl::Time now = clock.Now();
#ifndef GATEWAY_COMMON_CLOCK_H_
#define GATEWAY_COMMON_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace gateway {

// Clock tells the time. Thread safety: implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// SystemClock is the real wall clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_CLOCK_H_
