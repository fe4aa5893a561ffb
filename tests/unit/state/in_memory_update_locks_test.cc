// Unit tests of InMemoryUpdateLocks: one holder per key, waiters granted in
// arrival order, abandoning, grants that release at once (iteratively, not
// recursively), and mutual exclusion under threads. Driven on the test
// thread except for the last test, which synchronises with absl::Mutex
// conditions only; nothing sleeps.
#include "gateway/state/in_memory_update_locks.h"

#include <pthread.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gateway::state {
namespace {

using Lease = UpdateLocks::Lease;
using ::testing::ElementsAre;

// Waiter records what its Acquire callback was given, and keeps the lease.
struct Waiter {
  int calls = 0;
  absl::Status status;  // OK once granted
  std::unique_ptr<Lease> lease;

  UpdateLocks::Acquired Callback() {
    return [this](absl::StatusOr<std::unique_ptr<Lease>> granted) {
      ++calls;
      status = granted.status();
      if (granted.ok()) lease = *std::move(granted);
    };
  }
  bool granted() const { return calls == 1 && status.ok() && lease != nullptr; }
  void Release() { lease.reset(); }
};

TEST(InMemoryUpdateLocksTest, AFreeKeyIsGrantedInlineInAcquire) {
  InMemoryUpdateLocks locks;
  Waiter a;
  locks.Acquire("k", a.Callback());
  ASSERT_TRUE(a.granted());
  EXPECT_EQ(locks.held(), 1u);
  EXPECT_EQ(locks.waiting(), 0u);
  a.Release();
  EXPECT_EQ(locks.held(), 0u);
}

TEST(InMemoryUpdateLocksTest, TheNextWaiterIsGrantedWhenTheLeaseIsDestroyed) {
  InMemoryUpdateLocks locks;
  Waiter first, second;
  locks.Acquire("k", first.Callback());
  locks.Acquire("k", second.Callback());
  ASSERT_TRUE(first.granted());
  ASSERT_EQ(second.calls, 0);
  EXPECT_EQ(locks.held(), 1u);
  EXPECT_EQ(locks.waiting(), 1u);
  first.Release();  // grants the second inside the lease's destructor
  ASSERT_TRUE(second.granted());
  EXPECT_EQ(locks.held(), 1u);
  EXPECT_EQ(locks.waiting(), 0u);
  second.Release();
  EXPECT_EQ(locks.held(), 0u);
}

TEST(InMemoryUpdateLocksTest, WaitersOnOneKeyAreGrantedInArrivalOrder) {
  InMemoryUpdateLocks locks;
  constexpr int kWaiters = 6;
  std::vector<Waiter> waiters(kWaiters);
  std::vector<int> order;
  for (int i = 0; i < kWaiters; ++i) {
    locks.Acquire("k", [&, i](absl::StatusOr<std::unique_ptr<Lease>> lease) {
      order.push_back(i);
      waiters[i].calls++;
      waiters[i].status = lease.status();
      if (lease.ok()) waiters[i].lease = *std::move(lease);
    });
  }
  for (int i = 0; i < kWaiters; ++i) {
    // Exactly the waiters up to i have been granted, each once.
    for (int j = 0; j < kWaiters; ++j) {
      ASSERT_EQ(waiters[j].calls, j <= i ? 1 : 0) << "waiter " << j;
    }
    ASSERT_TRUE(waiters[i].granted());
    ASSERT_EQ(locks.held(), 1u);
    ASSERT_EQ(locks.waiting(), static_cast<size_t>(kWaiters - 1 - i));
    waiters[i].Release();
  }
  EXPECT_THAT(order, ElementsAre(0, 1, 2, 3, 4, 5));
  EXPECT_EQ(locks.held(), 0u);
}

TEST(InMemoryUpdateLocksTest, DifferentKeysAreIndependent) {
  InMemoryUpdateLocks locks;
  Waiter a1, a2, b1, b2;
  locks.Acquire("/api/syncs/a", a1.Callback());
  locks.Acquire("/api/syncs/b", b1.Callback());
  locks.Acquire("/api/syncs/a", a2.Callback());
  ASSERT_TRUE(a1.granted());
  ASSERT_TRUE(b1.granted());  // "a" being held does not hold "b"
  ASSERT_EQ(a2.calls, 0);
  EXPECT_EQ(locks.held(), 2u);

  b1.Release();  // frees "b" only
  EXPECT_EQ(a2.calls, 0);
  EXPECT_EQ(locks.held(), 1u);
  locks.Acquire("/api/syncs/b", b2.Callback());
  ASSERT_TRUE(b2.granted());

  a1.Release();
  ASSERT_TRUE(a2.granted());
  a2.Release();
  b2.Release();
  EXPECT_EQ(locks.held(), 0u);
  EXPECT_EQ(locks.waiting(), 0u);
}

TEST(InMemoryUpdateLocksTest, AbandonWhileQueuedCancelsAndTheNextIsGranted) {
  InMemoryUpdateLocks locks;
  Waiter holder, abandoned, next;
  locks.Acquire("k", holder.Callback());
  UpdateLocks::WaitId wait = locks.Acquire("k", abandoned.Callback());
  locks.Acquire("k", next.Callback());
  ASSERT_EQ(locks.waiting(), 2u);

  locks.Abandon(wait);  // the callback runs inline, with CANCELLED
  ASSERT_EQ(abandoned.calls, 1);
  EXPECT_EQ(abandoned.status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(abandoned.lease, nullptr);
  EXPECT_EQ(locks.waiting(), 1u);
  EXPECT_EQ(next.calls, 0);  // the holder still holds the key

  holder.Release();  // skips the abandoned waiter
  ASSERT_TRUE(next.granted());
  EXPECT_EQ(abandoned.calls, 1);

  locks.Abandon(wait);  // already abandoned: ignored
  EXPECT_EQ(abandoned.calls, 1);
  next.Release();
  EXPECT_EQ(locks.held(), 0u);
}

TEST(InMemoryUpdateLocksTest, AbandonOfTheOnlyWaiterFreesTheKeyOnRelease) {
  InMemoryUpdateLocks locks;
  Waiter holder, abandoned, later;
  locks.Acquire("k", holder.Callback());
  locks.Abandon(locks.Acquire("k", abandoned.Callback()));
  ASSERT_EQ(abandoned.status.code(), absl::StatusCode::kCancelled);
  holder.Release();
  EXPECT_EQ(locks.held(), 0u);
  locks.Acquire("k", later.Callback());
  EXPECT_TRUE(later.granted());
}

TEST(InMemoryUpdateLocksTest, AbandonOfAGrantedOrUnknownWaitIsIgnored) {
  InMemoryUpdateLocks locks;
  Waiter holder, next;
  UpdateLocks::WaitId granted = locks.Acquire("k", holder.Callback());
  ASSERT_TRUE(holder.granted());
  locks.Abandon(granted);
  locks.Abandon(granted + 1000);  // never handed out
  locks.Abandon(0);
  EXPECT_EQ(holder.calls, 1);
  EXPECT_TRUE(holder.status.ok());
  EXPECT_EQ(locks.held(), 1u);  // still held: abandoning did not release

  locks.Acquire("k", next.Callback());
  EXPECT_EQ(next.calls, 0);
  holder.Release();
  ASSERT_TRUE(next.granted());
  next.Release();
}

TEST(InMemoryUpdateLocksTest, WaitIdsAreDistinct) {
  InMemoryUpdateLocks locks;
  Waiter a, b, c;
  UpdateLocks::WaitId ia = locks.Acquire("k", a.Callback());
  UpdateLocks::WaitId ib = locks.Acquire("k", b.Callback());
  UpdateLocks::WaitId ic = locks.Acquire("other", c.Callback());
  EXPECT_NE(ia, ib);
  EXPECT_NE(ib, ic);
  EXPECT_NE(ia, ic);
  // Abandoning b must not touch a's or c's lease.
  locks.Abandon(ib);
  EXPECT_EQ(b.status.code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(a.granted());
  EXPECT_TRUE(c.granted());
}

TEST(InMemoryUpdateLocksTest, ReleasingInsideTheGrantCallbackGrantsTheNext) {
  InMemoryUpdateLocks locks;
  Waiter holder, after;
  int quick_ran = 0;
  locks.Acquire("k", holder.Callback());
  locks.Acquire("k", [&](absl::StatusOr<std::unique_ptr<Lease>> lease) {
    ASSERT_TRUE(lease.ok()) << lease.status();
    ++quick_ran;
    lease->reset();  // released at once, inside the grant
  });
  locks.Acquire("k", after.Callback());
  holder.Release();
  EXPECT_EQ(quick_ran, 1);
  ASSERT_TRUE(after.granted());  // granted once the quick one let go
  EXPECT_EQ(locks.waiting(), 0u);
  after.Release();
  EXPECT_EQ(locks.held(), 0u);

  // A free key: the quick waiter releases inside Acquire.
  locks.Acquire("k", [&](absl::StatusOr<std::unique_ptr<Lease>> lease) {
    ++quick_ran;
    lease->reset();
  });
  EXPECT_EQ(quick_ran, 2);
  EXPECT_EQ(locks.held(), 0u);
}

TEST(InMemoryUpdateLocksTest,
     AcquireInsideAGrantCallbackIsGrantedBeforeReturn) {
  InMemoryUpdateLocks locks;
  Waiter inner;
  std::unique_ptr<Lease> outer;
  locks.Acquire("a", [&](absl::StatusOr<std::unique_ptr<Lease>> lease) {
    outer = *std::move(lease);
    locks.Acquire("b", inner.Callback());
  });
  ASSERT_NE(outer, nullptr);
  EXPECT_TRUE(inner.granted());
  EXPECT_EQ(locks.held(), 2u);
}

// RunOnSmallStack runs `fn` on a thread with a 256 KiB stack, so that an
// unbounded recursion crashes the test instead of passing on a big stack.
void RunOnSmallStack(std::function<void()> fn) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, &attr,
                [](void* f) -> void* {
                  (*static_cast<std::function<void()>*>(f))();
                  return nullptr;
                },
                &fn),
            0);
  pthread_attr_destroy(&attr);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
}

// A long queue of waiters that each release at once: one release grants them
// all, in order, without a stack frame per waiter.
TEST(InMemoryUpdateLocksTest, LongChainsOfImmediateReleasesDoNotRecurse) {
  constexpr int kWaiters = 100000;
  InMemoryUpdateLocks locks;
  int granted = 0;
  bool in_order = true;
  size_t queued = 0;
  RunOnSmallStack([&] {
    Waiter holder;
    locks.Acquire("k", holder.Callback());
    for (int i = 0; i < kWaiters; ++i) {
      locks.Acquire("k", [&, i](absl::StatusOr<std::unique_ptr<Lease>> lease) {
        if (!lease.ok() || granted != i) in_order = false;
        ++granted;
        if (lease.ok()) lease->reset();
      });
    }
    queued = locks.waiting();
    holder.Release();
  });
  EXPECT_EQ(queued, static_cast<size_t>(kWaiters));
  EXPECT_EQ(granted, kWaiters);
  EXPECT_TRUE(in_order);
  EXPECT_EQ(locks.held(), 0u);
  EXPECT_EQ(locks.waiting(), 0u);
}

// Waiters that release at once and queue again for another key, inside the
// grant: still iterative, and every key ends free.
TEST(InMemoryUpdateLocksTest, GrantsThatReacquireInsideTheCallbackEndFree) {
  constexpr int kWaiters = 20000;
  InMemoryUpdateLocks locks;
  int granted_a = 0;
  int granted_b = 0;
  RunOnSmallStack([&] {
    Waiter holder;
    locks.Acquire("a", holder.Callback());
    for (int i = 0; i < kWaiters; ++i) {
      locks.Acquire("a", [&](absl::StatusOr<std::unique_ptr<Lease>> lease) {
        ++granted_a;
        lease->reset();
        locks.Acquire("b", [&](absl::StatusOr<std::unique_ptr<Lease>> b) {
          ++granted_b;
          b->reset();
        });
      });
    }
    holder.Release();
  });
  EXPECT_EQ(granted_a, kWaiters);
  EXPECT_EQ(granted_b, kWaiters);
  EXPECT_EQ(locks.held(), 0u);
  EXPECT_EQ(locks.waiting(), 0u);
}

// Releases is where granted leases wait for the releaser thread.
struct Releases {
  absl::Mutex mu;
  std::vector<std::unique_ptr<Lease>> handed ABSL_GUARDED_BY(mu);
  int released ABSL_GUARDED_BY(mu) = 0;
  int total = 0;
  bool WorkOrDone() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return !handed.empty() || released == total;
  }
};

// Threads acquire one key; a granted lease is handed to a releaser thread
// (so grants also run on the releaser's thread) or, every third time,
// released inline. At most one lease is held at any moment, every acquire is
// granted exactly once, and each thread's acquires in the order it made them.
TEST(InMemoryUpdateLocksTest, ConcurrentAcquireAndReleaseKeepMutualExclusion) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 300;
  constexpr int kTotal = kThreads * kPerThread;
  InMemoryUpdateLocks locks;

  std::atomic<int> holding{0};  // leases granted and not yet released
  std::atomic<int> max_holding{0};
  std::atomic<int> out_of_order{0};
  std::vector<std::atomic<int>> grants(kTotal);
  std::vector<std::atomic<int>> last(kThreads);
  for (auto& g : grants) g = 0;
  for (auto& l : last) l = -1;
  Releases releases;
  releases.total = kTotal;

  auto grant = [&](int thread, int index) {
    return [&, thread, index](absl::StatusOr<std::unique_ptr<Lease>> lease) {
      if (!lease.ok()) {
        ADD_FAILURE() << lease.status();
        return;
      }
      int now = holding.fetch_add(1) + 1;
      int seen = max_holding.load();
      while (now > seen && !max_holding.compare_exchange_weak(seen, now)) {
      }
      grants[thread * kPerThread + index].fetch_add(1);
      if (last[thread].exchange(index) >= index) out_of_order.fetch_add(1);
      if (index % 3 == 0) {
        holding.fetch_sub(1);
        lease->reset();
        absl::MutexLock lock(&releases.mu);
        ++releases.released;
        return;
      }
      absl::MutexLock lock(&releases.mu);
      releases.handed.push_back(*std::move(lease));
    };
  };

  std::thread releaser([&] {
    for (;;) {
      std::unique_ptr<Lease> lease;
      {
        absl::MutexLock lock(&releases.mu);
        releases.mu.Await(absl::Condition(&releases, &Releases::WorkOrDone));
        if (releases.handed.empty()) return;  // everything was released
        lease = std::move(releases.handed.back());
        releases.handed.pop_back();
      }
      // Outside the mutex: the release may grant the next waiter here.
      holding.fetch_sub(1);
      lease.reset();
      absl::MutexLock lock(&releases.mu);
      ++releases.released;
    }
  });

  std::vector<std::thread> acquirers;
  for (int t = 0; t < kThreads; ++t) {
    acquirers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) locks.Acquire("/k", grant(t, i));
    });
  }
  for (std::thread& acquirer : acquirers) acquirer.join();
  releaser.join();

  EXPECT_EQ(max_holding.load(), 1);
  EXPECT_EQ(holding.load(), 0);
  EXPECT_EQ(out_of_order.load(), 0);
  int not_once = 0;
  for (auto& g : grants) not_once += g.load() != 1;
  EXPECT_EQ(not_once, 0);
  EXPECT_EQ(locks.held(), 0u);
  EXPECT_EQ(locks.waiting(), 0u);
}

}  // namespace
}  // namespace gateway::state
