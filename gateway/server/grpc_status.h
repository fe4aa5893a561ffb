// grpc_status.h: the one place absl::Status becomes grpc::Status.
//
//   reactor->Finish(ToGrpcStatus(status));
//
// The code and message carry over; details attached to the absl::Status
// (ErrorInfo, BadRequest, RetryInfo) travel in a google.rpc.Status in the
// grpc-status-details-bin trailer, where every gRPC language finds them.
#ifndef GATEWAY_SERVER_GRPC_STATUS_H_
#define GATEWAY_SERVER_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace gateway::server {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_GRPC_STATUS_H_
