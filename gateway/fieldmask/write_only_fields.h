// write_only_fields.h: keeps partial updates from clearing write-only fields.
//
// Polytomic never returns some fields (a model sync's `encryption_passphrase`,
// `target.create`) and its full-replacement PUT clears them when omitted, so
// a GET-merge-PUT would silently drop them. After every write the gateway
// remembers what it sent (SentValues, kept in a WriteOnlyValues store); a
// partial update that does not name such a field puts back what is held, or
// refuses (RestoreUnnamed).
//
//   auto chains = WriteOnlyChains(info, schema);
//   RETURN_IF_ERROR(RestoreUnnamed(policy, held, chains, plan, "model_sync",
//                                  doc));
//   ...PUT doc...
//   values.Remember(id, SentValues(chains, doc), done);
#ifndef GATEWAY_FIELDMASK_WRITE_ONLY_FIELDS_H_
#define GATEWAY_FIELDMASK_WRITE_ONLY_FIELDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gateway/common/wire_schema.h"
#include "gateway/common/write_only_values.h"
#include "gateway/fieldmask/document_merge.h"
#include "gateway/fieldmask/mask_plan.h"

namespace gateway::fieldmask {

// SentValues is what `sent_doc` carries for each chain (nullopt where it
// carries none): what to remember after a write.
HeldValues SentValues(const std::vector<FieldChain>& chains,
                      const Json& sent_doc);

// RestoreUnnamed puts back, into `doc`, each write-only field the plan does
// not name, from `held`; FAILED_PRECONDITION (reason
// WRITE_ONLY_FIELD_UNKNOWN, naming every `<resource_field>.<path>` nothing
// is held for) otherwise, leaving `doc` untouched. A gateway that holds no
// values (updates.write_only_policy WRITE_ONLY_POLICY_REFUSE) passes an
// empty `held`.
absl::Status RestoreUnnamed(const HeldValues& held,
                            const std::vector<FieldChain>& chains,
                            const MaskPlan& plan,
                            const std::string& resource_field, Json& doc);

}  // namespace gateway::fieldmask

#endif  // GATEWAY_FIELDMASK_WRITE_ONLY_FIELDS_H_
