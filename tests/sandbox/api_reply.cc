#include "tests/sandbox/api_reply.h"

#include <algorithm>

namespace sandbox {

void FieldErrors::Add(const std::string& field, const std::string& problem) {
  auto it = std::find_if(fields_.begin(), fields_.end(),
                         [&](const auto& f) { return f.first == field; });
  if (it == fields_.end()) fields_.emplace_back(field, problem);
}

void FieldErrors::AddSyntax(const std::string& field,
                            const std::string& problem) {
  has_syntax_ = true;
  Add(field, problem);
}

int FieldErrors::Status(int semantic_status) const {
  return has_syntax_ ? 400 : semantic_status;
}

Reply JsonReply(int status, const nlohmann::ordered_json& body) {
  Reply reply;
  reply.status = status;
  reply.body = body.dump();
  return reply;
}

std::string KeyForStatus(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 408:
      return "request_timeout";
    case 409:
      return "conflict";
    case 413:
      return "payload_too_large";
    case 422:
      return "validation_error";
    case 429:
      return "too_many_requests";
    case 501:
      return "not_implemented";
    case 502:
      return "bad_gateway";
    case 503:
      return "service_unavailable";
    case 504:
      return "gateway_timeout";
    default:
      return status >= 500 ? "internal_error" : "error";
  }
}

nlohmann::ordered_json ErrorBody(int status, const std::string& key,
                                 const std::string& message,
                                 const FieldErrors* fields) {
  nlohmann::ordered_json body;
  body["status"] = status;
  body["key"] = key;
  body["message"] = message;
  if (fields != nullptr && !fields->empty()) {
    nlohmann::ordered_json map = nlohmann::ordered_json::object();
    for (const auto& [field, problem] : fields->fields()) map[field] = problem;
    body["metadata"]["fields"] = std::move(map);
  }
  return body;
}

Reply ErrorReply(int status, const std::string& key,
                 const std::string& message) {
  return JsonReply(status, ErrorBody(status, key, message));
}

Reply ValidationReply(int semantic_status, const FieldErrors& errors) {
  std::string message;
  for (const auto& [field, problem] : errors.fields()) {
    if (!message.empty()) message += "; ";
    message += field + " " + problem;
  }
  int status = errors.Status(semantic_status);
  return JsonReply(status,
                   ErrorBody(status, "validation_error", message, &errors));
}

Reply NotFoundReply(const std::string& what, const std::string& id) {
  return ErrorReply(404, "not_found", what + " " + id + " not found");
}

}  // namespace sandbox
