#include "tests/sandbox/bulk_schedule_ops.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/sandbox/bulk_sync_builder.h"
#include "tests/sandbox/extensions.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

// The writable members of BulkSyncScheduleApi (camelCase) and their names
// in the bulk sync document (snake_case), selectiveMode aside.
constexpr std::pair<const char*, const char*> kWritable[] = {
    {"frequency", "frequency"},
    {"minute", "minute"},
    {"hour", "hour"},
    {"dayOfWeek", "day_of_week"},
    {"dayOfMonth", "day_of_month"},
    {"month", "month"},
};

std::string ActorId(const Json& actor) {
  return actor.is_object() ? actor.value("id", "") : "";
}

// ToApi renders a stored schedule (snake_case, from the bulk sync document)
// as a BulkBulkSyncSchedule (camelCase).
Json ToApi(const Json& schedule, const std::string& sync_id, bool is_default,
           const std::vector<ExtensionField>& extensions) {
  Json out;
  out["id"] = schedule["id"];
  out["syncId"] = sync_id;
  out["isDefault"] = is_default;
  for (const auto& [camel, snake] : kWritable) {
    if (schedule.contains(snake)) out[camel] = schedule[snake];
  }
  out["selectiveMode"] = schedule.value("selective_mode", "none");
  out["syncMode"] = schedule.value("resync_mode", "normal");
  out["schemas"] = schedule.value("schemas", Json::array());
  out["createdAt"] = schedule["created_at"];
  out["createdBy"] = ActorId(schedule["created_by"]);
  out["updatedAt"] = schedule["updated_at"];
  out["updatedBy"] = ActorId(schedule["updated_by"]);
  for (const ExtensionField& e : extensions) {
    if (schedule.contains(e.field)) out[e.field] = schedule[e.field];
  }
  return out;
}

// ScheduleRef locates a schedule in a bulk sync document.
struct ScheduleRef {
  bool found = false;
  bool is_default = false;
  size_t index = 0;  // in additional_schedules
};

ScheduleRef Locate(const Json& doc, const std::string& schedule_id) {
  ScheduleRef ref;
  if (doc["default_schedule"].value("id", "") == schedule_id) {
    ref.found = ref.is_default = true;
    return ref;
  }
  const Json& additional = doc["additional_schedules"];
  for (size_t i = 0; i < additional.size(); ++i) {
    if (additional[i]["id"] == schedule_id) {
      ref.found = true;
      ref.index = i;
      return ref;
    }
  }
  return ref;
}

const Json& At(const Json& doc, const ScheduleRef& ref) {
  return ref.is_default ? doc["default_schedule"]
                        : doc["additional_schedules"][ref.index];
}

// CheckRequest validates `schedule` of a create/PUT body beyond the
// reference's types: value ranges and extension field types.
void CheckRequest(Call& call, const Json& schedule, FieldErrors& errors) {
  CheckScheduleValues(schedule, "schedule", /*camel_case=*/true, errors);
  Json scratch = Json::object();
  ApplyExtensions(call.world.Extensions(kBulkSyncScheduleResource), &schedule,
                  scratch, "schedule.", errors);
}

// ToStored turns a BulkSyncScheduleApi into the bulk sync request shape
// (snake_case) that the builder reads.
Json ToStored(Call& call, const Json& schedule) {
  Json out;
  for (const auto& [camel, snake] : kWritable) {
    if (schedule.contains(camel)) out[snake] = schedule[camel];
  }
  for (const ExtensionField& e :
       call.world.Extensions(kBulkSyncScheduleResource)) {
    if (schedule.contains(e.field)) out[e.field] = schedule[e.field];
  }
  return out;
}

// Rewrite stores `request` (the sync's document with its schedules changed)
// through the bulk sync builder, so that ids, stamps, validation and the
// sync's updated_at follow the same rules as a bulk sync PUT.
std::optional<Reply> Rewrite(Call& call, BulkSyncRecord& sync,
                             const Json& request) {
  const std::string id = sync.doc["id"].get<std::string>();
  BulkSyncWrite write{call.world, call.env, call.principal,
                      call.env.clock.NowTimestamp()};
  FieldErrors errors;
  BulkSyncRecord updated;
  if (!BuildBulkSync(write, request, &sync, id, updated, errors)) {
    return ValidationReply(400, errors);
  }
  sync = std::move(updated);
  return std::nullopt;
}

BulkSyncRecord* FindSync(Call& call) {
  return call.world.FindBulkSync(call.organization_id(),
                                 call.params["sync_id"]);
}

Reply SyncNotFound(Call& call) {
  return NotFoundReply("bulk sync", call.params["sync_id"]);
}

Reply ScheduleNotFound(Call& call) {
  return NotFoundReply("schedule", call.params["schedule_id"]);
}

Reply ListSchedules(Call& call) {
  BulkSyncRecord* sync = FindSync(call);
  if (sync == nullptr) return SyncNotFound(call);
  const auto& extensions = call.world.Extensions(kBulkSyncScheduleResource);
  const std::string& id = call.params["sync_id"];
  Json data = Json::array();
  data.push_back(ToApi(sync->doc["default_schedule"], id, true, extensions));
  for (const Json& s : sync->doc["additional_schedules"]) {
    data.push_back(ToApi(s, id, false, extensions));
  }
  return JsonReply(200, Json{{"data", std::move(data)}});
}

Reply CreateSchedule(Call& call) {
  BulkSyncRecord* sync = FindSync(call);
  if (sync == nullptr) return SyncNotFound(call);
  const Json& schedule = call.body["schedule"];
  FieldErrors errors;
  CheckRequest(call, schedule, errors);
  if (!errors.empty()) return ValidationReply(400, errors);
  Json stored = ToStored(call, schedule);
  stored["selective_mode"] = schedule.value("selectiveMode", "none");
  Json request = sync->doc;
  request["additional_schedules"].push_back(std::move(stored));
  if (std::optional<Reply> failed = Rewrite(call, *sync, request)) {
    return *failed;
  }
  return JsonReply(
      200,
      Json{{"data", ToApi(sync->doc["additional_schedules"].back(),
                          call.params["sync_id"], false,
                          call.world.Extensions(kBulkSyncScheduleResource))}});
}

Reply GetSchedule(Call& call) {
  BulkSyncRecord* sync = FindSync(call);
  if (sync == nullptr) return SyncNotFound(call);
  ScheduleRef ref = Locate(sync->doc, call.params["schedule_id"]);
  if (!ref.found) return ScheduleNotFound(call);
  return JsonReply(
      200,
      Json{{"data",
            ToApi(At(sync->doc, ref), call.params["sync_id"], ref.is_default,
                  call.world.Extensions(kBulkSyncScheduleResource))}});
}

Reply UpdateSchedule(Call& call) {
  BulkSyncRecord* sync = FindSync(call);
  if (sync == nullptr) return SyncNotFound(call);
  ScheduleRef ref = Locate(sync->doc, call.params["schedule_id"]);
  if (!ref.found) return ScheduleNotFound(call);
  const Json& schedule = call.body["schedule"];
  FieldErrors errors;
  CheckRequest(call, schedule, errors);
  const std::string selective = schedule.value("selectiveMode", "none");
  if (ref.is_default && selective != "none") {
    errors.Add("schedule.selectiveMode",
               "must be none: the default schedule runs every schema");
  }
  if (!errors.empty()) return ValidationReply(400, errors);
  // Full replacement of the writable members; syncMode and schemas are not
  // writable here and are kept.
  const Json& previous = At(sync->doc, ref);
  Json stored = ToStored(call, schedule);
  stored["id"] = previous["id"];
  Json request = sync->doc;
  if (ref.is_default) {
    request["default_schedule"] = std::move(stored);
  } else {
    stored["resync_mode"] = previous.value("resync_mode", "normal");
    stored["schemas"] = previous.value("schemas", Json::array());
    stored["selective_mode"] = selective;
    request["additional_schedules"][ref.index] = std::move(stored);
  }
  if (std::optional<Reply> failed = Rewrite(call, *sync, request)) {
    return *failed;
  }
  return JsonReply(
      200,
      Json{{"data",
            ToApi(At(sync->doc, ref), call.params["sync_id"], ref.is_default,
                  call.world.Extensions(kBulkSyncScheduleResource))}});
}

Reply DeleteSchedule(Call& call) {
  BulkSyncRecord* sync = FindSync(call);
  if (sync == nullptr) return SyncNotFound(call);
  ScheduleRef ref = Locate(sync->doc, call.params["schedule_id"]);
  if (!ref.found) return ScheduleNotFound(call);
  if (ref.is_default) {
    FieldErrors errors;
    errors.Add("schedule_id",
               "is the default schedule, which cannot be deleted (change it "
               "with PUT, e.g. to frequency manual)");
    return ValidationReply(400, errors);
  }
  Json request = sync->doc;
  request["additional_schedules"].erase(ref.index);
  if (std::optional<Reply> failed = Rewrite(call, *sync, request)) {
    return *failed;
  }
  Reply reply;
  reply.status = 200;
  reply.content_type.clear();
  return reply;
}

}  // namespace

void RegisterBulkScheduleOps(OpRegistry& registry) {
  registry.Handle("bulkSync.schedules.list", ListSchedules);
  registry.Handle("bulkSync.schedules.create", CreateSchedule);
  registry.Handle("bulkSync.schedules.get", GetSchedule);
  registry.Handle("bulkSync.schedules.update", UpdateSchedule);
  registry.Handle("bulkSync.schedules.delete", DeleteSchedule);
}

}  // namespace sandbox
