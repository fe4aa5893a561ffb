// model_schedules.h: model-sync schedules: the options
// modelSync.getScheduleOptions serves, the checks a sync's `schedule` must
// pass, and when a schedule next fires.
//
//   FieldErrors errors;
//   nlohmann::ordered_json schedule = BuildModelSchedule(
//       world, org, request["schedule"], /*sync_id=*/id, errors);
//   std::optional<absl::Time> next = NextExecutionTime(schedule, now);
//
// Each ScheduleFrequency has a configuration form (a JSON schema object);
// a schedule must carry the form's `required` members (runafter: `run_after`;
// dbtcloud: `connection_id` and `job_id`). On top of the form: `hour` 0-23,
// `minute` 0-59, `day_of_month` 1-31, `month` 1-12 and `day_of_week` a
// weekday name when present and non-empty; `run_after` names at least one
// sync, each a bulk sync (`bulk_sync_ids`) or another model sync
// (`sync_ids`) of the organization; `job_id` is at least 1.
//
// Thread safety: none; callers hold the World lock.
#ifndef TESTS_SANDBOX_MODEL_SCHEDULES_H_
#define TESTS_SANDBOX_MODEL_SCHEDULES_H_

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"
#include "tests/sandbox/world.h"

namespace sandbox {

// ModelScheduleOptions is the ScheduleOptionResponse document: one option
// per ScheduleFrequency, in enum order.
nlohmann::ordered_json ModelScheduleOptions();

// BuildModelSchedule checks a request `schedule` (already type-checked
// against the reference) and returns the stored Schedule: the members the
// reference defines, as sent, in reference order. Problems are semantic and
// reported under "schedule.".
nlohmann::ordered_json BuildModelSchedule(const World& world,
                                          const std::string& organization_id,
                                          const nlohmann::ordered_json& request,
                                          const std::string& sync_id,
                                          FieldErrors& errors);

// NextExecutionTime is when an hourly, daily or weekly schedule next fires
// after `now` (UTC; missing hour/minute mean 0, day_of_week monday);
// nullopt for the other frequencies.
std::optional<absl::Time> NextExecutionTime(
    const nlohmann::ordered_json& schedule, absl::Time now);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_MODEL_SCHEDULES_H_
