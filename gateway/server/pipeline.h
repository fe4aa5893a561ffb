// pipeline.h: the one place that knows the order of the stages every RPC
// goes through.
//
//   authenticate -> authorize -> validate -> (read) cache -> exchange ->
//   translate back -> (write) invalidate, remember or forget -> audit ->
//   finish
//
// The exchange is a strategy the pipeline picks per RPC and otherwise does
// not know: pass-through (one request) for every RPC but partial updates,
// read-merge-write (lock, GET, merge, PUT) for RPCs with an `update_mask`.
// A mutation's audit intent is started when its exchange starts, and the
// exchange's first upstream write waits for it to be durable (so the GET of
// a partial update overlaps the intent's sync; when reads fail closed and
// the trail is failing, the whole exchange waits). Every call, refused ones
// included, ends with its audit record; nothing else in the gateway orders
// these stages.
//
//   Pipeline pipeline({.translator = ..., .access = ..., ...},
//                     config.updates());
//   pipeline.Run(call, [](absl::Status status) {
//     ...finish the RPC with call->response_bytes() when OK...
//   });
#ifndef GATEWAY_SERVER_PIPELINE_H_
#define GATEWAY_SERVER_PIPELINE_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "gateway/common/write_only_values.h"
#include "gateway/config/v1/config.pb.h"
#include "gateway/server/access_control.h"
#include "gateway/server/audit_stage.h"
#include "gateway/server/cache_stage.h"
#include "gateway/server/call_context.h"
#include "gateway/server/exchange.h"
#include "gateway/translate/translator.h"

namespace gateway::server {

// Pipeline serves calls. It holds no per-call state.
//
// Thread safety: Run may be called concurrently. `done` runs exactly once,
// after the call's audit record is queued (written, for mutations): inline,
// or on the thread of the step that ended the call; it must not block.
class Pipeline {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // Stages are the pipeline's collaborators, borrowed: they must outlive it.
  struct Stages {
    const translate::Translator* translator = nullptr;
    AccessControl* access = nullptr;
    const AuditStage* audit = nullptr;
    CacheStage* cache = nullptr;
    const Exchange* pass_through = nullptr;
    const Exchange* read_merge_write = nullptr;
    WriteOnlyValues* write_only = nullptr;
  };

  Pipeline(const Stages& stages, const config::v1::Updates& updates)
      : stages_(stages),
        remember_write_only_(updates.write_only_policy() !=
                             config::v1::Updates::WRITE_ONLY_POLICY_REFUSE) {}

  // Run serves `call`; call->response_bytes() holds the answer when `done`
  // gets OK.
  void Run(std::shared_ptr<CallContext> call, Done done) const;

 private:
  // Admitted serves a call its caller may make.
  void Admitted(std::shared_ptr<CallContext> call, Done done) const;
  absl::Status Validate(CallContext& call) const;
  // Write runs a write's exchange and what follows it.
  void Write(std::shared_ptr<CallContext> call, Done done) const;
  // Fetch runs the exchange and translates its answer back.
  void Fetch(std::shared_ptr<CallContext> call,
             CacheStage::Answered answered) const;
  // AfterWrite tells the cache of a write that may have changed upstream
  // state, and remembers (or forgets) the write-only values it sent.
  void AfterWrite(const std::shared_ptr<CallContext>& call, Done next) const;
  // RememberWriteOnly remembers (or forgets) the write-only values a write
  // sent.
  void RememberWriteOnly(const std::shared_ptr<CallContext>& call,
                         Done next) const;
  void Finish(const std::shared_ptr<CallContext>& call, absl::Status status,
              Done done) const;

  const Stages stages_;
  const bool remember_write_only_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_PIPELINE_H_
