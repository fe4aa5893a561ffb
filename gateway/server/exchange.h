// exchange.h: the upstream exchange of a call, as a strategy the pipeline
// runs without knowing which.
//
//   const Exchange& exchange = ...;  // PassThroughExchange or
//                                    // ReadMergeWriteExchange
//   exchange.Run(call, [](absl::StatusOr<HttpResponse> answer) {
//     ...translate the 2xx answer back into the call's response...
//   });
//
// An exchange builds the call's upstream request(s) and sends them through
// Upstream (upstream.h), which applies the account, deadline, cancellation,
// write gate and error mapping. It leaves what the later stages need in the
// call (the GET it started from, the write-only values it sent, the lock it
// holds).
#ifndef GATEWAY_SERVER_EXCHANGE_H_
#define GATEWAY_SERVER_EXCHANGE_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "gateway/common/rest_client.h"
#include "gateway/server/call_context.h"

namespace gateway::server {

// Exchange holds no per-call state.
//
// Thread safety: Run may be called concurrently. `done` runs exactly once,
// inline or on whichever thread completed the last step; it must not block.
class Exchange {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<HttpResponse>) &&>;

  virtual ~Exchange() = default;

  // Run performs the exchange of a validated call; `done` gets the final 2xx
  // answer to the call's own route, or the error that ended it.
  virtual void Run(std::shared_ptr<CallContext> call, Done done) const = 0;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_EXCHANGE_H_
