#include "tests/support/proto_json_matcher.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/common/sha256.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"
#include "polytomic/v1/options.pb.h"

namespace testsupport {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Reflection;
using Json = nlohmann::ordered_json;

// Checker accumulates mismatches with their paths.
class Checker {
 public:
  void Object(const google::protobuf::Message& message, const Json& json,
              const std::string& path);
  const std::string& errors() const { return errors_; }

 private:
  void Fail(const std::string& path, const std::string& what) {
    absl::StrAppend(&errors_, path.empty() ? "(top)" : path, ": ", what, "\n");
  }
  void Field(const google::protobuf::Message& message,
             const FieldDescriptor* field, const Json& json,
             const std::string& path);
  void Scalar(const google::protobuf::Message& message,
              const FieldDescriptor* field, int index, const Json& json,
              const std::string& path);
  void Embedded(const google::protobuf::Message& value, const Json& json,
                const std::string& path);

  std::string errors_;
};

// ValueEquals compares a google.protobuf.Value with JSON (numbers by value).
bool ValueEquals(const google::protobuf::Value& value, const Json& json) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kNullValue:
      return json.is_null();
    case google::protobuf::Value::kBoolValue:
      return json.is_boolean() && json.get<bool>() == value.bool_value();
    case google::protobuf::Value::kNumberValue:
      return json.is_number() && json.get<double>() == value.number_value();
    case google::protobuf::Value::kStringValue:
      return json.is_string() &&
             json.get<std::string>() == value.string_value();
    case google::protobuf::Value::kListValue: {
      const auto& items = value.list_value().values();
      if (!json.is_array() || json.size() != static_cast<size_t>(items.size()))
        return false;
      for (int i = 0; i < items.size(); ++i) {
        if (!ValueEquals(items[i], json[i])) return false;
      }
      return true;
    }
    case google::protobuf::Value::kStructValue: {
      const auto& fields = value.struct_value().fields();
      if (!json.is_object() || json.size() != fields.size()) return false;
      for (const auto& [key, member] : json.items()) {
        auto it = fields.find(key);
        if (it == fields.end() || !ValueEquals(it->second, member))
          return false;
      }
      return true;
    }
    default:
      return false;
  }
}

bool StructEquals(const google::protobuf::Struct& value, const Json& json) {
  google::protobuf::Value wrapped;
  *wrapped.mutable_struct_value() = value;
  return ValueEquals(wrapped, json);
}

const FieldDescriptor* FindByJsonName(const google::protobuf::Descriptor* d,
                                      const std::string& name) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    if (field->options()
            .GetExtension(polytomic::v1::field)
            .additional_fields()) {
      continue;
    }
    if (field->json_name() == name) return field;
  }
  return nullptr;
}

const FieldDescriptor* AdditionalFields(const google::protobuf::Descriptor* d) {
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)
            ->options()
            .GetExtension(polytomic::v1::field)
            .additional_fields()) {
      return d->field(i);
    }
  }
  return nullptr;
}

bool IsSet(const google::protobuf::Message& message,
           const FieldDescriptor* field) {
  const Reflection* r = message.GetReflection();
  if (field->is_repeated()) return r->FieldSize(message, field) > 0;
  if (field->has_presence()) return r->HasField(message, field);
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    return !r->GetString(message, field).empty();
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    return r->GetEnumValue(message, field) != 0;
  }
  return true;
}

void Checker::Object(const google::protobuf::Message& message, const Json& json,
                     const std::string& path) {
  const auto* d = message.GetDescriptor();
  const Reflection* r = message.GetReflection();
  if (d->options().GetExtension(polytomic::v1::message).json_union()) {
    const FieldDescriptor* set =
        r->GetOneofFieldDescriptor(message, d->oneof_decl(0));
    if (set == nullptr) return Fail(path, "union has no member set");
    if (set->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (!json.is_string() ||
          json.get<std::string>() != r->GetString(message, set)) {
        Fail(path, absl::StrCat("union string differs from ", json.dump()));
      }
      return;
    }
    return Object(r->GetMessage(message, set), json, path);
  }
  if (d->options().GetExtension(polytomic::v1::message).json_list()) {
    return Field(message, d->field(0), json, path);
  }
  if (!json.is_object()) return Fail(path, "JSON is not an object");
  const FieldDescriptor* extra_field = AdditionalFields(d);
  const google::protobuf::Struct* extra =
      extra_field != nullptr && r->HasField(message, extra_field)
          ? static_cast<const google::protobuf::Struct*>(
                &r->GetMessage(message, extra_field))
          : nullptr;
  size_t extra_used = 0;
  for (const auto& [key, value] : json.items()) {
    std::string member_path = path.empty() ? key : absl::StrCat(path, ".", key);
    const FieldDescriptor* field = FindByJsonName(d, key);
    if (field != nullptr && IsSet(message, field)) {
      Field(message, field, value, member_path);
      continue;
    }
    if (value.is_null()) continue;
    // Proto3 lists and maps have no presence: [] and {} read as empty.
    if (field != nullptr && field->is_repeated() && value.empty() &&
        (value.is_array() || (field->is_map() && value.is_object()))) {
      continue;
    }
    // Not in a typed field: it must be kept verbatim.
    if (extra == nullptr || !extra->fields().contains(key)) {
      Fail(member_path,
           absl::StrCat("missing from the response (", value.dump(), ")"));
      continue;
    }
    ++extra_used;
    if (!ValueEquals(extra->fields().at(key), value)) {
      Fail(member_path, "additional_fields value differs");
    }
  }
  if (extra != nullptr &&
      extra_used != static_cast<size_t>(extra->fields().size())) {
    Fail(path, "additional_fields holds members the JSON does not have");
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    if (field == extra_field || !IsSet(message, field)) continue;
    const auto& rules = field->options().GetExtension(polytomic::v1::field);
    if (rules.etag()) {
      // The contract's etag: the SHA-256 of the document's compact JSON.
      if (r->GetString(message, field) != gateway::Sha256Hex(json.dump())) {
        Fail(path.empty() ? "etag" : absl::StrCat(path, ".etag"),
             "is not the SHA-256 of the upstream document");
      }
      continue;
    }
    if (rules.behavior() == polytomic::v1::FIELD_BEHAVIOR_GATEWAY) continue;
    if (!json.contains(field->json_name()) ||
        json[field->json_name()].is_null()) {
      Fail(path.empty() ? field->json_name()
                        : absl::StrCat(path, ".", field->json_name()),
           "set in the response but absent upstream");
    }
  }
}

void Checker::Field(const google::protobuf::Message& message,
                    const FieldDescriptor* field, const Json& json,
                    const std::string& path) {
  const Reflection* r = message.GetReflection();
  if (field->is_map()) {
    if (!json.is_object()) return Fail(path, "expected an object");
    int size = r->FieldSize(message, field);
    if (static_cast<size_t>(size) != json.size())
      return Fail(path, "map size differs");
    const FieldDescriptor* key = field->message_type()->map_key();
    const FieldDescriptor* value = field->message_type()->map_value();
    for (int i = 0; i < size; ++i) {
      const google::protobuf::Message& entry =
          r->GetRepeatedMessage(message, field, i);
      std::string k = entry.GetReflection()->GetString(entry, key);
      if (!json.contains(k)) {
        Fail(path, absl::StrCat("map key ", k, " not upstream"));
        continue;
      }
      Scalar(entry, value, -1, json[k], absl::StrCat(path, "[", k, "]"));
    }
    return;
  }
  if (field->is_repeated()) {
    if (!json.is_array()) return Fail(path, "expected an array");
    int size = r->FieldSize(message, field);
    if (static_cast<size_t>(size) != json.size()) {
      return Fail(path,
                  absl::StrCat("has ", size, " items, upstream ", json.size()));
    }
    for (int i = 0; i < size; ++i) {
      Scalar(message, field, i, json[i], absl::StrCat(path, "[", i, "]"));
    }
    return;
  }
  Scalar(message, field, -1, json, path);
}

// Scalar compares a singular value (index -1) or one element of a repeated
// field.
void Checker::Scalar(const google::protobuf::Message& message,
                     const FieldDescriptor* field, int index, const Json& json,
                     const std::string& path) {
  const Reflection* r = message.GetReflection();
  bool rep = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v = rep ? r->GetRepeatedString(message, field, index)
                          : r->GetString(message, field);
      if (!json.is_string() || json.get<std::string>() != v) {
        Fail(path, absl::StrCat("\"", v, "\" != ", json.dump()));
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v = rep ? r->GetRepeatedBool(message, field, index)
                   : r->GetBool(message, field);
      if (!json.is_boolean() || json.get<bool>() != v)
        Fail(path, "boolean differs");
      return;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v = rep ? r->GetRepeatedInt64(message, field, index)
                      : r->GetInt64(message, field);
      if (!json.is_number_integer() || json.get<int64_t>() != v) {
        Fail(path, absl::StrCat(v, " != ", json.dump()));
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v = rep ? r->GetRepeatedDouble(message, field, index)
                     : r->GetDouble(message, field);
      if (!json.is_number() || json.get<double>() != v)
        Fail(path, "number differs");
      return;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* value = rep ? r->GetRepeatedEnum(message, field, index)
                              : r->GetEnum(message, field);
      const std::string& wire =
          value->options().GetExtension(polytomic::v1::wire_value);
      if (!json.is_string() || json.get<std::string>() != wire) {
        Fail(path,
             absl::StrCat(value->name(), " (", wire, ") != ", json.dump()));
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return Embedded(rep ? r->GetRepeatedMessage(message, field, index)
                          : r->GetMessage(message, field),
                      json, path);
    default:
      return Fail(path, "unsupported field type");
  }
}

void Checker::Embedded(const google::protobuf::Message& value, const Json& json,
                       const std::string& path) {
  const std::string& type = value.GetDescriptor()->full_name();
  if (type == "google.protobuf.Timestamp") {
    google::protobuf::Timestamp parsed;
    if (!json.is_string() ||
        !google::protobuf::util::TimeUtil::FromString(json.get<std::string>(),
                                                      &parsed) ||
        parsed.SerializeAsString() != value.SerializeAsString()) {
      Fail(path, absl::StrCat("timestamp differs from ", json.dump()));
    }
    return;
  }
  if (type == "google.protobuf.Struct") {
    if (!StructEquals(static_cast<const google::protobuf::Struct&>(value),
                      json)) {
      Fail(path, absl::StrCat("object differs from ", json.dump()));
    }
    return;
  }
  if (type == "google.protobuf.Value") {
    if (!ValueEquals(static_cast<const google::protobuf::Value&>(value),
                     json)) {
      Fail(path, absl::StrCat("value differs from ", json.dump()));
    }
    return;
  }
  Object(value, json, path);
}

}  // namespace

::testing::AssertionResult MatchesUpstreamJson(
    const google::protobuf::Message& message, const Json& json) {
  Checker checker;
  if (json.is_null()) {
    // An empty upstream body: the response must be empty too.
    if (message.ByteSizeLong() == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "upstream body was empty, response is not";
  }
  checker.Object(message, json, "");
  if (checker.errors().empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << checker.errors() << "upstream JSON: " << json.dump();
}

}  // namespace testsupport
