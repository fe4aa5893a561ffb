// audit_log.h: the durable, tamper-evident audit trail.
//
//   ASSIGN_OR_RETURN(auto log, AuditLog::Open(config.audit(), &clock));
//   log->Append(intent, /*durable=*/true, [](absl::Status written) {
//     if (written.ok()) ...call upstream...
//   });
//
// Files are JSON lines in one directory: `audit.jsonl` is current, and full
// files are renamed `audit-000001.jsonl`, `audit-000002.jsonl`, ... (size-based
// rotation). Append adds `seq` (1, 2, ... across all files), `prev` (the hash
// of the record before; "" for the first) and `hash` (see RecordHash) to each
// record, so the chain runs across files. Each line is
//   {"seq":7,"time":"2024-05-01T12:00:00.000123Z","prev":"<hex>",
//    ...the record's own members in order...,"hash":"<hex>"}
// (`time`, RFC 3339 UTC with microseconds from the Clock, is added only when
// the record has none; a record's own `seq`, `prev` and `hash` are replaced).
// With `retention` set, rotation deletes the oldest rotated files after
// appending a `{"event":"pruned","through_seq":N,"through_hash":"<hex>",
// "files":[...]}` record that names the last record deleted.
// On Open, a torn last line (a crash mid-write: no trailing newline, or an
// unparsable last line) is cut off and a
// `{"event":"recovered","dropped_bytes":N}` record says how many bytes were
// dropped; the chain then continues.
//
// Durability: a durable record is written and fdatasync'ed before `done`
// runs; any record is written with write(2) (so it survives the process being
// killed) before `done` runs. A single writer thread batches what is queued:
// one write and at most one sync per batch. A record that nobody awaits (no
// `done`, not durable) may wait up to 1 ms for others to share its write;
// the destructor still writes it, but a killed process can lose it.
#ifndef GATEWAY_AUDIT_AUDIT_LOG_H_
#define GATEWAY_AUDIT_AUDIT_LOG_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "gateway/common/clock.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/metrics.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::audit {

// AuditLog appends records in order.
//
// Thread safety: Append and healthy may be called from any thread. `done`
// callbacks run on the writer thread, in Append order, and must not block.
// The destructor writes what is queued, then joins the writer.
class AuditLog {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // Open creates `config.directory` if needed, recovers a torn tail and
  // finds where the chain continues; files rotate past
  // `config.max_file_bytes`. Fails if the directory cannot be written. With
  // `metrics` (borrowed; it must not be rendered after the log is gone), it
  // registers polytomic_gateway_audit_queue_depth and
  // polytomic_gateway_audit_write_duration_seconds{synced}.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(
      const config::v1::Audit& config, const Clock* clock,
      MetricsRegistry* metrics = nullptr);

  ~AuditLog();

  // Append queues `record` (a JSON object; `seq`, `prev`, `hash` and, when
  // missing, `time` are added). `done` gets OK once the record is written
  // (and synced, when durable), or UNAVAILABLE (naming the file, never the
  // record) if it could not be; a failed record takes no seq, so the chain
  // stays valid. A record that is not an object gets INVALID_ARGUMENT.
  // Before each batch the writer checks that its file is still
  // `<directory>/audit.jsonl` and reopens (or recreates) it if not; the chain
  // continues from memory. `done` may be null.
  void Append(Json record, bool durable, Done done);

  // RecordMaker builds a record's text when the writer gets to it: a JSON
  // object exactly as Dump would write it (RecordWriter does), without
  // `seq`, `time`, `prev` or `hash`.
  using RecordMaker = absl::AnyInvocable<std::string() &&>;

  // AppendMade is Append with the record built on the writer thread, off
  // the caller's path. `make_record` runs once, in Append order, and must
  // only read state that stays alive and unchanged until then. The record
  // gets `time` from the clock.
  void AppendMade(RecordMaker make_record, bool durable, Done done);

  // Flush runs `done` (with OK) once every record appended before it has
  // been written, or has failed.
  void Flush(Done done);

  // healthy is false after a failed write, until a write succeeds again.
  bool healthy() const;

 private:
  class Writer;
  explicit AuditLog(std::unique_ptr<Writer> writer);
  std::unique_ptr<Writer> writer_;
};

// RecordHash is a record's hash: SHA-256 (hex) of its previous record's hash,
// a newline, and the record's compact JSON without its own `hash` member.
std::string RecordHash(const std::string& prev_hash,
                       const Json& record_without_hash);

// VerifyReport is what VerifyAuditTrail found.
struct VerifyReport {
  bool ok = false;
  int64_t records = 0;
  int files = 0;
  // The seq of the first record: 1, or later when retention pruned the
  // oldest files (0 when there are no records).
  int64_t first_seq = 0;
  // The first problem: "<file>:<line>: <what>" (bad JSON, hash mismatch,
  // broken chain, missing record(s) before seq N). Empty when ok.
  std::string first_problem;
};

// VerifyAuditTrail checks every file of `directory` in order: each line
// parses, its hash is right, it chains to the one before, and seq has no
// gaps. The trail starts at seq 1, or (after retention pruned the oldest
// files) right after what a `pruned` record in the trail names.
VerifyReport VerifyAuditTrail(const std::string& directory);

}  // namespace gateway::audit

#endif  // GATEWAY_AUDIT_AUDIT_LOG_H_
