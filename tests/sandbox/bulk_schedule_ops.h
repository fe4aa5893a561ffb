// bulk_schedule_ops.h: operations 25-29 of the reference,
// bulkSync.schedules.list, create, get, update, delete (camelCase bodies).
//
//   OpRegistry registry;
//   RegisterBulkScheduleOps(registry);
//
// A bulk sync's schedules are its `default_schedule` (isDefault true, always
// listed first) and its `additional_schedules`; these endpoints are another
// view of the same stored document, and every write goes through the bulk
// sync builder (bulk_sync_builder.h), so schedule ids, stamps and the sync's
// own `updated_at` follow the rules of a bulk sync PUT.
//
// Thread safety: handlers run with the World lock held (see operation.h).
#ifndef TESTS_SANDBOX_BULK_SCHEDULE_OPS_H_
#define TESTS_SANDBOX_BULK_SCHEDULE_OPS_H_

#include "tests/sandbox/operation.h"

namespace sandbox {

void RegisterBulkScheduleOps(OpRegistry& registry);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_BULK_SCHEDULE_OPS_H_
