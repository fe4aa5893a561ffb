#include "gateway/fieldmask/write_only_fields.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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
  std::vector<std::string> unknown;  // every one, so one retry can name all
  std::vector<std::pair<const FieldChain*, WriteOnlyStore::Held>> restore;
  for (const FieldChain& chain : chains) {
    if (plan.Names(chain)) continue;
    std::string path = ChainPath(chain);
    std::optional<WriteOnlyStore::Held> held;
    if (policy == WriteOnlyPolicy::kResendHeld) held = store.Recall(key, path);
    if (held.has_value()) {
      restore.emplace_back(&chain, *std::move(held));
    } else {
      unknown.push_back(std::move(path));
    }
  }
  if (!unknown.empty()) {
    std::vector<std::string> fields;
    google::rpc::PreconditionFailure failure;
    for (const std::string& path : unknown) {
      fields.push_back(absl::StrCat(resource_field, ".", path));
      auto* violation = failure.add_violations();
      violation->set_type("WRITE_ONLY_FIELD");
      violation->set_subject(fields.back());
      violation->set_description("name it in update_mask");
    }
    absl::Status status = ErrorWithInfo(
        absl::StatusCode::kFailedPrecondition,
        absl::StrCat(absl::StrJoin(fields, ", "),
                     unknown.size() == 1 ? " is" : " are",
                     " write-only: Polytomic never returns them and its update "
                     "would clear them, and this gateway holds no value for "
                     "them; add \"",
                     absl::StrJoin(unknown, "\", \""),
                     "\" to update_mask (with the value to keep, or unset to "
                     "clear)"),
        "WRITE_ONLY_FIELD_UNKNOWN", {{"fields", absl::StrJoin(fields, ",")}});
    AttachDetail(status, failure);
    return status;
  }
  for (auto& [chain, held] : restore) {
    if (held.value.has_value()) {
      Put(doc, *chain, *held.value);
    } else {
      Erase(doc, *chain);
    }
  }
  return absl::OkStatus();
}

}  // namespace gateway::fieldmask
