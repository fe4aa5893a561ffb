// retry_after.h: reads an HTTP Retry-After header.
//
//   if (auto delay = ParseRetryAfter(response.Header("retry-after"), now)) {
//     ... wait *delay ...
//   }
//
// Shared by the retry decorator (gateway/rest), which waits it out, and the
// error mapping (gateway/translate), which passes it on as RetryInfo.
#ifndef GATEWAY_COMMON_RETRY_AFTER_H_
#define GATEWAY_COMMON_RETRY_AFTER_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gateway {

// ParseRetryAfter reads a Retry-After value (delay-seconds or an HTTP date)
// relative to `now`; nullopt if absent or unreadable. A date in the past is
// a zero delay.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now);

}  // namespace gateway

#endif  // GATEWAY_COMMON_RETRY_AFTER_H_
