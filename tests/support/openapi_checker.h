// openapi_checker.h: checks JSON documents against the Polytomic OpenAPI file.
//
// The sandbox uses it to validate request bodies the way the real API does
// (types, enums, required fields), and the conformance test uses it to check
// every sandbox response and accepted request body:
//
//   const openapi::Spec& spec = openapi::Spec::Embedded();
//   const openapi::Operation* op = spec.Match("PUT", "/api/bulk/syncs/1234");
//   std::vector<openapi::Violation> v =
//       spec.CheckRequestBody(*op, body, {.allow_unknown_fields = true});
//
// Only the OpenAPI 3.0 subset the file uses is understood: `$ref` to
// components, `type` (object, array, string, integer, number, boolean),
// `properties`, `required`, `additionalProperties`, `items`, `enum`, `oneOf`
// and `anyOf` (plus `allOf` and `nullable`, which the file does not use). A
// schema without `type` accepts any JSON value. `format` is ignored. Rules
// where the file is silent or OpenAPI is loose:
//  - null: the file has no `nullable`, yet the real API writes null for unset
//    optional fields (timestamps, actors), so null is accepted for any
//    property that is not `required`. A required property that is null, a
//    null array item or a null map value is kWrongType.
//  - integer: only a number written without fraction or exponent (`3`, not
//    `3.0`), since the API decodes into Go integers.
//  - unknown properties: flagged when the schema lists `properties` and has
//    no `additionalProperties`, unless CheckOptions::allow_unknown_fields.
//    `additionalProperties: true` or a schema makes a free-form map; an
//    explicit `false` is flagged even when unknown fields are allowed. An
//    object schema with neither keyword is free-form.
//  - oneOf/anyOf: accepted when any branch accepts (oneOf is not held to
//    "exactly one"). Otherwise exactly one kWrongType at the union's path,
//    whose message lists the branches and quotes the closest branch's first
//    violation (with its deeper path).
//  - Match: among operations of the given method (case-insensitive); a query
//    string is ignored. Same-method templates that both match are ordered by
//    the first segment where one is literal: the literal wins.
//  - a body that must be empty (no request body, a response without content)
//    is expressed as JSON null; anything else there is kWrongType at "".
// The document is validated once in FromJson (dangling or cyclic `$ref`,
// unknown `type`, duplicate operationId are InvalidArgument), so the Check
// methods cannot fail. Messages start with the path, or "(body)" for "".
//
// Thread safety: a Spec is immutable after construction; all const methods may
// be called concurrently.
#ifndef TESTS_SUPPORT_OPENAPI_CHECKER_H_
#define TESTS_SUPPORT_OPENAPI_CHECKER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace openapi {

// Violation is one way a document departs from its schema. `path` is the wire
// path of the offending value (`default_schedule.frequency`, `schemas[2]`,
// empty for the document itself).
struct Violation {
  enum class Kind { kMissingRequired, kWrongType, kUnknownField, kBadEnum };
  Kind kind;
  std::string path;
  std::string message;  // human readable, names the path
};

struct CheckOptions {
  // Properties a schema does not declare are violations unless this is set
  // (or the schema allows additionalProperties).
  bool allow_unknown_fields = false;
};

// Operation is one method + path of the file.
struct Operation {
  std::string id;             // operationId, e.g. "bulkSync.get"
  std::string method;         // upper case: GET, POST, PUT, PATCH, DELETE
  std::string path_template;  // e.g. "/api/bulk/syncs/{id}"
  std::vector<std::string> path_params;   // names, in template order
  std::vector<std::string> query_params;  // names
  bool has_request_body = false;
};

class Spec {
 public:
  // FromJson parses an OpenAPI 3.0 document.
  static absl::StatusOr<std::unique_ptr<Spec>> FromJson(std::string_view text);
  // Embedded returns the spec compiled in from tests/testdata/openapi.json.
  static const Spec& Embedded();

  ~Spec();

  const std::vector<Operation>& operations() const;
  // Find returns the operation with this operationId, or nullptr.
  const Operation* Find(std::string_view operation_id) const;
  // Match returns the operation whose method and path template match a
  // concrete request path (without query string), or nullptr. Literal
  // segments win over parameters (`/api/bulk/syncs/status` is not
  // `/api/bulk/syncs/{id}`).
  const Operation* Match(std::string_view method, std::string_view path) const;

  // CheckRequestBody checks `body` against the operation's request body
  // schema. An operation without a request body accepts only an absent body,
  // which callers express by not calling this.
  std::vector<Violation> CheckRequestBody(const Operation& op,
                                          const nlohmann::json& body,
                                          const CheckOptions& options) const;
  // CheckResponse checks a response body against the schema declared for
  // `status` (falling back to `default`). Statuses the operation does not
  // declare are checked against the ApiError schema.
  std::vector<Violation> CheckResponse(const Operation& op, int status,
                                       const nlohmann::json& body,
                                       const CheckOptions& options) const;

 private:
  struct Impl;
  explicit Spec(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace openapi

#endif  // TESTS_SUPPORT_OPENAPI_CHECKER_H_
