#include "tests/sandbox/body_parser.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/sandbox/operation.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

constexpr char kBodyField[] = "(body)";

Reply BodyError(const std::string& problem) {
  FieldErrors errors;
  errors.AddSyntax(kBodyField, problem);
  return ValidationReply(400, errors);
}

// Problem strips the "path: " prefix the checker puts on its messages.
std::string Problem(const openapi::Violation& v) {
  std::string prefix =
      (v.path.empty() ? std::string(kBodyField) : v.path) + ": ";
  if (absl::StartsWith(v.message, prefix)) {
    return v.message.substr(prefix.size());
  }
  return v.message;
}

}  // namespace

bool ExceedsDepth(const std::string& text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

void StripNulls(Json& value) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end();) {
      if (it.value().is_null()) {
        it = value.erase(it);
      } else {
        StripNulls(it.value());
        ++it;
      }
    }
  } else if (value.is_array()) {
    for (Json& item : value) StripNulls(item);
  }
}

BodyParser::BodyParser(const openapi::Spec& spec) : spec_(spec) {}

bool BodyParser::HasBody(const std::string& operation_id) const {
  const openapi::Operation* op = spec_.Find(operation_id);
  return op != nullptr && op->has_request_body;
}

std::optional<Reply> BodyParser::ParseObject(const std::string& raw,
                                             Json* out) {
  if (absl::StripAsciiWhitespace(raw).empty()) {
    *out = Json::object();
    return std::nullopt;
  }
  if (ExceedsDepth(raw, kMaxDepth)) {
    return BodyError(absl::StrCat("nests deeper than ", kMaxDepth, " levels"));
  }
  Json parsed = Json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    // Parse again for the position; the cheap pass above keeps exceptions
    // off the common path and inside this function.
    std::string detail = "is not valid JSON";
    try {
      Json ignored = Json::parse(raw);
      (void)ignored;
    } catch (const Json::parse_error& e) {
      detail = absl::StrCat("is not valid JSON (byte ", e.byte, ")");
    }
    return BodyError(detail);
  }
  if (!parsed.is_object()) return BodyError("must be a JSON object");
  StripNulls(parsed);
  *out = std::move(parsed);
  return std::nullopt;
}

std::optional<Reply> BodyParser::Parse(const std::string& operation_id,
                                       const std::string& raw,
                                       Json* out) const {
  if (std::optional<Reply> error = ParseObject(raw, out)) return error;
  const openapi::Operation* op = spec_.Find(operation_id);
  if (op == nullptr) return std::nullopt;
  std::vector<openapi::Violation> violations = spec_.CheckRequestBody(
      *op, nlohmann::json(*out), {/*allow_unknown_fields=*/true});
  FieldErrors errors;
  for (const openapi::Violation& v : violations) {
    const std::string field = v.path.empty() ? kBodyField : v.path;
    switch (v.kind) {
      case openapi::Violation::Kind::kMissingRequired:
        errors.Add(field, "is required");
        break;
      case openapi::Violation::Kind::kWrongType:
      case openapi::Violation::Kind::kBadEnum:
        errors.AddSyntax(field, Problem(v));
        break;
      case openapi::Violation::Kind::kUnknownField:
        break;  // ignored, as the real API does
    }
  }
  if (errors.empty()) return std::nullopt;
  return ValidationReply(SemanticErrorStatus(operation_id), errors);
}

}  // namespace sandbox
