#include "tests/sandbox/bulk_sync_builder.h"

#include <map>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/sandbox/bulk_schemas.h"
#include "tests/sandbox/clock.h"
#include "tests/sandbox/extensions.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kStampKeys[] = {"created_at", "created_by", "updated_at",
                                      "updated_by"};

void CheckRange(const Json& schedule, const char* key, int lo, int hi,
                const std::string& path, FieldErrors& errors) {
  if (!schedule.contains(key)) return;
  const std::string value = schedule[key].get<std::string>();
  if (value.empty()) return;
  int n = 0;
  if (!absl::SimpleAtoi(value, &n) || n < lo || n > hi) {
    errors.Add(path + "." + key, absl::StrCat("must be a number from ", lo,
                                              " to ", hi, " (as a string)"));
  }
}

// Content is a schedule without its stamps, for change detection (compared
// unordered so key order cannot matter).
nlohmann::json Content(const Json& schedule) {
  nlohmann::json content = nlohmann::json(schedule);
  for (const char* key : kStampKeys) content.erase(key);
  return content;
}

// ScheduleBuilder builds the default and additional schedules of one write.
class ScheduleBuilder {
 public:
  ScheduleBuilder(const BulkSyncWrite& write, const BulkSyncRecord* existing,
                  const ConnectionType* source, FieldErrors& errors)
      : write_(write), existing_(existing), source_(source), errors_(errors) {
    if (existing_ == nullptr) return;
    const Json& doc = existing_->doc;
    default_id_ = doc["default_schedule"].value("id", "");
    previous_[default_id_] = doc["default_schedule"];
    for (const Json& s : doc["additional_schedules"]) {
      previous_[s["id"].get<std::string>()] = s;
    }
  }

  Json Build(const Json& request, bool additional, const std::string& path) {
    CheckScheduleValues(request, path, /*camel_case=*/false, errors_);
    const Json* previous = nullptr;
    std::string id = ResolveId(request, additional, path, &previous);
    Json s;
    s["id"] = id;
    s["frequency"] = request["frequency"];
    for (const char* key :
         {"day_of_month", "day_of_week", "hour", "minute", "month"}) {
      if (request.contains(key)) s[key] = request[key];
    }
    if (additional) {
      s["resync_mode"] = request.value("resync_mode", "normal");
      s["schemas"] = Json::array();
      if (request.contains("schemas")) {
        const Json& ids = request["schemas"];
        for (size_t j = 0; j < ids.size(); ++j) {
          const std::string schema_id = ids[j].get<std::string>();
          if (source_ != nullptr &&
              source_->FindBulkSchema(schema_id) == nullptr) {
            errors_.Add(
                absl::StrCat(path, ".schemas[", j, "]"),
                "is not a schema of the source connection (" + schema_id + ")");
          }
          s["schemas"].push_back(schema_id);
        }
      }
      s["selective_mode"] = request.value("selective_mode", "none");
    }
    ApplyExtensions(write_.world.Extensions(kBulkSyncScheduleResource),
                    &request, s, path + ".", errors_);
    bool unchanged = previous != nullptr && Content(*previous) == Content(s);
    // Stamps go after the writable fields and before extension fields, as
    // the reference lists them; rebuild in that order.
    Json out;
    for (auto& [key, value] : s.items()) {
      if (IsExtension(key)) continue;
      out[key] = value;
    }
    out["created_at"] = previous ? (*previous)["created_at"] : Json(write_.now);
    out["created_by"] =
        previous ? (*previous)["created_by"] : write_.principal.actor;
    out["updated_at"] =
        unchanged ? (*previous)["updated_at"] : Json(write_.now);
    out["updated_by"] =
        unchanged ? (*previous)["updated_by"] : write_.principal.actor;
    for (auto& [key, value] : s.items()) {
      if (IsExtension(key)) out[key] = value;
    }
    return out;
  }

 private:
  bool IsExtension(const std::string& key) const {
    for (const ExtensionField& e :
         write_.world.Extensions(kBulkSyncScheduleResource)) {
      if (e.field == key) return true;
    }
    return false;
  }

  std::string ResolveId(const Json& request, bool additional,
                        const std::string& path, const Json** previous) {
    std::string id = request.value("id", "");
    if (existing_ == nullptr) {
      return write_.env.ids.Uuid();  // create: request ids are ignored
    }
    if (id.empty()) {
      // Only the default schedule keeps its id without naming it.
      if (additional || used_.count(default_id_) > 0) {
        return write_.env.ids.Uuid();
      }
      id = default_id_;
    }
    auto it = previous_.find(id);
    if (it == previous_.end()) {
      errors_.Add(path + ".id", "is not a schedule of this bulk sync");
      return write_.env.ids.Uuid();
    }
    if (!used_.insert(id).second) {
      errors_.Add(path + ".id", "is used by more than one schedule");
      return write_.env.ids.Uuid();
    }
    *previous = &it->second;
    return id;
  }

  const BulkSyncWrite& write_;
  const BulkSyncRecord* existing_;
  const ConnectionType* source_;
  FieldErrors& errors_;
  std::string default_id_;
  std::map<std::string, Json> previous_;
  std::set<std::string> used_;
};

const ConnectionType* ResolveConnection(const BulkSyncWrite& write,
                                        const Json& request, const char* field,
                                        bool source, FieldErrors& errors) {
  if (!request.contains(field)) return nullptr;  // reported as required
  const std::string id = request[field].get<std::string>();
  const Connection* c =
      write.world.FindConnection(write.principal.organization_id, id);
  if (c == nullptr) {
    errors.Add(field, "is not a connection of this organization (" + id + ")");
    return nullptr;
  }
  const ConnectionType* type = write.env.catalog.Find(c->type);
  if (type == nullptr ||
      (source ? !type->bulk_source : !type->bulk_destination)) {
    errors.Add(field, "connection type " + c->type + " cannot be a bulk sync " +
                          (source ? "source" : "destination"));
    return nullptr;
  }
  return type;
}

}  // namespace

void CheckScheduleValues(const Json& schedule, const std::string& path,
                         bool camel_case, FieldErrors& errors) {
  const char* day_of_month = camel_case ? "dayOfMonth" : "day_of_month";
  const char* day_of_week = camel_case ? "dayOfWeek" : "day_of_week";
  CheckRange(schedule, "hour", 0, 23, path, errors);
  CheckRange(schedule, "minute", 0, 59, path, errors);
  CheckRange(schedule, day_of_month, 1, 31, path, errors);
  CheckRange(schedule, "month", 1, 12, path, errors);
  if (schedule.contains(day_of_week)) {
    static const std::set<std::string> kDays = {
        "monday", "tuesday",  "wednesday", "thursday",
        "friday", "saturday", "sunday"};
    const std::string day = schedule[day_of_week].get<std::string>();
    if (!day.empty() && kDays.count(absl::AsciiStrToLower(day)) == 0) {
      errors.Add(path + "." + day_of_week, "must be a day of the week");
    }
  }
}

bool BuildBulkSync(const BulkSyncWrite& write, const Json& request,
                   const BulkSyncRecord* existing, const std::string& id,
                   BulkSyncRecord& out, FieldErrors& errors) {
  const Json& r = request;
  const std::string name = r.value("name", "");
  if (r.contains("name") && name.empty()) {
    errors.Add("name", "must not be empty");
  }
  const ConnectionType* source =
      ResolveConnection(write, r, "source_connection_id", true, errors);
  const ConnectionType* destination =
      ResolveConnection(write, r, "destination_connection_id", false, errors);

  Json source_configuration = r.value("source_configuration", Json::object());
  if (source != nullptr && source->source_configuration.is_object()) {
    ValidateConfiguration(source->source_configuration, source_configuration,
                          "source_configuration", errors);
  }
  Json destination_configuration =
      r.value("destination_configuration", Json::object());
  if (destination != nullptr) {
    ValidateConfiguration(destination->destination_configuration,
                          destination_configuration,
                          "destination_configuration", errors);
  }
  for (const char* key : {"concurrency_limit", "resync_concurrency_limit"}) {
    if (r.contains(key) && r[key].get<int64_t>() < 1) {
      errors.Add(key, "must be at least 1");
    }
  }
  if (r.contains("data_cutoff_timestamp") &&
      !Clock::IsRfc3339(r["data_cutoff_timestamp"].get<std::string>())) {
    errors.AddSyntax("data_cutoff_timestamp", "must be an RFC 3339 date-time");
  }
  const std::string normalize = r.value("normalize_names", "enabled");

  // Additional schedules first, so that their explicit ids are claimed
  // before the default schedule falls back to its previous id.
  ScheduleBuilder schedules(write, existing, source, errors);
  Json additional = Json::array();
  if (r.contains("additional_schedules")) {
    const Json& list = r["additional_schedules"];
    for (size_t i = 0; i < list.size(); ++i) {
      additional.push_back(schedules.Build(
          list[i], true, absl::StrCat("additional_schedules[", i, "]")));
    }
  }
  Json default_schedule;
  if (r.contains("default_schedule")) {
    default_schedule =
        schedules.Build(r["default_schedule"], false, "default_schedule");
  }

  if (source != nullptr) {
    const Json* requested = r.contains("schemas") ? &r["schemas"] : nullptr;
    bool same_source =
        existing != nullptr &&
        existing->doc["source_connection_id"] == r["source_connection_id"];
    out.schemas = SelectSchemas(
        *source, requested, same_source ? &existing->schemas : nullptr,
        normalize, write.world.Extensions(kBulkSyncSchemaResource), "schemas",
        errors);
  }

  Json doc;
  doc["id"] = id;
  doc["name"] = name;
  doc["organization_id"] = write.principal.organization_id;
  doc["active"] = r.value("active", false);
  doc["mode"] = r.value("mode", "replicate");
  doc["source_connection_id"] = r.value("source_connection_id", "");
  doc["destination_connection_id"] = r.value("destination_connection_id", "");
  doc["source_configuration"] = std::move(source_configuration);
  doc["destination_configuration"] = std::move(destination_configuration);
  doc["default_schedule"] = std::move(default_schedule);
  doc["additional_schedules"] = std::move(additional);
  doc["automatically_add_new_objects"] =
      r.value("automatically_add_new_objects", "none");
  doc["automatically_add_new_fields"] =
      r.value("automatically_add_new_fields", "all");
  doc["normalize_names"] = normalize;
  doc["disable_record_timestamps"] =
      r.value("disable_record_timestamps", false);
  doc["policies"] = r.value("policies", Json::array());
  for (const char* key : {"concurrency_limit", "resync_concurrency_limit",
                          "data_cutoff_timestamp"}) {
    if (r.contains(key)) doc[key] = r[key];
  }
  doc["created_at"] = existing ? existing->doc["created_at"] : Json(write.now);
  doc["created_by"] =
      existing ? existing->doc["created_by"] : write.principal.actor;
  doc["updated_at"] = write.now;
  doc["updated_by"] = write.principal.actor;
  ApplyExtensions(write.world.Extensions(kBulkSyncResource), &r, doc, "",
                  errors);

  out.organization_id = write.principal.organization_id;
  out.doc = std::move(doc);
  if (existing != nullptr) out.executions = existing->executions;
  return errors.empty();
}

bool IsTerminalBulkStatus(const std::string& status) {
  return status == "canceled" || status == "completed" || status == "failed" ||
         status == "errors" || status == "interrupted";
}

int CancelRunningExecutions(BulkSyncRecord& sync, const std::string& now) {
  int canceled = 0;
  for (Json& execution : sync.executions) {
    if (IsTerminalBulkStatus(execution.value("status", "completed"))) continue;
    execution["status"] = "canceled";
    execution["completed_at"] = now;
    execution["updated_at"] = now;
    if (execution.contains("schemas")) {
      for (Json& schema : execution["schemas"]) {
        std::string status = schema.value("status", "completed");
        if (status != "canceled" && status != "completed" &&
            status != "failed" && status != "interrupted") {
          schema["status"] = "canceled";
          schema["completed_at"] = now;
          schema["updated_at"] = now;
        }
      }
    }
    ++canceled;
  }
  return canceled;
}

}  // namespace sandbox
