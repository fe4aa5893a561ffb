// unary_call.h: the reactor of one gRPC call into the pipeline.
//
//   ServerUnaryReactor* reactor = StartUnaryCall(environment, route, context,
//                                                request, response);
//
// It parses the request bytes into the route's input message, runs the
// pipeline, answers with the response bytes the pipeline produced (without
// copying them) and finishes the call exactly once. When
// the caller cancels (or its deadline passes), the upstream transfer is
// aborted. The upstream deadline is the caller's, capped by
// `default_timeout` so no call can hang. Before the pipeline, a call is
// refused (and not audited, as it never started) when the gateway drains
// (UNAVAILABLE, reason GATEWAY_DRAINING), when its request exceeds
// `max_request_bytes` (RESOURCE_EXHAUSTED, reason REQUEST_TOO_LARGE), or when
// its bytes do not parse (INVALID_ARGUMENT). The response metadata carries
// `x-request-id` and `traceparent` (the call's trace, with the gateway's
// span).
#ifndef GATEWAY_SERVER_UNARY_CALL_H_
#define GATEWAY_SERVER_UNARY_CALL_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>

#include "absl/time/time.h"
#include "gateway/common/clock.h"
#include "gateway/common/logger.h"
#include "gateway/common/metrics.h"
#include "gateway/server/calls_in_flight.h"
#include "gateway/server/pipeline.h"
#include "gateway/translate/route_table.h"

namespace gateway::server {

// CallEnvironment is what every call borrows; it outlives the calls.
struct CallEnvironment {
  const Pipeline* pipeline = nullptr;
  // Times the call (its deadline is real time, as gRPC's and the
  // transport's are).
  const Clock* clock = nullptr;
  // Counts the call until gRPC is done with it; refuses it when closed.
  CallsInFlight* in_flight = nullptr;
  absl::Duration default_timeout;      // upstream.default_timeout
  std::int64_t max_request_bytes = 0;  // listener.max_request_bytes
  // rpc_server_call_duration_seconds{rpc_service, rpc_method,
  // rpc_grpc_status_code}: every call, refused ones included.
  Family<Histogram>* call_duration = nullptr;
  // Each finished call: debug; ending in trouble (UNAVAILABLE,
  // DEADLINE_EXCEEDED, INTERNAL, RESOURCE_EXHAUSTED, UNKNOWN): warning.
  const Logger* logger = nullptr;
};

// StartUnaryCall creates the reactor, which deletes itself when gRPC is done
// with it.
grpc::ServerUnaryReactor* StartUnaryCall(const CallEnvironment& environment,
                                         const translate::Route& route,
                                         grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response);

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_UNARY_CALL_H_
