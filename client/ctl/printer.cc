#include "client/ctl/printer.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace client::ctl {
namespace {

void AppendErrorInfo(const google::rpc::ErrorInfo& info, std::string* out) {
  absl::StrAppend(out, "  ErrorInfo: reason=", info.reason(),
                  " domain=", info.domain(), "\n");
  // Proto maps have no order; sort so the output is stable.
  std::vector<std::pair<std::string, std::string>> metadata(
      info.metadata().begin(), info.metadata().end());
  std::sort(metadata.begin(), metadata.end());
  for (const auto& [key, value] : metadata) {
    absl::StrAppend(out, "    ", key, ": ", value, "\n");
  }
}

void AppendBadRequest(const google::rpc::BadRequest& bad_request,
                      std::string* out) {
  absl::StrAppend(out, "  BadRequest:\n");
  for (const auto& violation : bad_request.field_violations()) {
    absl::StrAppend(out, "    ", violation.field(), ": ",
                    violation.description(), "\n");
  }
}

void AppendRetryInfo(const google::rpc::RetryInfo& retry, std::string* out) {
  const absl::Duration delay = absl::Seconds(retry.retry_delay().seconds()) +
                               absl::Nanoseconds(retry.retry_delay().nanos());
  absl::StrAppend(out, "  RetryInfo: retry after ", absl::FormatDuration(delay),
                  "\n");
}

// AppendOther prints a detail of any other type: as compact JSON when the
// type is in the generated pool, else by its type URL.
void AppendOther(const google::protobuf::Any& detail, std::string* out) {
  absl::string_view type_name = detail.type_url();
  const size_t slash = type_name.rfind('/');
  if (slash != absl::string_view::npos) type_name.remove_prefix(slash + 1);
  const google::protobuf::Descriptor* type =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          std::string(type_name));
  const google::protobuf::Message* prototype =
      type == nullptr
          ? nullptr
          : google::protobuf::MessageFactory::generated_factory()->GetPrototype(
                type);
  if (prototype != nullptr) {
    std::unique_ptr<google::protobuf::Message> message(prototype->New());
    std::string json;
    if (message->ParseFromString(detail.value()) &&
        google::protobuf::util::MessageToJsonString(*message, &json).ok()) {
      absl::StrAppend(out, "  ", type->name(), ": ", json, "\n");
      return;
    }
  }
  absl::StrAppend(out, "  ", detail.type_url(), " (", detail.value().size(),
                  " bytes)\n");
}

}  // namespace

std::string StatusCodeName(grpc::StatusCode code) {
  const int number = static_cast<int>(code);
  if (number < 0 || number > static_cast<int>(grpc::UNAUTHENTICATED)) {
    return absl::StrCat("CODE_", number);
  }
  // gRPC and absl share the canonical code numbers and names.
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(number));
}

std::string FormatErrorDetails(absl::string_view serialized_status) {
  if (serialized_status.empty()) return "";
  google::rpc::Status status;
  if (!status.ParseFromArray(serialized_status.data(),
                             static_cast<int>(serialized_status.size()))) {
    return absl::StrCat("  (unparseable grpc-status-details-bin, ",
                        serialized_status.size(), " bytes)\n");
  }
  std::string out;
  for (const google::protobuf::Any& detail : status.details()) {
    google::rpc::ErrorInfo error_info;
    google::rpc::BadRequest bad_request;
    google::rpc::RetryInfo retry_info;
    if (detail.Is<google::rpc::ErrorInfo>() && detail.UnpackTo(&error_info)) {
      AppendErrorInfo(error_info, &out);
    } else if (detail.Is<google::rpc::BadRequest>() &&
               detail.UnpackTo(&bad_request)) {
      AppendBadRequest(bad_request, &out);
    } else if (detail.Is<google::rpc::RetryInfo>() &&
               detail.UnpackTo(&retry_info)) {
      AppendRetryInfo(retry_info, &out);
    } else {
      AppendOther(detail, &out);
    }
  }
  return out;
}

absl::StatusOr<std::string> FormatResponse(
    const google::protobuf::Message& response) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  const auto status =
      google::protobuf::util::MessageToJsonString(response, &json, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("cannot print the response: ",
                                            status.message().ToString()));
  }
  if (json.empty() || json.back() != '\n') json += '\n';
  return json;
}

std::string FormatGrpcError(const grpc::Status& status,
                            absl::string_view request_id) {
  std::string out = absl::StrCat("ERROR ", StatusCodeName(status.error_code()),
                                 ": ", status.error_message(), "\n",
                                 FormatErrorDetails(status.error_details()));
  if (!request_id.empty()) {
    absl::StrAppend(&out, "  x-request-id: ", request_id, "\n");
  }
  return out;
}

}  // namespace client::ctl
