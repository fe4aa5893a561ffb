#include "gateway/fieldmask/mask_plan.h"

#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/common/error_details.h"
#include "google/protobuf/struct.pb.h"

namespace gateway::fieldmask {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using Violations = std::vector<google::rpc::BadRequest::FieldViolation>;

absl::Status MaskError(const Violations& violations) {
  std::vector<std::string> parts;
  google::rpc::BadRequest bad_request;
  for (const auto& v : violations) {
    parts.push_back(v.description());
    *bad_request.add_field_violations() = v;
  }
  absl::Status status = ErrorWithInfo(
      absl::StatusCode::kInvalidArgument,
      absl::StrCat("invalid update_mask: ", absl::StrJoin(parts, "; ")),
      "INVALID_UPDATE_MASK", {});
  AttachDetail(status, bad_request);
  return status;
}

void Reject(Violations& violations, absl::string_view path,
            absl::string_view why) {
  auto& v = violations.emplace_back();
  v.set_field("update_mask");
  v.set_description(absl::StrCat("\"", path, "\" ", why));
}

bool IsIndex(absl::string_view segment) {
  if (segment.empty()) return false;
  for (char c : segment) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Resolve turns one path into fields, or explains why it cannot be one.
bool Resolve(absl::string_view path, const MessageInfo* info,
             const WireSchema& schema, MaskPath& out, Violations& violations) {
  out.proto_path = std::string(path);
  std::vector<absl::string_view> segments = absl::StrSplit(path, '.');
  for (size_t i = 0; i < segments.size(); ++i) {
    absl::string_view segment = segments[i];
    if (IsIndex(segment)) {
      Reject(violations, path, "uses a numeric index; name the whole list");
      return false;
    }
    if (segment == "additional_fields" && info != nullptr &&
        info->additional_fields != nullptr) {
      if (i + 2 != segments.size() || segments[i + 1].empty()) {
        Reject(violations, path,
               "must name exactly one member: additional_fields.<wire name>");
        return false;
      }
      if (info->FindWire(segments[i + 1]) != nullptr) {
        Reject(violations, path,
               "names a member the contract models; use its field path");
        return false;
      }
      out.additional_member = std::string(segments[i + 1]);
      return true;
    }
    const FieldInfo* field =
        info != nullptr ? info->FindProto(segment) : nullptr;
    if (field == nullptr) {
      Reject(violations, path,
             absl::StrCat("names no field: ",
                          info != nullptr ? info->descriptor->full_name()
                                          : std::string("this value"),
                          " has no field \"", segment, "\""));
      return false;
    }
    if (field->output_only()) {
      Reject(violations, path, "names an output-only field");
      return false;
    }
    if (field->gateway_only()) {
      Reject(violations, path,
             "names a field of the gateway, not of the resource");
      return false;
    }
    out.fields.push_back(field);
    bool last = i + 1 == segments.size();
    if (last) return true;
    const FieldDescriptor* d = field->descriptor;
    if (d->is_map() || d->is_repeated()) {
      Reject(violations, path,
             absl::StrCat("goes through the ", d->is_map() ? "map" : "list",
                          " \"", d->name(), "\"; name the whole ",
                          d->is_map() ? "map" : "list"));
      return false;
    }
    if (d->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        field->well_known != WellKnown::kNone) {
      Reject(violations, path,
             absl::StrCat("goes inside \"", d->name(),
                          "\", which is a single value; name it whole"));
      return false;
    }
    info = schema.Message(d->message_type());
  }
  return true;
}

// IsPopulated mirrors what the translator sends: presence, or a non-empty
// list, map, string or non-zero enum.
bool IsPopulated(const Message& message, const FieldDescriptor* d) {
  const auto* r = message.GetReflection();
  if (d->is_repeated()) return r->FieldSize(message, d) > 0;
  if (d->has_presence()) return r->HasField(message, d);
  if (d->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    return !r->GetString(message, d).empty();
  }
  if (d->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    return r->GetEnumValue(message, d) != 0;
  }
  return false;
}

// CollectPopulated implies a mask from the populated leaves of `message`.
void CollectPopulated(const Message& message, const MessageInfo& info,
                      const WireSchema& schema, MaskPath prefix,
                      std::vector<MaskPath>& out) {
  if (info.additional_fields != nullptr) {
    const auto* r = message.GetReflection();
    if (r->HasField(message, info.additional_fields)) {
      const auto& extra = static_cast<const google::protobuf::Struct&>(
          r->GetMessage(message, info.additional_fields));
      for (const auto& [member, value] : extra.fields()) {
        // No path can name a member called "" (`additional_fields.` is
        // refused), so the implied mask does not either: a MaskPath with an
        // empty member is a typed one.
        if (member.empty()) continue;
        MaskPath path = prefix;
        path.additional_member = member;
        path.proto_path = absl::StrCat(prefix.proto_path,
                                       prefix.proto_path.empty() ? "" : ".",
                                       "additional_fields.", member);
        out.push_back(std::move(path));
      }
    }
  }
  for (const FieldInfo& field : info.fields) {
    if (field.output_only() || field.gateway_only()) continue;
    const FieldDescriptor* d = field.descriptor;
    if (!IsPopulated(message, d)) continue;
    MaskPath path = prefix;
    path.fields.push_back(&field);
    path.proto_path = prefix.proto_path.empty()
                          ? d->name()
                          : absl::StrCat(prefix.proto_path, ".", d->name());
    const MessageInfo* nested =
        !d->is_repeated() &&
                d->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                field.well_known == WellKnown::kNone
            ? schema.Message(d->message_type())
            : nullptr;
    if (nested != nullptr) {
      const Message& sub = message.GetReflection()->GetMessage(message, d);
      size_t before = out.size();
      CollectPopulated(sub, *nested, schema, path, out);
      if (out.size() > before) continue;  // its populated leaves are named
    }
    out.push_back(std::move(path));
  }
}

}  // namespace

bool MaskPlan::Names(absl::Span<const FieldInfo* const> chain) const {
  if (full_replacement) return true;
  for (const MaskPath& path : paths) {
    if (!path.additional_member.empty()) continue;  // never a typed field
    if (path.fields.size() > chain.size()) continue;
    bool prefix = true;
    for (size_t i = 0; i < path.fields.size() && prefix; ++i) {
      prefix = path.fields[i] == chain[i];
    }
    if (prefix) return true;
  }
  return false;
}

std::string MaskPlan::Describe() const {
  if (full_replacement) return "*";
  std::vector<std::string> names;
  for (const MaskPath& path : paths) names.push_back(path.proto_path);
  return absl::StrJoin(names, ",");
}

absl::StatusOr<MaskPlan> PlanMask(const google::protobuf::FieldMask& mask,
                                  const Message& resource,
                                  const WireSchema& schema) {
  const MessageInfo* info = schema.Message(resource.GetDescriptor());
  MaskPlan plan;
  if (mask.paths().empty()) {
    CollectPopulated(resource, *info, schema, MaskPath(), plan.paths);
    return plan;
  }
  Violations violations;
  // Which member of each oneof (keyed by the parent path) a path named.
  std::map<std::pair<std::string, const google::protobuf::OneofDescriptor*>,
           const FieldDescriptor*>
      oneof_members;
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      if (mask.paths_size() != 1) {
        Reject(violations, path,
               "must be the only path: it replaces everything");
      }
      plan.full_replacement = true;
      continue;
    }
    MaskPath resolved;
    if (!Resolve(path, info, schema, resolved, violations)) continue;
    std::string parent;
    bool clash = false;
    for (const FieldInfo* field : resolved.fields) {
      const auto* oneof = field->descriptor->containing_oneof();
      if (oneof != nullptr) {
        auto [it, inserted] = oneof_members.emplace(
            std::make_pair(parent, oneof), field->descriptor);
        if (!inserted && it->second != field->descriptor) {
          Reject(violations, path,
                 absl::StrCat("names a second member of the oneof \"",
                              oneof->name(), "\""));
          clash = true;
          break;
        }
      }
      absl::StrAppend(&parent, parent.empty() ? "" : ".",
                      field->descriptor->name());
    }
    if (!clash) plan.paths.push_back(std::move(resolved));
  }
  if (!violations.empty()) return MaskError(violations);
  if (plan.full_replacement) plan.paths.clear();
  return plan;
}

}  // namespace gateway::fieldmask
