// bulk_sync_ops.h: operations 1-7 of the reference: bulkSync.list, create,
// get, update, delete, activate, cancel.
//
//   OpRegistry registry;
//   RegisterBulkSyncOps(registry);
//
// Executions (8-9, 17-24: bulk_execution_ops.h), the connection helpers and
// schemas (10-16: bulk_schema_ops.h), schedules (25-29: bulk_schedule_ops.h)
// and model syncs (30-50) register themselves the same way from their own
// files; they share the stored record (world.h) and the builders
// (bulk_sync_builder.h, bulk_schemas.h, bulk_executions.h).
//
// Thread safety: handlers run with the World lock held (see operation.h).
#ifndef TESTS_SANDBOX_BULK_SYNC_OPS_H_
#define TESTS_SANDBOX_BULK_SYNC_OPS_H_

#include "tests/sandbox/operation.h"

namespace sandbox {

void RegisterBulkSyncOps(OpRegistry& registry);

// CreateBulkSync runs bulkSync.create for `call` (seeding uses it too, so
// seeded syncs obey the same rules as created ones).
Reply CreateBulkSync(Call& call);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_BULK_SYNC_OPS_H_
