#include "gateway/common/error_details.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace gateway {

absl::Status ErrorWithInfo(absl::StatusCode code, absl::string_view message,
                           absl::string_view reason,
                           const std::map<std::string, std::string>& metadata) {
  absl::Status status(code, message);
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (const auto& [key, value] : metadata)
    (*info.mutable_metadata())[key] = value;
  AttachDetail(status, info);
  return status;
}

void AttachDetail(absl::Status& status,
                  const google::protobuf::Message& detail) {
  status.SetPayload(
      absl::StrCat("type.googleapis.com/", detail.GetDescriptor()->full_name()),
      absl::Cord(detail.SerializeAsString()));
}

void AttachRetryDelay(absl::Status& status, absl::Duration delay) {
  int64_t millis = std::max<int64_t>(
      1, absl::ToInt64Milliseconds(delay + absl::Microseconds(999)));
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(millis / 1000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int>(millis % 1000) *
                                         1'000'000);
  AttachDetail(status, retry);
}

std::vector<google::protobuf::Any> DetailsAsAny(const absl::Status& status) {
  std::vector<google::protobuf::Any> details;
  status.ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& payload) {
        // Only google.rpc details leave the gateway; other payloads are
        // internal marks (e.g. kRequestNotSent).
        if (!absl::StartsWith(type_url, "type.googleapis.com/")) return;
        google::protobuf::Any& any = details.emplace_back();
        any.set_type_url(std::string(type_url));
        any.set_value(std::string(payload));
      });
  return details;
}

absl::Status InvalidRequest(
    const std::vector<google::rpc::BadRequest::FieldViolation>& violations) {
  std::vector<std::string> parts;
  google::rpc::BadRequest bad_request;
  for (const auto& violation : violations) {
    parts.push_back(
        absl::StrCat(violation.field(), ": ", violation.description()));
    *bad_request.add_field_violations() = violation;
  }
  absl::Status status = ErrorWithInfo(
      absl::StatusCode::kInvalidArgument,
      absl::StrCat("invalid request: ", absl::StrJoin(parts, "; ")),
      "INVALID_REQUEST", {});
  AttachDetail(status, bad_request);
  return status;
}

}  // namespace gateway
