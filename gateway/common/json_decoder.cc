#include "gateway/common/json_decoder.h"

#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/status_macros.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Type = JsonCursor::Type;
using Number = JsonCursor::Number;

absl::Status TypeMismatch(const FieldInfo& field, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(field.wire_name, ": expected ", expected));
}

// StdView: protobuf maps look std::string keys up by std::string_view.
std::string_view StdView(absl::string_view s) { return {s.data(), s.size()}; }

// AsInt64 is nlohmann's get<int64_t>() of an integer: an unsigned one wraps.
int64_t AsInt64(const Number& number) {
  return number.kind == Number::Kind::kUnsigned
             ? static_cast<int64_t>(number.unsigned_value)
             : number.integer;
}

// SeenFields records which typed fields of one object have been read, to
// notice a member name that comes twice.
class SeenFields {
 public:
  explicit SeenFields(size_t count) : words_((count + 63) / 64, 0) {}

  // Insert returns false when `index` was already there.
  bool Insert(size_t index) {
    uint64_t bit = uint64_t{1} << (index % 64);
    uint64_t& word = words_[index / 64];
    if ((word & bit) != 0) return false;
    word |= bit;
    return true;
  }

 private:
  absl::InlinedVector<uint64_t, 2> words_;
};

// Member is one member of an object read once through: the value of its last
// occurrence, in the position of its first, as a JSON document keeps it.
struct Member {
  std::string name;
  JsonCursor::Mark value;
};

// ReadMembersOnce reads the object at the cursor member by member, skipping
// the values, and leaves the cursor after it.
absl::StatusOr<std::vector<Member>> ReadMembersOnce(JsonCursor& in) {
  RETURN_IF_ERROR(in.EnterObject());
  std::vector<Member> members;
  absl::flat_hash_map<std::string, size_t> index;
  std::string storage;
  absl::string_view name;
  while (true) {
    ASSIGN_OR_RETURN(bool more, in.NextMember(&storage, &name));
    if (!more) return members;
    JsonCursor::Mark value = in.Save();
    RETURN_IF_ERROR(in.Skip());
    auto [it, inserted] = index.try_emplace(name, members.size());
    if (inserted) {
      members.push_back(Member{std::string(name), value});
    } else {
      members[it->second].value = value;
    }
  }
}

// MapValueInfo is the FieldInfo of the values of a map field.
FieldInfo MapValueInfo(const FieldInfo& field) {
  const FieldDescriptor* value = field.descriptor->message_type()->map_value();
  FieldInfo value_info;
  value_info.descriptor = value;
  value_info.wire_name = field.wire_name;
  if (value->message_type() != nullptr) {
    value_info.well_known = WireSchema::WellKnownOf(value->message_type());
  }
  return value_info;
}

absl::Status ReadValue(JsonCursor& in, google::protobuf::Value* value);

// ReadStruct reads the members of the object at the cursor into `fields`.
absl::Status ReadStruct(
    JsonCursor& in,
    google::protobuf::Map<std::string, google::protobuf::Value>* fields) {
  RETURN_IF_ERROR(in.EnterObject());
  std::string storage;
  absl::string_view name;
  while (true) {
    ASSIGN_OR_RETURN(bool more, in.NextMember(&storage, &name));
    if (!more) return absl::OkStatus();
    google::protobuf::Value& member = (*fields)[StdView(name)];
    // A repeated name: the last value replaces the earlier one whole.
    if (member.kind_case() != google::protobuf::Value::KIND_NOT_SET) {
      member.Clear();
    }
    RETURN_IF_ERROR(ReadValue(in, &member));
  }
}

// ReadList reads the elements of the array at the cursor into `list`.
absl::Status ReadList(JsonCursor& in, google::protobuf::ListValue* list) {
  RETURN_IF_ERROR(in.EnterArray());
  while (true) {
    ASSIGN_OR_RETURN(bool more, in.NextElement());
    if (!more) return absl::OkStatus();
    RETURN_IF_ERROR(ReadValue(in, list->add_values()));
  }
}

// ReadValue reads any JSON value into a google.protobuf.Value.
absl::Status ReadValue(JsonCursor& in, google::protobuf::Value* value) {
  ASSIGN_OR_RETURN(Type type, in.Peek());
  switch (type) {
    case Type::kNull:
      RETURN_IF_ERROR(in.ReadNull());
      value->set_null_value(google::protobuf::NULL_VALUE);
      return absl::OkStatus();
    case Type::kBoolean: {
      ASSIGN_OR_RETURN(bool boolean, in.ReadBool());
      value->set_bool_value(boolean);
      return absl::OkStatus();
    }
    case Type::kNumber: {
      ASSIGN_OR_RETURN(Number number, in.ReadNumber());
      value->set_number_value(number.AsDouble());
      return absl::OkStatus();
    }
    case Type::kString:
      return in.ReadString(value->mutable_string_value());
    case Type::kArray:
      return ReadList(in, value->mutable_list_value());
    case Type::kObject:
      return ReadStruct(in, value->mutable_struct_value()->mutable_fields());
  }
  return absl::OkStatus();
}

void SetEtag(const JsonCursor& in, size_t object_start, const MessageInfo& info,
             Message* message) {
  if (const FieldInfo* etag = info.etag()) {
    message->GetReflection()->SetString(
        message, etag->descriptor,
        JsonCodec::Etag(
            in.text().substr(object_start, in.offset() - object_start)));
  }
}

}  // namespace

absl::Status JsonDecoder::Decode(const WireSchema& schema,
                                 absl::string_view json_text,
                                 Message* message) {
  JsonCursor in(json_text);
  absl::Status status = JsonDecoder(schema).ReadMessage(in, message);
  if (status.ok()) status = in.ExpectEnd();
  if (!status.ok() && in.ok()) {
    // The value did not fit the message. Parsing first, then reading, said
    // "not JSON" for a text broken further on, and so does this.
    JsonCursor check(json_text);
    absl::Status syntax = check.Skip();
    if (syntax.ok()) syntax = check.ExpectEnd();
    if (!syntax.ok()) status = syntax;
  }
  if (!status.ok()) message->Clear();
  return status;
}

absl::Status JsonDecoder::ReadMessage(JsonCursor& in, Message* message) {
  const MessageInfo* info = schema_.Message(message->GetDescriptor());
  if (info == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        message->GetDescriptor()->full_name(), " is not in the wire schema"));
  }
  if (info->json_union) {
    ASSIGN_OR_RETURN(Type type, in.Peek());
    const auto* oneof = message->GetDescriptor()->oneof_decl(0);
    for (int i = 0; i < oneof->field_count(); ++i) {
      const FieldInfo& field = *info->FindProto(oneof->field(i)->name());
      bool is_string =
          field.descriptor->cpp_type() == FieldDescriptor::CPPTYPE_STRING;
      if (is_string == (type == Type::kString)) {
        return SetField(in, field, message);
      }
    }
    return absl::InvalidArgumentError("expected a string or an object");
  }
  if (info->json_list) return SetField(in, info->fields[0], message);
  ASSIGN_OR_RETURN(Type type, in.Peek());
  if (type != Type::kObject) {
    return absl::InvalidArgumentError("expected a JSON object");
  }
  return ReadObject(in, *info, message);
}

absl::Status JsonDecoder::ReadObject(JsonCursor& in, const MessageInfo& info,
                                     Message* message) {
  const JsonCursor::Mark object = in.Save();
  if (!read_again_.empty() && read_again_.contains(object.offset)) {
    return ReadObjectAgain(in, object, info, message);
  }
  RETURN_IF_ERROR(in.EnterObject());
  google::protobuf::Struct* extra = nullptr;
  SeenFields seen(info.fields.size());
  std::string storage;
  absl::string_view name;
  while (true) {
    ASSIGN_OR_RETURN(bool more, in.NextMember(&storage, &name));
    if (!more) break;
    const FieldInfo* field = info.FindWire(name);
    bool first =
        field != nullptr
            ? seen.Insert(static_cast<size_t>(field - &info.fields[0]))
            : extra == nullptr || !extra->fields().contains(StdView(name));
    if (!first) return ReadObjectAgain(in, object, info, message);
    absl::Status status = ReadMember(in, info, name, field, message, &extra);
    if (!status.ok()) {
      if (!in.ok()) return status;
      // Only without additional_fields: the member may come again, and then
      // only its last value counts.
      return ReadObjectAgain(in, object, info, message);
    }
  }
  SetEtag(in, object.offset, info, message);
  return absl::OkStatus();
}

absl::Status JsonDecoder::ReadObjectAgain(JsonCursor& in,
                                          const JsonCursor::Mark& object,
                                          const MessageInfo& info,
                                          Message* message) {
  read_again_.insert(object.offset);
  message->Clear();
  in.Restore(object);
  ASSIGN_OR_RETURN(std::vector<Member> members, ReadMembersOnce(in));
  const JsonCursor::Mark end = in.Save();
  google::protobuf::Struct* extra = nullptr;
  for (const Member& member : members) {
    in.Restore(member.value);
    RETURN_IF_ERROR(ReadMember(in, info, member.name,
                               info.FindWire(member.name), message, &extra));
  }
  in.Restore(end);
  SetEtag(in, object.offset, info, message);
  return absl::OkStatus();
}

absl::Status JsonDecoder::ReadMember(JsonCursor& in, const MessageInfo& info,
                                     absl::string_view name,
                                     const FieldInfo* field, Message* message,
                                     google::protobuf::Struct** extra) {
  if (field == nullptr || field->gateway_only()) {
    if (info.additional_fields == nullptr) {
      return absl::NotFoundError(absl::StrCat("unknown member ", name));
    }
  } else {
    const JsonCursor::Mark value = in.Save();
    ASSIGN_OR_RETURN(Type type, in.Peek());
    if (type == Type::kNull && field->well_known != WellKnown::kValue) {
      return in.ReadNull();  // null reads as absent
    }
    absl::Status status = SetField(in, *field, message);
    if (status.ok() || !in.ok() || info.additional_fields == nullptr) {
      return status;
    }
    in.Restore(value);  // kept raw
  }
  if (*extra == nullptr) {
    *extra = static_cast<google::protobuf::Struct*>(
        message->GetReflection()->MutableMessage(message,
                                                 info.additional_fields));
  }
  google::protobuf::Value& kept = (*(*extra)->mutable_fields())[StdView(name)];
  kept.Clear();
  return ReadValue(in, &kept);
}

absl::Status JsonDecoder::SetField(JsonCursor& in, const FieldInfo& field,
                                   Message* message) {
  const FieldDescriptor* d = field.descriptor;
  if (d->is_map()) return SetMap(in, field, message);
  if (!d->is_repeated()) return SetSingular(in, field, message);
  ASSIGN_OR_RETURN(Type type, in.Peek());
  if (type != Type::kArray) return TypeMismatch(field, "an array");
  RETURN_IF_ERROR(in.EnterArray());
  while (true) {
    ASSIGN_OR_RETURN(bool more, in.NextElement());
    if (!more) return absl::OkStatus();
    absl::Status status = AddElement(in, field, message);
    if (!status.ok()) {
      // All or nothing: the raw array is kept in additional_fields.
      message->GetReflection()->ClearField(message, d);
      return status;
    }
  }
}

absl::Status JsonDecoder::SetMap(JsonCursor& in, const FieldInfo& field,
                                 Message* message) {
  ASSIGN_OR_RETURN(Type type, in.Peek());
  if (type != Type::kObject) return TypeMismatch(field, "an object");
  const JsonCursor::Mark object = in.Save();
  const FieldInfo value_info = MapValueInfo(field);
  if (!read_again_.empty() && read_again_.contains(object.offset)) {
    return SetMapAgain(in, object, field, value_info, message);
  }
  RETURN_IF_ERROR(in.EnterObject());
  absl::flat_hash_set<std::string> keys;
  std::string storage;
  absl::string_view key;
  while (true) {
    ASSIGN_OR_RETURN(bool more, in.NextMember(&storage, &key));
    if (!more) return absl::OkStatus();
    if (!keys.insert(std::string(key)).second) {
      return SetMapAgain(in, object, field, value_info, message);
    }
    absl::Status status = AddMapEntry(in, field, value_info, key, message);
    if (!status.ok()) {
      if (!in.ok()) return status;
      // The key may come again, and then only its last value counts.
      return SetMapAgain(in, object, field, value_info, message);
    }
  }
}

absl::Status JsonDecoder::SetMapAgain(JsonCursor& in,
                                      const JsonCursor::Mark& object,
                                      const FieldInfo& field,
                                      const FieldInfo& value_info,
                                      Message* message) {
  read_again_.insert(object.offset);
  const Reflection* r = message->GetReflection();
  r->ClearField(message, field.descriptor);
  in.Restore(object);
  ASSIGN_OR_RETURN(std::vector<Member> members, ReadMembersOnce(in));
  const JsonCursor::Mark end = in.Save();
  for (const Member& member : members) {
    in.Restore(member.value);
    absl::Status status =
        AddMapEntry(in, field, value_info, member.name, message);
    if (!status.ok()) {
      r->ClearField(message, field.descriptor);
      return status;
    }
  }
  in.Restore(end);
  return absl::OkStatus();
}

absl::Status JsonDecoder::AddMapEntry(JsonCursor& in, const FieldInfo& field,
                                      const FieldInfo& value_info,
                                      absl::string_view key, Message* message) {
  const FieldDescriptor* d = field.descriptor;
  Message* entry = message->GetReflection()->AddMessage(message, d);
  entry->GetReflection()->SetString(entry, d->message_type()->map_key(),
                                    std::string(key));
  return SetSingular(in, value_info, entry);
}

absl::Status JsonDecoder::SetSingular(JsonCursor& in, const FieldInfo& field,
                                      Message* message) {
  const FieldDescriptor* d = field.descriptor;
  const Reflection* r = message->GetReflection();
  if (d->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    Message* value = r->MutableMessage(message, d);
    absl::Status status = ReadMessageValue(in, field.well_known, value);
    if (!status.ok()) r->ClearField(message, d);
    return status;
  }
  ASSIGN_OR_RETURN(Type type, in.Peek());
  switch (d->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      if (type != Type::kString) return TypeMismatch(field, "a string");
      std::string value;
      RETURN_IF_ERROR(in.ReadString(&value));
      r->SetString(message, d, std::move(value));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      if (type != Type::kBoolean) return TypeMismatch(field, "a boolean");
      ASSIGN_OR_RETURN(bool value, in.ReadBool());
      r->SetBool(message, d, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      if (type != Type::kNumber) return TypeMismatch(field, "an integer");
      ASSIGN_OR_RETURN(Number number, in.ReadNumber());
      if (!number.is_integer()) return TypeMismatch(field, "an integer");
      if (number.kind == Number::Kind::kUnsigned &&
          number.unsigned_value >
              static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return TypeMismatch(field, "a 64-bit integer");
      }
      r->SetInt64(message, d, AsInt64(number));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      if (type != Type::kNumber) return TypeMismatch(field, "an integer");
      ASSIGN_OR_RETURN(Number number, in.ReadNumber());
      if (!number.is_integer()) return TypeMismatch(field, "an integer");
      // As the document reader did: get<int64_t>() against get<int32_t>(),
      // both of which wrap an unsigned value.
      int64_t value = AsInt64(number);
      if (value != static_cast<int32_t>(value)) {
        return TypeMismatch(field, "a 32-bit integer");
      }
      r->SetInt32(message, d, static_cast<int32_t>(value));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      if (type != Type::kNumber) return TypeMismatch(field, "a number");
      ASSIGN_OR_RETURN(Number number, in.ReadNumber());
      r->SetDouble(message, d, number.AsDouble());
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      if (type != Type::kString) return TypeMismatch(field, "a string");
      std::string storage;
      ASSIGN_OR_RETURN(absl::string_view wire, in.ReadStringView(&storage));
      auto it = field.enum_info->number_by_wire.find(wire);
      if (it == field.enum_info->number_by_wire.end()) {
        return TypeMismatch(field, "a known enum value");
      }
      r->SetEnumValue(message, d, it->second);
      return absl::OkStatus();
    }
    default:
      return TypeMismatch(field, "a supported type");
  }
}

absl::Status JsonDecoder::AddElement(JsonCursor& in, const FieldInfo& field,
                                     Message* message) {
  const FieldDescriptor* d = field.descriptor;
  const Reflection* r = message->GetReflection();
  if (d->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return ReadMessageValue(in, field.well_known, r->AddMessage(message, d));
  }
  ASSIGN_OR_RETURN(Type type, in.Peek());
  switch (d->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      if (type != Type::kString) return TypeMismatch(field, "strings");
      std::string value;
      RETURN_IF_ERROR(in.ReadString(&value));
      r->AddString(message, d, std::move(value));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      if (type != Type::kBoolean) return TypeMismatch(field, "booleans");
      ASSIGN_OR_RETURN(bool value, in.ReadBool());
      r->AddBool(message, d, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      if (type != Type::kNumber) return TypeMismatch(field, "integers");
      ASSIGN_OR_RETURN(Number number, in.ReadNumber());
      if (!number.is_integer()) return TypeMismatch(field, "integers");
      // No range check, as before: an unsigned value above int64 wraps.
      r->AddInt64(message, d, AsInt64(number));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      if (type != Type::kNumber) return TypeMismatch(field, "numbers");
      ASSIGN_OR_RETURN(Number number, in.ReadNumber());
      r->AddDouble(message, d, number.AsDouble());
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      if (type != Type::kString) return TypeMismatch(field, "strings");
      std::string storage;
      ASSIGN_OR_RETURN(absl::string_view wire, in.ReadStringView(&storage));
      auto it = field.enum_info->number_by_wire.find(wire);
      if (it == field.enum_info->number_by_wire.end()) {
        return TypeMismatch(field, "known enum values");
      }
      r->AddEnumValue(message, d, it->second);
      return absl::OkStatus();
    }
    default:
      return TypeMismatch(field, "a supported type");
  }
}

absl::Status JsonDecoder::ReadMessageValue(JsonCursor& in, WellKnown kind,
                                           Message* value) {
  switch (kind) {
    case WellKnown::kTimestamp: {
      ASSIGN_OR_RETURN(Type type, in.Peek());
      std::string text;
      if (type == Type::kString) RETURN_IF_ERROR(in.ReadString(&text));
      if (type != Type::kString ||
          !google::protobuf::util::TimeUtil::FromString(
              text, static_cast<google::protobuf::Timestamp*>(value))) {
        return absl::InvalidArgumentError("expected an RFC 3339 timestamp");
      }
      return absl::OkStatus();
    }
    case WellKnown::kStruct: {
      ASSIGN_OR_RETURN(Type type, in.Peek());
      if (type != Type::kObject) {
        return absl::InvalidArgumentError("expected an object");
      }
      return ReadStruct(
          in, static_cast<google::protobuf::Struct*>(value)->mutable_fields());
    }
    case WellKnown::kValue:
      return ReadValue(in, static_cast<google::protobuf::Value*>(value));
    case WellKnown::kListValue: {
      ASSIGN_OR_RETURN(Type type, in.Peek());
      if (type != Type::kArray) {
        return absl::InvalidArgumentError("expected an array");
      }
      return ReadList(in, static_cast<google::protobuf::ListValue*>(value));
    }
    case WellKnown::kFieldMask:
      return absl::InvalidArgumentError("a field mask is not on the wire");
    case WellKnown::kNone:
      break;
  }
  return ReadMessage(in, value);
}

}  // namespace gateway
