// unary_call.h: the reactor of one gRPC call into the pipeline.
//
//   ServerUnaryReactor* reactor = StartUnaryCall(
//       pipeline, route, default_timeout, &in_flight, context, request,
//       response);
//
// It parses the request bytes into the route's input message, runs the
// pipeline, answers with the response bytes the pipeline produced (without
// copying them) and finishes the call exactly once. When
// the caller cancels (or its deadline passes), the upstream transfer is
// aborted. The upstream deadline is the caller's, capped by
// `default_timeout` so no call can hang.
#ifndef GATEWAY_SERVER_UNARY_CALL_H_
#define GATEWAY_SERVER_UNARY_CALL_H_

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "gateway/common/clock.h"
#include "gateway/server/calls_in_flight.h"
#include "gateway/server/pipeline.h"
#include "gateway/translate/route_table.h"

namespace gateway::server {

// StartUnaryCall creates the reactor, which deletes itself when gRPC is done
// with it; the call counts in `in_flight` until then. `clock` times the call
// (its deadline is real time, as gRPC's and the transport's are).
grpc::ServerUnaryReactor* StartUnaryCall(
    const Pipeline* pipeline, const translate::Route& route,
    absl::Duration default_timeout, const Clock* clock,
    CallsInFlight* in_flight, grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* request, grpc::ByteBuffer* response);

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_UNARY_CALL_H_
