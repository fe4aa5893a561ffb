// call_context.h: one RPC in flight, as the pipeline sees it.
//
//   auto call = std::make_shared<CallContext>(route, std::move(request),
//                                             std::move(response), deadline);
//   pipeline.Run(call, done);
//   ...
//   call->Cancel();  // the caller went away
//
// Shared by the reactor and the pipeline's pending callbacks, so it outlives
// whichever finishes first.
#ifndef GATEWAY_SERVER_CALL_CONTEXT_H_
#define GATEWAY_SERVER_CALL_CONTEXT_H_

#include <memory>
#include <mutex>

#include "absl/time/time.h"
#include "gateway/common/rest_client.h"
#include "gateway/translate/route_table.h"
#include "google/protobuf/message.h"

namespace gateway::server {

// CallContext holds the request, the response being built, the deadline and
// the upstream request to cancel if the caller cancels.
//
// Thread safety: TrackUpstream, Cancel and cancelled may be called from any
// thread; the messages belong to whichever stage runs (stages run one after
// another, never concurrently).
class CallContext {
 public:
  CallContext(const translate::Route* route,
              std::unique_ptr<google::protobuf::Message> request,
              std::unique_ptr<google::protobuf::Message> response,
              absl::Time deadline)
      : route_(route),
        request_(std::move(request)),
        response_(std::move(response)),
        deadline_(deadline) {}

  const translate::Route& route() const { return *route_; }
  const google::protobuf::Message& request() const { return *request_; }
  google::protobuf::Message* mutable_request() { return request_.get(); }
  google::protobuf::Message& response() { return *response_; }
  absl::Time deadline() const { return deadline_; }

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
  const absl::Time deadline_;

  mutable std::mutex mu_;
  RestClient* client_ = nullptr;        // guarded by mu_
  RestClient::RequestId upstream_ = 0;  // guarded by mu_
  bool cancelled_ = false;              // guarded by mu_
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_CALL_CONTEXT_H_
