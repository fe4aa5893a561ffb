#include "tests/sandbox/bulk_sync_ops.h"

#include <algorithm>
#include <string>
#include <vector>

#include "tests/sandbox/bulk_executions.h"
#include "tests/sandbox/bulk_sync_builder.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kListPageSize = 50;

BulkSyncWrite WriteFor(Call& call) {
  return BulkSyncWrite{call.world, call.env, call.principal,
                       call.env.clock.NowTimestamp()};
}

// Newer first: updated_at descending, then id ascending.
bool ListOrder(const Json* a, const Json* b) {
  const std::string& ua = (*a)["updated_at"].get_ref<const std::string&>();
  const std::string& ub = (*b)["updated_at"].get_ref<const std::string&>();
  if (ua != ub) return ua > ub;
  return (*a)["id"].get_ref<const std::string&>() <
         (*b)["id"].get_ref<const std::string&>();
}

Reply ListBulkSyncs(Call& call) {
  FieldErrors errors;
  std::optional<bool> active = call.QueryBool("active", errors);
  int limit = call.QueryLimit("limit", kListPageSize, kListPageSize, errors);
  const PageCursor* cursor = nullptr;
  if (std::optional<std::string> token = call.Query("page_token")) {
    cursor = call.world.FindPageToken(*token, call.operation,
                                      call.organization_id(), "");
    if (cursor == nullptr) {
      errors.AddSyntax("page_token", "was not issued by this API");
    }
  }
  if (!errors.empty()) return ValidationReply(400, errors);

  std::vector<const Json*> docs;
  for (const auto& [id, sync] : call.world.bulk_syncs) {
    if (sync.organization_id != call.organization_id()) continue;
    if (active.has_value() && sync.doc["active"].get<bool>() != *active) {
      continue;
    }
    docs.push_back(&sync.doc);
  }
  std::sort(docs.begin(), docs.end(), ListOrder);
  size_t start = 0;
  if (cursor != nullptr) {
    Json last{{"updated_at", cursor->sort_value}, {"id", cursor->id}};
    while (start < docs.size() && !ListOrder(&last, docs[start])) ++start;
  }
  Json data = Json::array();
  size_t end = std::min(docs.size(), start + static_cast<size_t>(limit));
  for (size_t i = start; i < end; ++i) data.push_back(*docs[i]);
  Json pagination = Json::object();
  if (end < docs.size()) {
    const Json& tail = *docs[end - 1];
    pagination["next_page_token"] = call.world.IssuePageToken(
        PageCursor{call.operation, call.organization_id(), "",
                   tail["updated_at"].get<std::string>(),
                   tail["id"].get<std::string>()},
        call.env.ids);
  }
  return JsonReply(200, Json{{"data", std::move(data)},
                             {"pagination", std::move(pagination)}});
}

Reply GetBulkSync(Call& call) {
  const std::string& id = call.params["id"];
  BulkSyncRecord* sync = call.world.FindBulkSync(call.organization_id(), id);
  if (sync == nullptr) return NotFoundReply("bulk sync", id);
  return JsonReply(200, Json{{"data", sync->doc}});
}

Reply UpdateBulkSync(Call& call) {
  const std::string& id = call.params["id"];
  BulkSyncRecord* sync = call.world.FindBulkSync(call.organization_id(), id);
  if (sync == nullptr) return NotFoundReply("bulk sync", id);
  FieldErrors errors;
  BulkSyncRecord updated;
  if (!BuildBulkSync(WriteFor(call), call.body, sync, id, updated, errors)) {
    return ValidationReply(SemanticErrorStatus(call.operation), errors);
  }
  *sync = std::move(updated);
  return JsonReply(200, Json{{"data", sync->doc}});
}

Reply DeleteBulkSync(Call& call) {
  const std::string& id = call.params["id"];
  BulkSyncRecord* sync = call.world.FindBulkSync(call.organization_id(), id);
  if (sync == nullptr) return NotFoundReply("bulk sync", id);
  // The record owns its schedules, schema configurations and executions
  // (a running one is cancelled by going away with it).
  call.world.bulk_syncs.erase(id);
  Reply reply;
  reply.status = 200;
  reply.content_type.clear();
  return reply;
}

Reply ActivateBulkSync(Call& call) {
  const std::string& id = call.params["id"];
  BulkSyncRecord* sync =
      FindSettledBulkSync(call.world, call.env, call.organization_id(), id);
  if (sync == nullptr) return NotFoundReply("bulk sync", id);
  const bool active = call.body["active"].get<bool>();
  const std::string now = call.env.clock.NowTimestamp();
  sync->doc["active"] = active;
  sync->doc["updated_at"] = now;
  sync->doc["updated_by"] = call.principal.actor;
  // Deactivating also requests cancellation of a running execution.
  if (!active) CancelRunningExecutions(*sync, now);
  return JsonReply(200, Json{{"data", {{"active", active}, {"id", id}}}});
}

Reply CancelBulkSync(Call& call) {
  const std::string& id = call.params["id"];
  BulkSyncRecord* sync =
      FindSettledBulkSync(call.world, call.env, call.organization_id(), id);
  if (sync == nullptr) return NotFoundReply("bulk sync", id);
  int canceled = CancelRunningExecutions(*sync, call.env.clock.NowTimestamp());
  const char* message =
      canceled > 0 ? "cancellation requested" : "no execution is running";
  return JsonReply(200, Json{{"data", {{"message", message}}}});
}

}  // namespace

Reply CreateBulkSync(Call& call) {
  FieldErrors errors;
  BulkSyncRecord record;
  const std::string id = call.env.ids.Uuid();
  if (!BuildBulkSync(WriteFor(call), call.body, nullptr, id, record, errors)) {
    return ValidationReply(SemanticErrorStatus(call.operation), errors);
  }
  BulkSyncRecord& stored = call.world.bulk_syncs[id] = std::move(record);
  return JsonReply(200, Json{{"data", stored.doc}});
}

void RegisterBulkSyncOps(OpRegistry& registry) {
  registry.Handle("bulkSync.list", ListBulkSyncs);
  registry.Handle("bulkSync.create", CreateBulkSync);
  registry.Handle("bulkSync.get", GetBulkSync);
  registry.Handle("bulkSync.update", UpdateBulkSync);
  registry.Handle("bulkSync.delete", DeleteBulkSync);
  registry.Handle("bulkSync.activate", ActivateBulkSync);
  registry.Handle("bulkSync.cancel", CancelBulkSync);
}

}  // namespace sandbox
