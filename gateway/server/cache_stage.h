// cache_stage.h: the pipeline's one hook for the read cache.
//
//   cache.Read(call,
//              /*fetch=*/[](std::shared_ptr<CallContext> on,
//                           CacheStage::Answered answered) {
//                ...exchange + translate back on `on`, then answered(bytes)...
//              },
//              /*answered=*/[](absl::StatusOr<ResponseBytes> bytes) {...});
//   ...
//   cache.Written(*call, [] { ... });  // after every write that may have
//                                     // changed state, before its answer
//
// A read is answered with serialized response bytes, so an answer from the
// cache is handed to gRPC without parsing or serializing anything. The
// pipeline asks the cache only after the caller is authorized and its
// request validated, so a cached answer never reaches a caller who may not
// call the method. The implementation is ReadCacheStage.
#ifndef GATEWAY_SERVER_CACHE_STAGE_H_
#define GATEWAY_SERVER_CACHE_STAGE_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "gateway/server/call_context.h"

namespace gateway::server {

// CacheStage answers reads and hears of writes.
//
// Thread safety: all methods may be called concurrently. `fetch` and
// `answered` run at most once and exactly once respectively, inline or on
// another call's thread; they must not block.
class CacheStage {
 public:
  using Answered = absl::AnyInvocable<void(absl::StatusOr<ResponseBytes>) &&>;
  using Done = absl::AnyInvocable<void() &&>;
  // Fetch performs a read's upstream exchange and translation on the
  // context `on`: the call itself, or one the cache made for a fetch that
  // several calls wait for.
  using Fetch = absl::AnyInvocable<void(std::shared_ptr<CallContext> on,
                                        Answered answered) &&>;

  virtual ~CacheStage() = default;

  // Read answers a read call: from the cache, or by running `fetch`, and
  // sets the call's cache_status.
  virtual void Read(const std::shared_ptr<CallContext>& call, Fetch fetch,
                    Answered answered) = 0;

  // Written hears of a write through the gateway that may have changed
  // upstream state (applied, or of unknown outcome), before its caller is
  // answered; `done` runs once what it invalidated is gone from every
  // replica's cache (see ReadCacheStage), inline or on another thread.
  virtual void Written(const CallContext& call, Done done) = 0;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_CACHE_STAGE_H_
