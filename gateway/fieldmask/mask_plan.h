// mask_plan.h: validates an update mask (AIP-134/161) against a resource
// message and resolves its paths to fields.
//
//   ASSIGN_OR_RETURN(MaskPlan plan,
//                    PlanMask(request.update_mask(), request.bulk_sync(),
//                    schema));
//   for (const MaskPath& path : plan.paths) ...
//
// Rules: paths are proto field names of the resource (`default_schedule.hour`);
// `additional_fields.<member>` names one member the contract does not model
// (a newer API field), at any level that has additional_fields;
// `*` alone means full replacement; no paths means every populated field of
// the resource, recursively (lists, maps, Struct/Value and Timestamp count as
// one value; an additional member named "", which no path can name, is not
// named either). Rejected, with a BadRequest field violation on `update_mask`:
// unknown fields, paths continuing through a list, map, Struct, Value or
// Timestamp, numeric indexes, output-only and gateway-only fields, two
// members of one oneof, and `*` combined with other paths.
#ifndef GATEWAY_FIELDMASK_MASK_PLAN_H_
#define GATEWAY_FIELDMASK_MASK_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gateway/common/wire_schema.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

namespace gateway::fieldmask {

// MaskPath is one resolved path: the fields from the resource down.
struct MaskPath {
  std::vector<const FieldInfo*> fields;
  // Set for `additional_fields.<member>`: the member's wire name; `fields`
  // then leads to the message holding it.
  std::string additional_member;
  std::string proto_path;  // "default_schedule.hour"
};

// MaskPlan is a validated mask.
struct MaskPlan {
  bool full_replacement = false;  // "*"
  std::vector<MaskPath> paths;    // empty when full_replacement

  // Names says whether the field chain (from the resource down) is changed
  // by the plan: named itself, or inside a named field.
  bool Names(absl::Span<const FieldInfo* const> chain) const;
  // Describe lists the proto paths ("*" for full replacement).
  std::string Describe() const;
};

// PlanMask validates `mask` for updating `resource` (whose type must be in
// `schema`). Errors are INVALID_ARGUMENT, reason INVALID_UPDATE_MASK, with one
// BadRequest violation per bad path.
absl::StatusOr<MaskPlan> PlanMask(const google::protobuf::FieldMask& mask,
                                  const google::protobuf::Message& resource,
                                  const WireSchema& schema);

}  // namespace gateway::fieldmask

#endif  // GATEWAY_FIELDMASK_MASK_PLAN_H_
