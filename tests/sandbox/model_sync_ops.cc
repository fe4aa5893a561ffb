#include "tests/sandbox/model_sync_ops.h"

#include <algorithm>
#include <string>
#include <vector>

#include "tests/sandbox/clock.h"
#include "tests/sandbox/model_executions.h"
#include "tests/sandbox/model_schedules.h"
#include "tests/sandbox/model_sync_builder.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kListPageSize = 50;
constexpr const char* kModes[] = {"create",  "update", "updateOrCreate",
                                  "replace", "append", "remove",
                                  "snapshot"};

ModelSyncWrite WriteFor(Call& call) {
  return ModelSyncWrite{call.world, call.env, call.principal,
                        call.env.clock.NowTimestamp()};
}

Reply EmptyOk() {
  Reply reply;
  reply.status = 200;
  reply.content_type.clear();
  return reply;
}

// Newer first: updated_at descending, then id ascending.
bool ListOrder(const Json& a, const Json& b) {
  const std::string& ua = a["updated_at"].get_ref<const std::string&>();
  const std::string& ub = b["updated_at"].get_ref<const std::string&>();
  if (ua != ub) return ua > ub;
  return a["id"].get_ref<const std::string&>() <
         b["id"].get_ref<const std::string&>();
}

Reply ListModelSyncs(Call& call) {
  FieldErrors errors;
  std::optional<bool> active = call.QueryBool("active", errors);
  int limit = call.QueryLimit("limit", kListPageSize, kListPageSize, errors);
  std::vector<std::string> modes;
  for (auto [it, end] = call.query.equal_range("mode"); it != end; ++it) {
    if (std::find(std::begin(kModes), std::end(kModes), it->second) ==
        std::end(kModes)) {
      errors.AddSyntax(
          "mode", "must be a ModelsyncSyncTargetMode (" + it->second + ")");
    }
    modes.push_back(it->second);
  }
  std::optional<std::string> target_connection =
      call.Query("target_connection_id");
  const PageCursor* cursor = nullptr;
  if (std::optional<std::string> token = call.Query("page_token")) {
    cursor = call.world.FindPageToken(*token, call.operation,
                                      call.organization_id(), "");
    if (cursor == nullptr) {
      errors.AddSyntax("page_token", "was not issued by this API");
    }
  }
  if (!errors.empty()) return ValidationReply(400, errors);

  std::vector<const ModelSyncRecord*> syncs;
  for (const auto& [id, sync] : call.world.model_syncs) {
    if (sync.organization_id != call.organization_id()) continue;
    const Json& d = sync.doc;
    if (active.has_value() && d["active"].get<bool>() != *active) continue;
    if (!modes.empty() &&
        std::find(modes.begin(), modes.end(), d["mode"].get<std::string>()) ==
            modes.end()) {
      continue;
    }
    if (target_connection.has_value() &&
        d["target"]["connection_id"] != *target_connection) {
      continue;
    }
    syncs.push_back(&sync);
  }
  std::sort(syncs.begin(), syncs.end(), [](const auto* a, const auto* b) {
    return ListOrder(a->doc, b->doc);
  });
  size_t start = 0;
  if (cursor != nullptr) {
    Json last{{"updated_at", cursor->sort_value}, {"id", cursor->id}};
    while (start < syncs.size() && !ListOrder(last, syncs[start]->doc)) {
      ++start;
    }
  }
  Json data = Json::array();
  size_t end = std::min(syncs.size(), start + static_cast<size_t>(limit));
  for (size_t i = start; i < end; ++i) {
    data.push_back(ModelSyncListItem(*syncs[i]));
  }
  Json pagination = Json::object();
  if (end < syncs.size()) {
    const Json& tail = syncs[end - 1]->doc;
    pagination["next_page_token"] = call.world.IssuePageToken(
        PageCursor{call.operation, call.organization_id(), "",
                   tail["updated_at"].get<std::string>(),
                   tail["id"].get<std::string>()},
        call.env.ids);
  }
  return JsonReply(200, Json{{"data", std::move(data)},
                             {"pagination", std::move(pagination)}});
}

Reply GetModelSync(Call& call) {
  const std::string& id = call.params["id"];
  ModelSyncRecord* sync = FindModelSyncForCall(call, id);
  if (sync == nullptr) return NotFoundReply("model sync", id);
  return JsonReply(200, Json{{"data", sync->doc}});
}

Reply UpdateModelSync(Call& call) {
  const std::string& id = call.params["id"];
  ModelSyncRecord* sync = FindModelSyncForCall(call, id);
  if (sync == nullptr) return NotFoundReply("model sync", id);
  FieldErrors errors;
  ModelSyncRecord updated;
  if (!BuildModelSync(WriteFor(call), call.body, sync, id, updated, errors)) {
    return ValidationReply(SemanticErrorStatus(call.operation), errors);
  }
  updated.executions = std::move(sync->executions);
  updated.console_logs = std::move(sync->console_logs);
  *sync = std::move(updated);
  return JsonReply(200, Json{{"data", sync->doc}});
}

Reply DeleteModelSync(Call& call) {
  const std::string& id = call.params["id"];
  ModelSyncRecord* sync = FindModelSyncForCall(call, id);
  if (sync == nullptr) return NotFoundReply("model sync", id);
  // "Any running execution is cancelled before the sync record is removed";
  // the executions then go away with the record.
  CancelModelExecutions(*sync, call.env.clock.NowTimestamp());
  call.world.model_syncs.erase(id);
  return EmptyOk();
}

Reply ActivateModelSync(Call& call) {
  const std::string& id = call.params["id"];
  ModelSyncRecord* sync = FindModelSyncForCall(call, id);
  if (sync == nullptr) return NotFoundReply("model sync", id);
  const bool active = call.body["active"].get<bool>();
  sync->doc["active"] = active;
  sync->doc["updated_at"] = call.env.clock.NowTimestamp();
  sync->doc["updated_by"] = call.principal.actor;
  // Unlike bulk syncs, deactivating does not cancel a running execution
  // (the reference says so explicitly).
  return JsonReply(200, Json{{"data", {{"active", active}, {"id", id}}}});
}

Reply CancelModelSync(Call& call) {
  const std::string& id = call.params["id"];
  ModelSyncRecord* sync = FindModelSyncForCall(call, id);
  if (sync == nullptr) return NotFoundReply("model sync", id);
  int canceled = CancelModelExecutions(*sync, call.env.clock.NowTimestamp());
  const char* message =
      canceled > 0 ? "cancellation requested" : "no execution is running";
  return JsonReply(200, Json{{"data", {{"message", message}}}});
}

Reply StartModelSync(Call& call) {
  const std::string& id = call.params["id"];
  ModelSyncRecord* sync = FindModelSyncForCall(call, id);
  if (sync == nullptr) return NotFoundReply("model sync", id);
  const Json& body = call.body.is_object() ? call.body : Json::object();
  const bool test = body.value("test", false);
  const bool resync = body.value("resync", false);
  FieldErrors errors;
  if (!body.value("identities", Json::array()).empty() &&
      !sync->doc.contains("identity")) {
    errors.Add("identities", "the sync has no identity to match them with");
  }
  if (!errors.empty()) return ValidationReply(400, errors);
  if (!sync->doc["active"].get<bool>() && !test) {
    return ErrorReply(400, "bad_request",
                      "model sync " + id +
                          " is not active; activate it first (or start a test "
                          "execution)");
  }
  if (const Json* running = RunningModelExecution(*sync)) {
    return ErrorReply(409, "conflict",
                      "execution " + (*running)["id"].get<std::string>() +
                          " of model sync " + id + " is still running");
  }
  const char* type = test ? "test" : resync ? "resync" : "manual";
  const Json& execution = StartModelExecution(*sync, call.env, type, body);
  return JsonReply(200, Json{{"data",
                              {{"id", execution["id"]},
                               {"status", execution["status"]},
                               {"created_at", execution["created_at"]}}}});
}

Reply GetModelSyncStatus(Call& call) {
  const std::string& id = call.params["id"];
  ModelSyncRecord* sync = FindModelSyncForCall(call, id);
  if (sync == nullptr) return NotFoundReply("model sync", id);
  Json data = Json::object();
  if (const Json* running = RunningModelExecution(*sync)) {
    data["current_execution"] = *running;
  }
  for (auto it = sync->executions.rbegin(); it != sync->executions.rend();
       ++it) {
    if (IsTerminalModelStatus((*it)["status"].get<std::string>())) {
      data["last_execution"] = *it;
      break;
    }
  }
  if (sync->doc["active"].get<bool>()) {
    if (std::optional<absl::Time> next =
            NextExecutionTime(sync->doc["schedule"], call.env.clock.Now())) {
      data["next_execution_time"] = Clock::Format(*next);
    }
  }
  return JsonReply(200, Json{{"data", std::move(data)}});
}

Reply GetScheduleOptions(Call&) {
  return JsonReply(200, Json{{"data", ModelScheduleOptions()}});
}

// SeedExecution adds one finished, scheduled execution.
void SeedExecution(ModelSyncRecord& sync, Env& env,
                   const ModelExecutionOutcome& outcome) {
  Json& execution = StartModelExecution(sync, env, "scheduled", Json::object());
  FinishModelExecution(sync, execution, outcome, env.clock.NowTimestamp());
}

ModelExecutionOutcome Outcome(const char* status, int64_t insert,
                              int64_t update, int64_t error,
                              std::vector<std::string> errors = {}) {
  ModelExecutionOutcome o;
  o.status = status;
  o.insert = insert;
  o.update = update;
  o.error = error;
  o.total = insert + update + error;
  o.errors = std::move(errors);
  return o;
}

}  // namespace

ModelSyncRecord* FindModelSyncForCall(Call& call, const std::string& id) {
  ModelSyncRecord* sync = call.world.FindModelSync(call.organization_id(), id);
  if (sync != nullptr) AdvanceModelExecutions(*sync, call.env);
  return sync;
}

Reply CreateModelSync(Call& call) {
  FieldErrors errors;
  ModelSyncRecord record;
  const std::string id = call.env.ids.Uuid();
  if (!BuildModelSync(WriteFor(call), call.body, nullptr, id, record, errors)) {
    return ValidationReply(SemanticErrorStatus(call.operation), errors);
  }
  ModelSyncRecord& stored = call.world.model_syncs[id] = std::move(record);
  return JsonReply(200, Json{{"data", stored.doc}});
}

Json SeedModelSyncs(World& world, Env& env, const Principal& seeder,
                    const Json& connections, Json& errors) {
  const std::string users_model = env.ids.Uuid();
  auto source = [&](const char* field) {
    return Json{{"model_id", users_model}, {"field", field}};
  };
  std::vector<Json> bodies = {
      Json{{"name", "App users to Salesforce contacts"},
           {"active", true},
           {"mode", "updateOrCreate"},
           {"target",
            {{"connection_id", connections["salesforce"]},
             {"object", "Contact"}}},
           {"fields",
            Json::array(
                {{{"source", source("first_name")}, {"target", "FirstName"}},
                 {{"source", source("last_name")}, {"target", "LastName"}},
                 {{"source", source("company")},
                  {"target", "Title"},
                  {"sync_mode", "create"}}})},
           {"override_fields",
            Json::array({{{"target", "AccountId"},
                          {"override_value", "0015g00000XyZAbAAN"}}})},
           {"identity",
            {{"source", source("email")},
             {"target", "Email"},
             {"function", "Equality"}}},
           {"filters",
            Json::array({{{"field", source("is_active")}, {"function", "True"}},
                         {{"field", source("plan")},
                          {"function", "StringOneOf"},
                          {"value", {"pro", "enterprise"}}}})},
           {"filter_logic", "1 AND 2"},
           {"encryption_passphrase", "seed-passphrase-0f3a9c"},
           {"schedule", {{"frequency", "hourly"}, {"minute", "15"}}}},
      Json{{"name", "Trial users to LinkedIn audience"},
           {"active", true},
           {"mode", "append"},
           {"target",
            {{"connection_id", connections["linkedinads"]},
             {"create",
              {{"account", "urn:li:sponsoredAccount:507404993"},
               {"audience_type", "contact"},
               {"name", "Trial users"}}}}},
           {"fields",
            Json::array(
                {{{"source", source("email")}, {"target", "email"}},
                 {{"source", source("first_name")}, {"target", "first_name"}},
                 {{"source", source("last_name")}, {"target", "last_name"}},
                 {{"source", source("company")}, {"target", "company"}}})},
           {"filters", Json::array({{{"field", source("plan")},
                                     {"function", "Equality"},
                                     {"value", "trial"}}})},
           {"schedule",
            {{"frequency", "daily"}, {"hour", "3"}, {"minute", "0"}}}},
  };
  const std::vector<std::vector<ModelExecutionOutcome>> executions = {
      {Outcome("completed", 200, 990, 10), Outcome("completed", 0, 35, 0)},
      {Outcome("completed", 4200, 0, 0),
       Outcome("failed", 120, 0, 0,
               {"LinkedIn API rate limit exceeded; retry later"})},
  };
  Json ids = Json::array();
  for (size_t i = 0; i < bodies.size(); ++i) {
    Call call{"modelSync.create",   seeder, {}, {},
              std::move(bodies[i]), world,  env};
    Reply reply = CreateModelSync(call);
    Json parsed = Json::parse(reply.body, nullptr, false);
    if (reply.status != 200) {
      errors.push_back(parsed);
      continue;
    }
    const std::string id = parsed["data"]["id"];
    for (const ModelExecutionOutcome& o : executions[i]) {
      SeedExecution(world.model_syncs[id], env, o);
    }
    ids.push_back(id);
  }
  return ids;
}

void RegisterModelSyncOps(OpRegistry& registry) {
  registry.Handle("modelSync.list", ListModelSyncs);
  registry.Handle("modelSync.create", CreateModelSync);
  registry.Handle("modelSync.get", GetModelSync);
  registry.Handle("modelSync.update", UpdateModelSync);
  registry.Handle("modelSync.delete", DeleteModelSync);
  registry.Handle("modelSync.activate", ActivateModelSync);
  registry.Handle("modelSync.cancel", CancelModelSync);
  registry.Handle("modelSync.start", StartModelSync);
  registry.Handle("modelSync.getStatus", GetModelSyncStatus);
  registry.Handle("modelSync.getScheduleOptions", GetScheduleOptions);
}

}  // namespace sandbox
