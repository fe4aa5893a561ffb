#include "gateway/server/upstream.h"

#include <utility>

namespace gateway::server {

void Upstream::Send(const std::shared_ptr<CallContext>& call,
                    const translate::Route& route, HttpRequest request,
                    Answer done) const {
  request.account = call->account();
  request.operation = route.operation_id;
  request.deadline = call->deadline();
  request.headers.emplace_back("traceparent", call->origin().trace.Header());
  if (route.IsRead()) {
    Dispatch(call, route, std::move(request), std::move(done));
    return;
  }
  call->AwaitWriteGate([this, call, &route, request = std::move(request),
                        done = std::move(done)](absl::Status open) mutable {
    if (!open.ok()) {
      std::move(done)(std::move(open));
      return;
    }
    Dispatch(call, route, std::move(request), std::move(done));
  });
}

void Upstream::Dispatch(const std::shared_ptr<CallContext>& call,
                        const translate::Route& route, HttpRequest request,
                        Answer done) const {
  if (call->cancelled()) {
    std::move(done)(translator_->FromTransportError(
        route, absl::CancelledError("the caller cancelled the call")));
    return;
  }
  using WriteOutcome = CallContext::WriteOutcome;
  if (!route.IsRead()) call->set_write_outcome(WriteOutcome::kUnknown);
  uint64_t step = call->BeginStep();
  RestClient::RequestId id = client_->Send(
      std::move(request), [this, call, &route, done = std::move(done)](
                              absl::StatusOr<HttpResponse> answer) mutable {
        if (!answer.ok()) {
          std::move(done)(
              translator_->FromTransportError(route, answer.status()));
          return;
        }
        call->set_upstream_status(answer->status);
        if (!route.IsRead()) {
          int kind = answer->status / 100;
          call->set_write_outcome(kind == 2   ? WriteOutcome::kApplied
                                  : kind == 4 ? WriteOutcome::kRejected
                                              : WriteOutcome::kUnknown);
        }
        if (answer->status / 100 != 2) {
          std::move(done)(
              translator_->FromHttpError(route, *answer, clock_->Now()));
          return;
        }
        std::move(done)(std::move(answer));
      });
  call->TrackStep(step, [client = client_, id] { client->Cancel(id); });
}

}  // namespace gateway::server
