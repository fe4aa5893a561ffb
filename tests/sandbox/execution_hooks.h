// execution_hooks.h: the `executions.finish` test hook,
// `POST /_sandbox/executions/{id}/finish`, for executions of every kind.
//
//   hooks.Bind("executions.finish", FinishExecutionHook);
//   // POST /_sandbox/executions/<id>/finish {"status": "completed",
//   //                                        "record_count": 42}
//
// The execution id is looked up among bulk sync executions first, then
// among model sync executions (see execution_hooks.cc); an id of neither is
// 404. Each kind validates the body against its own status enum.
//
// Thread safety: takes the World lock itself.
#ifndef TESTS_SANDBOX_EXECUTION_HOOKS_H_
#define TESTS_SANDBOX_EXECUTION_HOOKS_H_

#include "tests/sandbox/hooks.h"

namespace sandbox {

// FinishExecutionHook finishes (or moves on) one execution; answers the
// execution document.
Reply FinishExecutionHook(HookCall& call);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_EXECUTION_HOOKS_H_
