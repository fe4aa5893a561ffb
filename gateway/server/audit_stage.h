// audit_stage.h: the pipeline's view of the audit trail: a mutation's
// intent before it writes upstream, and every call's outcome record.
//
//   RETURN_IF_ERROR(audit.AdmitRead(*call));             // reads
//   audit.Intent(call, [call](absl::Status written) {    // mutations
//     call->OpenWriteGate(written);
//   });
//   ...
//   audit.Finish(call, status, [](absl::Status status) {...finish RPC...});
//
// The implementation over the audit log is CallAudit (call_audit.h); unit
// tests of the pipeline use their own.
#ifndef GATEWAY_SERVER_AUDIT_STAGE_H_
#define GATEWAY_SERVER_AUDIT_STAGE_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "gateway/server/call_context.h"

namespace gateway::server {

// AuditStage records calls.
//
// Thread safety: all methods may be called concurrently. Callbacks run
// inline or on the implementation's thread, and must not block.
class AuditStage {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  virtual ~AuditStage() = default;

  // AdmitRead says whether the call may read upstream before its records
  // are assured: UNAVAILABLE (reason AUDIT_UNAVAILABLE) when reads fail
  // closed and the trail cannot be written.
  virtual absl::Status AdmitRead(const CallContext& call) const = 0;

  // Intent records that a mutation is about to write upstream; `written`
  // gets OK once the record is durable, or UNAVAILABLE (reason
  // AUDIT_UNAVAILABLE: nothing may be written upstream).
  virtual void Intent(const std::shared_ptr<CallContext>& call,
                      Done written) const = 0;

  // Finish records how the call ended and hands `status` to `done`: at once
  // for a read that fails open, once the record is written otherwise. If it
  // cannot be written, a read that fails closed gets UNAVAILABLE; anything
  // else keeps its status (a mutation's intent is already on disk).
  virtual void Finish(const std::shared_ptr<CallContext>& call,
                      absl::Status status, Done done) const = 0;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_AUDIT_STAGE_H_
