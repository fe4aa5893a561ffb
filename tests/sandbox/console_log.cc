#include "tests/sandbox/console_log.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/sandbox/clock.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

struct Draft {
  int64_t ms;
  std::string level;
  std::string message;
  Json payload;
};

int64_t Millis(const Json& doc, const char* key, int64_t fallback) {
  if (!doc.contains(key) || !doc[key].is_string()) return fallback;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, doc[key].get<std::string>(), &t,
                       &err)) {
    return fallback;
  }
  return absl::ToUnixMillis(t);
}

std::string Counts(const Json& doc) {
  return absl::StrCat(doc.value("record_count", int64_t{0}), " records, ",
                      doc.value("error_count", int64_t{0}), " errors, ",
                      doc.value("warning_count", int64_t{0}), " warnings");
}

void SchemaEntries(const Json& execution, const Json& schema,
                   int64_t started_ms, std::vector<Draft>& out) {
  const std::string id = schema.value("schema", "");
  const Json base{{"execution_id", execution["id"]}, {"schema", id}};
  const int64_t start = Millis(schema, "started_at", started_ms);
  Json payload = base;
  payload["output_name"] = schema.value("output_name", "");
  out.push_back({start, "info",
                 absl::StrCat("Schema ", id, ": started, writing to ",
                              schema.value("output_name", "")),
                 payload});
  payload = base;
  payload["fetch_mode"] = execution.value("fetch_mode", "none");
  out.push_back({start, "info",
                 absl::StrCat("Schema ", id, ": fetching records"), payload});
  const std::string status = schema.value("status", "running");
  if (!schema.contains("completed_at")) return;
  const int64_t end = std::max(start, Millis(schema, "completed_at", start));
  payload = base;
  payload["status"] = status;
  payload["record_count"] = schema.value("record_count", int64_t{0});
  payload["error_count"] = schema.value("error_count", int64_t{0});
  payload["warning_count"] = schema.value("warning_count", int64_t{0});
  if (status == "completed") {
    const bool errors = schema.value("error_count", int64_t{0}) > 0;
    out.push_back(
        {end, errors ? "warning" : "info",
         absl::StrCat("Schema ", id, ": completed (", Counts(schema), ")"),
         payload});
  } else if (status == "failed") {
    out.push_back({end, "error",
                   absl::StrCat("Schema ", id, ": failed: ",
                                schema.value("status_message",
                                             "see the execution's log files")),
                   payload});
  } else {
    out.push_back(
        {end, "warning", absl::StrCat("Schema ", id, ": ", status), payload});
  }
}

bool ParseCursor(const std::string& text, std::pair<int64_t, int64_t>* out) {
  size_t dash = text.find('-');
  if (dash == std::string::npos) return false;
  return absl::SimpleAtoi(text.substr(0, dash), &out->first) &&
         absl::SimpleAtoi(text.substr(dash + 1), &out->second) &&
         out->first >= 0 && out->second >= 0;
}

}  // namespace

std::vector<Json> BulkConsoleLog(const Json& execution,
                                 const std::string& schema) {
  std::vector<Draft> drafts;
  const int64_t started = Millis(execution, "started_at", 0);
  const Json base{{"execution_id", execution["id"]}};
  Json payload = base;
  payload["type"] = execution.value("type", "manual");
  payload["fetch_mode"] = execution.value("fetch_mode", "none");
  payload["output_disposition"] =
      execution.value("output_disposition", "retain");
  payload["is_test"] = execution.value("is_test", false);
  drafts.push_back(
      {started, "info",
       absl::StrCat("Execution started (", execution.value("type", "manual"),
                    execution.value("is_test", false) ? ", test run" : "",
                    execution.value("is_resync", false) ? ", resync" : "", ")"),
       payload});
  if (execution.contains("schemas")) {
    for (const Json& s : execution["schemas"]) {
      SchemaEntries(execution, s, started, drafts);
    }
  }
  const std::string status = execution.value("status", "running");
  payload = base;
  payload["status"] = status;
  if (execution.contains("completed_at")) {
    const int64_t end =
        std::max(started, Millis(execution, "completed_at", started));
    payload["record_count"] = execution.value("record_count", int64_t{0});
    payload["error_count"] = execution.value("error_count", int64_t{0});
    payload["warning_count"] = execution.value("warning_count", int64_t{0});
    std::string level = "warning";
    std::string message = "Execution " + status;
    if (status == "completed") {
      level = "info";
      message = "Execution completed (" + Counts(execution) + ")";
    } else if (status == "errors") {
      message = "Execution completed with errors (" + Counts(execution) + ")";
    } else if (status == "failed") {
      level = "error";
      message = "Execution failed: " +
                execution.value("status_message", "see the log files");
    }
    drafts.push_back({end, level, message, payload});
  } else if (status != "running") {
    drafts.push_back({std::max(started, Millis(execution, "updated_at", 0)),
                      "info", "Execution is " + status, payload});
  }
  std::stable_sort(drafts.begin(), drafts.end(),
                   [](const Draft& a, const Draft& b) { return a.ms < b.ms; });
  std::vector<Json> entries;
  int64_t previous_ms = -1;
  int64_t seq = 0;
  for (Draft& d : drafts) {
    seq = d.ms == previous_ms ? seq + 1 : 0;
    previous_ms = d.ms;
    if (!schema.empty() && d.payload.value("schema", "") != schema) continue;
    entries.push_back(
        Json{{"id", absl::StrCat(d.ms, "-", seq)},
             {"level", d.level},
             {"message", d.message},
             {"payload", std::move(d.payload)},
             {"timestamp", Clock::Format(absl::FromUnixMillis(d.ms))}});
  }
  return entries;
}

std::optional<Json> ConsoleLogPage(const std::vector<Json>& entries,
                                   const std::optional<std::string>& after,
                                   int limit) {
  size_t begin = 0;
  size_t end = entries.size();
  if (after.has_value()) {
    std::pair<int64_t, int64_t> cursor;
    if (!ParseCursor(*after, &cursor)) return std::nullopt;
    while (begin < entries.size()) {
      std::pair<int64_t, int64_t> id;
      ParseCursor(entries[begin]["id"].get<std::string>(), &id);
      if (id > cursor) break;
      ++begin;
    }
    end = std::min(entries.size(), begin + static_cast<size_t>(limit));
  } else if (entries.size() > static_cast<size_t>(limit)) {
    begin = entries.size() - static_cast<size_t>(limit);
  }
  Json page;
  page["entries"] = Json::array();
  for (size_t i = begin; i < end; ++i) page["entries"].push_back(entries[i]);
  if (end > begin) {
    page["next_cursor"] = entries[end - 1]["id"];
  } else if (after.has_value()) {
    page["next_cursor"] = *after;
  }
  return page;
}

}  // namespace sandbox
