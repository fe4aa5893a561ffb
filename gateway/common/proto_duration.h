// proto_duration.h: a google.protobuf.Duration (configuration, contract
// options) as an absl::Duration.
//
//   absl::Duration ttl = ToAbslDuration(config.cache().default_ttl());
#ifndef GATEWAY_COMMON_PROTO_DURATION_H_
#define GATEWAY_COMMON_PROTO_DURATION_H_

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"

namespace gateway {

// ToAbslDuration converts exactly (seconds and nanoseconds).
inline absl::Duration ToAbslDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace gateway

#endif  // GATEWAY_COMMON_PROTO_DURATION_H_
