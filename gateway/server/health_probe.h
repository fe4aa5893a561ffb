// health_probe.h: one grpc.health.v1.Health/Check call, for the `health`
// subcommand of polytomic-gateway (probes and containers that cannot speak
// gRPC health themselves).
//
//   HealthProbeOptions options{"127.0.0.1:50051", "", absl::Seconds(2), ""};
//   absl::StatusOr<HealthState> state = ProbeHealth(options);
//   if (state.ok() && *state == HealthState::kServing) ...
//
// Debian's gRPC ships no health protos, so the request and response are
// written and read in the protobuf wire format through a generic stub:
// HealthCheckRequest{string service = 1}, HealthCheckResponse{enum status = 1}.
#ifndef GATEWAY_SERVER_HEALTH_PROBE_H_
#define GATEWAY_SERVER_HEALTH_PROBE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gateway::server {

// HealthState is grpc.health.v1.HealthCheckResponse.ServingStatus.
enum class HealthState {
  kUnknown = 0,
  kServing = 1,
  kNotServing = 2,
  kServiceUnknown = 3,
};

// HealthStateName is "SERVING", "NOT_SERVING", "UNKNOWN" or "SERVICE_UNKNOWN".
absl::string_view HealthStateName(HealthState state);

// EncodeHealthCheckRequest is HealthCheckRequest{service} in the wire
// format: field 1, length-delimited, omitted when empty (proto3).
std::string EncodeHealthCheckRequest(absl::string_view service);

// DecodeHealthCheckResponse reads field 1 (varint) of HealthCheckResponse,
// skipping other varint fields; an empty message is UNKNOWN (the proto3
// default). DATA_LOSS for bytes that are not such a message.
absl::StatusOr<HealthState> DecodeHealthCheckResponse(absl::string_view bytes);

// HealthProbeOptions say whom to ask about what.
struct HealthProbeOptions {
  std::string address;  // host:port
  std::string service;  // "" asks about the server as a whole
  absl::Duration timeout = absl::Seconds(2);
  std::string tls_ca_file;  // PEM CA bundle; empty: plaintext
};

// ProbeHealth makes one Check call and returns the state it answered, or
// the call's error (as an absl::Status) when it failed or its answer did not
// parse. Blocks for at most `timeout`. Thread-safe (no shared state).
absl::StatusOr<HealthState> ProbeHealth(const HealthProbeOptions& options);

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_HEALTH_PROBE_H_
