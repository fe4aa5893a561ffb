// console_log.h: synthetic console logs of executions
// (ExecutionConsoleLogEntry: {"id", "level", "message", "payload",
// "timestamp"}) and the cursor paging the console-log endpoints share.
//
//   std::vector<nlohmann::ordered_json> entries =
//       BulkConsoleLog(execution, /*schema=*/"");
//   std::optional<nlohmann::ordered_json> page =
//       ConsoleLogPage(entries, call.Query("after"), limit);
//   if (!page) ...  // `after` is not a cursor: 400
//   // {"entries": [...], "next_cursor": "1744311099250-1"}
//
// Entry ids are "<unix ms>-<seq>" (seq counts entries within one
// millisecond), so they order like the timestamps and a cursor is simply the
// id of the last entry seen. The log is derived from the execution's state
// each time it is read, so it stays coherent with it: start entries, one
// line per schema, and end entries once schemas or the execution finish.
//
// Thread safety: pure functions.
#ifndef TESTS_SANDBOX_CONSOLE_LOG_H_
#define TESTS_SANDBOX_CONSOLE_LOG_H_

#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace sandbox {

inline constexpr int kConsoleLogMaxEntries = 50;

// BulkConsoleLog returns the console log of a BulkSyncExecution, oldest
// first; with a non-empty `schema`, only the entries about that schema
// (their ids are the same as in the execution's log).
std::vector<nlohmann::ordered_json> BulkConsoleLog(
    const nlohmann::ordered_json& execution, const std::string& schema);

// ConsoleLogPage pages `entries` (oldest first): without `after`, the newest
// `limit` entries; with it, the first `limit` entries newer than the cursor.
// `next_cursor` is the id of the last entry returned (or `after` when
// nothing newer exists; absent when the log is empty and no cursor was
// given). Returns nullopt when `after` is not of the form "<ms>-<seq>".
std::optional<nlohmann::ordered_json> ConsoleLogPage(
    const std::vector<nlohmann::ordered_json>& entries,
    const std::optional<std::string>& after, int limit);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_CONSOLE_LOG_H_
