#include "gateway/server/read_cache_stage.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/strip.h"
#include "gateway/auth/access_policy.h"
#include "gateway/common/proto_duration.h"
#include "gateway/common/status_macros.h"
#include "gateway/translate/request_builder.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace gateway::server {
namespace {

using cache::ReadCache;

// CanonicalRequest is the request's deterministic serialization: fields in
// number order, map entries sorted, fields at their defaults left out.
std::string CanonicalRequest(const google::protobuf::Message& request) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  request.SerializePartialToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

// FetchContext is the context a miss is fetched on: the leader's request,
// account, request id and trace, and a deadline of its own, so the fetch outlives
// the leader for the readers that joined it.
std::shared_ptr<CallContext> FetchContext(const CallContext& leader,
                                          absl::Time now,
                                          absl::Duration timeout) {
  Origin origin;
  origin.request_id = leader.origin().request_id;
  origin.peer = leader.origin().peer;
  origin.trace = leader.origin().trace;
  auto fetch = std::make_shared<CallContext>(&leader.route(), now,
                                             now + timeout, std::move(origin));
  fetch->mutable_request()->CopyFrom(leader.request());
  fetch->set_principal(leader.principal());
  fetch->set_account(leader.account());
  return fetch;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReadCacheStage>> ReadCacheStage::Create(
    const config::v1::Cache& config, const translate::RouteTable& routes,
    const Clock* clock, absl::Duration fetch_timeout, MetricsRegistry* metrics,
    cache::InvalidationBus* bus, absl::Duration degraded_ttl) {
  ASSIGN_OR_RETURN(Family<Counter> * lookups,
                   metrics->AddCounterFamily(
                       "polytomic_gateway_cache_lookups_total",
                       "Reads by how the cache answered them (result as in "
                       "x-cache-status: hit, miss, coalesced, bypass).",
                       {"method", "result"}));
  ASSIGN_OR_RETURN(
      Family<Counter> * evictions,
      metrics->AddCounterFamily("polytomic_gateway_cache_evictions_total",
                                "Cache entries evicted to make room.", {}));
  std::unique_ptr<ReadCacheStage> stage(
      new ReadCacheStage(config, clock, fetch_timeout,
                         evictions->WithLabels({}), bus, degraded_ttl));
  for (const auto& route : routes.routes()) {
    if (!route->IsRead()) continue;
    PerRoute& per_route = stage->routes_[route.get()];
    per_route.ttl =
        route->cache_ttl.value_or(ToAbslDuration(config.default_ttl()));
    const absl::string_view method = absl::StripPrefix(route->full_method, "/");
    for (const auto& entry : config.methods()) {
      if (auth::MatchesPattern(absl::StripPrefix(entry.method(), "/"),
                               method)) {
        per_route.ttl = ToAbslDuration(entry.ttl());
        break;
      }
    }
    if (!config.enabled()) per_route.ttl = absl::ZeroDuration();
    for (ReadCache::Source source :
         {ReadCache::Source::kHit, ReadCache::Source::kMiss,
          ReadCache::Source::kCoalesced, ReadCache::Source::kBypass}) {
      per_route.lookups[static_cast<size_t>(source)] =
          lookups->WithLabels({method, ReadCache::SourceName(source)});
    }
  }
  const ReadCache* cache = &stage->cache_;
  RETURN_IF_ERROR(metrics->AddCallbackGauge(
      "polytomic_gateway_cache_entries", "Answers held in the cache.",
      [cache] { return static_cast<double>(cache->stats().entries); }));
  RETURN_IF_ERROR(metrics->AddCallbackGauge(
      "polytomic_gateway_cache_bytes",
      "Bytes the cache holds (keys, answers, per-entry overhead).",
      [cache] { return static_cast<double>(cache->stats().bytes); }));
  if (bus != nullptr) {
    ReadCacheStage* raw = stage.get();
    bus->Listen(
        [raw](const std::string& account,
              const std::vector<ReadCache::PathScope>& scopes) {
          raw->cache_.Invalidate(account, scopes);
        },
        [raw](bool reliable) {
          raw->degraded_.store(!reliable, std::memory_order_relaxed);
          raw->cache_.Clear();
        });
  }
  return stage;
}

ReadCacheStage::ReadCacheStage(const config::v1::Cache& config,
                               const Clock* clock, absl::Duration fetch_timeout,
                               Counter* evictions, cache::InvalidationBus* bus,
                               absl::Duration degraded_ttl)
    : clock_(clock),
      fetch_timeout_(fetch_timeout),
      bus_(bus),
      degraded_ttl_(degraded_ttl),
      degraded_(bus != nullptr),  // until the bus says it carries
      cache_({.max_bytes = config.max_bytes(), .evictions = evictions}, clock) {
}

absl::Duration ReadCacheStage::Ttl(const translate::Route& route) const {
  auto it = routes_.find(&route);
  return it == routes_.end() ? absl::ZeroDuration() : it->second.ttl;
}

void ReadCacheStage::Read(const std::shared_ptr<CallContext>& call, Fetch fetch,
                          Answered answered) {
  auto it = routes_.find(&call->route());
  if (it == routes_.end() || it->second.ttl <= absl::ZeroDuration()) {
    call->set_cache_status(ReadCache::SourceName(ReadCache::Source::kBypass));
    if (it != routes_.end()) {
      it->second.lookups[static_cast<size_t>(ReadCache::Source::kBypass)]
          ->Increment();
    }
    std::move(fetch)(call, std::move(answered));
    return;
  }
  const PerRoute& per_route = it->second;
  const absl::Duration ttl = degraded_.load(std::memory_order_relaxed)
                                 ? std::min(per_route.ttl, degraded_ttl_)
                                 : per_route.ttl;
  const translate::Route& route = call->route();
  std::string key = ReadCache::Key(
      call->account(), translate::CanonicalPath(route.path, call->request()),
      route.full_method, CanonicalRequest(call->request()));
  const uint64_t step = call->BeginStep();
  ReadCache::Waiting waiting = cache_.Read(
      std::move(key), ttl, call->origin().no_cache,
      [this, call, fetch = std::move(fetch)](
          ReadCache::Done done) mutable -> ReadCache::Abandon {
        std::shared_ptr<CallContext> on =
            FetchContext(*call, clock_->Now(), fetch_timeout_);
        std::move(fetch)(on, [call, on, done = std::move(done)](
                                 absl::StatusOr<ResponseBytes> bytes) mutable {
          // The leader's audit record shows the upstream answer's status.
          call->set_upstream_status(on->upstream_status());
          std::move(done)(std::move(bytes));
        });
        return [on] { on->Cancel(); };
      },
      // routes_ does not change after Create: the reference stays valid.
      [call, &per_route, answered = std::move(answered)](
          absl::StatusOr<ReadCache::Bytes> bytes,
          ReadCache::Source source) mutable {
        per_route.lookups[static_cast<size_t>(source)]->Increment();
        call->set_cache_status(ReadCache::SourceName(source));
        std::move(answered)(std::move(bytes));
      });
  if (waiting.flight == nullptr) return;  // answered from the cache
  // The step belongs to the call: it holds the call by pointer, not share.
  call->TrackStep(step, [this, raw = call.get(), waiting = std::move(waiting)] {
    cache_.Leave(waiting,
                 clock_->Now() >= raw->deadline()
                     ? absl::DeadlineExceededError(
                           "the call's deadline passed waiting for the "
                           "upstream answer")
                     : absl::CancelledError("the caller cancelled the call"));
  });
}

void ReadCacheStage::Written(const CallContext& call, Done done) {
  const translate::Route& route = call.route();
  std::vector<ReadCache::PathScope> scopes;
  scopes.reserve(route.invalidates.size());
  for (const translate::Route::Invalidation& invalidation : route.invalidates) {
    scopes.push_back(
        {translate::CanonicalPath(invalidation.path, call.request()),
         invalidation.subtree});
  }
  cache_.Invalidate(call.account(), scopes);
  if (bus_ == nullptr) return std::move(done)();
  bus_->Publish(call.account(), scopes, std::move(done));
}

}  // namespace gateway::server
