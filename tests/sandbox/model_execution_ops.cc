#include "tests/sandbox/model_execution_ops.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/sandbox/clock.h"
#include "tests/sandbox/console_log.h"
#include "tests/sandbox/model_executions.h"
#include "tests/sandbox/model_sync_ops.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kExecutionPageSize = 50;
// Log URLs are "signed" for this long.
constexpr absl::Duration kLogUrlLifetime = absl::Minutes(15);
constexpr char kLogHost[] = "https://logs.sandbox.polytomic.invalid";

// ExecutionOrder orders by created_at (descending unless `ascending`), then
// id ascending.
bool ExecutionOrder(const Json& a, const Json& b, bool ascending) {
  const std::string& ca = a["created_at"].get_ref<const std::string&>();
  const std::string& cb = b["created_at"].get_ref<const std::string&>();
  if (ca != cb) return ascending ? ca < cb : ca > cb;
  return a["id"].get_ref<const std::string&>() <
         b["id"].get_ref<const std::string&>();
}

// Target is the sync and execution a request names.
struct Target {
  ModelSyncRecord* sync = nullptr;
  Json* execution = nullptr;
  std::optional<Reply> error;  // 404 when either is unknown
};

Target FindTarget(Call& call) {
  Target t;
  const std::string& sync_id = call.params["sync_id"];
  const std::string& id = call.params["id"];
  t.sync = FindModelSyncForCall(call, sync_id);
  if (t.sync == nullptr) {
    t.error = NotFoundReply("model sync", sync_id);
    return t;
  }
  t.execution = FindModelExecution(*t.sync, id);
  if (t.execution == nullptr) t.error = NotFoundReply("execution", id);
  return t;
}

std::optional<Reply> CheckLogType(Call& call) {
  const std::string& type = call.params["type"];
  if (IsModelLogType(type)) return std::nullopt;
  FieldErrors errors;
  errors.AddSyntax("type",
                   "must be one of records, errors, warnings, inserts, "
                   "updates, deletes (" +
                       type + ")");
  return ValidationReply(400, errors);
}

Reply ListExecutions(Call& call) {
  const std::string& sync_id = call.params["sync_id"];
  ModelSyncRecord* sync = FindModelSyncForCall(call, sync_id);
  if (sync == nullptr) return NotFoundReply("model sync", sync_id);
  FieldErrors errors;
  const bool ascending = call.QueryBool("ascending", errors).value_or(false);
  const bool only_completed =
      call.QueryBool("only_completed", errors).value_or(false);
  // A token continues the listing it came from: same sync, order, filter.
  const std::string scope = sync_id + (ascending ? "|asc" : "|desc") +
                            (only_completed ? "|completed" : "|all");
  const PageCursor* cursor = nullptr;
  if (std::optional<std::string> token = call.Query("page_token")) {
    cursor = call.world.FindPageToken(*token, call.operation,
                                      call.organization_id(), scope);
    if (cursor == nullptr) {
      errors.AddSyntax("page_token",
                       "was not issued by this API for this "
                       "listing");
    }
  }
  if (!errors.empty()) return ValidationReply(400, errors);

  std::vector<const Json*> executions;
  for (const Json& e : sync->executions) {
    if (only_completed &&
        !IsTerminalModelStatus(e["status"].get<std::string>())) {
      continue;
    }
    executions.push_back(&e);
  }
  auto before = [ascending](const Json* a, const Json* b) {
    return ExecutionOrder(*a, *b, ascending);
  };
  std::sort(executions.begin(), executions.end(), before);
  size_t start = 0;
  if (cursor != nullptr) {
    Json last{{"created_at", cursor->sort_value}, {"id", cursor->id}};
    while (start < executions.size() && !before(&last, executions[start])) {
      ++start;
    }
  }
  Json data = Json::array();
  size_t end = std::min(executions.size(), start + kExecutionPageSize);
  for (size_t i = start; i < end; ++i) data.push_back(*executions[i]);
  Json pagination = Json::object();
  if (end < executions.size()) {
    const Json& tail = *executions[end - 1];
    pagination["next_page_token"] = call.world.IssuePageToken(
        PageCursor{call.operation, call.organization_id(), scope,
                   tail["created_at"].get<std::string>(),
                   tail["id"].get<std::string>()},
        call.env.ids);
  }
  return JsonReply(200, Json{{"data", std::move(data)},
                             {"pagination", std::move(pagination)}});
}

Reply GetExecution(Call& call) {
  Target t = FindTarget(call);
  if (t.error) return *t.error;
  return JsonReply(200, Json{{"data", *t.execution}});
}

Reply CancelExecution(Call& call) {
  Target t = FindTarget(call);
  if (t.error) return *t.error;
  const std::string status = (*t.execution)["status"];
  if (IsTerminalModelStatus(status)) {
    return ErrorReply(
        400, "bad_request",
        "execution " + call.params["id"] + " is not running (" + status + ")");
  }
  CancelModelExecution(*t.sync, *t.execution, call.env.clock.NowTimestamp());
  return JsonReply(200,
                   Json{{"data", {{"message", "cancellation requested"}}}});
}

Reply GetConsoleLogs(Call& call) {
  FieldErrors errors;
  const int limit = call.QueryLimit("limit", kConsoleLogMaxEntries,
                                    kConsoleLogMaxEntries, errors);
  if (!errors.empty()) return ValidationReply(400, errors);
  Target t = FindTarget(call);
  if (t.error) return *t.error;
  std::optional<Json> page = ConsoleLogPage(
      t.sync->console_logs[call.params["id"]], call.Query("after"), limit);
  if (!page.has_value()) {
    errors.AddSyntax("after", "is not a console log cursor (<ms>-<seq>)");
    return ValidationReply(400, errors);
  }
  return JsonReply(200, Json{{"data", std::move(*page)}});
}

Reply GetLogUrls(Call& call) {
  if (std::optional<Reply> bad = CheckLogType(call)) return *bad;
  Target t = FindTarget(call);
  if (t.error) return *t.error;
  const std::string& type = call.params["type"];
  Json urls = Json::array();
  for (const std::string& file : ModelLogFiles(*t.execution, type)) {
    urls.push_back(std::string(kLogHost) + "/syncs/" + call.params["sync_id"] +
                   "/executions/" + call.params["id"] + "/" + type + "/" +
                   file);
  }
  const std::string expires =
      Clock::Format(call.env.clock.Now() + kLogUrlLifetime);
  return JsonReply(200, Json{{"data", {{"expires", expires}, {"urls", urls}}}});
}

Reply GetLogs(Call& call) {
  if (std::optional<Reply> bad = CheckLogType(call)) return *bad;
  Target t = FindTarget(call);
  if (t.error) return *t.error;
  const std::string& filename = call.params["filename"];
  std::vector<std::string> files =
      ModelLogFiles(*t.execution, call.params["type"]);
  if (std::find(files.begin(), files.end(), filename) == files.end()) {
    return NotFoundReply("log file", filename);
  }
  // The reference models no body for this 200.
  Reply reply;
  reply.status = 200;
  reply.content_type.clear();
  return reply;
}

}  // namespace

void RegisterModelExecutionOps(OpRegistry& registry) {
  registry.Handle("modelSync.executions.list", ListExecutions);
  registry.Handle("modelSync.executions.get", GetExecution);
  registry.Handle("modelSync.executions.cancel", CancelExecution);
  registry.Handle("modelSync.executions.getConsoleLogs", GetConsoleLogs);
  registry.Handle("modelSync.executions.getLogUrls", GetLogUrls);
  registry.Handle("modelSync.executions.getLogs", GetLogs);
}

}  // namespace sandbox
