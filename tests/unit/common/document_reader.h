// document_reader.h: the oracle of json_decoder_test.cc: JsonCodec::FromJson
// and JsonToValue as they were before the text decoder, reading a parsed
// nlohmann::ordered_json document. Test code, kept as it was (only moved
// into a class); do not fix it, it is the behaviour the decoder must keep.
//
//   DocumentReader reader(schema.get());
//   absl::Status status = reader.Decode(R"({"name": "x"})", &bulk_sync);
#ifndef TESTS_UNIT_COMMON_DOCUMENT_READER_H_
#define TESTS_UNIT_COMMON_DOCUMENT_READER_H_

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/sha256.h"
#include "gateway/common/wire_schema.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace gateway::oracle {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// DocumentReader fills messages from documents the old way.
//
// Ownership: borrows the schema. Thread safety: stateless.
class DocumentReader {
 public:
  explicit DocumentReader(const WireSchema* schema) : schema_(schema) {}

  // Decode parses, then reads: what the translator did with an answer.
  absl::Status Decode(absl::string_view text, Message* message) const {
    Json json = Json::parse(text.begin(), text.end(), nullptr, false);
    if (json.is_discarded()) return absl::InvalidArgumentError("not JSON");
    return FromJson(json, message);
  }

  absl::Status FromJson(const Json& json, Message* message) const {
    const MessageInfo* info = schema_->Message(message->GetDescriptor());
    const Reflection* r = message->GetReflection();
    if (info->json_union) {
      const auto* oneof = message->GetDescriptor()->oneof_decl(0);
      for (int i = 0; i < oneof->field_count(); ++i) {
        const FieldInfo& field = *info->FindProto(oneof->field(i)->name());
        bool is_string =
            field.descriptor->cpp_type() == FieldDescriptor::CPPTYPE_STRING;
        if (is_string == json.is_string()) {
          return SetField(json, field, message);
        }
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
      r->SetString(message, etag->descriptor, Sha256Hex(Dump(json)));
    }
    return absl::OkStatus();
  }

 private:
  static absl::Status TypeMismatch(const FieldInfo& field,
                                   absl::string_view expected) {
    return absl::InvalidArgumentError(
        absl::StrCat(field.wire_name, ": expected ", expected));
  }

  static void JsonToValue(const Json& json, google::protobuf::Value* value) {
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

  absl::Status SetField(const Json& json, const FieldInfo& field,
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
          r->ClearField(message, d);
          return status;
        }
      }
      return absl::OkStatus();
    }
    return SetSingular(json, field, message);
  }

  absl::Status SetSingular(const Json& json, const FieldInfo& field,
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

  absl::Status AddElement(const Json& json, const FieldInfo& field,
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

  absl::Status ReadMessageValue(const Json& json, WellKnown kind,
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

  const WireSchema* schema_;
};

}  // namespace gateway::oracle

#endif  // TESTS_UNIT_COMMON_DOCUMENT_READER_H_
