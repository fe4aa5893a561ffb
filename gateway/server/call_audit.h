// call_audit.h: the AuditStage over the audit log: a mutation's intent,
// written and synced before its first upstream write, and every call's
// outcome record, which a mutation (and a read when reads fail closed) waits
// for before the caller gets its answer.
//
//   CallAudit audit(log, clock, config.audit());
//   audit.Intent(call, [call](absl::Status written) {...});
//   audit.Finish(call, status, [](absl::Status status) {...finish RPC...});
//
// A record holds: time, request_id, event ("intent" or "call"), principal,
// peer, method, resource (the ids in the upstream path), account,
// update_mask, idempotency_key (operations that take one), code, message,
// upstream_status, latency_us, cache and, for mutations, the changed fields
// before and after, redacted. Never a key, a token or a write-only value.
// The outcome record is built on the log's writer thread, off the answer's
// path.
#ifndef GATEWAY_SERVER_CALL_AUDIT_H_
#define GATEWAY_SERVER_CALL_AUDIT_H_

#include <atomic>
#include <memory>

#include "absl/status/status.h"
#include "gateway/audit/audit_log.h"
#include "gateway/common/clock.h"
#include "gateway/config/v1/config.pb.h"
#include "gateway/server/audit_stage.h"
#include "gateway/server/call_context.h"

namespace gateway::server {

// CallAudit writes a call's records to the audit log.
//
// Thread safety: all methods may be called concurrently. Callbacks run on
// the audit log's writer thread or inline, and must not block.
class CallAudit final : public AuditStage {
 public:
  // `log` and `clock` are borrowed and must outlive this.
  CallAudit(audit::AuditLog* log, const Clock* clock,
            const config::v1::Audit& config)
      : log_(log),
        clock_(clock),
        reads_fail_closed_(config.reads_fail_closed()) {}

  absl::Status AdmitRead(const CallContext& call) const override;
  void Intent(const std::shared_ptr<CallContext>& call,
              Done written) const override;
  void Finish(const std::shared_ptr<CallContext>& call, absl::Status status,
              Done done) const override;

  // Reconfigure follows a configuration reload (audit.reads_fail_closed).
  void Reconfigure(const config::v1::Audit& config) {
    reads_fail_closed_.store(config.reads_fail_closed());
  }

 private:
  audit::AuditLog* const log_;
  const Clock* const clock_;
  std::atomic<bool> reads_fail_closed_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_CALL_AUDIT_H_
