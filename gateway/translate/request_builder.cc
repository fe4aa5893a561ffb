#include "gateway/translate/request_builder.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace gateway::translate {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// ScalarText is the text of a scalar field value in a path or query string.
std::string ScalarText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  return Dump(value);  // numbers and booleans: 42, true
}

void AppendQuery(std::string& query, absl::string_view name,
                 absl::string_view value) {
  absl::StrAppend(&query, query.empty() ? "?" : "&", PercentEncode(name), "=",
                  PercentEncode(value));
}

}  // namespace

std::string PercentEncode(absl::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string PathValue(const FieldInfo& field, const Message& request) {
  const Reflection* r = request.GetReflection();
  const FieldDescriptor* d = field.descriptor;
  if (d->cpp_type() != FieldDescriptor::CPPTYPE_ENUM) {
    return r->GetString(request, d);
  }
  auto it = field.enum_info->wire_by_number.find(r->GetEnumValue(request, d));
  return it != field.enum_info->wire_by_number.end() ? it->second : "";
}

std::string PathFor(const Route& route, const Message& request) {
  std::string path;
  for (const Route::PathSegment& segment : route.path) {
    if (segment.field == nullptr) {
      absl::StrAppend(&path, segment.literal);
    } else {
      absl::StrAppend(&path, PercentEncode(PathValue(*segment.field, request)));
    }
  }
  return path;
}

absl::StatusOr<HttpRequest> BuildHttpRequest(const Route& route,
                                             const Message& request,
                                             const JsonCodec& codec) {
  HttpRequest http;
  http.method = route.http_method;
  std::string query;
  Json fields = codec.FieldsToJson(request, route.query_fields);
  for (const FieldInfo* field : route.query_fields) {
    auto it = fields.find(field->wire_name);
    if (it == fields.end()) continue;
    if (field->rules.query_json()) {
      AppendQuery(query, field->wire_name, Dump(*it));
    } else if (it->is_array()) {
      for (const Json& item : *it) {
        AppendQuery(query, field->wire_name, ScalarText(item));
      }
    } else if (it->is_object()) {
      return absl::FailedPreconditionError(
          absl::StrCat("contract error: query field ", field->wire_name,
                       " is an object but not query_json"));
    } else {
      AppendQuery(query, field->wire_name, ScalarText(*it));
    }
  }
  http.target = absl::StrCat(PathFor(route, request), query);

  Json headers = codec.FieldsToJson(request, route.header_fields);
  for (const FieldInfo* field : route.header_fields) {
    auto it = headers.find(field->wire_name);
    if (it != headers.end()) {
      http.headers.emplace_back(field->rules.header(), ScalarText(*it));
    }
  }

  const Reflection* r = request.GetReflection();
  switch (route.body) {
    case Route::Body::kNone:
      break;
    case Route::Body::kField:
      http.body = r->HasField(request, route.body_field->descriptor)
                      ? Dump(codec.ToJson(r->GetMessage(
                            request, route.body_field->descriptor)))
                      : "{}";
      break;
    case Route::Body::kRemainingFields:
      http.body = Dump(codec.FieldsToJson(request, route.body_fields));
      break;
  }
  return http;
}

}  // namespace gateway::translate
