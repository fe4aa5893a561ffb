// call_audit.h: the audit stages of the pipeline: a mutation's intent,
// written and synced before its first upstream call, and every call's
// outcome record, which a mutation (and a read when reads fail closed) waits
// for before the caller gets its answer.
//
//   audit.BeforeUpstream(call, [](absl::Status ok_to_call) {...});
//   ...
//   audit.Finish(call, status, [](absl::Status status) {...finish RPC...});
//
// A record holds: time, request_id, event ("intent" or "call"), principal,
// peer, method, resource (the ids in the upstream path), account,
// update_mask, code, message, upstream_status, latency_us, cache and, for
// mutations, the changed fields before and after, redacted. Never a key, a
// token or a write-only value.
#ifndef GATEWAY_SERVER_CALL_AUDIT_H_
#define GATEWAY_SERVER_CALL_AUDIT_H_

#include <atomic>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "gateway/audit/audit_log.h"
#include "gateway/common/clock.h"
#include "gateway/server/call_context.h"

namespace gateway::server {

// CallAudit writes a call's records to the audit log.
//
// Thread safety: all methods may be called concurrently. Callbacks run on
// the audit log's writer thread or inline, and must not block.
class CallAudit {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // `log` and `clock` are borrowed and must outlive this.
  CallAudit(audit::AuditLog* log, const Clock* clock, bool reads_fail_closed)
      : log_(log), clock_(clock), reads_fail_closed_(reads_fail_closed) {}

  // BeforeUpstream lets the call go upstream: a mutation once its intent is
  // on disk; a read at once, unless the log is failing and reads fail
  // closed. `next` gets OK or UNAVAILABLE ("audit trail unavailable").
  void BeforeUpstream(const std::shared_ptr<CallContext>& call,
                      Done next) const;

  // Finish queues the call's outcome record (built later, on the log's
  // writer thread, from `call`) and hands `status` to `done`:
  // once the record is written for mutations and fail-closed reads (inline,
  // at once, for other reads). If the record cannot be written, a read that
  // fails closed gets UNAVAILABLE; anything else keeps its status (a
  // mutation's intent is already on disk).
  void Finish(const std::shared_ptr<CallContext>& call, absl::Status status,
              Done done) const;

  // set_reads_fail_closed follows a configuration reload.
  void set_reads_fail_closed(bool value) { reads_fail_closed_.store(value); }

 private:
  audit::AuditLog* const log_;
  const Clock* const clock_;
  std::atomic<bool> reads_fail_closed_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_CALL_AUDIT_H_
