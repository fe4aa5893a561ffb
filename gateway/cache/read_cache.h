// read_cache.h: answers to reads kept in memory for a TTL, identical
// concurrent misses coalesced into one fetch, and entries dropped by path
// when a write may have changed them.
//
//   ReadCache cache({.max_bytes = 64 << 20}, &clock);
//   std::string key = ReadCache::Key(account, path, method, request_bytes);
//   ReadCache::Waiting waiting = cache.Read(
//       key, absl::Seconds(10), /*fresh=*/false,
//       /*fetch=*/[](ReadCache::Done done) -> ReadCache::Abandon {
//         ...start the upstream read, which calls done(bytes)...
//         return [] { ...cancel it... };
//       },
//       /*answer=*/[](absl::StatusOr<ReadCache::Bytes> bytes,
//                     ReadCache::Source source) { ... });
//   ...
//   cache.Leave(waiting, absl::CancelledError());  // the caller went away
//   cache.Invalidate(account, {{"/api/bulk/syncs/1f.../**"}});
//
// A key is the upstream account, the canonical upstream path (what
// invalidations match), the method and the request's canonical bytes. The
// cache never looks inside an answer: it holds serialized response bytes,
// shared with every caller it answers.
//
// Consistency: Invalidate drops the entries it matches and detaches the
// fetches in flight for them, so a fetch that started before the write's
// invalidation is never stored after it, and a read that starts after it
// never joins such a fetch. Detached fetches still answer the readers
// already waiting on them (they began before the write was acknowledged).
#ifndef GATEWAY_CACHE_READ_CACHE_H_
#define GATEWAY_CACHE_READ_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gateway/common/clock.h"
#include "gateway/common/metrics.h"

namespace gateway::cache {

// ReadCache is a sharded, byte-bounded TTL cache with request coalescing.
//
// Thread safety: every method may be called concurrently. A hit takes one
// shard's reader lock and touches no shared list (recency is a flag set on
// the entry; eviction is CLOCK, run by inserts). Callbacks (`fetch`,
// `answer`) run with no lock held: `fetch` inline in Read; `answer` inline in
// Read (a hit), in Leave, or on the thread that completes the fetch. They
// must not block.
class ReadCache {
 public:
  using Bytes = std::shared_ptr<const std::string>;

  // Source is how a read was answered; its name is the x-cache-status.
  enum class Source {
    kHit,        // from the cache
    kMiss,       // by the fetch this read started
    kCoalesced,  // by a fetch another read started
    kBypass,     // not from the cache: a fresh read was asked for
  };
  static absl::string_view SourceName(Source source);

  // Done completes a fetch, exactly once, from any thread.
  using Done = absl::AnyInvocable<void(absl::StatusOr<Bytes>) &&>;
  // Abandon cancels a fetch nobody waits for any more.
  using Abandon = absl::AnyInvocable<void() &&>;
  // Fetch starts the upstream read behind a miss and returns how to abandon
  // it.
  using Fetch = absl::AnyInvocable<Abandon(Done) &&>;
  // Answer receives a read's answer, exactly once.
  using Answer = absl::AnyInvocable<void(absl::StatusOr<Bytes>, Source) &&>;

  struct Options {
    // Upper bound on the bytes held (keys, answers and per-entry overhead).
    int64_t max_bytes = 0;
    // Independent parts of the cache; each holds max_bytes / shards.
    int shards = 16;
    // Counts evictions when set (borrowed; must outlive the cache).
    Counter* evictions = nullptr;
  };

  // PathScope names the cached reads of `path` (whatever their query), and
  // when `subtree`, those of every path below it.
  struct PathScope {
    std::string path;
    bool subtree = false;
  };

  class Flight;
  // Waiting names a read waiting for a fetch, for Leave; empty after a hit.
  struct Waiting {
    std::shared_ptr<Flight> flight;
    uint64_t waiter = 0;
  };

  struct Stats {
    int64_t entries = 0;
    int64_t bytes = 0;
    int64_t evictions = 0;
  };

  // `clock` is borrowed and must outlive the cache.
  ReadCache(const Options& options, const Clock* clock);
  ~ReadCache();
  ReadCache(const ReadCache&) = delete;
  ReadCache& operator=(const ReadCache&) = delete;

  // Key is the cache key of a read. `path` is the canonical upstream path
  // (no query); `request` the request's deterministic serialization.
  static std::string Key(absl::string_view account, absl::string_view path,
                         absl::string_view method, absl::string_view request);

  // Read answers `key`: with a fresh entry (kHit, inline), by joining the
  // fetch in flight for it (kCoalesced), or by running `fetch` (kMiss) and
  // storing what it returns for `ttl` (from when it started) unless an
  // invalidation detached it. A `fresh` read never uses an entry or an
  // older fetch: it runs its own (kBypass), which later reads then join and
  // whose answer replaces the entry. Errors are answered to every waiter of
  // the fetch and never stored.
  Waiting Read(std::string key, absl::Duration ttl, bool fresh, Fetch fetch,
               Answer answer);

  // Leave answers a waiting read with `status` instead (its caller went
  // away); the fetch goes on for the others, and its answer is still
  // stored. When nobody waits any more, the fetch is abandoned (and later
  // reads start their own). No-op if the read was answered already.
  void Leave(const Waiting& waiting, absl::Status status);

  // Invalidate drops what `account` has cached under `scopes`.
  void Invalidate(absl::string_view account,
                  absl::Span<const PathScope> scopes);

  // Clear drops every entry and detaches every fetch in flight, as
  // Invalidate would, for all accounts (invalidations may have been
  // missed).
  void Clear();

  Stats stats() const;

 private:
  struct Entry;
  struct Shard;

  Shard& ShardOf(absl::string_view key) const;
  // FreshEntry is the answer `shard` holds for `key` at `now`, marked
  // recently used; nullptr if none. Requires the shard's lock (shared).
  static Bytes FreshEntry(const Shard& shard, absl::string_view key,
                          absl::Time now);
  // Complete stores a flight's result (when it may) and answers its waiters.
  void Complete(const std::shared_ptr<Flight>& flight,
                absl::StatusOr<Bytes> result);
  // Store inserts an entry in `shard`, evicting as needed. Requires the
  // shard's lock.
  void Store(Shard& shard, const std::string& key, Bytes bytes,
             absl::Time expires);
  // Erase drops `entry` from `shard`. Requires the shard's lock.
  void Erase(Shard& shard, Entry* entry);

  const Clock* const clock_;
  const int64_t shard_bytes_;
  Counter* const evictions_counter_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<int64_t> entries_{0};
  std::atomic<int64_t> bytes_{0};
  std::atomic<int64_t> evictions_{0};
};

}  // namespace gateway::cache

#endif  // GATEWAY_CACHE_READ_CACHE_H_
