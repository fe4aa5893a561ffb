#include "gateway/translate/error_mapping.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/common/error_details.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/retry_after.h"
#include "google/protobuf/duration.pb.h"

namespace gateway::translate {
namespace {

struct Row {
  int from;
  int to;
  absl::StatusCode code;
  const char* reason;
};

// The first matching row wins.
constexpr Row kRows[] = {
    {400, 400, absl::StatusCode::kInvalidArgument, "UPSTREAM_REJECTED_REQUEST"},
    {401, 401, absl::StatusCode::kUnavailable, "UPSTREAM_CREDENTIAL_REJECTED"},
    {403, 403, absl::StatusCode::kPermissionDenied,
     "UPSTREAM_PERMISSION_DENIED"},
    {404, 404, absl::StatusCode::kNotFound, "UPSTREAM_NOT_FOUND"},
    {408, 408, absl::StatusCode::kDeadlineExceeded, "UPSTREAM_TIMEOUT"},
    {409, 409, absl::StatusCode::kAborted, "UPSTREAM_CONFLICT"},
    {413, 413, absl::StatusCode::kInvalidArgument,
     "UPSTREAM_REQUEST_TOO_LARGE"},
    {422, 422, absl::StatusCode::kInvalidArgument, "UPSTREAM_REJECTED_REQUEST"},
    {429, 429, absl::StatusCode::kResourceExhausted, "UPSTREAM_RATE_LIMITED"},
    {504, 504, absl::StatusCode::kDeadlineExceeded, "UPSTREAM_TIMEOUT"},
    {500, 599, absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE"},
};

// ApiError is what we can read of an upstream error body. The 2025-09-18 API
// sends ApiError {status, key, message, metadata}; older shapes put the text
// in `error` (a string, or an object with `message`).
struct ApiError {
  std::string message;
  std::string key;
  Json fields;  // metadata.fields: wire path -> what is wrong
};

ApiError ReadApiError(const std::string& body) {
  ApiError error;
  // `fields` is copied and printed, recursively: a body nested deeper than
  // any the codec reads is not an error we can read.
  if (NestsDeeperThan(body)) return error;
  Json json = Json::parse(body, nullptr, false);
  if (!json.is_object()) return error;
  if (auto it = json.find("message"); it != json.end() && it->is_string()) {
    error.message = it->get<std::string>();
  } else if (auto e = json.find("error"); e != json.end()) {
    if (e->is_string()) {
      error.message = e->get<std::string>();
    } else if (e->is_object() && e->contains("message") &&
               (*e)["message"].is_string()) {
      error.message = (*e)["message"].get<std::string>();
    }
  }
  if (auto it = json.find("key"); it != json.end() && it->is_string()) {
    error.key = it->get<std::string>();
  }
  if (auto it = json.find("metadata"); it != json.end() && it->is_object()) {
    if (auto f = it->find("fields"); f != it->end() && f->is_object()) {
      error.fields = *f;
    }
  }
  return error;
}

// ProtoPath turns a wire path of the request body
// (`default_schedule.frequency`, `schedule.dayOfWeek`, `fields[2].target`) into
// the proto field path of the request (`bulk_sync.default_schedule.frequency`).
// Unknown parts are kept.
std::string ProtoPath(const Route& route, const WireSchema& schema,
                      absl::string_view wire_path) {
  const MessageInfo* info = route.input;
  std::vector<std::string> out;
  if (route.body == Route::Body::kField) {
    out.push_back(route.body_field->descriptor->name());
    info = schema.Message(route.body_field->descriptor->message_type());
  }
  for (absl::string_view part : absl::StrSplit(wire_path, '.')) {
    size_t bracket = part.find('[');
    absl::string_view name = part.substr(0, bracket);
    absl::string_view suffix =
        bracket == part.npos ? absl::string_view() : part.substr(bracket);
    const FieldInfo* field = info != nullptr ? info->FindWire(name) : nullptr;
    if (field == nullptr) {
      out.push_back(std::string(part));
      info = nullptr;
      continue;
    }
    out.push_back(absl::StrCat(field->descriptor->name(), suffix));
    const auto* type = field->descriptor->message_type();
    info = type != nullptr ? schema.Message(type) : nullptr;
    if (field->descriptor->is_map() && info != nullptr) {
      const auto* value = field->descriptor->message_type()->map_value();
      info = value->message_type() != nullptr
                 ? schema.Message(value->message_type())
                 : nullptr;
    }
  }
  return absl::StrJoin(out, ".");
}

}  // namespace

absl::Status UpstreamHttpError(const Route& route, const WireSchema& schema,
                               const HttpResponse& response, absl::Time now) {
  absl::StatusCode code = absl::StatusCode::kInternal;
  const char* reason = "UPSTREAM_UNEXPECTED_STATUS";
  for (const Row& row : kRows) {
    if (response.status >= row.from && response.status <= row.to) {
      code = row.code;
      reason = row.reason;
      break;
    }
  }
  ApiError api_error = ReadApiError(response.body);
  std::map<std::string, std::string> metadata = {
      {"operation", route.operation_id},
      {"http_status", absl::StrCat(response.status)}};
  if (!api_error.key.empty()) metadata["upstream_key"] = api_error.key;

  std::string message;
  if (response.status == 401) {
    message = absl::StrCat(route.operation_id,
                           ": the Polytomic API rejected the gateway's "
                           "credentials (HTTP 401); this is a gateway "
                           "configuration problem, not the caller's");
  } else {
    message = absl::StrCat(route.operation_id, ": upstream answered HTTP ",
                           response.status);
    if (!api_error.message.empty())
      absl::StrAppend(&message, ": ", api_error.message);
  }
  absl::Status status = ErrorWithInfo(code, message, reason, metadata);

  if (code == absl::StatusCode::kInvalidArgument &&
      api_error.fields.is_object() && !api_error.fields.empty()) {
    google::rpc::BadRequest bad_request;
    for (const auto& [wire_path, what] : api_error.fields.items()) {
      auto* violation = bad_request.add_field_violations();
      violation->set_field(ProtoPath(route, schema, wire_path));
      violation->set_description(what.is_string() ? what.get<std::string>()
                                                  : Dump(what));
    }
    AttachDetail(status, bad_request);
  }
  if (response.status == 429 || response.status == 503) {
    if (auto delay = ParseRetryAfter(response.Header("retry-after"), now)) {
      AttachRetryDelay(status, *delay);
    }
  }
  return status;
}

absl::Status UpstreamTransportError(const Route& route,
                                    const absl::Status& transport) {
  google::rpc::ErrorInfo refusal;
  if (GetDetail(transport, &refusal)) return transport;  // already explained
  std::map<std::string, std::string> metadata = {
      {"operation", route.operation_id}};
  std::string message =
      absl::StrCat(route.operation_id, ": ", transport.message());
  switch (transport.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return ErrorWithInfo(transport.code(), message, "UPSTREAM_TIMEOUT",
                           metadata);
    case absl::StatusCode::kCancelled:
      return ErrorWithInfo(transport.code(), message, "CANCELLED", metadata);
    default:
      return ErrorWithInfo(absl::StatusCode::kUnavailable, message,
                           "UPSTREAM_UNAVAILABLE", metadata);
  }
}

absl::Status BadUpstreamBody(const Route& route, int http_status,
                             absl::string_view why) {
  return ErrorWithInfo(
      absl::StatusCode::kInternal,
      absl::StrCat(route.operation_id, ": upstream answered HTTP ", http_status,
                   " with a body the gateway cannot read: ", why),
      "UPSTREAM_BAD_RESPONSE",
      {{"operation", route.operation_id},
       {"http_status", absl::StrCat(http_status)}});
}

}  // namespace gateway::translate
