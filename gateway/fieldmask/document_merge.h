// document_merge.h: edits an upstream JSON document for a partial update.
//
//   Json doc = get_answer["data"];            // the resource as upstream holds
//   it DropOutputOnly(doc, info, schema);        // ids, created/updated stamps
//   ApplyPlan(plan, request.bulk_sync(), codec, doc);
//   for (auto& path : MissingRequired(doc, info, schema)) ...
//
// Everything the plan does not name stays exactly as upstream returned it,
// members the contract does not model included: the merge never goes through
// a proto round trip.
#ifndef GATEWAY_FIELDMASK_DOCUMENT_MERGE_H_
#define GATEWAY_FIELDMASK_DOCUMENT_MERGE_H_

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/wire_schema.h"
#include "gateway/fieldmask/mask_plan.h"
#include "google/protobuf/message.h"

namespace gateway::fieldmask {

// FieldChain is a path of fields from a resource down to one field.
using FieldChain = std::vector<const FieldInfo*>;

// DropOutputOnly removes the members of `doc` that are output-only fields of
// `info`, recursively through nested messages and lists of messages.
void DropOutputOnly(Json& doc, const MessageInfo& info,
                    const WireSchema& schema);

// ApplyPlan writes each field the plan names, taken from `resource`, into
// `doc`, creating missing parents. A named field left unset in `resource`
// is written as its zero value (false, 0, "", [], {}), or removed when it has
// none (an unset message or enum), so the API applies its default. With a
// full-replacement plan, `doc` becomes the resource's JSON.
void ApplyPlan(const MaskPlan& plan, const google::protobuf::Message& resource,
               const JsonCodec& codec, Json& doc);

// WriteOnlyChains lists the write-only fields of `info` that a full
// replacement clears when omitted (INPUT_ONLY, not kept_when_omitted),
// reachable through singular message fields.
std::vector<FieldChain> WriteOnlyChains(const MessageInfo& info,
                                        const WireSchema& schema);

// Find returns the member of `doc` at `chain`, or nullptr.
const Json* Find(const Json& doc, absl::Span<const FieldInfo* const> chain);
// Put sets the member at `chain`, creating parent objects.
void Put(Json& doc, absl::Span<const FieldInfo* const> chain, Json value);
// Erase removes the member at `chain` if present.
void Erase(Json& doc, absl::Span<const FieldInfo* const> chain);

// MissingRequired returns the proto paths of required fields `doc` lacks
// (recursively in present nested objects and list elements).
std::vector<std::string> MissingRequired(const Json& doc,
                                         const MessageInfo& info,
                                         const WireSchema& schema);

// ChainPath renders a chain as a proto path ("target.create").
std::string ChainPath(absl::Span<const FieldInfo* const> chain);

}  // namespace gateway::fieldmask

#endif  // GATEWAY_FIELDMASK_DOCUMENT_MERGE_H_
