// The read cache on its own: hits, TTLs on an injected clock, eviction by
// bytes, coalescing, leaving, fresh reads and invalidation, including a read
// that races a write. Fetches are held by the test and completed when it
// says, so every interleaving is exact.
#include "gateway/cache/read_cache.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace gateway::cache {
namespace {

using Source = ReadCache::Source;

class ManualClock final : public Clock {
 public:
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_) = absl::FromUnixSeconds(1'700'000'000);
};

// Outcome is what one read was answered.
struct Outcome {
  int answers = 0;
  absl::Status status;
  std::string bytes;
  const std::string* identity = nullptr;  // which shared bytes
  Source source = Source::kMiss;
};

ReadCache::Bytes Bytes(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

class ReadCacheTest : public ::testing::Test {
 protected:
  explicit ReadCacheTest(int64_t max_bytes = 1 << 20, int shards = 4)
      : cache_({.max_bytes = max_bytes, .shards = shards}, &clock_) {}

  static std::string KeyOf(const std::string& path,
                           const std::string& account = "default",
                           const std::string& request = "r") {
    return ReadCache::Key(account, path, "/polytomic.v1.S/Get", request);
  }

  // Read reads `key`; a fetch it starts is held in `pending_`.
  std::shared_ptr<Outcome> Read(const std::string& key,
                                absl::Duration ttl = absl::Seconds(10),
                                bool fresh = false,
                                ReadCache::Waiting* waiting = nullptr) {
    auto outcome = std::make_shared<Outcome>();
    ReadCache::Waiting w = cache_.Read(
        key, ttl, fresh,
        [this](ReadCache::Done done) -> ReadCache::Abandon {
          const size_t i = pending_.size();
          pending_.push_back(std::move(done));
          return [this, i] { abandoned_.push_back(i); };
        },
        [outcome](absl::StatusOr<ReadCache::Bytes> bytes, Source source) {
          ++outcome->answers;
          outcome->source = source;
          outcome->status = bytes.status();
          if (bytes.ok()) {
            outcome->bytes = **bytes;
            outcome->identity = bytes->get();
          }
        });
    if (waiting != nullptr) *waiting = std::move(w);
    return outcome;
  }

  // Complete completes the i-th held fetch.
  void Complete(size_t i, absl::StatusOr<ReadCache::Bytes> result) {
    ASSERT_LT(i, pending_.size());
    ASSERT_TRUE(pending_[i]) << "fetch " << i << " completed twice";
    ReadCache::Done done = std::move(pending_[i]);
    pending_[i] = nullptr;
    std::move(done)(std::move(result));
  }

  ManualClock clock_;
  ReadCache cache_;
  std::vector<ReadCache::Done> pending_;
  std::vector<size_t> abandoned_;  // which fetches were abandoned
};

TEST_F(ReadCacheTest, MissFetchesThenHitsShareTheBytes) {
  auto first = Read(KeyOf("/api/bulk/syncs/a"));
  ASSERT_EQ(pending_.size(), 1u);
  EXPECT_EQ(first->answers, 0);
  Complete(0, Bytes("answer"));
  EXPECT_EQ(first->answers, 1);
  EXPECT_EQ(first->source, Source::kMiss);
  EXPECT_EQ(first->bytes, "answer");

  auto second = Read(KeyOf("/api/bulk/syncs/a"));
  EXPECT_EQ(pending_.size(), 1u) << "a hit must not fetch";
  EXPECT_EQ(second->answers, 1);
  EXPECT_EQ(second->source, Source::kHit);
  EXPECT_EQ(second->identity, first->identity) << "hits share the bytes";
  EXPECT_EQ(cache_.stats().entries, 1);
}

TEST_F(ReadCacheTest, KeysSeparateAccountsPathsAndRequests) {
  Read(KeyOf("/p"));
  Complete(0, Bytes("default's"));
  auto other_account = Read(KeyOf("/p", "other"));
  auto other_request = Read(KeyOf("/p", "default", "r2"));
  auto other_path = Read(KeyOf("/q"));
  EXPECT_EQ(pending_.size(), 4u);
  EXPECT_EQ(other_account->answers, 0);
  EXPECT_EQ(other_request->answers, 0);
  EXPECT_EQ(other_path->answers, 0);
}

TEST_F(ReadCacheTest, EntryExpiresAfterItsTtlCountedFromTheFetchStart) {
  Read(KeyOf("/p"), absl::Seconds(10));
  clock_.Advance(absl::Seconds(4));  // the upstream took 4 s
  Complete(0, Bytes("v1"));
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(Read(KeyOf("/p"))->source, Source::kHit) << "9 s after the fetch";
  clock_.Advance(absl::Seconds(1));
  auto expired = Read(KeyOf("/p"));
  EXPECT_EQ(expired->answers, 0) << "10 s after the fetch started";
  EXPECT_EQ(pending_.size(), 2u);
}

TEST_F(ReadCacheTest, ZeroTtlAnswersButStoresNothing) {
  auto first = Read(KeyOf("/p"), absl::ZeroDuration());
  Complete(0, Bytes("v"));
  EXPECT_EQ(first->bytes, "v");
  Read(KeyOf("/p"), absl::ZeroDuration());
  EXPECT_EQ(pending_.size(), 2u);
  EXPECT_EQ(cache_.stats().entries, 0);
}

TEST_F(ReadCacheTest, ConcurrentMissesMakeOneFetchAndShareItsAnswer) {
  std::vector<std::shared_ptr<Outcome>> readers;
  for (int i = 0; i < 5; ++i) readers.push_back(Read(KeyOf("/p")));
  ASSERT_EQ(pending_.size(), 1u);
  Complete(0, Bytes("shared"));
  EXPECT_EQ(readers[0]->source, Source::kMiss);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(readers[i]->answers, 1);
    EXPECT_EQ(readers[i]->bytes, "shared");
    EXPECT_EQ(readers[i]->identity, readers[0]->identity);
    if (i > 0) {
      EXPECT_EQ(readers[i]->source, Source::kCoalesced);
    }
  }
}

TEST_F(ReadCacheTest, AnErrorReachesEveryWaiterAndIsNotStored) {
  auto a = Read(KeyOf("/p"));
  auto b = Read(KeyOf("/p"));
  Complete(0, absl::UnavailableError("upstream down"));
  EXPECT_EQ(a->status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(b->status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(b->source, Source::kCoalesced);
  auto again = Read(KeyOf("/p"));
  EXPECT_EQ(pending_.size(), 2u) << "errors are not cached";
  EXPECT_EQ(again->answers, 0);
}

TEST_F(ReadCacheTest, ALeavingReaderIsAnsweredAtOnceAndTheOthersStillAre) {
  ReadCache::Waiting leader;
  auto first = Read(KeyOf("/p"), absl::Seconds(10), false, &leader);
  auto second = Read(KeyOf("/p"));
  cache_.Leave(leader, absl::CancelledError("gone"));
  EXPECT_EQ(first->answers, 1);
  EXPECT_EQ(first->status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(second->answers, 0);
  Complete(0, Bytes("v"));
  EXPECT_EQ(first->answers, 1) << "answered once";
  EXPECT_EQ(second->bytes, "v");
  EXPECT_EQ(Read(KeyOf("/p"))->source, Source::kHit)
      << "the answer is stored although its leader left";
  cache_.Leave(leader, absl::CancelledError("again"));  // no-op
  EXPECT_EQ(first->answers, 1);
  EXPECT_TRUE(abandoned_.empty()) << "someone still waited";
}

TEST_F(ReadCacheTest, WhenTheLastReaderLeavesTheFetchIsAbandoned) {
  ReadCache::Waiting a;
  ReadCache::Waiting b;
  auto first = Read(KeyOf("/p"), absl::Seconds(10), false, &a);
  auto second = Read(KeyOf("/p"), absl::Seconds(10), false, &b);
  cache_.Leave(a, absl::CancelledError("gone"));
  EXPECT_TRUE(abandoned_.empty());
  cache_.Leave(b, absl::DeadlineExceededError("late"));
  EXPECT_EQ(second->status.code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_EQ(abandoned_.size(), 1u);
  EXPECT_EQ(abandoned_[0], 0u);

  auto later = Read(KeyOf("/p"));
  ASSERT_EQ(pending_.size(), 2u)
      << "a later read must not join the abandoned fetch";
  Complete(0, absl::CancelledError("abandoned"));
  EXPECT_EQ(later->answers, 0);
  Complete(1, Bytes("v"));
  EXPECT_EQ(later->bytes, "v");
  EXPECT_EQ(later->source, Source::kMiss);
}

TEST_F(ReadCacheTest, AFreshReadFetchesAnewAndReplacesTheEntry) {
  Read(KeyOf("/p"));
  Complete(0, Bytes("old"));
  auto fresh = Read(KeyOf("/p"), absl::Seconds(10), /*fresh=*/true);
  ASSERT_EQ(pending_.size(), 2u);
  auto joiner = Read(KeyOf("/p"));
  EXPECT_EQ(joiner->source, Source::kHit) << "the old entry still serves";
  Complete(1, Bytes("new"));
  EXPECT_EQ(fresh->source, Source::kBypass);
  EXPECT_EQ(fresh->bytes, "new");
  EXPECT_EQ(Read(KeyOf("/p"))->bytes, "new");
}

TEST_F(ReadCacheTest, AFetchSupersededByAFreshOneIsNotStored) {
  auto older = Read(KeyOf("/p"));
  auto fresh = Read(KeyOf("/p"), absl::Seconds(10), /*fresh=*/true);
  auto joiner = Read(KeyOf("/p"));
  ASSERT_EQ(pending_.size(), 2u);
  Complete(1, Bytes("new"));
  EXPECT_EQ(joiner->bytes, "new") << "later reads join the fresh fetch";
  Complete(0, Bytes("old"));
  EXPECT_EQ(older->bytes, "old");
  EXPECT_EQ(Read(KeyOf("/p"))->bytes, "new");
}

TEST_F(ReadCacheTest, InvalidateDropsExactPathsAndSubtreesOfOneAccount) {
  const std::vector<std::string> paths = {
      "/api/bulk/syncs", "/api/bulk/syncs/ab", "/api/bulk/syncs/ab/status",
      "/api/bulk/syncs/abc", "/api/bulk/syncs/ab/schedules/s1"};
  for (const std::string account : {"default", "other"}) {
    for (const std::string& path : paths) {
      Read(KeyOf(path, account));
      Complete(pending_.size() - 1, Bytes(path));
    }
  }
  cache_.Invalidate("default", {{"/api/bulk/syncs", false},
                                {"/api/bulk/syncs/ab", true},
                                {"/api/bulk/syncs/ab/status", false}});
  auto cached = [&](const std::string& path, const std::string& account) {
    const size_t before = pending_.size();
    auto outcome = Read(KeyOf(path, account));
    if (pending_.size() > before) Complete(before, Bytes(path));
    return outcome->source == Source::kHit;
  };
  EXPECT_FALSE(cached("/api/bulk/syncs", "default"));
  EXPECT_FALSE(cached("/api/bulk/syncs/ab", "default"));
  EXPECT_FALSE(cached("/api/bulk/syncs/ab/status", "default"));
  EXPECT_FALSE(cached("/api/bulk/syncs/ab/schedules/s1", "default"));
  EXPECT_TRUE(cached("/api/bulk/syncs/abc", "default"))
      << "a sibling sharing the prefix is not below the path";
  for (const std::string& path : paths) {
    EXPECT_TRUE(cached(path, "other")) << path << ": another account's";
  }
}

TEST_F(ReadCacheTest, AReadThatRacesAWriteIsNotStoredAfterItsInvalidation) {
  auto before = Read(KeyOf("/api/syncs/m"));  // reads the old state
  cache_.Invalidate("default", {{"/api/syncs/m", true}});
  auto after = Read(KeyOf("/api/syncs/m"));
  ASSERT_EQ(pending_.size(), 2u)
      << "a read after the invalidation must not join the older fetch";
  Complete(0, Bytes("old"));
  EXPECT_EQ(before->bytes, "old");
  EXPECT_EQ(after->answers, 0);
  Complete(1, Bytes("new"));
  EXPECT_EQ(after->bytes, "new");
  EXPECT_EQ(Read(KeyOf("/api/syncs/m"))->bytes, "new");
}

TEST_F(ReadCacheTest, TheStaleAnswerOfADetachedFetchNeverReplacesANewerOne) {
  auto before = Read(KeyOf("/p"));
  cache_.Invalidate("default", {{"/p", false}});
  auto after = Read(KeyOf("/p"));
  Complete(1, Bytes("new"));
  Complete(0, Bytes("old"));
  EXPECT_EQ(Read(KeyOf("/p"))->bytes, "new");
}

class SmallReadCacheTest : public ReadCacheTest {
 protected:
  // One shard of 1,000 bytes: three entries of ~300 bytes fit, four do not.
  SmallReadCacheTest() : ReadCacheTest(1000, 1) {}

  void Fill(const std::string& path) {
    const size_t before = pending_.size();
    Read(KeyOf(path));
    if (pending_.size() > before)
      Complete(before, Bytes(std::string(100, 'x')));
  }
  bool Cached(const std::string& path) {
    const size_t before = pending_.size();
    auto outcome = Read(KeyOf(path));
    if (pending_.size() > before) {
      Complete(before, Bytes(std::string(100, 'x')));
      return false;
    }
    return true;
  }
};

TEST_F(SmallReadCacheTest, EvictsByBytesKeepingRecentlyUsedEntries) {
  Fill("/a");
  Fill("/b");
  Fill("/c");
  EXPECT_EQ(cache_.stats().entries, 3);
  EXPECT_LE(cache_.stats().bytes, 1000);
  // /a and /c are used again, so /b goes when /d needs room.
  EXPECT_TRUE(Cached("/a"));
  EXPECT_TRUE(Cached("/c"));
  Fill("/d");
  EXPECT_EQ(cache_.stats().evictions, 1);
  EXPECT_EQ(cache_.stats().entries, 3);
  EXPECT_LE(cache_.stats().bytes, 1000);
  EXPECT_TRUE(Cached("/d"));
  EXPECT_TRUE(Cached("/a"));
  EXPECT_TRUE(Cached("/c"));
  EXPECT_FALSE(Cached("/b"));
}

TEST_F(SmallReadCacheTest, AnAnswerLargerThanTheBoundIsServedNotStored) {
  auto big = Read(KeyOf("/big"));
  Complete(0, Bytes(std::string(2000, 'y')));
  EXPECT_EQ(big->bytes.size(), 2000u);
  EXPECT_EQ(cache_.stats().entries, 0);
  EXPECT_EQ(cache_.stats().bytes, 0);
}

TEST_F(SmallReadCacheTest, ExpiredEntriesAreEvictedFirst) {
  Fill("/a");
  clock_.Advance(absl::Seconds(5));
  Fill("/b");
  Fill("/c");
  EXPECT_TRUE(Cached("/a"));  // referenced, but about to expire
  clock_.Advance(absl::Seconds(6));
  EXPECT_TRUE(Cached("/b"));
  Fill("/d");
  EXPECT_TRUE(Cached("/b"));
  EXPECT_TRUE(Cached("/d"));
  EXPECT_EQ(cache_.stats().entries, 3);
}

}  // namespace
}  // namespace gateway::cache
