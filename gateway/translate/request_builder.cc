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

namespace {

// CanonicalValue is PathValue with a UUID lower-cased.
std::string CanonicalValue(const FieldInfo& field, const Message& request) {
  std::string value = PathValue(field, request);
  if (field.rules.format() == polytomic::v1::FIELD_FORMAT_UUID) {
    absl::AsciiStrToLower(&value);
  }
  return value;
}

}  // namespace

std::string ResourceId(const Route& route, const Message& request) {
  for (auto it = route.path.rbegin(); it != route.path.rend(); ++it) {
    if (it->field != nullptr) return CanonicalValue(*it->field, request);
  }
  return "";
}

std::string CanonicalPath(const std::vector<Route::PathSegment>& path,
                          const Message& request) {
  std::string key;
  for (const Route::PathSegment& segment : path) {
    absl::StrAppend(
        &key, segment.field == nullptr
                  ? segment.literal
                  : PercentEncode(CanonicalValue(*segment.field, request)));
  }
  return key;
}

std::string ResourceKey(const Route& route, const Message& request) {
  return CanonicalPath(route.path, request);
}

namespace {

// Build builds the request; `resource`, when not null, replaces the
// request's resource in the body.
absl::StatusOr<HttpRequest> Build(const Route& route, const Message& request,
                                  const JsonCodec& codec,
                                  absl::string_view idempotency_key,
                                  Json* resource) {
  HttpRequest http;
  http.method = route.http_method;
  std::string query;
  if (!route.query_fields.empty()) {
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
  }
  http.target = absl::StrCat(PathFor(route, request), query);

  const Reflection* r = request.GetReflection();
  for (const FieldInfo* field : route.header_fields) {
    if (r->HasField(request, field->descriptor)) {
      http.headers.emplace_back(field->rules.header(),
                                ScalarText(codec.FieldToJson(request, *field)));
    } else if (field == route.idempotency_key && !idempotency_key.empty()) {
      http.headers.emplace_back(field->rules.header(),
                                std::string(idempotency_key));
    }
  }

  Json body;
  switch (route.body) {
    case Route::Body::kNone:
      return http;
    case Route::Body::kField:
      if (resource != nullptr) {
        body = std::move(*resource);
      } else if (r->HasField(request, route.body_field->descriptor)) {
        body =
            codec.ToJson(r->GetMessage(request, route.body_field->descriptor));
      } else {
        body = Json::object();
      }
      for (const std::string& member : route.body_omits) body.erase(member);
      break;
    case Route::Body::kRemainingFields:
      body = codec.FieldsToJson(request, route.body_fields);
      if (resource != nullptr) {
        body[route.resource->wire_name] = std::move(*resource);
      }
      if (route.resource != nullptr) {
        if (auto it = body.find(route.resource->wire_name);
            it != body.end() && it->is_object()) {
          for (const std::string& member : route.body_omits) it->erase(member);
        }
      }
      break;
  }
  http.body = Dump(body);
  return http;
}

}  // namespace

absl::StatusOr<HttpRequest> BuildHttpRequest(
    const Route& route, const Message& request, const JsonCodec& codec,
    absl::string_view idempotency_key) {
  return Build(route, request, codec, idempotency_key, nullptr);
}

absl::StatusOr<HttpRequest> BuildHttpRequestWith(
    const Route& route, const Message& request, const JsonCodec& codec,
    absl::string_view idempotency_key, Json resource) {
  return Build(route, request, codec, idempotency_key, &resource);
}

}  // namespace gateway::translate
