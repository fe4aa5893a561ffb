#include "tests/sandbox/bulk_execution_ops.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/sandbox/bulk_executions.h"
#include "tests/sandbox/bulk_sync_builder.h"
#include "tests/sandbox/clock.h"
#include "tests/sandbox/console_log.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kExecutionPageSize = 100;
// Signed log URLs expire this long after they were handed out.
constexpr absl::Duration kLogUrlLifetime = absl::Minutes(15);
constexpr char kLogHost[] = "https://logs.sandbox.polytomic.invalid";

BulkSyncRecord* SyncOf(Call& call, const std::string& param) {
  return FindSettledBulkSync(call.world, call.env, call.organization_id(),
                             call.params[param]);
}

Reply ExecutionNotFound(const std::string& id) {
  return NotFoundReply("execution", id);
}

Reply StartBulkSync(Call& call) {
  BulkSyncRecord* sync = SyncOf(call, "id");
  if (sync == nullptr) return NotFoundReply("bulk sync", call.params["id"]);
  const Json body = call.body.is_object() ? call.body : Json::object();
  FieldErrors errors;
  BulkExecutionStart start;
  start.test = body.value("test", false);
  start.resync_mode = body.value("resync_mode", "");
  start.fetch_mode = body.value("fetch_mode", "none");
  if (start.test && !start.resync_mode.empty()) {
    errors.Add("test", "is mutually exclusive with resync_mode");
    errors.Add("resync_mode", "is mutually exclusive with test");
  }
  std::set<std::string> enabled;
  for (const Json& config : sync->schemas) {
    if (config.value("enabled", false)) enabled.insert(config["id"]);
  }
  if (body.contains("schemas")) {
    const Json& ids = body["schemas"];
    for (size_t i = 0; i < ids.size(); ++i) {
      const std::string id = ids[i].get<std::string>();
      const std::string path = absl::StrCat("schemas[", i, "]");
      if (enabled.count(id) == 0) {
        errors.Add(path,
                   "is not an enabled schema of the bulk sync (" + id + ")");
      } else if (std::find(start.schemas.begin(), start.schemas.end(), id) !=
                 start.schemas.end()) {
        errors.Add(path, "lists schema " + id + " twice");
      } else {
        start.schemas.push_back(id);
      }
    }
  }
  if (enabled.empty()) {
    errors.Add("schemas", "the bulk sync has no enabled schemas");
  }
  if (!errors.empty()) return ValidationReply(400, errors);
  if (const Json* running = CurrentBulkExecution(*sync)) {
    return ErrorReply(409, "conflict",
                      "execution " + (*running)["id"].get<std::string>() +
                          " of this bulk sync is still running");
  }
  sync->executions.push_back(NewBulkExecution(*sync, start, call.env.ids.Uuid(),
                                              call.env.clock.NowTimestamp()));
  return JsonReply(200, Json{{"data", sync->executions.back()}});
}

Json IngestionStatus(const Call& call, const BulkSyncRecord& sync) {
  const Connection* source = call.world.FindConnection(
      call.organization_id(), sync.doc.value("source_connection_id", ""));
  const Json& config = sync.doc["source_configuration"];
  const std::string slot = config.is_object() &&
                                   config.contains("replication_slot") &&
                                   config["replication_slot"].is_string()
                               ? config["replication_slot"].get<std::string>()
                               : "";
  // Only a PostgreSQL source with a replication slot streams changes (CDC).
  if (source == nullptr || source->type != "postgresql" || slot.empty()) {
    return Json{{"enabled", false}, {"is_running", false}, {"status", "ok"}};
  }
  const bool active = sync.doc.value("active", false);
  return Json{{"enabled", true},
              {"is_running", active},
              {"status", "ok"},
              {"status_message", "streaming changes from slot " + slot},
              {"position", "0/16B3748"},
              {"position_time", sync.doc["updated_at"]},
              {"highwater_mark", "0/16B3748"},
              {"updated_at", sync.doc["updated_at"]}};
}

Reply GetBulkSyncStatus(Call& call) {
  BulkSyncRecord* sync = SyncOf(call, "id");
  if (sync == nullptr) return NotFoundReply("bulk sync", call.params["id"]);
  Json data = Json::object();
  if (const Json* current = CurrentBulkExecution(*sync)) {
    data["current_execution"] = *current;
  }
  if (const Json* last = LastTerminalBulkExecution(*sync)) {
    data["last_execution"] = *last;
  }
  if (std::optional<std::string> next =
          NextExecutionTime(*sync, call.env.clock.Now())) {
    data["next_execution_time"] = *next;
  }
  data["ingestion_status"] = IngestionStatus(call, *sync);
  return JsonReply(200, Json{{"data", std::move(data)}});
}

// ExecutionOrder sorts one executions list: by start time (or, with
// only_terminal, by updated_at), newest first unless ascending, then id.
struct ExecutionOrder {
  bool by_updated;
  bool ascending;
  std::string Key(const Json& e) const {
    return e.value(by_updated ? "updated_at" : "started_at", "");
  }
  bool operator()(const Json* a, const Json* b) const {
    const std::string ka = Key(*a), kb = Key(*b);
    if (ka != kb) return ascending ? ka < kb : ka > kb;
    return (*a)["id"].get<std::string>() < (*b)["id"].get<std::string>();
  }
};

Reply ListExecutions(Call& call) {
  BulkSyncRecord* sync = SyncOf(call, "id");
  FieldErrors errors;
  const bool only_terminal =
      call.QueryBool("only_terminal", errors).value_or(false);
  const bool ascending = call.QueryBool("ascending", errors).value_or(false);
  const int limit =
      call.QueryLimit("limit", kExecutionPageSize, kExecutionPageSize, errors);
  if (sync == nullptr) return NotFoundReply("bulk sync", call.params["id"]);
  // A token only continues the listing (sync and order) that issued it.
  const std::string scope =
      absl::StrCat(call.params["id"], only_terminal ? "|terminal" : "|all",
                   ascending ? "|asc" : "|desc");
  const PageCursor* cursor = nullptr;
  if (std::optional<std::string> token = call.Query("page_token")) {
    cursor = call.world.FindPageToken(*token, call.operation,
                                      call.organization_id(), scope);
    if (cursor == nullptr) {
      errors.AddSyntax("page_token", "was not issued for this listing");
    }
  }
  if (!errors.empty()) return ValidationReply(400, errors);

  const ExecutionOrder order{only_terminal, ascending};
  std::vector<const Json*> docs;
  for (const Json& e : sync->executions) {
    if (only_terminal && !IsTerminalBulkStatus(e.value("status", ""))) {
      continue;
    }
    docs.push_back(&e);
  }
  std::sort(docs.begin(), docs.end(), order);
  size_t begin = 0;
  if (cursor != nullptr) {
    const Json last{
        {order.by_updated ? "updated_at" : "started_at", cursor->sort_value},
        {"id", cursor->id}};
    while (begin < docs.size() && !order(&last, docs[begin])) ++begin;
  }
  const size_t end = std::min(docs.size(), begin + static_cast<size_t>(limit));
  Json data = Json::array();
  for (size_t i = begin; i < end; ++i) data.push_back(*docs[i]);
  Json pagination = Json::object();
  if (end < docs.size()) {
    const Json& tail = *docs[end - 1];
    pagination["next_page_token"] = call.world.IssuePageToken(
        PageCursor{call.operation, call.organization_id(), scope,
                   order.Key(tail), tail["id"].get<std::string>()},
        call.env.ids);
  }
  return JsonReply(200, Json{{"data", std::move(data)},
                             {"pagination", std::move(pagination)}});
}

Reply GetExecution(Call& call) {
  BulkSyncRecord* sync = SyncOf(call, "id");
  if (sync == nullptr) return NotFoundReply("bulk sync", call.params["id"]);
  const Json* execution = FindBulkExecution(*sync, call.params["exec_id"]);
  if (execution == nullptr) return ExecutionNotFound(call.params["exec_id"]);
  return JsonReply(200, Json{{"data", *execution}});
}

Reply CancelExecution(Call& call) {
  BulkSyncRecord* sync = SyncOf(call, "id");
  if (sync == nullptr) return NotFoundReply("bulk sync", call.params["id"]);
  Json* execution = FindBulkExecution(*sync, call.params["exec_id"]);
  if (execution == nullptr) return ExecutionNotFound(call.params["exec_id"]);
  const std::string status = execution->value("status", "");
  if (IsTerminalBulkStatus(status)) {
    // Cancelling is a request; a finished run has nothing left to stop.
    return JsonReply(
        200, Json{{"data",
                   {{"message", "execution already finished (" + status +
                                    "); nothing to cancel"}}}});
  }
  CancelBulkExecution(*execution, call.env.clock.NowTimestamp());
  return JsonReply(200,
                   Json{{"data", {{"message", "cancellation requested"}}}});
}

Reply ListStatus(Call& call) {
  FieldErrors errors;
  const bool all = call.QueryBool("all", errors).value_or(false);
  const bool active = call.QueryBool("active", errors).value_or(false);
  if (!errors.empty()) return ValidationReply(400, errors);
  std::vector<BulkSyncRecord*> syncs;
  if (all || active) {
    for (auto& [id, sync] : call.world.bulk_syncs) {
      if (sync.organization_id != call.organization_id()) continue;
      if (active && !sync.doc.value("active", false)) continue;
      syncs.push_back(&sync);
    }
    // Same order as bulkSync.list: most recently updated first.
    std::sort(syncs.begin(), syncs.end(),
              [](const BulkSyncRecord* a, const BulkSyncRecord* b) {
                const std::string ua = a->doc["updated_at"];
                const std::string ub = b->doc["updated_at"];
                if (ua != ub) return ua > ub;
                return a->doc["id"].get<std::string>() <
                       b->doc["id"].get<std::string>();
              });
  } else {
    std::set<std::string> seen;
    auto range = call.query.equal_range("sync_id");
    for (auto it = range.first; it != range.second; ++it) {
      if (!seen.insert(it->second).second) continue;
      BulkSyncRecord* sync =
          call.world.FindBulkSync(call.organization_id(), it->second);
      if (sync == nullptr) return NotFoundReply("bulk sync", it->second);
      syncs.push_back(sync);
    }
  }
  Json data = Json::array();
  const absl::Time now = call.env.clock.Now();
  for (BulkSyncRecord* sync : syncs) {
    SettleBulkExecutions(*sync, call.env);
    data.push_back(BulkSyncStatusSummary(*sync, now));
  }
  return JsonReply(200, Json{{"data", std::move(data)}});
}

// FindLogTarget resolves {sync_id}/{execution_id} of the log endpoints; on
// failure `*execution` is null and the 404 is returned.
Reply FindLogTarget(Call& call, BulkSyncRecord** sync, Json** execution) {
  *sync = SyncOf(call, "sync_id");
  if (*sync == nullptr)
    return NotFoundReply("bulk sync", call.params["sync_id"]);
  *execution = FindBulkExecution(**sync, call.params["execution_id"]);
  if (*execution == nullptr) {
    return ExecutionNotFound(call.params["execution_id"]);
  }
  return Reply{};
}

std::string SignedUrl(Call& call, const std::string& path, absl::Time expires) {
  return absl::StrCat(kLogHost, path, "?expires=", absl::ToUnixSeconds(expires),
                      "&signature=", call.env.ids.Token());
}

Reply GetLogs(Call& call) {
  BulkSyncRecord* sync = nullptr;
  Json* execution = nullptr;
  Reply missing = FindLogTarget(call, &sync, &execution);
  if (execution == nullptr) return missing;
  const absl::Time expires = call.env.clock.Now() + kLogUrlLifetime;
  const std::string prefix = absl::StrCat("/bulk/", call.params["sync_id"], "/",
                                          call.params["execution_id"], "/");
  Json urls = Json::array();
  for (const Json& schema : (*execution)["schemas"]) {
    urls.push_back(
        SignedUrl(call, prefix + schema["schema"].get<std::string>() + ".jsonl",
                  expires));
  }
  return JsonReply(
      200,
      Json{{"data",
            {{"Expires", Clock::Format(expires)}, {"URLs", std::move(urls)}}}});
}

Reply ExportLogs(Call& call) {
  FieldErrors errors;
  call.QueryBool("notify", errors);
  if (!errors.empty()) return ValidationReply(400, errors);
  BulkSyncRecord* sync = nullptr;
  Json* execution = nullptr;
  Reply missing = FindLogTarget(call, &sync, &execution);
  if (execution == nullptr) return missing;
  const std::string url = SignedUrl(
      call, absl::StrCat("/exports/bulk/", call.params["execution_id"], ".zip"),
      call.env.clock.Now() + kLogUrlLifetime);
  // The archive is small enough to be ready at once: the job is done.
  return JsonReply(200, Json{{"data", {{"url", url}}},
                             {"job",
                              {{"job_id", call.env.ids.Uuid()},
                               {"type", "exportlogs"},
                               {"status", "done"},
                               {"result", {{"url", url}}}}}});
}

Reply ConsoleLogs(Call& call, const std::string& schema) {
  FieldErrors errors;
  const int limit = call.QueryLimit("limit", kConsoleLogMaxEntries,
                                    kConsoleLogMaxEntries, errors);
  if (!errors.empty()) return ValidationReply(400, errors);
  BulkSyncRecord* sync = nullptr;
  Json* execution = nullptr;
  Reply missing = FindLogTarget(call, &sync, &execution);
  if (execution == nullptr) return missing;
  if (!schema.empty()) {
    bool found = false;
    for (const Json& s : (*execution)["schemas"])
      found |= s["schema"] == schema;
    if (!found) {
      return ErrorReply(404, "not_found",
                        "schema " + schema + " is not part of execution " +
                            call.params["execution_id"]);
    }
  }
  std::optional<Json> page = ConsoleLogPage(BulkConsoleLog(*execution, schema),
                                            call.Query("after"), limit);
  if (!page.has_value()) {
    errors.AddSyntax("after", "is not a console log cursor (<ms>-<seq>)");
    return ValidationReply(400, errors);
  }
  return JsonReply(200, Json{{"data", std::move(*page)}});
}

}  // namespace

std::optional<Reply> FinishBulkExecutionHook(World& world, Env& env,
                                             const std::string& execution_id,
                                             const Json& body) {
  BulkSyncRecord* sync = nullptr;
  Json* execution = nullptr;
  for (auto& [id, record] : world.bulk_syncs) {
    execution = FindBulkExecution(record, execution_id);
    if (execution != nullptr) {
      sync = &record;
      break;
    }
  }
  if (execution == nullptr) return std::nullopt;
  SettleBulkExecutions(*sync, env);

  FieldErrors errors;
  BulkExecutionOutcome outcome;
  if (!body.contains("status")) {
    errors.AddSyntax("status", "is required");
  } else if (!body["status"].is_string() ||
             !IsBulkExecutionStatus(body["status"].get<std::string>())) {
    errors.AddSyntax("status", "must be a BulkExecutionStatus");
  } else {
    outcome.status = body["status"].get<std::string>();
  }
  for (auto [key, target] :
       {std::make_pair("record_count", &outcome.record_count),
        std::make_pair("error_count", &outcome.error_count),
        std::make_pair("warning_count", &outcome.warning_count)}) {
    if (!body.contains(key)) continue;
    if (!body[key].is_number_integer() || body[key].get<int64_t>() < 0) {
      errors.AddSyntax(key, "must be a non-negative integer");
    } else {
      *target = body[key].get<int64_t>();
    }
  }
  if (body.contains("status_message")) {
    if (!body["status_message"].is_string()) {
      errors.AddSyntax("status_message", "must be a string");
    } else {
      outcome.status_message = body["status_message"].get<std::string>();
    }
  }
  if (!errors.empty()) return ValidationReply(400, errors);
  const std::string current = execution->value("status", "");
  if (IsTerminalBulkStatus(current)) {
    return ErrorReply(
        409, "conflict",
        "execution " + execution_id + " already finished (" + current + ")");
  }
  FinishBulkExecution(*execution, outcome, env.clock.NowTimestamp());
  return JsonReply(200, *execution);
}

void RegisterBulkExecutionOps(OpRegistry& registry) {
  registry.Handle("bulkSync.start", StartBulkSync);
  registry.Handle("bulkSync.getStatus", GetBulkSyncStatus);
  registry.Handle("bulkSync.executions.list", ListExecutions);
  registry.Handle("bulkSync.executions.get", GetExecution);
  registry.Handle("bulkSync.executions.cancel", CancelExecution);
  registry.Handle("bulkSync.executions.listStatus", ListStatus);
  registry.Handle("bulkSync.executions.getLogs", GetLogs);
  registry.Handle("bulkSync.executions.exportLogs", ExportLogs);
  registry.Handle("bulkSync.executions.getConsoleLogs",
                  [](Call& call) { return ConsoleLogs(call, ""); });
  registry.Handle("bulkSync.executions.getSchemaConsoleLogs", [](Call& call) {
    return ConsoleLogs(call, call.params["schema_id"]);
  });
}

}  // namespace sandbox
