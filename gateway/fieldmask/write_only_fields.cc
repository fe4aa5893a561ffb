#include "gateway/fieldmask/write_only_fields.h"

#include "absl/strings/str_cat.h"
#include "gateway/common/error_details.h"

namespace gateway::fieldmask {

std::string ResourceKey(const MessageInfo& info, const std::string& id) {
  return absl::StrCat(info.descriptor->full_name(), "/", id);
}

void RememberSent(WriteOnlyPolicy policy, WriteOnlyStore& store,
                  const std::string& key, const std::vector<FieldChain>& chains,
                  const Json& sent_doc) {
  if (policy == WriteOnlyPolicy::kRefuse) return;
  for (const FieldChain& chain : chains) {
    const Json* value = Find(sent_doc, chain);
    store.Remember(key, ChainPath(chain),
                   value != nullptr && !value->is_null()
                       ? std::optional<Json>(*value)
                       : std::nullopt);
  }
}

absl::Status RestoreUnnamed(WriteOnlyPolicy policy, const WriteOnlyStore& store,
                            const std::string& key,
                            const std::vector<FieldChain>& chains,
                            const MaskPlan& plan,
                            const std::string& resource_field, Json& doc) {
  for (const FieldChain& chain : chains) {
    if (plan.Names(chain)) continue;
    std::string path = ChainPath(chain);
    std::optional<WriteOnlyStore::Held> held;
    if (policy == WriteOnlyPolicy::kResendHeld) held = store.Recall(key, path);
    if (!held.has_value()) {
      std::string field = absl::StrCat(resource_field, ".", path);
      absl::Status status = ErrorWithInfo(
          absl::StatusCode::kFailedPrecondition,
          absl::StrCat(field,
                       " is write-only: Polytomic never returns it and its "
                       "update would clear it, and this gateway holds no value "
                       "for it; add \"",
                       path,
                       "\" to update_mask (with the value to keep, or "
                       "unset to clear it)"),
          "WRITE_ONLY_FIELD_UNKNOWN", {{"field", field}});
      google::rpc::PreconditionFailure failure;
      auto* violation = failure.add_violations();
      violation->set_type("WRITE_ONLY_FIELD");
      violation->set_subject(field);
      violation->set_description("name it in update_mask");
      AttachDetail(status, failure);
      return status;
    }
    if (held->value.has_value()) {
      Put(doc, chain, *held->value);
    } else {
      Erase(doc, chain);
    }
  }
  return absl::OkStatus();
}

}  // namespace gateway::fieldmask
