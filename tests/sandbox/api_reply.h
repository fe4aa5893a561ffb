// api_reply.h: the HTTP answer an operation or hook produces, and the ApiError
// body every error carries.
//
//   Reply ok = JsonReply(200, {{"data", doc}});
//   FieldErrors errors;
//   errors.Add("default_schedule.frequency", "is required");
//   Reply bad = ValidationReply(422, errors);
//   // {"status":422,"key":"validation_error",
//   //  "message":"default_schedule.frequency is required",
//   //  "metadata":{"fields":{"default_schedule.frequency":"is required"}}}
//
// Thread safety: plain values; no shared state.
#ifndef TESTS_SANDBOX_API_REPLY_H_
#define TESTS_SANDBOX_API_REPLY_H_

#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace sandbox {

// Reply is one HTTP response: status, serialized body and extra headers.
// An empty `body` means no body at all (DELETE answers 200 without one).
struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// FieldErrors collects validation problems by wire path (`a.b[2].c`), in the
// order they were found. Syntax problems (wrong type, bad enum, bad format)
// are always 400; semantic ones (missing required field, unknown id) are 422
// on the operations whose reference lists 422 and 400 elsewhere.
class FieldErrors {
 public:
  // Add records a semantic problem with `field`; the first message per field
  // wins.
  void Add(const std::string& field, const std::string& problem);
  // AddSyntax records a problem that is 400 on every operation.
  void AddSyntax(const std::string& field, const std::string& problem);

  bool empty() const { return fields_.empty(); }
  bool has_syntax() const { return has_syntax_; }
  // Status is 400 when any syntax problem was recorded, else
  // `semantic_status`.
  int Status(int semantic_status) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const {
    return fields_;
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
  bool has_syntax_ = false;
};

// JsonReply serializes `body` with the given status.
Reply JsonReply(int status, const nlohmann::ordered_json& body);

// ErrorBody builds the ApiError document; `fields` become metadata.fields
// (omitted when empty).
nlohmann::ordered_json ErrorBody(int status, const std::string& key,
                                 const std::string& message,
                                 const FieldErrors* fields = nullptr);

// ErrorReply answers `status` with an ApiError body.
Reply ErrorReply(int status, const std::string& key,
                 const std::string& message);

// ValidationReply answers with key `validation_error`, a message naming every
// field and metadata.fields. The status is errors.Status(semantic_status).
Reply ValidationReply(int semantic_status, const FieldErrors& errors);

// NotFoundReply is the 404 for a resource id the caller's organization does
// not have (another organization's id is indistinguishable from a missing
// one).
Reply NotFoundReply(const std::string& what, const std::string& id);

// KeyForStatus returns the ApiError key used for a status (`not_found`,
// `conflict`, ...).
std::string KeyForStatus(int status);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_API_REPLY_H_
