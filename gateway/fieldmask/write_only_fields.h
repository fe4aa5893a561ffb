// write_only_fields.h: keeps partial updates from clearing write-only fields.
//
// Polytomic never returns some fields (a model sync's `encryption_passphrase`,
// `target.create`) and its full-replacement PUT clears them when omitted, so
// a GET-merge-PUT would silently drop them. After every write the gateway
// remembers what it sent (RememberSent); a partial update that does not name
// such a field puts back what is remembered, or refuses (RestoreUnnamed).
//
//   auto chains = WriteOnlyChains(info, schema);
//   RETURN_IF_ERROR(RestoreUnnamed(policy, store, key, chains, plan,
//   "model_sync", doc));
//   ...PUT doc...
//   RememberSent(store, key, chains, doc);
#ifndef GATEWAY_FIELDMASK_WRITE_ONLY_FIELDS_H_
#define GATEWAY_FIELDMASK_WRITE_ONLY_FIELDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gateway/common/wire_schema.h"
#include "gateway/fieldmask/document_merge.h"
#include "gateway/fieldmask/mask_plan.h"
#include "gateway/fieldmask/write_only_store.h"

namespace gateway::fieldmask {

// WriteOnlyPolicy mirrors gateway.config.v1.Updates.WriteOnlyPolicy.
enum class WriteOnlyPolicy { kResendHeld, kRefuse };

// ResourceKey names a resource in the store: "<message full name>/<id>".
std::string ResourceKey(const MessageInfo& info, const std::string& id);

// RememberSent records, for each chain, the value `sent_doc` carries (or that
// it carries none). With kRefuse nothing is remembered.
void RememberSent(WriteOnlyPolicy policy, WriteOnlyStore& store,
                  const std::string& key, const std::vector<FieldChain>& chains,
                  const Json& sent_doc);

// RestoreUnnamed puts back, into `doc`, each write-only field the plan does
// not name, from the store; FAILED_PRECONDITION (reason
// WRITE_ONLY_FIELD_UNKNOWN, naming every `<resource_field>.<path>` the store
// holds nothing for, or all of them when the policy is kRefuse) otherwise,
// leaving `doc` untouched.
absl::Status RestoreUnnamed(WriteOnlyPolicy policy, const WriteOnlyStore& store,
                            const std::string& key,
                            const std::vector<FieldChain>& chains,
                            const MaskPlan& plan,
                            const std::string& resource_field, Json& doc);

}  // namespace gateway::fieldmask

#endif  // GATEWAY_FIELDMASK_WRITE_ONLY_FIELDS_H_
