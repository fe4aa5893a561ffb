// Unit tests of KeyedSerializer: one task at a time per key, in arrival
// order, released from any thread. Synchronised with futures and condition
// variables only; nothing sleeps.
#include "gateway/server/keyed_serializer.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gateway::server {
namespace {

using Release = KeyedSerializer::Release;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Holder is a task that records its start and keeps its Release. The tests
// below ASSERT, not EXPECT: after a wrong observation the next Finish
// could call a Release that was never handed out.
struct Holder {
  bool started = false;
  Release release;

  KeyedSerializer::Task Task(std::vector<int>* log = nullptr, int id = 0) {
    return [this, log, id](Release r) {
      started = true;
      if (log != nullptr) log->push_back(id);
      release = std::move(r);
    };
  }
  void Finish() { std::move(release)(); }
};

TEST(KeyedSerializerTest, AFreeKeyRunsTheTaskInlineInRun) {
  KeyedSerializer serializer;
  Holder a;
  serializer.Run("k", a.Task());
  ASSERT_TRUE(a.started);
  ASSERT_EQ(serializer.Pending(), 1u);
  a.Finish();
  ASSERT_EQ(serializer.Pending(), 0u);
}

TEST(KeyedSerializerTest, TheNextTaskWaitsUntilTheHolderReleases) {
  KeyedSerializer serializer;
  Holder first, second;
  serializer.Run("k", first.Task());
  serializer.Run("k", second.Task());
  ASSERT_TRUE(first.started);
  ASSERT_FALSE(second.started);
  ASSERT_EQ(serializer.Pending(), 1u);  // one key, held with one waiting
  first.Finish();
  ASSERT_TRUE(second.started);  // inline in the release
  ASSERT_EQ(serializer.Pending(), 1u);
  second.Finish();
  ASSERT_EQ(serializer.Pending(), 0u);
}

TEST(KeyedSerializerTest, TasksOnOneKeyRunInArrivalOrderOneAtATime) {
  KeyedSerializer serializer;
  constexpr int kTasks = 5;
  std::vector<Holder> holders(kTasks);
  std::vector<int> log;
  for (int i = 0; i < kTasks; ++i)
    serializer.Run("k", holders[i].Task(&log, i));
  ASSERT_THAT(log, ElementsAre(0));
  for (int i = 0; i < kTasks; ++i) {
    // Exactly the tasks up to i have started.
    for (int j = 0; j < kTasks; ++j) ASSERT_EQ(holders[j].started, j <= i) << j;
    ASSERT_EQ(serializer.Pending(), 1u);
    holders[i].Finish();
  }
  ASSERT_THAT(log, ElementsAre(0, 1, 2, 3, 4));
  ASSERT_EQ(serializer.Pending(), 0u);
}

TEST(KeyedSerializerTest, DifferentKeysRunIndependently) {
  KeyedSerializer serializer;
  Holder a1, a2, b1, b2;
  serializer.Run("/api/syncs/a", a1.Task());
  serializer.Run("/api/syncs/b", b1.Task());
  serializer.Run("/api/syncs/a", a2.Task());
  ASSERT_TRUE(a1.started);
  ASSERT_TRUE(b1.started);  // "a" being held does not hold "b"
  ASSERT_FALSE(a2.started);
  ASSERT_EQ(serializer.Pending(), 2u);

  b1.Finish();  // frees "b" only
  ASSERT_FALSE(a2.started);
  ASSERT_EQ(serializer.Pending(), 1u);
  serializer.Run("/api/syncs/b", b2.Task());
  ASSERT_TRUE(b2.started);
  ASSERT_EQ(serializer.Pending(), 2u);

  a1.Finish();
  ASSERT_TRUE(a2.started);
  a2.Finish();
  b2.Finish();
  ASSERT_EQ(serializer.Pending(), 0u);
}

TEST(KeyedSerializerTest, PendingReturnsToZeroWhenTasksReleaseInline) {
  KeyedSerializer serializer;
  int ran = 0;
  auto quick = [&ran](Release r) {
    ++ran;
    std::move(r)();
  };
  serializer.Run("k", quick);
  ASSERT_EQ(serializer.Pending(), 0u);
  Holder holder;
  serializer.Run("k", holder.Task());
  serializer.Run("k", quick);
  serializer.Run("k", quick);
  ASSERT_EQ(ran, 1);
  holder.Finish();  // both quick tasks run inline, one after the other
  ASSERT_EQ(ran, 3);
  ASSERT_EQ(serializer.Pending(), 0u);
  serializer.Run("k", quick);  // the key is free again
  ASSERT_EQ(ran, 4);
  ASSERT_EQ(serializer.Pending(), 0u);
}

TEST(KeyedSerializerTest, ReleaseFromAnotherThreadStartsTheNextThere) {
  KeyedSerializer serializer;
  Holder first;
  std::promise<std::thread::id> second_ran_on;
  Release second_release;
  serializer.Run("k", first.Task());
  serializer.Run("k", [&](Release r) {
    second_release = std::move(r);
    second_ran_on.set_value(std::this_thread::get_id());
  });
  std::future<std::thread::id> second = second_ran_on.get_future();

  std::thread releaser([&first] { first.Finish(); });
  const std::thread::id releaser_id = releaser.get_id();
  releaser.join();
  // The release ran the second task inline: it has run by now.
  ASSERT_EQ(second.wait_for(std::chrono::seconds(0)),
            std::future_status::ready);
  ASSERT_EQ(second.get(), releaser_id);
  ASSERT_EQ(serializer.Pending(), 1u);

  std::async(std::launch::async, [&] { std::move(second_release)(); }).get();
  ASSERT_EQ(serializer.Pending(), 0u);
}

// Many threads queue tasks on one key; each task keeps the key until a
// separate thread releases it. Every task runs exactly once, never two at a
// time, and each thread's tasks in the order it queued them.
TEST(KeyedSerializerTest, ManyTasksFromManyThreadsOnOneKeyNeverOverlap) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 200;
  constexpr int kTotal = kThreads * kPerThread;
  KeyedSerializer serializer;

  std::atomic<int> holding{0};
  std::atomic<int> max_holding{0};
  std::atomic<int> out_of_order{0};
  std::unique_ptr<std::atomic<int>[]> runs(new std::atomic<int>[kTotal]);
  std::unique_ptr<std::atomic<int>[]> last(new std::atomic<int>[kThreads]);
  for (int i = 0; i < kTotal; ++i) runs[i] = 0;
  for (int t = 0; t < kThreads; ++t) last[t] = -1;

  // Releases are handed to one thread, which calls them in turn (running
  // the next task inline there).
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Release> handed;  // guarded by mu
  auto hand_off = [&](Release release) {
    std::lock_guard<std::mutex> lock(mu);
    handed.push_back(std::move(release));
    cv.notify_one();
  };
  auto task = [&](int thread, int index) {
    return [&, thread, index](Release release) {
      int now = holding.fetch_add(1) + 1;
      int seen = max_holding.load();
      while (now > seen && !max_holding.compare_exchange_weak(seen, now)) {
      }
      runs[thread * kPerThread + index].fetch_add(1);
      if (last[thread].exchange(index) >= index) out_of_order.fetch_add(1);
      hand_off([&holding, release = std::move(release)]() mutable {
        holding.fetch_sub(1);
        std::move(release)();
      });
    };
  };

  std::thread releaser([&] {
    for (int done = 0; done < kTotal; ++done) {
      Release release;
      {
        std::unique_lock<std::mutex> lock(mu);
        // A guard against hanging if tasks are lost, not a timing check.
        if (!cv.wait_for(lock, std::chrono::seconds(60),
                         [&] { return !handed.empty(); })) {
          ADD_FAILURE() << "only " << done << " of " << kTotal << " released";
          return;
        }
        release = std::move(handed.front());
        handed.pop_front();
      }
      std::move(release)();
    }
  });

  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t) {
    submitters.emplace_back([&, t] {
      start.wait();
      for (int i = 0; i < kPerThread; ++i) serializer.Run("/k", task(t, i));
    });
  }
  go.set_value();
  for (std::thread& submitter : submitters) submitter.join();
  releaser.join();

  EXPECT_EQ(max_holding.load(), 1);
  EXPECT_EQ(holding.load(), 0);
  EXPECT_EQ(out_of_order.load(), 0);
  std::vector<int> not_once;
  for (int i = 0; i < kTotal; ++i) {
    if (runs[i].load() != 1) not_once.push_back(i);
  }
  EXPECT_THAT(not_once, IsEmpty());
  EXPECT_EQ(serializer.Pending(), 0u);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_THAT(handed, IsEmpty());
}

}  // namespace
}  // namespace gateway::server
