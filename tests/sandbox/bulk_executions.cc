#include "tests/sandbox/bulk_executions.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "tests/sandbox/bulk_sync_builder.h"
#include "tests/sandbox/clock.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

bool IsTerminalSchemaStatus(const std::string& status) {
  return status == "canceled" || status == "completed" || status == "failed" ||
         status == "interrupted";
}

// SchemaStatusFor maps a BulkExecutionStatus onto the per-schema enum
// (BulkSchemaExecutionStatus has no `errors` and no `canceling`).
std::string SchemaStatusFor(const std::string& status) {
  if (status == "errors") return "completed";
  if (status == "canceling") return "running";
  return status;
}

// SyntheticRecordCount is a stable, plausible row count for a schema of an
// execution that completed without a count from the test (FNV-1a).
int64_t SyntheticRecordCount(const std::string& execution_id,
                             const std::string& schema) {
  uint64_t hash = 1469598103934665603ull;
  for (char c : execution_id + "/" + schema) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return 50 + static_cast<int64_t>(hash % 4950);
}

// Spread writes `total` over the schemas' `key`, the remainder to the first.
void Spread(Json& schemas, const char* key, int64_t total) {
  if (schemas.empty()) return;
  const int64_t n = static_cast<int64_t>(schemas.size());
  for (int64_t i = 0; i < n; ++i) {
    schemas[i][key] = total / n + (i == 0 ? total % n : 0);
  }
}

absl::Time ParseTimestamp(const std::string& text) {
  absl::Time t = absl::UnixEpoch();
  std::string err;
  absl::ParseTime(absl::RFC3339_full, text, &t, &err);
  return t;
}

int ParseScheduleNumber(const Json& schedule, const char* key) {
  int n = 0;
  if (!schedule.contains(key) || !schedule[key].is_string() ||
      !absl::SimpleAtoi(schedule[key].get<std::string>(), &n)) {
    return 0;
  }
  return n;
}

int Weekday(const Json& schedule) {
  static const char* const kDays[] = {"monday",   "tuesday", "wednesday",
                                      "thursday", "friday",  "saturday",
                                      "sunday"};
  std::string day =
      absl::AsciiStrToLower(schedule.value("day_of_week", "monday"));
  for (int i = 0; i < 7; ++i) {
    if (day == kDays[i]) return i;
  }
  return 0;
}

int WeekdayIndex(absl::Weekday day) {
  switch (day) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

}  // namespace

bool IsBulkExecutionStatus(const std::string& status) {
  static const std::set<std::string> kStatuses = {
      "created",    "scheduled", "running",    "exporting",
      "canceling",  "canceled",  "completed",  "failed",
      "processing", "errors",    "interrupted"};
  return kStatuses.count(status) > 0;
}

Json NewBulkExecution(const BulkSyncRecord& sync,
                      const BulkExecutionStart& start, const std::string& id,
                      const std::string& now) {
  size_t enabled = 0;
  Json schemas = Json::array();
  for (const Json& config : sync.schemas) {
    if (!config.value("enabled", false)) continue;
    ++enabled;
    const std::string schema_id = config["id"].get<std::string>();
    if (!start.schemas.empty() &&
        std::find(start.schemas.begin(), start.schemas.end(), schema_id) ==
            start.schemas.end()) {
      continue;
    }
    const std::string user_name = config.value("user_output_name", "");
    schemas.push_back(
        Json{{"schema", schema_id},
             {"output_name",
              user_name.empty() ? config["output_name"] : Json(user_name)},
             {"status", "running"},
             {"record_count", 0},
             {"error_count", 0},
             {"warning_count", 0},
             {"created_at", now},
             {"started_at", now},
             {"updated_at", now}});
  }
  const std::string& resync = start.resync_mode;
  Json e;
  e["id"] = id;
  e["status"] = "running";
  e["type"] = start.type;
  e["is_test"] = start.test;
  e["is_resync"] = !resync.empty();
  e["is_partial"] = schemas.size() < enabled;
  e["fetch_mode"] = start.fetch_mode;
  e["output_disposition"] = resync == "resync"    ? "truncate"
                            : resync == "rebuild" ? "rebuild"
                                                  : "retain";
  e["record_count"] = 0;
  e["error_count"] = 0;
  e["warning_count"] = 0;
  e["created_at"] = now;
  e["started_at"] = now;
  e["updated_at"] = now;
  e["schemas"] = std::move(schemas);
  return e;
}

void FinishBulkExecution(Json& execution, const BulkExecutionOutcome& outcome,
                         const std::string& now) {
  const bool terminal = IsTerminalBulkStatus(outcome.status);
  const std::string schema_status = SchemaStatusFor(outcome.status);
  Json& schemas = execution["schemas"];
  for (Json& schema : schemas) {
    if (IsTerminalSchemaStatus(schema.value("status", "completed"))) continue;
    schema["status"] = schema_status;
    schema["updated_at"] = now;
    if (terminal) schema["completed_at"] = now;
    if (outcome.status_message.has_value() && outcome.status != "completed") {
      schema["status_message"] = *outcome.status_message;
    }
  }
  if (outcome.record_count.has_value()) {
    Spread(schemas, "record_count", *outcome.record_count);
  } else if (outcome.status == "completed") {
    const std::string id = execution["id"].get<std::string>();
    for (Json& schema : schemas) {
      if (schema["status"] == "completed") {
        schema["record_count"] =
            SyntheticRecordCount(id, schema["schema"].get<std::string>());
      }
    }
  }
  if (outcome.error_count.has_value()) {
    Spread(schemas, "error_count", *outcome.error_count);
  }
  if (outcome.warning_count.has_value()) {
    Spread(schemas, "warning_count", *outcome.warning_count);
  }
  for (const char* key : {"record_count", "error_count", "warning_count"}) {
    int64_t total = 0;
    for (const Json& schema : schemas) total += schema.value(key, int64_t{0});
    execution[key] = total;
  }
  execution["status"] = outcome.status;
  execution["updated_at"] = now;
  if (terminal) execution["completed_at"] = now;
  if (outcome.status_message.has_value()) {
    execution["status_message"] = *outcome.status_message;
  }
}

bool CancelBulkExecutionSchema(Json& execution, const std::string& schema_id,
                               const std::string& now) {
  if (IsTerminalBulkStatus(execution.value("status", "completed"))) {
    return false;
  }
  bool canceled = false;
  bool any_running = false;
  for (Json& schema : execution["schemas"]) {
    if (IsTerminalSchemaStatus(schema.value("status", "completed"))) continue;
    if (schema["schema"] == schema_id) {
      schema["status"] = "canceled";
      schema["completed_at"] = now;
      schema["updated_at"] = now;
      canceled = true;
    } else {
      any_running = true;
    }
  }
  if (!canceled) return false;
  execution["updated_at"] = now;
  if (!any_running) {
    execution["status"] = "canceled";
    execution["completed_at"] = now;
  }
  return true;
}

void CancelBulkExecution(Json& execution, const std::string& now) {
  BulkExecutionOutcome outcome;
  outcome.status = "canceled";
  FinishBulkExecution(execution, outcome, now);
}

void SettleBulkExecutions(BulkSyncRecord& sync, Env& env) {
  if (env.execution_seconds <= 0) return;
  const absl::Time now = env.clock.Now();
  const absl::Duration run = absl::Seconds(env.execution_seconds);
  for (Json& execution : sync.executions) {
    if (IsTerminalBulkStatus(execution.value("status", "completed"))) continue;
    const absl::Time done =
        ParseTimestamp(execution.value("started_at", "")) + run;
    if (done > now) continue;
    BulkExecutionOutcome outcome;
    outcome.status = "completed";
    FinishBulkExecution(execution, outcome, Clock::Format(done));
  }
}

BulkSyncRecord* FindSettledBulkSync(World& world, Env& env,
                                    const std::string& organization_id,
                                    const std::string& id) {
  BulkSyncRecord* sync = world.FindBulkSync(organization_id, id);
  if (sync != nullptr) SettleBulkExecutions(*sync, env);
  return sync;
}

Json* FindBulkExecution(BulkSyncRecord& sync, const std::string& id) {
  for (Json& execution : sync.executions) {
    if (execution["id"] == id) return &execution;
  }
  return nullptr;
}

const Json* CurrentBulkExecution(const BulkSyncRecord& sync) {
  for (auto it = sync.executions.rbegin(); it != sync.executions.rend(); ++it) {
    if (!IsTerminalBulkStatus(it->value("status", "completed"))) return &*it;
  }
  return nullptr;
}

const Json* LastTerminalBulkExecution(const BulkSyncRecord& sync) {
  const Json* last = nullptr;
  auto key = [](const Json& e) {
    return std::make_pair(e.value("completed_at", ""),
                          e.value("started_at", ""));
  };
  for (const Json& execution : sync.executions) {
    if (!IsTerminalBulkStatus(execution.value("status", "completed"))) {
      continue;
    }
    if (last == nullptr || key(execution) >= key(*last)) last = &execution;
  }
  return last;
}

std::optional<std::string> NextExecutionTime(const BulkSyncRecord& sync,
                                             absl::Time now) {
  if (!sync.doc.value("active", false)) return std::nullopt;
  const Json& schedule = sync.doc["default_schedule"];
  if (!schedule.is_object()) return std::nullopt;
  const std::string frequency = schedule.value("frequency", "");
  const int minute = ParseScheduleNumber(schedule, "minute");
  const int hour = ParseScheduleNumber(schedule, "hour");
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond civil = absl::ToCivilSecond(now, utc);
  absl::CivilSecond next;
  if (frequency == "hourly") {
    next = absl::CivilSecond(civil.year(), civil.month(), civil.day(),
                             civil.hour(), minute, 0);
    while (absl::FromCivil(next, utc) <= now) next += 3600;
  } else if (frequency == "daily") {
    next = absl::CivilSecond(civil.year(), civil.month(), civil.day(), hour,
                             minute, 0);
    while (absl::FromCivil(next, utc) <= now) next += 86400;
  } else if (frequency == "weekly") {
    absl::CivilDay day = absl::CivilDay(civil);
    int ahead =
        (Weekday(schedule) - WeekdayIndex(absl::GetWeekday(day)) + 7) % 7;
    day += ahead;
    next =
        absl::CivilSecond(day.year(), day.month(), day.day(), hour, minute, 0);
    while (absl::FromCivil(next, utc) <= now) next += 7 * 86400;
  } else {
    return std::nullopt;
  }
  return Clock::Format(absl::FromCivil(next, utc));
}

Json BulkSyncStatusSummary(const BulkSyncRecord& sync, absl::Time now) {
  Json item;
  item["sync_id"] = sync.doc["id"];
  const Json* current = CurrentBulkExecution(sync);
  if (current == nullptr && !sync.executions.empty()) {
    // The latest by start time.
    current = &*std::max_element(sync.executions.begin(), sync.executions.end(),
                                 [](const Json& a, const Json& b) {
                                   return a.value("started_at", "") <
                                          b.value("started_at", "");
                                 });
  }
  if (current != nullptr) item["status"] = (*current)["status"];
  if (std::optional<std::string> next = NextExecutionTime(sync, now)) {
    item["nextExecutionTime"] = *next;
  }
  // Per schema: a running schema execution wins, else the newest start.
  std::map<std::string, std::pair<const Json*, const Json*>> latest;
  for (const Json& execution : sync.executions) {
    for (const Json& schema : execution["schemas"]) {
      const std::string id = schema["schema"].get<std::string>();
      auto& [best_exec, best] = latest[id];
      const bool running =
          !IsTerminalSchemaStatus(schema.value("status", "completed"));
      const bool best_running =
          best != nullptr &&
          !IsTerminalSchemaStatus(best->value("status", "completed"));
      if (best == nullptr || (running && !best_running) ||
          (running == best_running &&
           schema.value("started_at", "") >= best->value("started_at", ""))) {
        best_exec = &execution;
        best = &schema;
      }
    }
  }
  Json schemas = Json::array();
  for (const Json& config : sync.schemas) {
    if (!config.value("enabled", false)) continue;
    auto it = latest.find(config["id"].get<std::string>());
    if (it == latest.end()) continue;
    const Json& s = *it->second.second;
    Json status;
    status["schema"] = s["schema"];
    status["execution_id"] = (*it->second.first)["id"];
    status["status"] = s["status"];
    status["started_at"] = s["started_at"];
    if (s.contains("completed_at")) status["completed_at"] = s["completed_at"];
    status["record_count"] = s["record_count"];
    status["error_count"] = s["error_count"];
    status["warning_count"] = s["warning_count"];
    if (s.contains("status_message")) {
      status["status_message"] = s["status_message"];
    }
    schemas.push_back(std::move(status));
  }
  item["schemas"] = std::move(schemas);
  return item;
}

}  // namespace sandbox
