// bulk_schema_ops.h: operations 10-16 of the reference: the connection
// helpers bulkSync.getSource and bulkSync.getDestination, and a bulk sync's
// schema configurations (bulkSync.schemas.list, patch, get, update, cancel).
//
//   OpRegistry registry;
//   RegisterBulkSchemaOps(registry);
//
// The configurations themselves are BulkSyncRecord::schemas, built by
// bulk_schemas.h.
//
// Thread safety: handlers run with the World lock held (see operation.h).
#ifndef TESTS_SANDBOX_BULK_SCHEMA_OPS_H_
#define TESTS_SANDBOX_BULK_SCHEMA_OPS_H_

#include "tests/sandbox/operation.h"

namespace sandbox {

void RegisterBulkSchemaOps(OpRegistry& registry);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_BULK_SCHEMA_OPS_H_
