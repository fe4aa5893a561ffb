// model_executions.h: the life of a model-sync execution (start, finish,
// cancel, finishing by itself) and what it leaves behind (console log
// entries, log files).
//
//   Json& execution = StartModelExecution(sync, env, "manual", request);
//   ...
//   ModelExecutionOutcome outcome;
//   outcome.total = 120;
//   outcome.insert = 120;
//   FinishModelExecution(sync, execution, outcome, env.clock.NowTimestamp());
//
// Executions are GetExecutionResponseSchema documents in
// ModelSyncRecord::executions, oldest first: `running` from the start
// (started_at = created_at), then a terminal status with completed_at.
// Console entries have Redis-stream-like ids `<unix ms>-<seq>`. Log files
// exist once an execution has finished: one file per 10,000 records of a
// type's count (records: total, errors: error, warnings, inserts, updates,
// deletes), named `<type>-00000.jsonl`.
//
// Thread safety: none; callers hold the World lock.
#ifndef TESTS_SANDBOX_MODEL_EXECUTIONS_H_
#define TESTS_SANDBOX_MODEL_EXECUTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"
#include "tests/sandbox/operation.h"
#include "tests/sandbox/world.h"

namespace sandbox {

// ModelExecutionOutcome is how an execution ends.
struct ModelExecutionOutcome {
  std::string status = "completed";  // a terminal UtilExecutionStatus
  int64_t total = 0;
  int64_t insert = 0;
  int64_t update = 0;
  int64_t del = 0;  // ExecutionCounts.delete
  int64_t error = 0;
  int64_t warnings = 0;
  std::vector<std::string> errors;
};

// IsTerminalModelStatus reports whether a UtilExecutionStatus is final
// (canceled, completed, failed, interrupted).
bool IsTerminalModelStatus(const std::string& status);

// IsModelLogType reports whether `type` is an ExecutionLogType.
bool IsModelLogType(const std::string& type);

// FindModelExecution returns the execution with this id, or nullptr.
nlohmann::ordered_json* FindModelExecution(ModelSyncRecord& sync,
                                           const std::string& execution_id);

// RunningModelExecution returns the execution that has not finished, or
// nullptr.
nlohmann::ordered_json* RunningModelExecution(ModelSyncRecord& sync);

// StartModelExecution appends a `running` execution of `type` (manual,
// resync, test, scheduled) for a ModelSyncStart-like `request` and returns
// it; the reference stays valid until the next change to the executions.
nlohmann::ordered_json& StartModelExecution(
    ModelSyncRecord& sync, Env& env, const std::string& type,
    const nlohmann::ordered_json& request);

// FinishModelExecution ends a running execution at `when`.
void FinishModelExecution(ModelSyncRecord& sync,
                          nlohmann::ordered_json& execution,
                          const ModelExecutionOutcome& outcome,
                          const std::string& when);

// CancelModelExecution cancels one running execution at `now` (its counts
// so far are kept).
void CancelModelExecution(ModelSyncRecord& sync,
                          nlohmann::ordered_json& execution,
                          const std::string& now);

// CancelModelExecutions cancels every running execution at `now` and
// returns how many there were.
int CancelModelExecutions(ModelSyncRecord& sync, const std::string& now);

// AdvanceModelExecutions finishes (`completed`, no records) every execution
// that has been running for env.execution_seconds (> 0), as of that moment.
// Operations call it before they read or change the sync, so executions
// finish by themselves without a background thread.
void AdvanceModelExecutions(ModelSyncRecord& sync, Env& env);

// ModelLogFiles returns the file names of one log type (empty while the
// execution runs or when the type's count is 0).
std::vector<std::string> ModelLogFiles(const nlohmann::ordered_json& execution,
                                       const std::string& type);

// FinishModelExecutionHook is the model-sync branch of
// `POST /_sandbox/executions/{id}/finish`: body `{"status", "record_count"?,
// "error_count"?, "warning_count"?, "status_message"?, "counts"?: {"insert",
// "update", "delete", "warnings"}, "errors"?: [string]}`. A terminal status
// finishes the execution; another UtilExecutionStatus only moves it on.
// Returns nullopt when no model sync has the execution; otherwise 200 with
// the execution, 400 for a bad body, 409 when it has already finished.
std::optional<Reply> FinishModelExecutionHook(
    World& world, Env& env, const std::string& execution_id,
    const nlohmann::ordered_json& body);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_MODEL_EXECUTIONS_H_
