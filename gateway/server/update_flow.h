// update_flow.h: the upstream stage of a partial update (an RPC with an
// `update_mask`) over Polytomic's full-replacement PUTs.
//
//   flow.Run(call, done);
//
// Per resource, one update at a time (KeyedSerializer), and for each exactly
// one fresh GET and one PUT:
//   validate mask -> audit intent -> [per-resource turn] -> GET -> etag check
//   -> drop output-only members -> merge the named fields onto the upstream
//   document -> restore unnamed write-only fields -> required check -> PUT ->
//   answer.
// Everything the mask does not name is sent back exactly as the GET returned
// it, members the contract does not model included.
#ifndef GATEWAY_SERVER_UPDATE_FLOW_H_
#define GATEWAY_SERVER_UPDATE_FLOW_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "gateway/common/clock.h"
#include "gateway/fieldmask/mask_plan.h"
#include "gateway/fieldmask/write_only_fields.h"
#include "gateway/server/call_audit.h"
#include "gateway/server/call_context.h"
#include "gateway/server/keyed_serializer.h"
#include "gateway/server/upstream_caller.h"
#include "gateway/translate/translator.h"

namespace gateway::server {

// UpdateFlow serves partial updates. It holds no per-call state.
//
// Thread safety: Run may be called concurrently; `done` runs exactly once,
// inline for errors found before any upstream call, else on the transport's
// thread. Borrowed pointers must outlive the flow.
class UpdateFlow {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  UpdateFlow(const translate::Translator* translator,
             const UpstreamCaller* upstream, const CallAudit* audit,
             fieldmask::WriteOnlyStore* store,
             fieldmask::WriteOnlyPolicy policy, const Clock* clock)
      : translator_(translator),
        upstream_(upstream),
        audit_(audit),
        store_(store),
        policy_(policy),
        clock_(clock) {}

  void Run(std::shared_ptr<CallContext> call, Done done);

  // RememberWrite records the write-only fields a create or full replacement
  // sent (`sent` is the resource's JSON) for the resource with this id.
  void RememberWrite(const translate::Route& route, const Json& sent,
                     const std::string& id) const;

 private:
  // Turn is one update holding its resource's turn.
  struct Turn;
  void Read(std::shared_ptr<Turn> turn) const;
  void Write(std::shared_ptr<Turn> turn, Json current) const;
  absl::Status Merge(Turn& turn, Json& doc) const;

  const translate::Translator* const translator_;
  const UpstreamCaller* const upstream_;
  const CallAudit* const audit_;
  fieldmask::WriteOnlyStore* const store_;
  const fieldmask::WriteOnlyPolicy policy_;
  const Clock* const clock_;
  mutable KeyedSerializer serializer_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_UPDATE_FLOW_H_
