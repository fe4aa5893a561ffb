// printer.h: renders a call's outcome for a terminal: the response as
// pretty JSON, or a failed call with the google.rpc error details of its
// `grpc-status-details-bin` trailer.
//
//   std::cout << *client::ctl::FormatResponse(response);
//
//   grpc::Status status = ...;  // a failed call
//   std::cerr << client::ctl::FormatGrpcError(status);
//   // ERROR INVALID_ARGUMENT: bulk_sync.name is required
//   //   ErrorInfo: reason=FIELD_REQUIRED domain=polytomic-gateway
//   //     field: bulk_sync.name
//   //   BadRequest:
//   //     bulk_sync.name: is required
//   //   x-request-id: 4f1c...   (when given)
//
// Details the CLI knows (ErrorInfo, BadRequest, RetryInfo) get their own
// layout; any other type linked into the binary is printed as JSON, and an
// unknown one by its type URL, so no detail is ever dropped silently.
#ifndef CLIENT_CTL_PRINTER_H_
#define CLIENT_CTL_PRINTER_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace client::ctl {

// StatusCodeName is the canonical name of a gRPC code ("NOT_FOUND"), or
// "CODE_<n>" for a number outside the canonical range.
std::string StatusCodeName(grpc::StatusCode code);

// FormatErrorDetails renders a serialized google.rpc.Status (the
// grpc-status-details-bin trailer) as one indented block per detail, each
// line ending in '\n'. Empty input gives "".
std::string FormatErrorDetails(absl::string_view serialized_status);

// FormatResponse is the response as indented JSON (protobuf's JSON printer,
// JSON field names, which are the API's wire names), ending in '\n'.
absl::StatusOr<std::string> FormatResponse(
    const google::protobuf::Message& response);

// FormatGrpcError is "ERROR <CODE>: <message>\n" followed by
// FormatErrorDetails(status.error_details()) and, when `request_id` (the
// call's x-request-id, which support can look up) is not empty,
// "  x-request-id: <request_id>\n".
std::string FormatGrpcError(const grpc::Status& status,
                            absl::string_view request_id = "");

}  // namespace client::ctl

#endif  // CLIENT_CTL_PRINTER_H_
