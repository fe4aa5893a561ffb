// model_execution_ops.h: operations 40-45 of the reference:
// modelSync.executions.list, get, cancel, getConsoleLogs, getLogUrls and
// getLogs.
//
//   OpRegistry registry;
//   RegisterModelExecutionOps(registry);
//
// Executions are started by modelSync.start (model_sync_ops.h) and finish
// through the `finish` hook or by themselves (model_executions.h).
//
// Thread safety: handlers run with the World lock held (see operation.h).
#ifndef TESTS_SANDBOX_MODEL_EXECUTION_OPS_H_
#define TESTS_SANDBOX_MODEL_EXECUTION_OPS_H_

#include "tests/sandbox/operation.h"

namespace sandbox {

void RegisterModelExecutionOps(OpRegistry& registry);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_MODEL_EXECUTION_OPS_H_
