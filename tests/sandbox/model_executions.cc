#include "tests/sandbox/model_executions.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/sandbox/clock.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

constexpr int64_t kRecordsPerLogFile = 10000;

constexpr const char* kLogTypes[] = {"records", "errors",  "warnings",
                                     "inserts", "updates", "deletes"};

// CountOfLogType maps an ExecutionLogType to the ExecutionCounts member
// whose records its files hold.
const char* CountOfLogType(const std::string& type) {
  if (type == "records") return "total";
  if (type == "errors") return "error";
  if (type == "warnings") return "warnings";
  if (type == "inserts") return "insert";
  if (type == "updates") return "update";
  if (type == "deletes") return "delete";
  return nullptr;
}

int64_t UnixMillis(const std::string& timestamp) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, timestamp, &t, &err)) return 0;
  return absl::ToUnixMillis(t);
}

Json Counts(const ModelExecutionOutcome& o) {
  return Json{{"total", o.total},
              {"insert", o.insert},
              {"update", o.update},
              {"delete", o.del},
              {"upserts", o.insert + o.update},
              {"error", o.error},
              {"warnings", o.warnings}};
}

// ParseCursor parses a console entry id `<ms>-<seq>`.
std::optional<std::pair<int64_t, int64_t>> ParseCursor(
    const std::string& cursor) {
  size_t dash = cursor.find('-');
  int64_t ms = 0;
  int64_t seq = 0;
  if (dash == std::string::npos ||
      !absl::SimpleAtoi(cursor.substr(0, dash), &ms) ||
      !absl::SimpleAtoi(cursor.substr(dash + 1), &seq)) {
    return std::nullopt;
  }
  return std::make_pair(ms, seq);
}

void AddConsoleEntry(ModelSyncRecord& sync, const std::string& execution_id,
                     const std::string& timestamp, const char* level,
                     const std::string& message, Json payload) {
  std::vector<Json>& entries = sync.console_logs[execution_id];
  const int64_t ms = UnixMillis(timestamp);
  int64_t seq = 0;
  for (const Json& e : entries) {
    std::optional<std::pair<int64_t, int64_t>> id =
        ParseCursor(e["id"].get<std::string>());
    if (id.has_value() && id->first == ms) seq = std::max(seq, id->second + 1);
  }
  entries.push_back(Json{{"id", absl::StrCat(ms, "-", seq)},
                         {"level", level},
                         {"message", message},
                         {"payload", std::move(payload)},
                         {"timestamp", timestamp}});
}

// NonNegative reads an optional non-negative integer member.
std::optional<int64_t> NonNegative(const Json& object, const char* key,
                                   const std::string& path,
                                   FieldErrors& errors) {
  if (!object.contains(key)) return std::nullopt;
  const Json& v = object[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    errors.AddSyntax(path + key, "must be a non-negative integer");
    return std::nullopt;
  }
  return v.get<int64_t>();
}

bool IsModelStatus(const std::string& status) {
  static const char* const kStatuses[] = {
      "created",   "scheduled",  "queued",     "waiting",
      "running",   "processing", "canceling",  "canceled",
      "completed", "failed",     "interrupted"};
  return std::find(std::begin(kStatuses), std::end(kStatuses), status) !=
         std::end(kStatuses);
}

// ParseOutcome reads the finish hook's body (the same members as for bulk
// executions, plus `counts` and `errors`).
bool ParseOutcome(const Json& body, ModelExecutionOutcome& out,
                  FieldErrors& errors) {
  if (!body.contains("status")) {
    errors.AddSyntax("status", "is required");
  } else if (!body["status"].is_string() ||
             !IsModelStatus(body["status"].get<std::string>())) {
    errors.AddSyntax("status", "must be a UtilExecutionStatus");
  } else {
    out.status = body["status"].get<std::string>();
  }
  std::optional<int64_t> records =
      NonNegative(body, "record_count", "", errors);
  out.error = NonNegative(body, "error_count", "", errors).value_or(0);
  out.warnings = NonNegative(body, "warning_count", "", errors).value_or(0);
  if (body.contains("counts")) {
    const Json& counts = body["counts"];
    if (!counts.is_object()) {
      errors.AddSyntax("counts", "must be an object");
    } else {
      out.insert = NonNegative(counts, "insert", "counts.", errors).value_or(0);
      out.update = NonNegative(counts, "update", "counts.", errors).value_or(0);
      out.del = NonNegative(counts, "delete", "counts.", errors).value_or(0);
      out.warnings = NonNegative(counts, "warnings", "counts.", errors)
                         .value_or(out.warnings);
    }
    out.total = records.value_or(out.insert + out.update + out.del + out.error);
  } else {
    out.total = records.value_or(0);
    out.insert = std::max<int64_t>(0, out.total - out.error);
  }
  if (records.has_value() && out.error > *records) {
    errors.AddSyntax("error_count", "must not exceed record_count");
  }
  if (body.contains("errors")) {
    const Json& list = body["errors"];
    bool ok = list.is_array() &&
              std::all_of(list.begin(), list.end(),
                          [](const Json& e) { return e.is_string(); });
    if (!ok) {
      errors.AddSyntax("errors", "must be an array of strings");
    } else {
      for (const Json& e : list) out.errors.push_back(e.get<std::string>());
    }
  }
  if (body.contains("status_message")) {
    if (!body["status_message"].is_string()) {
      errors.AddSyntax("status_message", "must be a string");
    } else if (out.errors.empty()) {
      out.errors.push_back(body["status_message"].get<std::string>());
    }
  }
  return errors.empty();
}

}  // namespace

bool IsTerminalModelStatus(const std::string& status) {
  return status == "canceled" || status == "completed" || status == "failed" ||
         status == "interrupted";
}

bool IsModelLogType(const std::string& type) {
  return CountOfLogType(type) != nullptr;
}

Json* FindModelExecution(ModelSyncRecord& sync,
                         const std::string& execution_id) {
  for (Json& e : sync.executions) {
    if (e["id"] == execution_id) return &e;
  }
  return nullptr;
}

Json* RunningModelExecution(ModelSyncRecord& sync) {
  for (Json& e : sync.executions) {
    if (!IsTerminalModelStatus(e["status"].get<std::string>())) return &e;
  }
  return nullptr;
}

Json& StartModelExecution(ModelSyncRecord& sync, Env& env,
                          const std::string& type, const Json& request) {
  const std::string now = env.clock.NowTimestamp();
  Json execution{
      {"id", env.ids.Uuid()},   {"type", type},
      {"status", "running"},    {"created_at", now},
      {"started_at", now},      {"counts", Counts(ModelExecutionOutcome{})},
      {"errors", Json::array()}};
  const std::string id = execution["id"];
  AddConsoleEntry(
      sync, id, now, "info", "Execution queued (" + type + ")",
      Json{{"type", type},
           {"resync", request.value("resync", false)},
           {"test", request.value("test", false)},
           {"identities", request.value("identities", Json::array()).size()}});
  AddConsoleEntry(sync, id, now, "info", "Execution started", Json::object());
  sync.executions.push_back(std::move(execution));
  return sync.executions.back();
}

void FinishModelExecution(ModelSyncRecord& sync, Json& execution,
                          const ModelExecutionOutcome& outcome,
                          const std::string& when) {
  ModelExecutionOutcome o = outcome;
  if (o.errors.empty() && o.error > 0) {
    o.errors.push_back(
        absl::StrCat(o.error, " records were rejected by the target"));
  }
  if (o.errors.empty() && o.status == "failed") {
    o.errors.push_back("the execution failed");
  }
  Json finished;
  for (const char* key : {"id", "type"}) finished[key] = execution[key];
  finished["status"] = o.status;
  for (const char* key : {"created_at", "started_at"}) {
    finished[key] = execution[key];
  }
  finished["completed_at"] = when;
  finished["counts"] = Counts(o);
  finished["errors"] = o.errors;
  execution = std::move(finished);

  const std::string id = execution["id"];
  if (o.status != "canceled") {
    AddConsoleEntry(sync, id, when, o.error > 0 ? "warning" : "info",
                    absl::StrCat("Processed ", o.total, " records: ", o.insert,
                                 " inserted, ", o.update, " updated, ", o.del,
                                 " deleted, ", o.error, " rejected"),
                    execution["counts"]);
  }
  const char* level = o.status == "completed"  ? "info"
                      : o.status == "canceled" ? "warning"
                                               : "error";
  std::string message = "Execution " + o.status;
  if (o.status == "failed") message += ": " + o.errors.front();
  AddConsoleEntry(sync, id, when, level, message, Json::object());
}

void CancelModelExecution(ModelSyncRecord& sync, Json& execution,
                          const std::string& now) {
  const Json& counts = execution["counts"];
  ModelExecutionOutcome outcome;
  outcome.status = "canceled";
  outcome.total = counts.value("total", int64_t{0});
  outcome.insert = counts.value("insert", int64_t{0});
  outcome.update = counts.value("update", int64_t{0});
  outcome.del = counts.value("delete", int64_t{0});
  outcome.error = counts.value("error", int64_t{0});
  outcome.warnings = counts.value("warnings", int64_t{0});
  FinishModelExecution(sync, execution, outcome, now);
}

int CancelModelExecutions(ModelSyncRecord& sync, const std::string& now) {
  int canceled = 0;
  for (Json& e : sync.executions) {
    if (IsTerminalModelStatus(e["status"].get<std::string>())) continue;
    CancelModelExecution(sync, e, now);
    ++canceled;
  }
  return canceled;
}

void AdvanceModelExecutions(ModelSyncRecord& sync, Env& env) {
  if (env.execution_seconds <= 0) return;
  const absl::Time now = env.clock.Now();
  for (Json& e : sync.executions) {
    if (IsTerminalModelStatus(e["status"].get<std::string>())) continue;
    absl::Time due = absl::FromUnixMillis(UnixMillis(e["started_at"])) +
                     absl::Seconds(env.execution_seconds);
    if (due > now) continue;
    FinishModelExecution(sync, e, ModelExecutionOutcome{}, Clock::Format(due));
  }
}

std::vector<std::string> ModelLogFiles(const Json& execution,
                                       const std::string& type) {
  std::vector<std::string> files;
  const char* count_key = CountOfLogType(type);
  if (count_key == nullptr ||
      !IsTerminalModelStatus(execution["status"].get<std::string>())) {
    return files;
  }
  const int64_t count = execution["counts"].value(count_key, int64_t{0});
  for (int64_t i = 0; i * kRecordsPerLogFile < count; ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "%s-%05lld.jsonl", type.c_str(),
                  static_cast<long long>(i));
    files.push_back(name);
  }
  return files;
}

std::optional<Reply> FinishModelExecutionHook(World& world, Env& env,
                                              const std::string& execution_id,
                                              const Json& body) {
  for (auto& [sync_id, sync] : world.model_syncs) {
    Json* execution = FindModelExecution(sync, execution_id);
    if (execution == nullptr) continue;
    AdvanceModelExecutions(sync, env);
    FieldErrors errors;
    ModelExecutionOutcome outcome;
    if (!ParseOutcome(body, outcome, errors)) {
      return ValidationReply(400, errors);
    }
    const std::string current = (*execution)["status"];
    if (IsTerminalModelStatus(current)) {
      return ErrorReply(
          409, "conflict",
          "execution " + execution_id + " already finished (" + current + ")");
    }
    if (IsTerminalModelStatus(outcome.status)) {
      FinishModelExecution(sync, *execution, outcome, env.clock.NowTimestamp());
    } else {
      (*execution)["status"] = outcome.status;  // moves on, still running
    }
    return JsonReply(200, *execution);
  }
  return std::nullopt;
}

}  // namespace sandbox
