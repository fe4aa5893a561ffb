// body_parser.h: turns a raw request body into a validated JSON object, the
// way the real API rejects bad bodies.
//
//   BodyParser parser(openapi::Spec::Embedded());
//   nlohmann::ordered_json body;
//   if (std::optional<Reply> error = parser.Parse("bulkSync.create", raw,
//   &body))
//     return *error;  // 400 / 422 ApiError naming the fields
//
// Checks, in order: nesting depth (at most kMaxDepth, so that no later
// recursive walk can exhaust a stack), JSON syntax, object at the top, then
// the reference's request schema (types, enums, required fields) through the
// OpenAPI checker. Null members of objects are removed first: like the real
// API, an explicit null means "not sent". Unknown fields are ignored. An
// empty body is `{}`.
//
// Thread safety: immutable after construction; Parse may be called
// concurrently.
#ifndef TESTS_SANDBOX_BODY_PARSER_H_
#define TESTS_SANDBOX_BODY_PARSER_H_

#include <optional>
#include <string>

#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"
#include "tests/support/openapi_checker.h"

namespace sandbox {

class BodyParser {
 public:
  static constexpr int kMaxDepth = 64;

  // BodyParser keeps a reference to `spec`, which must outlive it.
  explicit BodyParser(const openapi::Spec& spec);

  // HasBody reports whether the operation declares a request body.
  bool HasBody(const std::string& operation_id) const;

  // Parse fills `out` and returns nullopt, or returns the error reply.
  std::optional<Reply> Parse(const std::string& operation_id,
                             const std::string& raw,
                             nlohmann::ordered_json* out) const;

  // ParseObject is Parse without a schema (hooks): depth, syntax, object.
  static std::optional<Reply> ParseObject(const std::string& raw,
                                          nlohmann::ordered_json* out);

 private:
  const openapi::Spec& spec_;
};

// ExceedsDepth reports whether JSON text nests arrays/objects deeper than
// `max_depth` (strings are skipped, so brackets inside them do not count).
bool ExceedsDepth(const std::string& text, int max_depth);

// StripNulls removes null members of objects, recursively (array elements
// are kept).
void StripNulls(nlohmann::ordered_json& value);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_BODY_PARSER_H_
