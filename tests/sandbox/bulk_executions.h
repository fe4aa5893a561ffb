// bulk_executions.h: the life cycle of a bulk sync execution (the
// BulkSyncExecution documents in BulkSyncRecord::executions): start, finish,
// automatic completion after Env::execution_seconds, and what is derived
// from executions (status summaries, the next scheduled run).
//
//   BulkExecutionStart start;
//   start.schemas = {"Account"};
//   Json execution = NewBulkExecution(sync, start, env.ids.Uuid(),
//                                     env.clock.NowTimestamp());
//   sync.executions.push_back(execution);   // running
//   ...
//   BulkExecutionOutcome outcome;
//   outcome.status = "completed";
//   outcome.record_count = 42;
//   FinishBulkExecution(sync.executions.back(), outcome, now);
//
// Executions never advance on a timer: SettleBulkExecutions finishes the
// ones whose time is up whenever an operation or hook reads or writes the
// sync, so handlers call it before looking at executions.
//
// Thread safety: none; callers hold the World lock.
#ifndef TESTS_SANDBOX_BULK_EXECUTIONS_H_
#define TESTS_SANDBOX_BULK_EXECUTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/sandbox/operation.h"
#include "tests/sandbox/world.h"

namespace sandbox {

// BulkExecutionStart describes a new execution (bulkSync.start's body).
struct BulkExecutionStart {
  std::string type = "manual";  // "scheduled" for seeded history
  bool test = false;
  std::string resync_mode;          // "" or a BulkResyncMode
  std::string fetch_mode = "none";  // a BulkFetchMode
  // Schema ids to run; empty: every enabled schema.
  std::vector<std::string> schemas;
};

// BulkExecutionOutcome is how an execution ends (or moves on): the finish
// hook's body, automatic completion and seeding fill it.
struct BulkExecutionOutcome {
  std::string status;  // a BulkExecutionStatus
  std::optional<int64_t> record_count;
  std::optional<int64_t> error_count;
  std::optional<int64_t> warning_count;
  std::optional<std::string> status_message;
};

// IsBulkExecutionStatus reports whether `status` is a BulkExecutionStatus.
bool IsBulkExecutionStatus(const std::string& status);

// NewBulkExecution builds a `running` execution of `sync` started at `now`
// with one `schemas[]` entry per selected schema (start.schemas, or every
// enabled schema). Ids in start.schemas must be enabled schemas of the sync.
nlohmann::ordered_json NewBulkExecution(const BulkSyncRecord& sync,
                                        const BulkExecutionStart& start,
                                        const std::string& id,
                                        const std::string& now);

// FinishBulkExecution applies `outcome` at `now`. A terminal status sets
// `completed_at` and finishes every schema still running (with the schema
// status that corresponds); a non-terminal one (exporting, processing, ...)
// only moves the status. Given counts replace the execution's counts and
// are spread over its schemas; a `completed` outcome without a record count
// gets synthetic, deterministic counts.
void FinishBulkExecution(nlohmann::ordered_json& execution,
                         const BulkExecutionOutcome& outcome,
                         const std::string& now);

// CancelBulkExecutionSchema cancels one schema of a running execution at
// `now`; the execution itself becomes `canceled` when no schema is left
// running. Returns false when that schema is not running in it.
bool CancelBulkExecutionSchema(nlohmann::ordered_json& execution,
                               const std::string& schema_id,
                               const std::string& now);

// CancelBulkExecution cancels a non-terminal execution and its running
// schemas at `now` (counts are kept).
void CancelBulkExecution(nlohmann::ordered_json& execution,
                         const std::string& now);

// SettleBulkExecutions completes every non-terminal execution of `sync`
// that started at least env.execution_seconds ago (no-op when 0); its
// completed_at is started_at + execution_seconds.
void SettleBulkExecutions(BulkSyncRecord& sync, Env& env);

// FindSettledBulkSync finds the organization's bulk sync and settles its
// executions first; nullptr when there is none.
BulkSyncRecord* FindSettledBulkSync(World& world, Env& env,
                                    const std::string& organization_id,
                                    const std::string& id);

// FindBulkExecution returns the execution with `id`, or nullptr.
nlohmann::ordered_json* FindBulkExecution(BulkSyncRecord& sync,
                                          const std::string& id);
// CurrentBulkExecution returns the newest non-terminal execution, or
// nullptr.
const nlohmann::ordered_json* CurrentBulkExecution(const BulkSyncRecord& sync);
// LastTerminalBulkExecution returns the terminal execution that finished
// last (by completed_at, then start), or nullptr.
const nlohmann::ordered_json* LastTerminalBulkExecution(
    const BulkSyncRecord& sync);

// NextExecutionTime is the next run of an active sync's default schedule
// after `now` (hourly, daily and weekly; hour/minute default to 0 and a
// weekly day to monday), or nullopt (inactive sync, other frequencies).
std::optional<std::string> NextExecutionTime(const BulkSyncRecord& sync,
                                             absl::Time now);

// BulkSyncStatusSummary is one BulkSyncExecutionStatus (listStatus item):
// sync_id, status (of the current execution, else of the latest one),
// nextExecutionTime and, per enabled schema that ever ran, its most recent
// schema execution (a running one preferred).
nlohmann::ordered_json BulkSyncStatusSummary(const BulkSyncRecord& sync,
                                             absl::Time now);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_BULK_EXECUTIONS_H_
