#include "gateway/translate/request_validator.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/error_details.h"

namespace gateway::translate {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Violations = std::vector<google::rpc::BadRequest::FieldViolation>;

void Add(Violations* violations, const std::string& field,
         absl::string_view description) {
  auto& v = violations->emplace_back();
  v.set_field(field);
  v.set_description(std::string(description));
}

std::string Join(const std::string& prefix, absl::string_view name) {
  return prefix.empty() ? std::string(name) : absl::StrCat(prefix, ".", name);
}

// IsSet mirrors what the translator sends: presence where tracked, else a
// non-empty/non-zero value.
bool IsSet(const Message& message, const FieldDescriptor* field) {
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

void CheckFormat(const FieldInfo& field, absl::string_view value,
                 const std::string& path, Violations* violations) {
  switch (field.rules.format()) {
    case polytomic::v1::FIELD_FORMAT_UUID:
      if (!IsUuid(value)) {
        Add(violations, path,
            absl::StrCat("must be a UUID, got \"", value, "\""));
      }
      return;
    case polytomic::v1::FIELD_FORMAT_IDEMPOTENCY_KEY:
      // The key itself is not echoed: it may be meaningful to the caller.
      if (!IsIdempotencyKey(value)) {
        Add(violations, path,
            "must be 8 to 255 characters of A-Z, a-z, 0-9, '-' and '_'");
      }
      return;
    default:
      return;
  }
}

void CheckEnum(const FieldInfo& field, int number, const std::string& path,
               Violations* violations) {
  if (number != 0 && !field.enum_info->wire_by_number.contains(number)) {
    Add(violations, path,
        absl::StrCat("unknown ", field.enum_info->descriptor->name(), " value ",
                     number));
  }
}

}  // namespace

bool IsUuid(absl::string_view value) {
  if (value.size() != 36) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (value[i] != '-') return false;
    } else if (!absl::ascii_isxdigit(static_cast<unsigned char>(value[i]))) {
      return false;
    }
  }
  return true;
}

bool IsIdempotencyKey(absl::string_view value) {
  if (value.size() < 8 || value.size() > 255) return false;
  for (char c : value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_') {
      return false;
    }
  }
  return true;
}

namespace {

// ValidateField checks one field of `message` (set or not).
void ValidateField(const Message& message, const FieldInfo& field,
                   const WireSchema& schema, const std::string& path,
                   bool check_required, Violations* violations) {
  const Reflection* r = message.GetReflection();
  const FieldDescriptor* d = field.descriptor;
  if (!IsSet(message, d)) {
    if (check_required && field.rules.required()) {
      Add(violations, path, "is required");
    }
    return;
  }
  if (d->is_map()) {
    const FieldDescriptor* key = d->message_type()->map_key();
    const FieldDescriptor* value = d->message_type()->map_value();
    if (value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return;
    for (int i = 0; i < r->FieldSize(message, d); ++i) {
      const Message& entry = r->GetRepeatedMessage(message, d, i);
      const Reflection* er = entry.GetReflection();
      ValidateMessage(er->GetMessage(entry, value), schema,
                      absl::StrCat(path, "[", er->GetString(entry, key), "]"),
                      check_required, violations);
    }
    return;
  }
  if (d->is_repeated()) {
    for (int i = 0; i < r->FieldSize(message, d); ++i) {
      std::string item = absl::StrCat(path, "[", i, "]");
      switch (d->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          CheckFormat(field, r->GetRepeatedString(message, d, i), item,
                      violations);
          break;
        case FieldDescriptor::CPPTYPE_ENUM:
          if (r->GetRepeatedEnumValue(message, d, i) == 0) {
            Add(violations, item, "must not be unspecified");
          }
          CheckEnum(field, r->GetRepeatedEnumValue(message, d, i), item,
                    violations);
          break;
        case FieldDescriptor::CPPTYPE_MESSAGE:
          ValidateMessage(r->GetRepeatedMessage(message, d, i), schema, item,
                          check_required, violations);
          break;
        default:
          break;
      }
    }
    return;
  }
  switch (d->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      CheckFormat(field, r->GetString(message, d), path, violations);
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      CheckEnum(field, r->GetEnumValue(message, d), path, violations);
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      ValidateMessage(r->GetMessage(message, d), schema, path, check_required,
                      violations);
      break;
    default:
      break;
  }
}

}  // namespace

void ValidateMessage(const Message& message, const WireSchema& schema,
                     const std::string& prefix, bool check_required,
                     Violations* violations) {
  const MessageInfo* info = schema.Message(message.GetDescriptor());
  if (info == nullptr) return;  // well-known types hold anything
  if (info->json_union &&
      message.GetReflection()->GetOneofFieldDescriptor(
          message, message.GetDescriptor()->oneof_decl(0)) == nullptr) {
    Add(violations, prefix, "must set one of its members");
  }
  for (const FieldInfo& field : info->fields) {
    if (field.output_only() || field.gateway_only()) continue;
    ValidateField(message, field, schema,
                  Join(prefix, field.descriptor->name()), check_required,
                  violations);
  }
}

absl::Status ValidateRequest(const Route& route, const Message& request,
                             const WireSchema& schema,
                             const ValidationOptions& options) {
  Violations violations;
  for (const Route::PathSegment& segment : route.path) {
    if (segment.field != nullptr &&
        !IsSet(request, segment.field->descriptor)) {
      Add(&violations, segment.field->descriptor->name(),
          "is required (it is part of the upstream path)");
    }
  }
  for (const FieldInfo& field : route.input->fields) {
    if (field.gateway_only()) continue;
    bool relaxed = options.skip_required_in_body && &field == route.resource;
    ValidateField(request, field, schema, field.descriptor->name(), !relaxed,
                  &violations);
  }
  if (violations.empty()) return absl::OkStatus();
  return InvalidRequest(violations);
}

}  // namespace gateway::translate
