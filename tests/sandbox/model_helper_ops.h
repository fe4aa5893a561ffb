// model_helper_ops.h: operations 46-50 of the reference, the
// connection-scoped model-sync helpers: modelSync.getSource,
// getSourceFields, targets.list, targets.getTargetFields and
// targets.getCreateProperty.
//
//   OpRegistry registry;
//   RegisterModelHelperOps(registry);
//
// They describe what the catalog (catalog.h) says a connection's type offers
// as a model-sync source (tables, refined step by step through `params`) or
// target (objects, including those created by syncs; model_targets.h). An
// unknown connection is 404; a connection whose type cannot play the role is
// 400.
//
// Thread safety: handlers run with the World lock held (see operation.h).
#ifndef TESTS_SANDBOX_MODEL_HELPER_OPS_H_
#define TESTS_SANDBOX_MODEL_HELPER_OPS_H_

#include "tests/sandbox/operation.h"

namespace sandbox {

void RegisterModelHelperOps(OpRegistry& registry);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_MODEL_HELPER_OPS_H_
