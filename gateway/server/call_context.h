// call_context.h: one RPC in flight, as the pipeline's stages see it.
//
//   auto call = std::make_shared<CallContext>(route, now, deadline,
//                                             std::move(origin));
//   call->mutable_request()->ParseFromString(bytes);
//   pipeline.Run(call, done);
//   ...
//   call->Cancel();  // the caller went away
//
// Shared by the reactor and the pipeline's pending callbacks, so it outlives
// whichever finishes first.
#ifndef GATEWAY_SERVER_CALL_CONTEXT_H_
#define GATEWAY_SERVER_CALL_CONTEXT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/auth/access_policy.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/update_locks.h"
#include "gateway/common/write_only_values.h"
#include "gateway/fieldmask/mask_plan.h"
#include "gateway/server/trace_context.h"
#include "gateway/translate/route_table.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/message.h"

namespace gateway::server {

// Origin is what the transport says about the caller. `bearer_token` is a
// secret: it is used to authenticate and never copied anywhere else.
struct Origin {
  std::string request_id;  // this gateway's id of the call, sent back
  std::string peer;        // e.g. "ipv4:127.0.0.1:41234"
  auth::PeerIdentity identity;
  std::string bearer_token;
  // The caller asked for a fresh read (`cache-control: no-cache`).
  bool no_cache = false;
  // The call's trace: the caller's `traceparent`, continued, or a new one.
  TraceContext trace;
};

// ResponseBytes is a serialized response message, shared (a cache can hand
// the same bytes to many calls without copying them).
using ResponseBytes = std::shared_ptr<const std::string>;

// CallContext holds the request, the response being built, the deadline,
// who is calling, what the stages learned, and how to cancel the step in
// progress.
//
// Thread safety: Cancel, cancelled, BeginStep, TrackStep, OpenWriteGate,
// AwaitWriteGate and the upstream status may be used from any thread;
// everything else belongs to whichever stage runs (stages run one after
// another, never concurrently).
class CallContext {
 public:
  // The request and response messages (of the route's types) live on the
  // call's arena, so a call's many small allocations are one or two.
  CallContext(const translate::Route* route, absl::Time started,
              absl::Time deadline, Origin origin);
  CallContext(const CallContext&) = delete;
  CallContext& operator=(const CallContext&) = delete;

  const translate::Route& route() const { return *route_; }
  const google::protobuf::Message& request() const { return *request_; }
  google::protobuf::Message* mutable_request() { return request_; }
  google::protobuf::Message& response() { return *response_; }
  absl::Time started() const { return started_; }
  absl::Time deadline() const { return deadline_; }
  const Origin& origin() const { return origin_; }

  // The Idempotency-Key of the call's upstream writes when the caller sets
  // none: the request id, so every attempt of this call carries the same.
  const std::string& idempotency_key() const { return origin_.request_id; }

  // The authenticated principal and the upstream account it acts as; empty
  // until the access stage has run.
  const std::string& principal() const { return principal_; }
  const std::string& account() const { return account_; }
  void set_principal(std::string principal) {
    principal_ = std::move(principal);
  }
  void set_account(std::string account) { account_ = std::move(account); }

  // The validated update mask of a call with an `update_mask`.
  const std::optional<fieldmask::MaskPlan>& mask_plan() const {
    return mask_plan_;
  }
  void set_mask_plan(fieldmask::MaskPlan plan) { mask_plan_ = std::move(plan); }

  // WriteOutcome is what is known of the call's upstream write: not sent;
  // rejected (a 4xx answer: nothing changed); applied (a 2xx answer); or
  // unknown (sent, then a 5xx, a timeout, a reset...).
  enum class WriteOutcome { kNotSent, kRejected, kApplied, kUnknown };
  WriteOutcome write_outcome() const { return write_outcome_; }
  void set_write_outcome(WriteOutcome outcome) { write_outcome_ = outcome; }

  // The HTTP status of the latest upstream answer; 0 if none came.
  int upstream_status() const { return upstream_status_.load(); }
  void set_upstream_status(int status) { upstream_status_.store(status); }

  // What a write did upstream, for the remember stage and the audit record:
  // the body of the GET a read-merge-write started from (empty otherwise),
  // the write-only values the written document carried (set when the
  // exchange built that document; otherwise the request's resource was sent
  // as it is), and the body of the final answer.
  const std::string& before_body() const { return before_body_; }
  void set_before_body(std::string body) { before_body_ = std::move(body); }
  const std::optional<HeldValues>& sent_write_only() const {
    return sent_write_only_;
  }
  void set_sent_write_only(HeldValues values) {
    sent_write_only_ = std::move(values);
  }
  const std::string& answer_body() const { return answer_body_; }
  void set_answer_body(std::string body) { answer_body_ = std::move(body); }

  // How the cache stage answered a read ("hit", "miss", "coalesced",
  // "bypass"), for the response metadata and the audit record; "bypass"
  // for calls the cache never saw (writes, refused calls). Points to a
  // string literal.
  absl::string_view cache_status() const { return cache_status_; }
  void set_cache_status(absl::string_view status) { cache_status_ = status; }

  // The serialized response, once the call succeeded.
  const ResponseBytes& response_bytes() const { return response_bytes_; }
  void set_response_bytes(ResponseBytes bytes) {
    response_bytes_ = std::move(bytes);
  }

  // Hold keeps `lease` until ReleaseHeld (or the end of the call): a
  // read-merge-write holds its resource's lock until what it wrote is
  // remembered.
  void Hold(std::unique_ptr<UpdateLocks::Lease> lease) {
    held_.push_back(std::move(lease));
  }
  void ReleaseHeld() { held_.clear(); }

  // The write gate opens once the call may write upstream (its audit intent
  // is durable) or fails with why it may not. AwaitWriteGate runs `next`
  // once it is open: inline if it already is, else inside OpenWriteGate.
  // OpenWriteGate is called at most once; AwaitWriteGate by one stage at a
  // time.
  void OpenWriteGate(absl::Status status);
  void AwaitWriteGate(absl::AnyInvocable<void(absl::Status) &&> next);

  // A cancellable step (an upstream request, a wait for a lock) in two
  // moves: BeginStep before starting it, TrackStep with how to cancel it
  // once started. TrackStep runs `cancel` at once if the call is already
  // cancelled, and ignores it if a later step has begun meanwhile (the step
  // finished and the pipeline moved on before TrackStep ran).
  uint64_t BeginStep();
  void TrackStep(uint64_t step, absl::AnyInvocable<void()> cancel);

  // Cancel cancels the step in progress and any started later.
  void Cancel();
  bool cancelled() const;

 private:
  const translate::Route* const route_;
  // The arena's first block lives in the call, so a small call's messages
  // need no allocation of their own.
  alignas(8) char first_block_[2048];
  google::protobuf::Arena arena_;
  google::protobuf::Message* const request_;   // on arena_
  google::protobuf::Message* const response_;  // on arena_
  const absl::Time started_;
  const absl::Time deadline_;
  const Origin origin_;
  std::string principal_;
  std::string account_;
  std::optional<fieldmask::MaskPlan> mask_plan_;
  WriteOutcome write_outcome_ = WriteOutcome::kNotSent;
  std::atomic<int> upstream_status_{0};
  std::string before_body_;
  std::optional<HeldValues> sent_write_only_;
  std::string answer_body_;
  absl::string_view cache_status_ = "bypass";
  ResponseBytes response_bytes_;
  std::vector<std::unique_ptr<UpdateLocks::Lease>> held_;

  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t step_ ABSL_GUARDED_BY(mu_) = 0;
  absl::AnyInvocable<void()> cancel_step_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> gate_ ABSL_GUARDED_BY(mu_);
  absl::AnyInvocable<void(absl::Status) &&> gate_waiter_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_CALL_CONTEXT_H_
