// bulk_sync_builder.h: turns a validated bulk sync create/update request into
// the stored record, applying the reference's defaults and full-replacement
// rules.
//
//   FieldErrors errors;
//   BulkSyncRecord record;
//   BulkSyncWrite write{call.world, call.env, call.principal, now};
//   if (!BuildBulkSync(write, call.body, /*existing=*/nullptr, new_id, record,
//                      errors)) {
//     return ValidationReply(422, errors);
//   }
//
// Rules (README "Full replacement"): omitted fields take their defaults
// (`mode` replicate, `active` false, discovery `none`/`all`,
// `normalize_names` enabled, `disable_record_timestamps` false, lists [],
// maps {}); optional scalars are removed. Schedules keep their id (and
// created stamps) when the request schedule carries it; the default schedule
// also keeps its id when the request's default_schedule has none. `schemas`
// omitted on create selects every source schema; omitted on update keeps the
// selection unless the source connection changed.
//
// Thread safety: none; callers hold the World lock.
#ifndef TESTS_SANDBOX_BULK_SYNC_BUILDER_H_
#define TESTS_SANDBOX_BULK_SYNC_BUILDER_H_

#include <string>

#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"
#include "tests/sandbox/credentials.h"
#include "tests/sandbox/operation.h"
#include "tests/sandbox/world.h"

namespace sandbox {

// BulkSyncWrite is the context of one write.
struct BulkSyncWrite {
  World& world;
  Env& env;
  const Principal& principal;
  std::string now;  // the timestamp of this write
};

// BuildBulkSync fills `out` (doc and schemas; executions are copied from
// `existing`). Returns false with `errors` filled when the request is
// invalid; `out` is then unspecified.
bool BuildBulkSync(const BulkSyncWrite& write,
                   const nlohmann::ordered_json& request,
                   const BulkSyncRecord* existing, const std::string& id,
                   BulkSyncRecord& out, FieldErrors& errors);

// CheckScheduleValues checks a schedule's `hour` (0-23), `minute` (0-59),
// day of month (1-31), `month` (1-12) and day of week (a weekday name) when
// present and non-empty, reporting them under `path`. `camel_case` reads
// `dayOfMonth`/`dayOfWeek` (the /schedules endpoints) instead of
// `day_of_month`/`day_of_week`.
void CheckScheduleValues(const nlohmann::ordered_json& schedule,
                         const std::string& path, bool camel_case,
                         FieldErrors& errors);

// CancelRunningExecutions marks every non-terminal execution of the sync
// `canceled` at `now` and returns how many there were. Deactivating,
// deleting and cancelling a bulk sync use it.
int CancelRunningExecutions(BulkSyncRecord& sync, const std::string& now);

// IsTerminalBulkStatus reports whether a BulkExecutionStatus is final.
bool IsTerminalBulkStatus(const std::string& status);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_BULK_SYNC_BUILDER_H_
