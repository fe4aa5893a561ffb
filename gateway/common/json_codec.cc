#include "gateway/common/json_codec.h"

#include <cmath>
#include <string>
#include <utility>

#include "gateway/common/json_decoder.h"
#include "gateway/common/sha256.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// HasValue says whether a singular field is "set" for the purpose of sending
// it: presence where the field tracks it, otherwise a non-zero value.
bool HasValue(const Message& message, const FieldDescriptor* field) {
  const Reflection* r = message.GetReflection();
  if (field->has_presence()) return r->HasField(message, field);
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return !r->GetString(message, field).empty();
    case FieldDescriptor::CPPTYPE_ENUM:
      return r->GetEnumValue(message, field) != 0;
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(message, field);
    case FieldDescriptor::CPPTYPE_INT32:
      return r->GetInt32(message, field) != 0;
    case FieldDescriptor::CPPTYPE_INT64:
      return r->GetInt64(message, field) != 0;
    case FieldDescriptor::CPPTYPE_UINT32:
      return r->GetUInt32(message, field) != 0;
    case FieldDescriptor::CPPTYPE_UINT64:
      return r->GetUInt64(message, field) != 0;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return r->GetDouble(message, field) != 0;
    case FieldDescriptor::CPPTYPE_FLOAT:
      return r->GetFloat(message, field) != 0;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return r->HasField(message, field);
  }
  return false;
}

// ZeroJson is the JSON of an unset singular field.
Json ZeroJson(const FieldInfo& field) {
  switch (field.descriptor->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return "";
    case FieldDescriptor::CPPTYPE_BOOL:
      return false;
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return 0.0;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return 0;
    case FieldDescriptor::CPPTYPE_ENUM:
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return nullptr;
  }
  return nullptr;
}

}  // namespace

bool NestsDeeperThan(absl::string_view json_text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json_text.size(); ++i) {
    const char c = json_text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

Json JsonCodec::StructToJson(const google::protobuf::Struct& value) {
  Json object = Json::object();
  for (const auto& [key, member] : value.fields()) {
    object[key] = ValueToJson(member);
  }
  return object;
}

Json JsonCodec::ValueToJson(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kBoolValue:
      return value.bool_value();
    case google::protobuf::Value::kNumberValue: {
      // Integral numbers go back out as integers, the way they came in.
      double number = value.number_value();
      if (std::trunc(number) == number && std::fabs(number) < 9.0e15) {
        return static_cast<int64_t>(number);
      }
      return number;
    }
    case google::protobuf::Value::kStringValue:
      return value.string_value();
    case google::protobuf::Value::kListValue: {
      Json array = Json::array();
      for (const auto& item : value.list_value().values()) {
        array.push_back(ValueToJson(item));
      }
      return array;
    }
    case google::protobuf::Value::kStructValue:
      return StructToJson(value.struct_value());
    case google::protobuf::Value::kNullValue:
    case google::protobuf::Value::KIND_NOT_SET:
      break;
  }
  return nullptr;
}

Json JsonCodec::ToJson(const Message& message) const {
  const MessageInfo* info = schema_->Message(message.GetDescriptor());
  const Reflection* r = message.GetReflection();
  if (info->json_union) {
    const FieldDescriptor* set = r->GetOneofFieldDescriptor(
        message, message.GetDescriptor()->oneof_decl(0));
    if (set == nullptr) return nullptr;
    return SingularToJson(message, *info->FindProto(set->name()));
  }
  if (info->json_list) return RepeatedToJson(message, info->fields[0]);
  Json object = Json::object();
  for (const FieldInfo& field : info->fields) {
    if (field.output_only() || field.gateway_only()) continue;
    AppendField(message, field, object);
  }
  AppendAdditional(message, *info, object);
  return object;
}

Json JsonCodec::FieldsToJson(
    const Message& message, const std::vector<const FieldInfo*>& fields) const {
  Json object = Json::object();
  for (const FieldInfo* field : fields) AppendField(message, *field, object);
  AppendAdditional(message, *schema_->Message(message.GetDescriptor()), object);
  return object;
}

void JsonCodec::AppendField(const Message& message, const FieldInfo& field,
                            Json& object) const {
  const FieldDescriptor* d = field.descriptor;
  if (d->is_repeated()) {
    if (message.GetReflection()->FieldSize(message, d) > 0) {
      object[field.wire_name] = RepeatedToJson(message, field);
    }
  } else if (HasValue(message, d)) {
    object[field.wire_name] = SingularToJson(message, field);
  }
}

void JsonCodec::AppendAdditional(const Message& message,
                                 const MessageInfo& info, Json& object) const {
  const Reflection* r = message.GetReflection();
  if (info.additional_fields == nullptr ||
      !r->HasField(message, info.additional_fields)) {
    return;
  }
  const auto& extra = static_cast<const google::protobuf::Struct&>(
      r->GetMessage(message, info.additional_fields));
  for (const auto& [key, value] : extra.fields()) {
    if (!object.contains(key)) object[key] = ValueToJson(value);
  }
}

Json JsonCodec::FieldToJson(const Message& message,
                            const FieldInfo& field) const {
  const FieldDescriptor* d = field.descriptor;
  if (d->is_repeated()) return RepeatedToJson(message, field);
  if (!HasValue(message, d)) return ZeroJson(field);
  return SingularToJson(message, field);
}

Json JsonCodec::SingularToJson(const Message& message,
                               const FieldInfo& field) const {
  const Reflection* r = message.GetReflection();
  const FieldDescriptor* d = field.descriptor;
  switch (d->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return r->GetString(message, d);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(message, d);
    case FieldDescriptor::CPPTYPE_INT32:
      return r->GetInt32(message, d);
    case FieldDescriptor::CPPTYPE_INT64:
      return r->GetInt64(message, d);
    case FieldDescriptor::CPPTYPE_UINT32:
      return r->GetUInt32(message, d);
    case FieldDescriptor::CPPTYPE_UINT64:
      return r->GetUInt64(message, d);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return r->GetDouble(message, d);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return r->GetFloat(message, d);
    case FieldDescriptor::CPPTYPE_ENUM: {
      auto it =
          field.enum_info->wire_by_number.find(r->GetEnumValue(message, d));
      if (it == field.enum_info->wire_by_number.end()) return nullptr;
      return it->second;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageValueToJson(r->GetMessage(message, d), field.well_known);
  }
  return nullptr;
}

Json JsonCodec::RepeatedToJson(const Message& message,
                               const FieldInfo& field) const {
  const Reflection* r = message.GetReflection();
  const FieldDescriptor* d = field.descriptor;
  int size = r->FieldSize(message, d);
  if (d->is_map()) {
    Json object = Json::object();
    const FieldDescriptor* key = d->message_type()->map_key();
    const FieldDescriptor* value = d->message_type()->map_value();
    FieldInfo value_info;
    value_info.descriptor = value;
    if (value->message_type() != nullptr) {
      value_info.well_known = WireSchema::WellKnownOf(value->message_type());
    }
    for (int i = 0; i < size; ++i) {
      const Message& entry = r->GetRepeatedMessage(message, d, i);
      const Reflection* er = entry.GetReflection();
      object[er->GetString(entry, key)] = SingularToJson(entry, value_info);
    }
    return object;
  }
  Json array = Json::array();
  for (int i = 0; i < size; ++i)
    array.push_back(ElementToJson(message, field, i));
  return array;
}

Json JsonCodec::ElementToJson(const Message& message, const FieldInfo& field,
                              int index) const {
  const Reflection* r = message.GetReflection();
  const FieldDescriptor* d = field.descriptor;
  switch (d->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return r->GetRepeatedString(message, d, index);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetRepeatedBool(message, d, index);
    case FieldDescriptor::CPPTYPE_INT32:
      return r->GetRepeatedInt32(message, d, index);
    case FieldDescriptor::CPPTYPE_INT64:
      return r->GetRepeatedInt64(message, d, index);
    case FieldDescriptor::CPPTYPE_UINT32:
      return r->GetRepeatedUInt32(message, d, index);
    case FieldDescriptor::CPPTYPE_UINT64:
      return r->GetRepeatedUInt64(message, d, index);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return r->GetRepeatedDouble(message, d, index);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return r->GetRepeatedFloat(message, d, index);
    case FieldDescriptor::CPPTYPE_ENUM: {
      auto it = field.enum_info->wire_by_number.find(
          r->GetRepeatedEnumValue(message, d, index));
      if (it == field.enum_info->wire_by_number.end()) return nullptr;
      return it->second;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageValueToJson(r->GetRepeatedMessage(message, d, index),
                                field.well_known);
  }
  return nullptr;
}

Json JsonCodec::MessageValueToJson(const Message& value, WellKnown kind) const {
  switch (kind) {
    case WellKnown::kTimestamp:
      return google::protobuf::util::TimeUtil::ToString(
          static_cast<const google::protobuf::Timestamp&>(value));
    case WellKnown::kStruct:
      return StructToJson(static_cast<const google::protobuf::Struct&>(value));
    case WellKnown::kValue:
      return ValueToJson(static_cast<const google::protobuf::Value&>(value));
    case WellKnown::kListValue: {
      Json array = Json::array();
      for (const auto& item :
           static_cast<const google::protobuf::ListValue&>(value).values()) {
        array.push_back(ValueToJson(item));
      }
      return array;
    }
    case WellKnown::kFieldMask:
      return nullptr;
    case WellKnown::kNone:
      break;
  }
  return ToJson(value);
}

absl::Status JsonCodec::FromJson(absl::string_view json_text,
                                 Message* message) const {
  return JsonDecoder::Decode(*schema_, json_text, message);
}

std::string JsonCodec::Etag(absl::string_view raw_json) {
  // Hash the runs between insignificant whitespace, so that no compact copy
  // of the text is made; a compact text is one run.
  Sha256 hasher;
  size_t run = 0;
  bool in_string = false;
  for (size_t i = 0; i < raw_json.size(); ++i) {
    char c = raw_json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      if (i > run) hasher.Update(raw_json.substr(run, i - run));
      run = i + 1;
    }
  }
  if (run < raw_json.size()) hasher.Update(raw_json.substr(run));
  return std::move(hasher).HexDigest();
}

}  // namespace gateway
