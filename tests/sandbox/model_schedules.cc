#include "tests/sandbox/model_schedules.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "tests/sandbox/catalog.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kScheduleKeys[] = {
    "frequency",     "day_of_month", "day_of_week", "hour",
    "minute",        "month",        "run_after",   "run_after_success_only",
    "connection_id", "job_id"};

constexpr const char* kWeekdays[] = {"monday",   "tuesday", "wednesday",
                                     "thursday", "friday",  "saturday",
                                     "sunday"};

Json StringProperty(const char* title, const char* description) {
  return Json{
      {"type", "string"}, {"title", title}, {"description", description}};
}

Json Minute() {
  return StringProperty("Minute", "Minute of the hour, 0-59 (UTC).");
}
Json Hour() { return StringProperty("Hour", "Hour of the day, 0-23 (UTC)."); }
Json DayOfWeek() {
  return StringProperty("Day of week", "monday through sunday.");
}

// Form builds a JsonschemaForm: an object with `properties` and `required`.
Json Form(Json properties, Json required = Json::array()) {
  return Json{{"type", "object"},
              {"properties", std::move(properties)},
              {"required", std::move(required)}};
}

struct Option {
  const char* frequency;
  const char* label;
  const char* description;
  Json configuration;
};

const std::vector<Option>& Options() {
  static const auto* const kOptions = new std::vector<Option>{
      {"manual", "Manual", "Runs only when started through the API or the UI.",
       Form(Json::object())},
      {"continuous", "Continuous",
       "Runs again as soon as the previous execution finishes.",
       Form(Json::object())},
      {"hourly", "Hourly", "Runs every hour at the given minute.",
       Form(Json{{"minute", Minute()}})},
      {"daily", "Daily", "Runs every day at the given time (UTC).",
       Form(Json{{"hour", Hour()}, {"minute", Minute()}})},
      {"weekly", "Weekly", "Runs every week on the given day and time (UTC).",
       Form(Json{{"day_of_week", DayOfWeek()},
                 {"hour", Hour()},
                 {"minute", Minute()}})},
      {"custom", "Custom", "Runs on the given calendar fields (UTC).",
       Form(Json{{"month", StringProperty("Month", "1-12.")},
                 {"day_of_month", StringProperty("Day of month", "1-31.")},
                 {"day_of_week", DayOfWeek()},
                 {"hour", Hour()},
                 {"minute", Minute()}})},
      {"builder", "Schedule builder",
       "Runs on the times assembled in the schedule builder (UTC).",
       Form(Json{{"day_of_week", DayOfWeek()},
                 {"hour", Hour()},
                 {"minute", Minute()}})},
      {"runafter", "Run after",
       "Runs after the listed bulk syncs and model syncs finish.",
       Form(Json{{"run_after",
                  {{"type", "object"},
                   {"title", "Run after"},
                   {"properties",
                    {{"bulk_sync_ids",
                      {{"type", "array"}, {"items", {{"type", "string"}}}}},
                     {"sync_ids",
                      {{"type", "array"}, {"items", {{"type", "string"}}}}}}}}},
                 {"run_after_success_only",
                  {{"type", "boolean"},
                   {"title", "Only after successful executions"}}}},
            Json::array({"run_after"}))},
      {"multi", "Multiple schedules (deprecated)",
       "Deprecated; use one of the other frequencies.", Form(Json::object())},
      {"dbtcloud", "After a dbt Cloud job",
       "Runs after the given dbt Cloud job completes.",
       Form(Json{{"connection_id",
                  StringProperty("dbt Cloud connection", "Connection id.")},
                 {"job_id", {{"type", "integer"}, {"title", "dbt Cloud job"}}}},
            Json::array({"connection_id", "job_id"}))},
  };
  return *kOptions;
}

const Option* FindOption(const std::string& frequency) {
  for (const Option& o : Options()) {
    if (frequency == o.frequency) return &o;
  }
  return nullptr;
}

// IntMember reads a numeric string member; nullopt when absent or empty.
std::optional<int> IntMember(const Json& schedule, const char* key, int lo,
                             int hi, FieldErrors& errors) {
  if (!schedule.contains(key)) return std::nullopt;
  const std::string value = schedule[key].get<std::string>();
  if (value.empty()) return std::nullopt;
  int n = 0;
  if (!absl::SimpleAtoi(value, &n) || n < lo || n > hi) {
    errors.Add(absl::StrCat("schedule.", key),
               absl::StrCat("must be a number from ", lo, " to ", hi,
                            " (as a string)"));
    return std::nullopt;
  }
  return n;
}

int WeekdayIndex(const std::string& day) {
  const std::string lower = absl::AsciiStrToLower(day);
  for (int i = 0; i < 7; ++i) {
    if (lower == kWeekdays[i]) return i;
  }
  return -1;
}

void CheckRunAfter(const World& world, const std::string& organization_id,
                   const Json& run_after, const std::string& sync_id,
                   FieldErrors& errors) {
  size_t named = 0;
  const std::string path = "schedule.run_after.";
  if (run_after.contains("bulk_sync_ids")) {
    const Json& ids = run_after["bulk_sync_ids"];
    for (size_t i = 0; i < ids.size(); ++i, ++named) {
      const std::string id = ids[i].get<std::string>();
      auto it = world.bulk_syncs.find(id);
      if (it == world.bulk_syncs.end() ||
          it->second.organization_id != organization_id) {
        errors.Add(absl::StrCat(path, "bulk_sync_ids[", i, "]"),
                   "is not a bulk sync of this organization (" + id + ")");
      }
    }
  }
  if (run_after.contains("sync_ids")) {
    const Json& ids = run_after["sync_ids"];
    for (size_t i = 0; i < ids.size(); ++i, ++named) {
      const std::string id = ids[i].get<std::string>();
      auto it = world.model_syncs.find(id);
      const std::string field = absl::StrCat(path, "sync_ids[", i, "]");
      if (id == sync_id) {
        errors.Add(field, "a sync cannot run after itself");
      } else if (it == world.model_syncs.end() ||
                 it->second.organization_id != organization_id) {
        errors.Add(field,
                   "is not a model sync of this organization (" + id + ")");
      }
    }
  }
  if (named == 0) {
    errors.Add("schedule.run_after",
               "must name at least one bulk sync or model sync");
  }
}

}  // namespace

Json ModelScheduleOptions() {
  Json options = Json::array();
  for (const Option& o : Options()) {
    options.push_back({{"frequency", o.frequency},
                       {"label", o.label},
                       {"description", o.description},
                       {"configuration", o.configuration}});
  }
  return Json{{"schedule_options", std::move(options)}};
}

Json BuildModelSchedule(const World& world, const std::string& organization_id,
                        const Json& request, const std::string& sync_id,
                        FieldErrors& errors) {
  Json schedule = Json::object();
  for (const char* key : kScheduleKeys) {
    if (request.contains(key)) schedule[key] = request[key];
  }
  if (!request.contains("frequency")) {
    errors.Add("schedule.frequency", "is required");
    return schedule;
  }
  const Option* option = FindOption(request["frequency"].get<std::string>());
  if (option != nullptr) {
    ValidateConfiguration(option->configuration, request, "schedule", errors);
  }
  IntMember(request, "hour", 0, 23, errors);
  IntMember(request, "minute", 0, 59, errors);
  IntMember(request, "day_of_month", 1, 31, errors);
  IntMember(request, "month", 1, 12, errors);
  if (request.contains("day_of_week")) {
    const std::string day = request["day_of_week"].get<std::string>();
    if (!day.empty() && WeekdayIndex(day) < 0) {
      errors.Add("schedule.day_of_week", "must be a day of the week");
    }
  }
  const std::string frequency = request["frequency"].get<std::string>();
  if (frequency == "runafter" && request.contains("run_after")) {
    CheckRunAfter(world, organization_id, request["run_after"], sync_id,
                  errors);
  }
  if (frequency == "dbtcloud" && request.contains("job_id") &&
      request["job_id"].get<int64_t>() < 1) {
    errors.Add("schedule.job_id", "must be at least 1");
  }
  return schedule;
}

std::optional<absl::Time> NextExecutionTime(const Json& schedule,
                                            absl::Time now) {
  const std::string frequency = schedule.value("frequency", "");
  if (frequency != "hourly" && frequency != "daily" && frequency != "weekly") {
    return std::nullopt;
  }
  FieldErrors ignored;  // stored schedules were checked on write
  const int minute = IntMember(schedule, "minute", 0, 59, ignored).value_or(0);
  const int hour = IntMember(schedule, "hour", 0, 23, ignored).value_or(0);
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond civil_now = absl::ToCivilSecond(now, utc);
  absl::CivilSecond next;
  if (frequency == "hourly") {
    const absl::CivilHour this_hour(civil_now);
    next = absl::CivilSecond(this_hour) + minute * 60;
    if (next <= civil_now)
      next = absl::CivilSecond(this_hour + 1) + minute * 60;
  } else {
    const absl::CivilDay today(civil_now);
    next = absl::CivilSecond(today.year(), today.month(), today.day(), hour,
                             minute, 0);
    int step = 1;
    if (frequency == "weekly") {
      int wanted = WeekdayIndex(schedule.value("day_of_week", "monday"));
      if (wanted < 0) wanted = 0;
      // absl::Weekday is monday = 0 ... sunday = 6, as kWeekdays.
      int today_index = static_cast<int>(absl::GetWeekday(today));
      next += 86400 * ((wanted - today_index + 7) % 7);
      step = 7;
    }
    if (next <= civil_now) next += 86400 * step;
  }
  return absl::FromCivil(next, utc);
}

}  // namespace sandbox
