#include "gateway/common/wire_schema.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"

namespace gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

absl::Status Broken(const Descriptor* d, absl::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat("contract error in ", d->full_name(), ": ", what));
}

}  // namespace

const FieldInfo* MessageInfo::FindWire(absl::string_view wire_name) const {
  auto it = index_by_wire.find(wire_name);
  return it == index_by_wire.end() ? nullptr : &fields[it->second];
}

const FieldInfo* MessageInfo::FindProto(absl::string_view proto_name) const {
  auto it = index_by_proto.find(proto_name);
  return it == index_by_proto.end() ? nullptr : &fields[it->second];
}

WellKnown WireSchema::WellKnownOf(const Descriptor* d) {
  const std::string& name = d->full_name();
  if (name == "google.protobuf.Timestamp") return WellKnown::kTimestamp;
  if (name == "google.protobuf.Struct") return WellKnown::kStruct;
  if (name == "google.protobuf.Value") return WellKnown::kValue;
  if (name == "google.protobuf.ListValue") return WellKnown::kListValue;
  if (name == "google.protobuf.FieldMask") return WellKnown::kFieldMask;
  return WellKnown::kNone;
}

absl::StatusOr<std::unique_ptr<WireSchema>> WireSchema::Build(
    const std::vector<const Descriptor*>& roots) {
  std::unique_ptr<WireSchema> schema(new WireSchema());
  for (const Descriptor* root : roots) RETURN_IF_ERROR(schema->Add(root));
  return schema;
}

const MessageInfo* WireSchema::Message(const Descriptor* d) const {
  auto it = messages_.find(d);
  return it == messages_.end() ? nullptr : it->second.get();
}

absl::StatusOr<const EnumInfo*> WireSchema::AddEnum(const EnumDescriptor* d) {
  if (auto it = enums_.find(d); it != enums_.end()) return it->second.get();
  auto info = std::make_unique<EnumInfo>();
  info->descriptor = d;
  for (int i = 0; i < d->value_count(); ++i) {
    const auto* value = d->value(i);
    const std::string& wire =
        value->options().GetExtension(polytomic::v1::wire_value);
    if (value->number() == 0) {
      if (!wire.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "contract error in ", d->full_name(),
            ": the zero value means unset and must not have a wire value"));
      }
      continue;
    }
    if (wire.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "contract error in ", value->full_name(), ": no wire_value"));
    }
    info->number_by_wire.emplace(wire, value->number());
    info->wire_by_number.emplace(value->number(), wire);
  }
  const EnumInfo* result = info.get();
  enums_.emplace(d, std::move(info));
  return result;
}

absl::Status WireSchema::Add(const Descriptor* d) {
  if (WellKnownOf(d) != WellKnown::kNone || messages_.contains(d)) {
    return absl::OkStatus();
  }
  auto owned = std::make_unique<MessageInfo>();
  MessageInfo& info = *owned;
  // Register first so recursive message types terminate.
  messages_.emplace(d, std::move(owned));
  info.descriptor = d;
  const auto& message_rules = d->options().GetExtension(polytomic::v1::message);
  info.json_union = message_rules.json_union();
  info.json_list = message_rules.json_list();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    const auto& rules = field->options().GetExtension(polytomic::v1::field);
    if (rules.additional_fields()) {
      if (field->message_type() == nullptr ||
          WellKnownOf(field->message_type()) != WellKnown::kStruct ||
          field->is_repeated()) {
        return Broken(d, "additional_fields must be a google.protobuf.Struct");
      }
      info.additional_fields = field;
      continue;
    }
    FieldInfo fi;
    fi.descriptor = field;
    fi.wire_name = field->json_name();
    fi.rules = rules;
    if (field->type() == FieldDescriptor::TYPE_ENUM) {
      ASSIGN_OR_RETURN(fi.enum_info, AddEnum(field->enum_type()));
    }
    if (field->is_map()) {
      const FieldDescriptor* value = field->message_type()->map_value();
      if (value->type() == FieldDescriptor::TYPE_MESSAGE) {
        RETURN_IF_ERROR(Add(value->message_type()));
      } else if (value->type() == FieldDescriptor::TYPE_ENUM) {
        return Broken(d, absl::StrCat(field->name(),
                                      ": enum map values are "
                                      "not supported"));
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      fi.well_known = WellKnownOf(field->message_type());
      if (fi.well_known == WellKnown::kFieldMask && !fi.gateway_only()) {
        return Broken(d, absl::StrCat(field->name(),
                                      ": a FieldMask must be gateway-only"));
      }
      RETURN_IF_ERROR(Add(field->message_type()));
    }
    int index = static_cast<int>(info.fields.size());
    if (!info.index_by_wire.emplace(fi.wire_name, index).second) {
      return Broken(d,
                    absl::StrCat("two fields have wire name ", fi.wire_name));
    }
    info.index_by_proto.emplace(field->name(), index);
    if (fi.rules.etag()) {
      if (!fi.gateway_only() ||
          field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
        return Broken(d, "an etag is a gateway-only string");
      }
      info.etag_index = index;
    }
    info.fields.push_back(std::move(fi));
  }
  if (info.json_union) {
    if (d->oneof_decl_count() != 1 ||
        d->oneof_decl(0)->field_count() != d->field_count()) {
      return Broken(d,
                    "a json_union message has exactly one oneof and no "
                    "other fields");
    }
  }
  if (info.json_list && (d->field_count() != 1 || !d->field(0)->is_repeated() ||
                         d->field(0)->is_map())) {
    return Broken(d, "a json_list message has exactly one repeated field");
  }
  return absl::OkStatus();
}

}  // namespace gateway
