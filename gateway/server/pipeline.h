// pipeline.h: the one place that knows the order of the stages every RPC
// goes through.
//
//   authenticate -> authorize -> validate -> cache/coalesce -> translate ->
//   upstream (deadline, cancellation) -> translate back -> cache store ->
//   audit -> finish
//
// Partial updates (RPCs with an `update_mask`) take UpdateFlow as their
// upstream stage: per resource, one fresh GET, a merge, one PUT. A
// mutation's audit intent is on disk before its first upstream call, and
// every call, refused ones included, ends with its audit record. The cache
// slots in here when its issue lands; nothing else in the gateway orders the
// stages.
//
//   Pipeline pipeline(translator, access, audit, upstream, updates, clock);
//   pipeline.Run(call, [](absl::Status status) { ...finish the RPC... });
#ifndef GATEWAY_SERVER_PIPELINE_H_
#define GATEWAY_SERVER_PIPELINE_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "gateway/common/clock.h"
#include "gateway/server/access_control.h"
#include "gateway/server/call_audit.h"
#include "gateway/server/call_context.h"
#include "gateway/server/update_flow.h"
#include "gateway/server/upstream_caller.h"
#include "gateway/translate/translator.h"

namespace gateway::server {

// Pipeline serves calls. It holds no per-call state.
//
// Thread safety: Run may be called concurrently. `done` runs exactly once,
// after the call's audit record is queued (written, for mutations), inline
// or on the upstream transport's or the audit log's thread; it must not
// block.
class Pipeline {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // All pointers are borrowed and must outlive the pipeline.
  Pipeline(const translate::Translator* translator, const AccessControl* access,
           const CallAudit* audit, const UpstreamCaller* upstream,
           UpdateFlow* updates, const Clock* clock)
      : translator_(translator),
        access_(access),
        audit_(audit),
        upstream_(upstream),
        updates_(updates),
        clock_(clock) {}

  // Run serves `call`; its response is filled when `done` gets OK.
  void Run(std::shared_ptr<CallContext> call, Done done) const;

 private:
  // Send is the upstream stage of a call without an update_mask.
  void Send(std::shared_ptr<CallContext> call, HttpRequest http,
            Done done) const;

  const translate::Translator* const translator_;
  const AccessControl* const access_;
  const CallAudit* const audit_;
  const UpstreamCaller* const upstream_;
  UpdateFlow* const updates_;
  const Clock* const clock_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_PIPELINE_H_
