#include "tests/sandbox/execution_hooks.h"

#include <mutex>
#include <optional>
#include <string>

#include "tests/sandbox/bulk_execution_ops.h"
#include "tests/sandbox/model_executions.h"

namespace sandbox {

Reply FinishExecutionHook(HookCall& call) {
  std::lock_guard<std::mutex> lock(call.world_mu);
  const std::string& id = call.params["id"];
  if (std::optional<Reply> reply =
          FinishBulkExecutionHook(call.world, call.env, id, call.body)) {
    return *reply;
  }
  if (std::optional<Reply> reply =
          FinishModelExecutionHook(call.world, call.env, id, call.body)) {
    return *reply;
  }
  return NotFoundReply("execution", id);
}

}  // namespace sandbox
