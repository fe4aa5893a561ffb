#include "gateway/common/json_codec.h"

#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/common/sha256.h"
#include "gateway/common/status_macros.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status TypeMismatch(const FieldInfo& field, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(field.wire_name, ": expected ", expected));
}

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

void JsonCodec::JsonToValue(const Json& json, google::protobuf::Value* value) {
  switch (json.type()) {
    case Json::value_t::boolean:
      value->set_bool_value(json.get<bool>());
      return;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      value->set_number_value(json.get<double>());
      return;
    case Json::value_t::string:
      value->set_string_value(json.get_ref<const std::string&>());
      return;
    case Json::value_t::array: {
      auto* list = value->mutable_list_value();
      for (const Json& item : json) JsonToValue(item, list->add_values());
      return;
    }
    case Json::value_t::object: {
      auto* fields = value->mutable_struct_value()->mutable_fields();
      for (const auto& [key, member] : json.items()) {
        JsonToValue(member, &(*fields)[key]);
      }
      return;
    }
    default:
      value->set_null_value(google::protobuf::NULL_VALUE);
  }
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

absl::Status JsonCodec::FromJson(const Json& json, Message* message) const {
  const MessageInfo* info = schema_->Message(message->GetDescriptor());
  const Reflection* r = message->GetReflection();
  if (info->json_union) {
    const auto* oneof = message->GetDescriptor()->oneof_decl(0);
    for (int i = 0; i < oneof->field_count(); ++i) {
      const FieldInfo& field = *info->FindProto(oneof->field(i)->name());
      bool is_string =
          field.descriptor->cpp_type() == FieldDescriptor::CPPTYPE_STRING;
      if (is_string == json.is_string()) return SetField(json, field, message);
    }
    return absl::InvalidArgumentError("expected a string or an object");
  }
  if (info->json_list) return SetField(json, info->fields[0], message);
  if (!json.is_object()) {
    return absl::InvalidArgumentError("expected a JSON object");
  }
  google::protobuf::Struct* extra = nullptr;
  for (const auto& [key, value] : json.items()) {
    const FieldInfo* field = info->FindWire(key);
    absl::Status status;
    if (field == nullptr || field->gateway_only()) {
      status = absl::NotFoundError(absl::StrCat("unknown member ", key));
    } else if (value.is_null() && field->well_known != WellKnown::kValue) {
      continue;  // null reads as absent
    } else {
      status = SetField(value, *field, message);
    }
    if (status.ok()) continue;
    if (info->additional_fields == nullptr) return status;
    if (extra == nullptr) {
      extra = static_cast<google::protobuf::Struct*>(
          r->MutableMessage(message, info->additional_fields));
    }
    JsonToValue(value, &(*extra->mutable_fields())[key]);
  }
  if (const FieldInfo* etag = info->etag()) {
    r->SetString(message, etag->descriptor, Etag(json));
  }
  return absl::OkStatus();
}

std::string JsonCodec::Etag(const Json& document) {
  return Sha256Hex(Dump(document));
}

absl::Status JsonCodec::SetField(const Json& json, const FieldInfo& field,
                                 Message* message) const {
  const FieldDescriptor* d = field.descriptor;
  const Reflection* r = message->GetReflection();
  if (d->is_map()) {
    if (!json.is_object()) return TypeMismatch(field, "an object");
    const FieldDescriptor* value = d->message_type()->map_value();
    FieldInfo value_info;
    value_info.descriptor = value;
    value_info.wire_name = field.wire_name;
    if (value->message_type() != nullptr) {
      value_info.well_known = WireSchema::WellKnownOf(value->message_type());
    }
    for (const auto& [key, member] : json.items()) {
      Message* entry = r->AddMessage(message, d);
      entry->GetReflection()->SetString(entry, d->message_type()->map_key(),
                                        key);
      absl::Status status = SetSingular(member, value_info, entry);
      if (!status.ok()) {
        r->ClearField(message, d);
        return status;
      }
    }
    return absl::OkStatus();
  }
  if (d->is_repeated()) {
    if (!json.is_array()) return TypeMismatch(field, "an array");
    for (const Json& item : json) {
      absl::Status status = AddElement(item, field, message);
      if (!status.ok()) {
        // All or nothing: the raw array is kept in additional_fields.
        r->ClearField(message, d);
        return status;
      }
    }
    return absl::OkStatus();
  }
  return SetSingular(json, field, message);
}

absl::Status JsonCodec::SetSingular(const Json& json, const FieldInfo& field,
                                    Message* message) const {
  const FieldDescriptor* d = field.descriptor;
  const Reflection* r = message->GetReflection();
  switch (d->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (!json.is_string()) return TypeMismatch(field, "a string");
      r->SetString(message, d, json.get<std::string>());
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_BOOL:
      if (!json.is_boolean()) return TypeMismatch(field, "a boolean");
      r->SetBool(message, d, json.get<bool>());
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_INT64:
      if (!json.is_number_integer()) return TypeMismatch(field, "an integer");
      if (json.is_number_unsigned() &&
          json.get<uint64_t>() >
              static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return TypeMismatch(field, "a 64-bit integer");
      }
      r->SetInt64(message, d, json.get<int64_t>());
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_INT32:
      if (!json.is_number_integer()) return TypeMismatch(field, "an integer");
      if (json.get<int64_t>() != json.get<int32_t>()) {
        return TypeMismatch(field, "a 32-bit integer");
      }
      r->SetInt32(message, d, json.get<int32_t>());
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_DOUBLE:
      if (!json.is_number()) return TypeMismatch(field, "a number");
      r->SetDouble(message, d, json.get<double>());
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_ENUM: {
      if (!json.is_string()) return TypeMismatch(field, "a string");
      auto it = field.enum_info->number_by_wire.find(json.get<std::string>());
      if (it == field.enum_info->number_by_wire.end()) {
        return TypeMismatch(field, "a known enum value");
      }
      r->SetEnumValue(message, d, it->second);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* value = r->MutableMessage(message, d);
      absl::Status status = ReadMessageValue(json, field.well_known, value);
      if (!status.ok()) r->ClearField(message, d);
      return status;
    }
    default:
      return TypeMismatch(field, "a supported type");
  }
}

absl::Status JsonCodec::AddElement(const Json& json, const FieldInfo& field,
                                   Message* message) const {
  const FieldDescriptor* d = field.descriptor;
  const Reflection* r = message->GetReflection();
  switch (d->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (!json.is_string()) return TypeMismatch(field, "strings");
      r->AddString(message, d, json.get<std::string>());
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_BOOL:
      if (!json.is_boolean()) return TypeMismatch(field, "booleans");
      r->AddBool(message, d, json.get<bool>());
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_INT64:
      if (!json.is_number_integer()) return TypeMismatch(field, "integers");
      r->AddInt64(message, d, json.get<int64_t>());
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_DOUBLE:
      if (!json.is_number()) return TypeMismatch(field, "numbers");
      r->AddDouble(message, d, json.get<double>());
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_ENUM: {
      if (!json.is_string()) return TypeMismatch(field, "strings");
      auto it = field.enum_info->number_by_wire.find(json.get<std::string>());
      if (it == field.enum_info->number_by_wire.end()) {
        return TypeMismatch(field, "known enum values");
      }
      r->AddEnumValue(message, d, it->second);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return ReadMessageValue(json, field.well_known,
                              r->AddMessage(message, d));
    default:
      return TypeMismatch(field, "a supported type");
  }
}

absl::Status JsonCodec::ReadMessageValue(const Json& json, WellKnown kind,
                                         Message* value) const {
  switch (kind) {
    case WellKnown::kTimestamp:
      if (!json.is_string() ||
          !google::protobuf::util::TimeUtil::FromString(
              json.get<std::string>(),
              static_cast<google::protobuf::Timestamp*>(value))) {
        return absl::InvalidArgumentError("expected an RFC 3339 timestamp");
      }
      return absl::OkStatus();
    case WellKnown::kStruct: {
      if (!json.is_object()) {
        return absl::InvalidArgumentError("expected an object");
      }
      auto* fields =
          static_cast<google::protobuf::Struct*>(value)->mutable_fields();
      for (const auto& [key, member] : json.items()) {
        JsonToValue(member, &(*fields)[key]);
      }
      return absl::OkStatus();
    }
    case WellKnown::kValue:
      JsonToValue(json, static_cast<google::protobuf::Value*>(value));
      return absl::OkStatus();
    case WellKnown::kListValue: {
      if (!json.is_array()) {
        return absl::InvalidArgumentError("expected an array");
      }
      auto* list = static_cast<google::protobuf::ListValue*>(value);
      for (const Json& item : json) JsonToValue(item, list->add_values());
      return absl::OkStatus();
    }
    case WellKnown::kFieldMask:
      return absl::InvalidArgumentError("a field mask is not on the wire");
    case WellKnown::kNone:
      break;
  }
  return FromJson(json, value);
}

}  // namespace gateway
