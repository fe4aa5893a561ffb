// cache_stage.h: the pipeline's one hook for the read cache.
//
//   cache.Read(call,
//              /*fetch=*/[](CacheStage::Answered answered) {
//                ...exchange + translate back, then answered(bytes)...
//              },
//              /*answered=*/[](absl::StatusOr<ResponseBytes> bytes) {...});
//   ...
//   cache.Written(*call);  // after every write that may have changed state
//
// A read is answered with serialized response bytes, so an answer from the
// cache is handed to gRPC without parsing or serializing anything. The
// pipeline asks the cache only after the caller is authorized and its
// request validated, so a cached answer never reaches a caller who may not
// call the method. Today's implementation is PassThroughCache; the read
// cache with request coalescing and invalidation replaces it here.
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
  using Fetch = absl::AnyInvocable<void(Answered) &&>;

  virtual ~CacheStage() = default;

  // Read answers a read call: from the cache (setting the call's
  // cache_status), or by running `fetch`, which performs the call's
  // upstream exchange and translation and hands over the bytes.
  virtual void Read(const std::shared_ptr<CallContext>& call, Fetch fetch,
                    Answered answered) = 0;

  // Written hears of a write through the gateway that may have changed
  // upstream state, before its caller is answered.
  virtual void Written(const CallContext& call) = 0;
};

// PassThroughCache caches nothing: every read is fetched.
class PassThroughCache final : public CacheStage {
 public:
  void Read(const std::shared_ptr<CallContext>&, Fetch fetch,
            Answered answered) override {
    std::move(fetch)(std::move(answered));
  }
  void Written(const CallContext&) override {}
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_CACHE_STAGE_H_
