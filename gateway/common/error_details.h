// error_details.h: google.rpc error details on absl::Status.
//
// Every error the gateway returns carries a google.rpc.ErrorInfo (reason,
// domain "polytomic-gateway", metadata), and where they help a BadRequest or
// RetryInfo. Inside the gateway they travel as absl::Status payloads keyed by
// their type URL; server/ packs them into the grpc-status-details-bin trailer.
//
//   absl::Status s = ErrorWithInfo(absl::StatusCode::kNotFound,
//                                  "bulkSync.get: bulk sync not found",
//                                  "UPSTREAM_NOT_FOUND", {{"http_status",
//                                  "404"}});
//   AttachDetail(s, bad_request);
#ifndef GATEWAY_COMMON_ERROR_DETAILS_H_
#define GATEWAY_COMMON_ERROR_DETAILS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/message.h"
#include "google/rpc/error_details.pb.h"

namespace gateway {

// kErrorDomain is the ErrorInfo domain of every gateway error.
inline constexpr absl::string_view kErrorDomain = "polytomic-gateway";

// ErrorWithInfo makes a non-OK status with an ErrorInfo detail.
absl::Status ErrorWithInfo(absl::StatusCode code, absl::string_view message,
                           absl::string_view reason,
                           const std::map<std::string, std::string>& metadata);

// AttachDetail adds `detail` (a google.rpc detail message) to a non-OK status.
void AttachDetail(absl::Status& status,
                  const google::protobuf::Message& detail);

// AttachRetryDelay adds a RetryInfo saying to retry after `delay`, rounded
// up to the millisecond (never 0: a caller told "now" would come straight
// back).
void AttachRetryDelay(absl::Status& status, absl::Duration delay);

// GetDetail reads the detail of type T attached to `status`; false if absent.
template <typename T>
bool GetDetail(const absl::Status& status, T* detail) {
  auto payload = status.GetPayload(std::string("type.googleapis.com/") +
                                   T::descriptor()->full_name());
  return payload.has_value() && detail->ParseFromString(std::string(*payload));
}

// DetailsAsAny returns every attached detail as a google.protobuf.Any.
std::vector<google::protobuf::Any> DetailsAsAny(const absl::Status& status);

// InvalidRequest is INVALID_ARGUMENT for caller input rejected before any
// upstream call: reason INVALID_REQUEST, one field violation per problem.
absl::Status InvalidRequest(
    const std::vector<google::rpc::BadRequest::FieldViolation>& violations);

}  // namespace gateway

#endif  // GATEWAY_COMMON_ERROR_DETAILS_H_
