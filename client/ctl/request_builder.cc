#include "client/ctl/request_builder.h"

#include <cstdint>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "polytomic/v1/options.pb.h"

namespace client::ctl {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::EnumDescriptor;
using ::google::protobuf::EnumValueDescriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::MessageFactory;
using ::google::protobuf::Reflection;

// ResolvedField is the field a flag's path ends at, in the message that
// holds it, with the path spelled in proto names (a stable key for "the
// first flag of a repeated field clears it").
struct ResolvedField {
  Message* parent;
  const FieldDescriptor* field;
  std::string canonical_path;
};

const FieldDescriptor* FindField(const Descriptor& type,
                                 absl::string_view name) {
  if (const FieldDescriptor* field = type.FindFieldByName(std::string(name))) {
    return field;
  }
  for (int i = 0; i < type.field_count(); ++i) {
    if (type.field(i)->json_name() == name) return type.field(i);
  }
  return nullptr;
}

std::string FieldNames(const Descriptor& type) {
  std::vector<std::string> names;
  for (int i = 0; i < type.field_count(); ++i) {
    names.push_back(type.field(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<ResolvedField> ResolvePath(const std::string& path,
                                          Message* root) {
  const std::vector<absl::string_view> segments = absl::StrSplit(path, '.');
  Message* message = root;
  std::vector<absl::string_view> canonical;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Descriptor& type = *message->GetDescriptor();
    const FieldDescriptor* field = FindField(type, segments[i]);
    if (field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown field '", path, "': ", type.full_name(), " has no field '",
          segments[i], "' (fields: ", FieldNames(type), ")"));
    }
    canonical.push_back(field->name());
    if (i + 1 == segments.size()) {
      return ResolvedField{message, field, absl::StrJoin(canonical, ".")};
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad field path '", path, "': '", field->name(),
                       "' is a ", field->type_name(), ", not a message"));
    }
    if (field->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bad field path '", path, "': '", field->name(), "' is a ",
          field->is_map() ? "map" : "repeated field", "; set it whole with --",
          absl::StrJoin(canonical, "."), "=JSON"));
    }
    message = message->GetReflection()->MutableMessage(message, field);
  }
  return absl::InvalidArgumentError(absl::StrCat("empty field path '", path,
                                                 "'"));  // Not reached.
}

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppend(
              &out, "\\u00",
              absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
        } else {
          out += c;
        }
    }
  }
  out += "\"";
  return out;
}

void RewriteWireEnums(const Descriptor& type, google::protobuf::Struct* object);

// RewriteValue replaces an enum given by its wire value with the value's
// name in the JSON `value` of (one element of) `field`.
void RewriteValue(const FieldDescriptor& field,
                  google::protobuf::Value* value) {
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_ENUM &&
      value->has_string_value()) {
    absl::StatusOr<const EnumValueDescriptor*> parsed =
        ParseEnumValue(*field.enum_type(), value->string_value());
    if (parsed.ok()) value->set_string_value((*parsed)->name());
  } else if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
             value->has_struct_value() &&
             !absl::StartsWith(field.message_type()->full_name(),
                               "google.protobuf.")) {
    RewriteWireEnums(*field.message_type(), value->mutable_struct_value());
  }
}

// RewriteWireEnums walks a JSON object of `type` and rewrites every enum
// member given by its (polytomic.v1.wire_value), as the API spells it, to
// the value name protobuf's JSON parser wants.
void RewriteWireEnums(const Descriptor& type,
                      google::protobuf::Struct* object) {
  for (auto& [key, value] : *object->mutable_fields()) {
    const FieldDescriptor* field = FindField(type, key);
    if (field == nullptr) continue;
    if (field->is_map()) {
      if (!value.has_struct_value()) continue;
      for (auto& [unused, entry] :
           *value.mutable_struct_value()->mutable_fields()) {
        RewriteValue(*field->message_type()->map_value(), &entry);
      }
    } else if (field->is_repeated()) {
      if (!value.has_list_value()) continue;
      for (auto& element : *value.mutable_list_value()->mutable_values()) {
        RewriteValue(*field, &element);
      }
    } else {
      RewriteValue(*field, &value);
    }
  }
}

absl::Status ParseJsonAsIs(absl::string_view json, Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message,
      options);
  if (status.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(status.message().ToString());
}

// ParseJson parses a JSON object into `message`. If that fails, it retries
// with enum wire values ("replicate") rewritten to value names
// (BULK_SYNC_MODE_REPLICATE). Only on a retry: the rewrite goes through
// google.protobuf.Struct, whose numbers are doubles, so integers beyond 2^53
// would lose precision.
absl::Status ParseJson(absl::string_view json, Message* message) {
  absl::Status status = ParseJsonAsIs(json, message);
  if (status.ok()) return status;
  google::protobuf::Struct object;
  if (!ParseJsonAsIs(json, &object).ok()) return status;
  RewriteWireEnums(*message->GetDescriptor(), &object);
  std::string rewritten;
  if (!google::protobuf::util::MessageToJsonString(object, &rewritten).ok()) {
    return status;
  }
  message->Clear();
  if (ParseJsonAsIs(rewritten, message).ok()) return absl::OkStatus();
  message->Clear();
  return status;
}

// SetFromJson sets `field` of `parent` from the JSON value `text` by parsing
// {"field": text} (or {"field": [text]} for one repeated element) into a
// scratch message of the parent's type and merging it in. This gives message,
// map, Struct, Value and oneof fields protobuf's own JSON semantics.
absl::Status SetFromJson(const FieldDescriptor& field, const std::string& text,
                         bool clear_first, Message* parent) {
  const bool one_element = field.is_repeated() && !field.is_map();
  auto wrap = [&](absl::string_view value) {
    return absl::StrCat("{", JsonQuote(field.name()), ":",
                        one_element ? "[" : "", value, one_element ? "]" : "",
                        "}");
  };
  std::unique_ptr<Message> scratch(parent->New());
  absl::Status status = ParseJson(wrap(text), scratch.get());
  const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(text);
  const bool looks_structured =
      absl::StartsWith(trimmed, "{") || absl::StartsWith(trimmed, "[");
  if (!status.ok() && !looks_structured) {
    // Timestamps, FieldMasks, Durations and string Values are JSON strings;
    // accept them unquoted.
    scratch->Clear();
    if (ParseJson(wrap(JsonQuote(text)), scratch.get()).ok()) {
      status = absl::OkStatus();
    }
  }
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON for ", field.message_type()->full_name(),
                     ": ", status.message()));
  }
  if (clear_first || !field.is_repeated()) {
    parent->GetReflection()->ClearField(parent, &field);
  }
  parent->MergeFrom(*scratch);
  return absl::OkStatus();
}

// SetScalar sets (or, for a repeated field, adds) one scalar or enum value.
absl::Status SetScalar(const FieldDescriptor& field, const std::string& text,
                       Message* parent) {
  const Reflection& r = *parent->GetReflection();
  const bool add = field.is_repeated();
  auto bad = [&](absl::string_view want, absl::string_view hint = "") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", want, " '", text, "'", hint));
  };
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string value = text;
      if (field.type() == FieldDescriptor::TYPE_BYTES &&
          !absl::Base64Unescape(text, &value) &&
          !absl::WebSafeBase64Unescape(text, &value)) {
        return bad("base64 bytes");
      }
      add ? r.AddString(parent, &field, value)
          : r.SetString(parent, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool value = false;
      if (!absl::SimpleAtob(text, &value))
        return bad("bool", " (want true or false)");
      add ? r.AddBool(parent, &field, value) : r.SetBool(parent, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t value = 0;
      if (!absl::SimpleAtoi(text, &value)) return bad("int32");
      add ? r.AddInt32(parent, &field, value)
          : r.SetInt32(parent, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t value = 0;
      if (!absl::SimpleAtoi(text, &value)) return bad("int64");
      add ? r.AddInt64(parent, &field, value)
          : r.SetInt64(parent, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t value = 0;
      if (!absl::SimpleAtoi(text, &value)) return bad("uint32");
      add ? r.AddUInt32(parent, &field, value)
          : r.SetUInt32(parent, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t value = 0;
      if (!absl::SimpleAtoi(text, &value)) return bad("uint64");
      add ? r.AddUInt64(parent, &field, value)
          : r.SetUInt64(parent, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double value = 0;
      if (!absl::SimpleAtod(text, &value)) return bad("number");
      add ? r.AddDouble(parent, &field, value)
          : r.SetDouble(parent, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      float value = 0;
      if (!absl::SimpleAtof(text, &value)) return bad("number");
      add ? r.AddFloat(parent, &field, value)
          : r.SetFloat(parent, &field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      absl::StatusOr<const EnumValueDescriptor*> value =
          ParseEnumValue(*field.enum_type(), text);
      if (!value.ok()) return value.status();
      add ? r.AddEnum(parent, &field, *value)
          : r.SetEnum(parent, &field, *value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return absl::InternalError("SetScalar called on a message field");
}

absl::Status ApplyOne(const FieldFlag& flag, Message* root,
                      std::set<std::string>* cleared) {
  absl::StatusOr<ResolvedField> resolved = ResolvePath(flag.path, root);
  if (!resolved.ok()) return resolved.status();
  const FieldDescriptor& field = *resolved->field;
  Message* parent = resolved->parent;

  std::string value;
  if (flag.value.has_value()) {
    value = *flag.value;
  } else if (field.cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
    value = "true";
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag.path, " needs a value: --", flag.path, "=VALUE"));
  }

  // The first flag of a repeated field replaces what the JSON gave; later
  // flags of the same field add to it.
  const bool first = cleared->insert(resolved->canonical_path).second;
  absl::Status status;
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    status = SetFromJson(field, value, first, parent);
  } else {
    if (field.is_repeated() && first) {
      parent->GetReflection()->ClearField(parent, &field);
    }
    status = SetScalar(field, value, parent);
  }
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag.path, ": ", status.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<const EnumValueDescriptor*> ParseEnumValue(
    const EnumDescriptor& type, absl::string_view text) {
  if (const EnumValueDescriptor* value =
          type.FindValueByName(std::string(text))) {
    return value;
  }
  std::vector<std::string> accepted;
  for (int i = 0; i < type.value_count(); ++i) {
    const EnumValueDescriptor* value = type.value(i);
    const std::string& wire =
        value->options().GetExtension(polytomic::v1::wire_value);
    if (!wire.empty() && wire == text) return value;
    if (value->number() != 0) {  // *_UNSPECIFIED is "not set".
      accepted.push_back(wire.empty() ? value->name() : wire);
    }
  }
  int number = 0;
  if (absl::SimpleAtoi(text, &number)) {
    if (const EnumValueDescriptor* value = type.FindValueByNumber(number)) {
      return value;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("invalid value '", text, "' for enum ", type.full_name(),
                   " (want one of: ", absl::StrJoin(accepted, ", "),
                   "; or a value name such as ",
                   type.value(type.value_count() - 1)->name(), ")"));
}

absl::Status MergeJsonObject(absl::string_view json, Message* message) {
  if (!absl::StartsWith(absl::StripLeadingAsciiWhitespace(json), "{")) {
    return absl::InvalidArgumentError(
        "the request must be a JSON object, e.g. '{\"id\": \"...\"}'");
  }
  std::unique_ptr<Message> scratch(message->New());
  absl::Status status = ParseJson(json, scratch.get());
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid request JSON for ", message->GetDescriptor()->full_name(),
        ": ", status.message()));
  }
  message->MergeFrom(*scratch);
  return absl::OkStatus();
}

absl::Status ApplyFieldFlags(const std::vector<FieldFlag>& flags,
                             Message* message) {
  std::set<std::string> cleared;
  for (const FieldFlag& flag : flags) {
    absl::Status status = ApplyOne(flag, message, &cleared);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Message>> BuildRequest(
    const Descriptor& type, absl::string_view json,
    const std::vector<FieldFlag>& flags) {
  const Message* prototype =
      MessageFactory::generated_factory()->GetPrototype(&type);
  if (prototype == nullptr) {
    return absl::InternalError(
        absl::StrCat("no generated class for ", type.full_name()));
  }
  std::unique_ptr<Message> request(prototype->New());
  if (!absl::StripAsciiWhitespace(json).empty()) {
    absl::Status status = MergeJsonObject(json, request.get());
    if (!status.ok()) return status;
  }
  absl::Status status = ApplyFieldFlags(flags, request.get());
  if (!status.ok()) return status;
  return request;
}

}  // namespace client::ctl
