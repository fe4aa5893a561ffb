#include "gateway/cache/read_cache.h"

#include <algorithm>
#include <utility>

#include "absl/container/btree_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace gateway::cache {
namespace {

// What an entry costs beyond its key and answer: the node, the map's share
// and the control block of the shared bytes, rounded up.
constexpr int64_t kEntryOverhead = 160;

// The separator of a key's parts; no part holds it (paths are
// percent-encoded, account and method names are configuration and
// descriptor names).
constexpr char kSeparator = '\0';

// Prefix is the start of the keys of `account`'s reads of `path`: exactly
// that path, or (subtree) every path below it.
std::string Prefix(absl::string_view account, absl::string_view path,
                   bool subtree) {
  return subtree ? absl::StrCat(account, absl::string_view(&kSeparator, 1),
                                path, "/")
                 : absl::StrCat(account, absl::string_view(&kSeparator, 1),
                                path, absl::string_view(&kSeparator, 1));
}

}  // namespace

struct ReadCache::Entry {
  std::string key;  // the maps' keys view it
  Bytes bytes;
  absl::Time expires;
  int64_t charge = 0;
  size_t ring_index = 0;  // position in Shard::ring
  // Set by hits, cleared by the CLOCK hand: a second chance.
  std::atomic<bool> referenced{false};
};

// A Flight is one fetch in the air and the reads waiting for it.
class ReadCache::Flight {
 public:
  Flight(std::string key, absl::Duration ttl, absl::Time started)
      : key_(std::move(key)), ttl_(ttl), started_(started) {}

  const std::string& key() const { return key_; }

 private:
  friend class ReadCache;
  struct Waiter {
    uint64_t id;
    Source source;
    Answer answer;
  };

  const std::string key_;
  const absl::Duration ttl_;
  const absl::Time started_;
  // Guarded by the shard's lock: whether the flight is still the one
  // Read joins and may store its answer (an invalidation or a fresh read
  // detaches it).
  bool attached_ = true;

  absl::Mutex mu_;
  bool answered_ ABSL_GUARDED_BY(mu_) = false;
  // Every waiter left before the answer: the fetch is (being) cancelled.
  bool abandoned_ ABSL_GUARDED_BY(mu_) = false;
  Abandon abandon_ ABSL_GUARDED_BY(mu_);
  uint64_t next_waiter_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Waiter> waiters_ ABSL_GUARDED_BY(mu_);
};

struct ReadCache::Shard {
  mutable absl::Mutex mu;
  // The entries by key (views of Entry::key), and the same keys in order,
  // for invalidation's prefix ranges.
  absl::flat_hash_map<absl::string_view, std::unique_ptr<Entry>> entries
      ABSL_GUARDED_BY(mu);
  absl::btree_set<absl::string_view> ordered ABSL_GUARDED_BY(mu);
  // The CLOCK ring over the entries, and its hand.
  std::vector<Entry*> ring ABSL_GUARDED_BY(mu);
  size_t hand ABSL_GUARDED_BY(mu) = 0;
  int64_t bytes ABSL_GUARDED_BY(mu) = 0;
  absl::flat_hash_map<std::string, std::shared_ptr<Flight>> flights
      ABSL_GUARDED_BY(mu);
};

absl::string_view ReadCache::SourceName(Source source) {
  switch (source) {
    case Source::kHit:
      return "hit";
    case Source::kMiss:
      return "miss";
    case Source::kCoalesced:
      return "coalesced";
    case Source::kBypass:
      return "bypass";
  }
  return "miss";
}

ReadCache::ReadCache(const Options& options, const Clock* clock)
    : clock_(clock),
      shard_bytes_(options.max_bytes / std::max(1, options.shards)),
      evictions_counter_(options.evictions) {
  for (int i = 0; i < std::max(1, options.shards); ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
}

ReadCache::~ReadCache() = default;

std::string ReadCache::Key(absl::string_view account, absl::string_view path,
                           absl::string_view method,
                           absl::string_view request) {
  const absl::string_view separator(&kSeparator, 1);
  return absl::StrCat(account, separator, path, separator, method, separator,
                      request);
}

ReadCache::Shard& ReadCache::ShardOf(absl::string_view key) const {
  return *shards_[absl::HashOf(key) % shards_.size()];
}

ReadCache::Waiting ReadCache::Read(std::string key, absl::Duration ttl,
                                   bool fresh, Fetch fetch, Answer answer) {
  Shard& shard = ShardOf(key);
  const absl::Time now = clock_->Now();
  Bytes hit;
  if (!fresh) {
    absl::ReaderMutexLock lock(&shard.mu);
    hit = FreshEntry(shard, key, now);
  }
  std::shared_ptr<Flight> flight;
  bool started = false;
  Waiting waiting;
  while (hit == nullptr) {
    {
      absl::MutexLock lock(&shard.mu);
      // A fetch may have stored its answer since the look above.
      if (!fresh) hit = FreshEntry(shard, key, now);
      if (hit != nullptr) break;
      auto it = shard.flights.find(key);
      if (!fresh && it != shard.flights.end()) {
        flight = it->second;
      } else {
        flight = std::make_shared<Flight>(key, ttl, now);
        started = true;
        if (it != shard.flights.end()) {
          // A fresh read supersedes the fetch in flight, whose older answer
          // must not replace the fresh one.
          it->second->attached_ = false;
          it->second = flight;
        } else {
          shard.flights.emplace(key, flight);
        }
      }
    }
    absl::MutexLock lock(&flight->mu_);
    // Completed or abandoned meanwhile (and detached): look again.
    if (flight->answered_ || flight->abandoned_) continue;
    waiting = {flight, flight->next_waiter_++};
    const Source source = !started ? Source::kCoalesced
                          : fresh  ? Source::kBypass
                                   : Source::kMiss;
    flight->waiters_.push_back({waiting.waiter, source, std::move(answer)});
    break;
  }
  if (hit != nullptr) {
    std::move(answer)(std::move(hit), Source::kHit);
    return {};
  }
  if (started) {
    Abandon abandon =
        std::move(fetch)([this, flight](absl::StatusOr<Bytes> result) {
          Complete(flight, std::move(result));
        });
    absl::MutexLock lock(&flight->mu_);
    if (!flight->answered_) flight->abandon_ = std::move(abandon);
  }
  return waiting;
}

ReadCache::Bytes ReadCache::FreshEntry(const Shard& shard,
                                       absl::string_view key, absl::Time now) {
  auto it = shard.entries.find(key);
  if (it == shard.entries.end() || it->second->expires <= now) return nullptr;
  it->second->referenced.store(true, std::memory_order_relaxed);
  return it->second->bytes;
}

void ReadCache::Complete(const std::shared_ptr<Flight>& flight,
                         absl::StatusOr<Bytes> result) {
  Shard& shard = ShardOf(flight->key());
  {
    absl::MutexLock lock(&shard.mu);
    if (flight->attached_) {
      flight->attached_ = false;
      shard.flights.erase(flight->key());
      if (result.ok() && *result != nullptr &&
          flight->ttl_ > absl::ZeroDuration()) {
        Store(shard, flight->key(), *result, flight->started_ + flight->ttl_);
      }
    }
  }
  std::vector<Flight::Waiter> waiters;
  {
    absl::MutexLock lock(&flight->mu_);
    flight->answered_ = true;
    waiters.swap(flight->waiters_);
  }
  for (Flight::Waiter& waiter : waiters) {
    std::move(waiter.answer)(result, waiter.source);
  }
}

void ReadCache::Leave(const Waiting& waiting, absl::Status status) {
  Flight* flight = waiting.flight.get();
  if (flight == nullptr) return;
  Answer answer;
  Source source = Source::kMiss;
  Abandon abandon;
  {
    // The shard's lock first (the order Complete and Read never invert), so
    // that detaching an abandoned flight cannot race a reader joining it.
    Shard& shard = ShardOf(flight->key());
    absl::MutexLock shard_lock(&shard.mu);
    absl::MutexLock lock(&flight->mu_);
    auto& waiters = flight->waiters_;
    auto it = std::find_if(
        waiters.begin(), waiters.end(),
        [&](const Flight::Waiter& w) { return w.id == waiting.waiter; });
    if (it == waiters.end()) return;
    answer = std::move(it->answer);
    source = it->source;
    waiters.erase(it);
    if (waiters.empty() && !flight->answered_) {
      flight->abandoned_ = true;
      abandon = std::move(flight->abandon_);
      if (flight->attached_) {
        flight->attached_ = false;
        shard.flights.erase(flight->key());
      }
    }
  }
  std::move(answer)(std::move(status), source);
  if (abandon) std::move(abandon)();
}

void ReadCache::Store(Shard& shard, const std::string& key, Bytes bytes,
                      absl::Time expires) {
  const int64_t charge =
      static_cast<int64_t>(2 * key.size() + bytes->size()) + kEntryOverhead;
  if (auto it = shard.entries.find(key); it != shard.entries.end()) {
    Erase(shard, it->second.get());
  }
  if (charge > shard_bytes_) return;  // would not fit even alone
  const absl::Time now = clock_->Now();
  while (shard.bytes + charge > shard_bytes_) {
    if (shard.hand >= shard.ring.size()) shard.hand = 0;
    Entry* entry = shard.ring[shard.hand];
    if (entry->expires > now &&
        entry->referenced.exchange(false, std::memory_order_relaxed)) {
      ++shard.hand;  // recently used: a second chance
      continue;
    }
    Erase(shard, entry);
    evictions_.fetch_add(1, std::memory_order_relaxed);
    if (evictions_counter_ != nullptr) evictions_counter_->Increment();
  }
  auto entry = std::make_unique<Entry>();
  entry->key = key;
  entry->bytes = std::move(bytes);
  entry->expires = expires;
  entry->charge = charge;
  entry->ring_index = shard.ring.size();
  Entry* raw = entry.get();
  shard.ordered.insert(raw->key);
  shard.entries.emplace(raw->key, std::move(entry));
  shard.ring.push_back(raw);
  shard.bytes += charge;
  entries_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(charge, std::memory_order_relaxed);
}

void ReadCache::Erase(Shard& shard, Entry* entry) {
  const size_t index = entry->ring_index;
  shard.ring[index] = shard.ring.back();
  shard.ring[index]->ring_index = index;
  shard.ring.pop_back();
  shard.bytes -= entry->charge;
  entries_.fetch_sub(1, std::memory_order_relaxed);
  bytes_.fetch_sub(entry->charge, std::memory_order_relaxed);
  shard.ordered.erase(entry->key);
  // Last: the map's key views the entry's.
  shard.entries.erase(shard.entries.find(entry->key));
}

void ReadCache::Invalidate(absl::string_view account,
                           absl::Span<const PathScope> scopes) {
  std::vector<std::string> prefixes;
  for (const PathScope& scope : scopes) {
    prefixes.push_back(Prefix(account, scope.path, /*subtree=*/false));
    if (scope.subtree) {
      prefixes.push_back(Prefix(account, scope.path, /*subtree=*/true));
    }
  }
  auto matches = [&prefixes](absl::string_view key) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [key](const std::string& prefix) {
                         return absl::StartsWith(key, prefix);
                       });
  };
  std::vector<Entry*> dropped;
  for (const auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    dropped.clear();
    for (const std::string& prefix : prefixes) {
      for (auto it = shard->ordered.lower_bound(prefix);
           it != shard->ordered.end() && absl::StartsWith(*it, prefix); ++it) {
        dropped.push_back(shard->entries.find(*it)->second.get());
      }
    }
    // Scopes may overlap ("/a" and "/a/**"): drop each entry once.
    std::sort(dropped.begin(), dropped.end());
    dropped.erase(std::unique(dropped.begin(), dropped.end()), dropped.end());
    for (Entry* entry : dropped) Erase(*shard, entry);
    for (auto it = shard->flights.begin(); it != shard->flights.end();) {
      if (matches(it->first)) {
        it->second->attached_ = false;
        shard->flights.erase(it++);
      } else {
        ++it;
      }
    }
  }
}

void ReadCache::Clear() {
  std::vector<Entry*> dropped;
  for (const auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    dropped.clear();
    for (const auto& [key, entry] : shard->entries) {
      dropped.push_back(entry.get());
    }
    for (Entry* entry : dropped) Erase(*shard, entry);
    for (auto& [key, flight] : shard->flights) flight->attached_ = false;
    shard->flights.clear();
  }
}

ReadCache::Stats ReadCache::stats() const {
  return {entries_.load(std::memory_order_relaxed),
          bytes_.load(std::memory_order_relaxed),
          evictions_.load(std::memory_order_relaxed)};
}

}  // namespace gateway::cache
