// upstream.h: the one place a call's request goes upstream.
//
//   upstream.Send(call, route, std::move(http),
//                 [](absl::StatusOr<HttpResponse> answer) {
//                   // a 2xx answer, or the error mapped for `route`
//                 });
//
// Every exchange strategy sends through it, so each request: acts as the
// call's account (the credentials decorator below signs it) and carries the
// call's deadline, the route's operation and the call's `traceparent` (the
// gateway's span as parent); waits, when it would change
// upstream state, for the call's write gate (its audit intent durable);
// is cancelled when the call is; records its HTTP status for the audit
// record and, for a write, what is known of its outcome; and comes back as
// a 2xx answer or one mapped error (HTTP status, transport failure or
// refusal, via translate/).
#ifndef GATEWAY_SERVER_UPSTREAM_H_
#define GATEWAY_SERVER_UPSTREAM_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "gateway/common/clock.h"
#include "gateway/common/rest_client.h"
#include "gateway/server/call_context.h"
#include "gateway/translate/translator.h"

namespace gateway::server {

// Upstream is shared by every call.
//
// Thread safety: thread-safe. Borrowed pointers must outlive it. `done`
// runs exactly once: inline (refused before sending, or the call already
// cancelled), on the transport's thread, or on whichever thread opens the
// write gate; it must not block.
class Upstream {
 public:
  using Answer = absl::AnyInvocable<void(absl::StatusOr<HttpResponse>) &&>;

  Upstream(RestClient* client, const translate::Translator* translator,
           const Clock* clock)
      : client_(client), translator_(translator), clock_(clock) {}

  // Send sends `request` for `call`, as the operation of `route` (the
  // call's own route, or the route of a read the call makes first).
  void Send(const std::shared_ptr<CallContext>& call,
            const translate::Route& route, HttpRequest request,
            Answer done) const;

 private:
  void Dispatch(const std::shared_ptr<CallContext>& call,
                const translate::Route& route, HttpRequest request,
                Answer done) const;

  RestClient* const client_;
  const translate::Translator* const translator_;
  const Clock* const clock_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_UPSTREAM_H_
