// call_context.h: one RPC in flight, as the pipeline sees it.
//
//   auto call = std::make_shared<CallContext>(
//       route, std::move(request), std::move(response), now, deadline,
//       std::move(origin));
//   pipeline.Run(call, done);
//   ...
//   call->Cancel();  // the caller went away
//
// Shared by the reactor and the pipeline's pending callbacks, so it outlives
// whichever finishes first.
#ifndef GATEWAY_SERVER_CALL_CONTEXT_H_
#define GATEWAY_SERVER_CALL_CONTEXT_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "gateway/auth/access_policy.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/rest_client.h"
#include "gateway/translate/route_table.h"
#include "google/protobuf/message.h"

namespace gateway::server {

// Origin is what the transport says about the caller. `bearer_token` is a
// secret: it is used to authenticate and never copied anywhere else.
struct Origin {
  std::string request_id;  // this gateway's id of the call, sent back
  std::string peer;        // e.g. "ipv4:127.0.0.1:41234"
  auth::PeerIdentity identity;
  std::string bearer_token;
};

// CallContext holds the request, the response being built, the deadline,
// who is calling, and the upstream request to cancel if the caller cancels.
//
// Thread safety: TrackUpstream, Cancel and cancelled may be called from any
// thread; everything else belongs to whichever stage runs (stages run one
// after another, never concurrently).
class CallContext {
 public:
  CallContext(const translate::Route* route,
              std::unique_ptr<google::protobuf::Message> request,
              std::unique_ptr<google::protobuf::Message> response,
              absl::Time started, absl::Time deadline, Origin origin)
      : route_(route),
        request_(std::move(request)),
        response_(std::move(response)),
        started_(started),
        deadline_(deadline),
        origin_(std::move(origin)) {}

  const translate::Route& route() const { return *route_; }
  const google::protobuf::Message& request() const { return *request_; }
  google::protobuf::Message* mutable_request() { return request_.get(); }
  google::protobuf::Message& response() { return *response_; }
  absl::Time started() const { return started_; }
  absl::Time deadline() const { return deadline_; }
  const Origin& origin() const { return origin_; }

  // The authenticated principal and the upstream account it acts as; empty
  // until the access stage has run.
  const std::string& principal() const { return principal_; }
  const std::string& account() const { return account_; }
  void set_principal(std::string principal) {
    principal_ = std::move(principal);
  }
  void set_account(std::string account) { account_ = std::move(account); }

  // The HTTP status of the latest upstream answer; 0 if none came.
  int upstream_status() const { return upstream_status_.load(); }
  void set_upstream_status(int status) { upstream_status_.store(status); }

  // changes: a mutation's changed fields, {"before": {...}, "after": {...}},
  // for the audit record (redacted there); null when unknown.
  const Json& changes() const { return changes_; }
  void set_changes(Json changes) { changes_ = std::move(changes); }

  // TrackUpstream records the upstream request in flight; if the call was
  // already cancelled, the request is cancelled at once.
  void TrackUpstream(RestClient* client, RestClient::RequestId id) {
    std::lock_guard<std::mutex> lock(mu_);
    client_ = client;
    upstream_ = id;
    if (cancelled_) client_->Cancel(upstream_);
  }

  // Cancel aborts the upstream request in flight, and any started later.
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (client_ != nullptr) client_->Cancel(upstream_);
  }

  bool cancelled() const {
    std::lock_guard<std::mutex> lock(mu_);
    return cancelled_;
  }

 private:
  const translate::Route* const route_;
  const std::unique_ptr<google::protobuf::Message> request_;
  const std::unique_ptr<google::protobuf::Message> response_;
  const absl::Time started_;
  const absl::Time deadline_;
  const Origin origin_;
  std::string principal_;
  std::string account_;
  std::atomic<int> upstream_status_{0};
  Json changes_;

  mutable std::mutex mu_;
  RestClient* client_ = nullptr;        // guarded by mu_
  RestClient::RequestId upstream_ = 0;  // guarded by mu_
  bool cancelled_ = false;              // guarded by mu_
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_CALL_CONTEXT_H_
