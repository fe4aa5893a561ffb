// bulk_execution_ops.h: bulk sync executions: operations 8-9 (bulkSync.start,
// getStatus) and 17-24 (bulkSync.executions.list, get, cancel, listStatus,
// getLogs, exportLogs, getConsoleLogs, getSchemaConsoleLogs), plus the bulk
// branch of the `executions.finish` hook.
//
//   OpRegistry registry;
//   RegisterBulkExecutionOps(registry);
//   // in the finish hook, with the World lock held:
//   if (std::optional<Reply> r = FinishBulkExecutionHook(world, env, id,
//                                                         body)) {
//     return *r;  // it was a bulk execution
//   }
//
// Thread safety: handlers run with the World lock held (see operation.h).
#ifndef TESTS_SANDBOX_BULK_EXECUTION_OPS_H_
#define TESTS_SANDBOX_BULK_EXECUTION_OPS_H_

#include <optional>
#include <string>

#include "nlohmann/json.hpp"
#include "tests/sandbox/operation.h"

namespace sandbox {

void RegisterBulkExecutionOps(OpRegistry& registry);

// FinishBulkExecutionHook serves `POST /_sandbox/executions/{id}/finish`
// when `execution_id` is a bulk execution (of any organization): validates
// `{"status", "record_count"?, "error_count"?, "warning_count"?,
// "status_message"?}`, applies it and answers the execution document (400
// for a bad body, 409 when the execution already finished). Returns nullopt
// when no bulk sync has that execution.
std::optional<Reply> FinishBulkExecutionHook(
    World& world, Env& env, const std::string& execution_id,
    const nlohmann::ordered_json& body);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_BULK_EXECUTION_OPS_H_
