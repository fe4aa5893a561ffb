#include "gateway/fieldmask/write_only_fields.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/common/error_details.h"

namespace gateway::fieldmask {

HeldValues SentValues(const std::vector<FieldChain>& chains,
                      const Json& sent_doc) {
  HeldValues sent;
  for (const FieldChain& chain : chains) {
    const Json* value = Find(sent_doc, chain);
    sent.emplace(ChainPath(chain), value != nullptr && !value->is_null()
                                       ? std::optional<Json>(*value)
                                       : std::nullopt);
  }
  return sent;
}

absl::Status RestoreUnnamed(const HeldValues& held,
                            const std::vector<FieldChain>& chains,
                            const MaskPlan& plan,
                            const std::string& resource_field, Json& doc) {
  std::vector<std::string> unknown;  // every one, so one retry can name all
  std::vector<std::pair<const FieldChain*, const std::optional<Json>*>> restore;
  for (const FieldChain& chain : chains) {
    if (plan.Names(chain)) continue;
    std::string path = ChainPath(chain);
    if (auto it = held.find(path); it != held.end()) {
      restore.emplace_back(&chain, &it->second);
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
  for (const auto& [chain, value] : restore) {
    if (value->has_value()) {
      Put(doc, *chain, **value);
    } else {
      Erase(doc, *chain);
    }
  }
  return absl::OkStatus();
}

}  // namespace gateway::fieldmask
