// The Redis implementations of the gateway's shared state (gateway/shared)
// against a real redis-server on a loopback port of its own: two or three
// "replicas" are clients of one server.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gateway/common/error_details.h"
#include "gateway/common/logger.h"
#include "gateway/common/scheduler.h"
#include "gateway/shared/redis_client.h"
#include "gateway/shared/redis_invalidation_bus.h"
#include "gateway/shared/redis_rate_limits.h"
#include "gateway/shared/redis_update_locks.h"
#include "gateway/shared/redis_write_only_values.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "tests/support/redis_server.h"
#include "tests/support/temp_files.h"

namespace gateway::shared {
namespace {

using Lease = UpdateLocks::Lease;

// Nothing waits this long unless something is broken.
constexpr absl::Duration kWait = absl::Seconds(10);

std::string Reason(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  return GetDetail(status, &info) ? info.reason() : "";
}

// Result is a value a callback delivers on another thread.
template <typename T>
class Result {
 public:
  void Set(T value) {
    absl::MutexLock lock(&mu_);
    value_ = std::move(value);
    set_ = true;
  }
  // Get waits (at most kWait) for the value.
  T Get() {
    absl::MutexLock lock(&mu_);
    EXPECT_TRUE(mu_.AwaitWithTimeout(absl::Condition(&set_), kWait))
        << "no answer within " << kWait;
    return std::move(value_);
  }
  bool IsSet() {
    absl::MutexLock lock(&mu_);
    return set_;
  }

 private:
  absl::Mutex mu_;
  bool set_ ABSL_GUARDED_BY(mu_) = false;
  T value_ ABSL_GUARDED_BY(mu_);
};

class SharedStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testsupport::RedisServer::Start(REDIS_SERVER_BIN);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // Connect starts a client (after `listen` registers its listeners).
  std::unique_ptr<RedisClient> Connect(
      const std::function<void(RedisClient*)>& listen = nullptr) {
    config::v1::Redis config;
    config.set_address(server_->address());
    config.set_key_prefix("test:");
    config.mutable_connect_timeout()->set_seconds(5);
    config.mutable_command_timeout()->set_seconds(5);
    auto client = RedisClient::Create(config);
    EXPECT_TRUE(client.ok()) << client.status();
    if (!client.ok()) return nullptr;
    if (listen) listen(client->get());
    (*client)->Start(nullptr);
    EXPECT_TRUE((*client)->connected());
    return *std::move(client);
  }

  static absl::StatusOr<RedisReply> Run(RedisClient& client,
                                        std::vector<std::string> args) {
    Result<absl::StatusOr<RedisReply>> reply;
    client.Command(std::move(args), [&reply](absl::StatusOr<RedisReply> r) {
      reply.Set(std::move(r));
    });
    return reply.Get();
  }

  // AwaitConnected waits until `client` says it is (or is not) connected.
  static bool AwaitConnected(RedisClient& client, bool up) {
    absl::Time deadline = absl::Now() + kWait;
    absl::Mutex mu;
    absl::MutexLock lock(&mu);
    while (client.connected() != up) {
      if (absl::Now() > deadline) return false;
      mu.AwaitWithTimeout(absl::Condition::kTrue, absl::Milliseconds(10));
    }
    return true;
  }

  std::unique_ptr<testsupport::RedisServer> server_;
  TimerThread scheduler_;
};

TEST_F(SharedStateTest, CommandsAreBinarySafeAndErrorsAreExplained) {
  auto client = Connect();
  ASSERT_NE(client, nullptr);
  const std::string value("a\0b\r\nc", 6);
  ASSERT_TRUE(Run(*client, {"SET", client->Key("k"), value}).ok());
  absl::StatusOr<RedisReply> got = Run(*client, {"GET", client->Key("k")});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->str, value);
  absl::StatusOr<RedisReply> wrong = Run(*client, {"INCR", client->Key("k")});
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Reason(wrong.status()), "SHARED_STATE_ERROR");
}

TEST_F(SharedStateTest, ARedisThatGoesAwayFailsCommandsUntilItIsBack) {
  Result<bool> down;
  Result<bool> back;
  auto client = Connect([&](RedisClient* c) {
    c->OnConnectionChange([&down, &back](bool up) {
      if (!up) down.Set(true);
      if (up && down.IsSet()) back.Set(true);
    });
  });
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(server_->Stop().ok());
  EXPECT_TRUE(down.Get());
  absl::StatusOr<RedisReply> refused = Run(*client, {"PING"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Reason(refused.status()), "SHARED_STATE_UNAVAILABLE");
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_TRUE(back.Get());
  EXPECT_TRUE(Run(*client, {"PING"}).ok());
}

TEST_F(SharedStateTest, APasswordIsSentFromItsFileAndNeverLogged) {
  const std::string password = "redis-password-never-logged";
  ASSERT_TRUE(testsupport::RedisCommand(
                  server_->port(), "CONFIG SET requirepass " + password, kWait)
                  .ok());
  testsupport::TempFile wrong("not-" + password + "\n");
  absl::Mutex mu;
  std::string lines;
  Logger logger(LogLevel::kDebug, [&](absl::string_view line) {
    absl::MutexLock lock(&mu);
    lines.append(line.data(), line.size());
  });
  config::v1::Redis config;
  config.set_address(server_->address());
  config.set_key_prefix("test:");
  config.set_password_file(wrong.path());
  config.mutable_command_timeout()->set_seconds(5);
  config.mutable_connect_timeout()->set_nanos(100'000'000);
  auto refused = RedisClient::Create(config);
  ASSERT_TRUE(refused.ok()) << refused.status();
  (*refused)->Start(&logger);
  {
    absl::MutexLock lock(&mu);
    auto logged = [&lines] {
      return lines.find("Redis refused the connection") != std::string::npos;
    };
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&logged), kWait)) << lines;
  }
  EXPECT_FALSE((*refused)->connected());
  (*refused)->Stop();

  testsupport::TempFile right(password + "\n");
  config.set_password_file(right.path());
  config.mutable_connect_timeout()->set_seconds(5);
  config.mutable_connect_timeout()->set_nanos(0);
  auto client = RedisClient::Create(config);
  ASSERT_TRUE(client.ok()) << client.status();
  (*client)->Start(&logger);
  EXPECT_TRUE((*client)->connected());
  EXPECT_TRUE(Run(**client, {"PING"}).ok());
  (*client)->Stop();

  absl::MutexLock lock(&mu);
  EXPECT_EQ(lines.find(password), std::string::npos) << lines;
}

TEST_F(SharedStateTest, ALockIsHeldByOneReplicaAtATime) {
  std::unique_ptr<RedisUpdateLocks> a, b;
  auto a_client = Connect([&](RedisClient* c) {
    a = std::make_unique<RedisUpdateLocks>(c, &scheduler_, absl::Seconds(30),
                                           "a");
  });
  auto b_client = Connect([&](RedisClient* c) {
    b = std::make_unique<RedisUpdateLocks>(c, &scheduler_, absl::Seconds(30),
                                           "b");
  });
  UpdateLocks* a_locks = a.get();
  Result<absl::StatusOr<std::unique_ptr<Lease>>> held;
  a_locks->Acquire("sync-1", [&held](absl::StatusOr<std::unique_ptr<Lease>> l) {
    held.Set(std::move(l));
  });
  absl::StatusOr<std::unique_ptr<Lease>> a_lease = held.Get();
  ASSERT_TRUE(a_lease.ok()) << a_lease.status();

  Result<absl::StatusOr<std::unique_ptr<Lease>>> waited;
  b->Acquire("sync-1", [&waited](absl::StatusOr<std::unique_ptr<Lease>> l) {
    waited.Set(std::move(l));
  });
  // b is refused the key while a holds it: its confirm shows a still holds.
  Result<absl::Status> confirmed;
  (*a_lease)->Confirm(
      [&confirmed](absl::Status s) { confirmed.Set(std::move(s)); });
  EXPECT_TRUE(confirmed.Get().ok());
  EXPECT_FALSE(waited.IsSet());
  a_lease->reset();  // released: b is woken
  absl::StatusOr<std::unique_ptr<Lease>> b_lease = waited.Get();
  ASSERT_TRUE(b_lease.ok()) << b_lease.status();
  // The fencing token grew: the lock key holds b's.
  absl::StatusOr<RedisReply> token =
      Run(*b_client, {"GET", b_client->Key("lock:sync-1")});
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->str, "b:2");
}

TEST_F(SharedStateTest, ADeadHoldersLeaseRunsOutAndItsLostLeaseWritesNothing) {
  std::unique_ptr<RedisUpdateLocks> locks;
  auto client = Connect([&](RedisClient* c) {
    locks = std::make_unique<RedisUpdateLocks>(c, &scheduler_,
                                               absl::Seconds(30), "live");
  });
  // A replica that died holding the lock, 300 ms of its lease left.
  ASSERT_TRUE(
      Run(*client, {"SET", client->Key("lock:sync-2"), "dead:7", "PX", "300"})
          .ok());
  Result<absl::StatusOr<std::unique_ptr<Lease>>> acquired;
  locks->Acquire("sync-2", [&](absl::StatusOr<std::unique_ptr<Lease>> l) {
    acquired.Set(std::move(l));
  });
  absl::StatusOr<std::unique_ptr<Lease>> lease = acquired.Get();
  ASSERT_TRUE(lease.ok()) << lease.status();
  // Another holder takes over (as if this one stalled past its lease).
  ASSERT_TRUE(
      Run(*client, {"SET", client->Key("lock:sync-2"), "other:9"}).ok());
  Result<absl::Status> confirmed;
  (*lease)->Confirm([&](absl::Status s) { confirmed.Set(std::move(s)); });
  absl::Status lost = confirmed.Get();
  EXPECT_EQ(lost.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Reason(lost), "UPDATE_LOCK_LOST");
  lease->reset();
  // Its release leaves the other holder's lock alone.
  absl::StatusOr<RedisReply> holder =
      Run(*client, {"GET", client->Key("lock:sync-2")});
  ASSERT_TRUE(holder.ok());
  EXPECT_EQ(holder->str, "other:9");
}

TEST_F(SharedStateTest, AnAbandonedWaitIsCancelledAndNoLockIsLeftBehind) {
  std::unique_ptr<RedisUpdateLocks> locks;
  auto client = Connect([&](RedisClient* c) {
    locks = std::make_unique<RedisUpdateLocks>(c, &scheduler_,
                                               absl::Seconds(30), "r");
  });
  ASSERT_TRUE(
      Run(*client, {"SET", client->Key("lock:sync-3"), "other:1"}).ok());
  Result<absl::StatusOr<std::unique_ptr<Lease>>> acquired;
  UpdateLocks::WaitId id =
      locks->Acquire("sync-3", [&](absl::StatusOr<std::unique_ptr<Lease>> l) {
        acquired.Set(std::move(l));
      });
  locks->Abandon(id);
  EXPECT_EQ(acquired.Get().status().code(), absl::StatusCode::kCancelled);
  ASSERT_TRUE(Run(*client, {"DEL", client->Key("lock:sync-3")}).ok());
  // The next waiter of this replica is not blocked by the abandoned one.
  Result<absl::StatusOr<std::unique_ptr<Lease>>> next;
  locks->Acquire("sync-3", [&](absl::StatusOr<std::unique_ptr<Lease>> l) {
    next.Set(std::move(l));
  });
  EXPECT_TRUE(next.Get().ok());
}

TEST_F(SharedStateTest, WithoutRedisALockIsRefusedAsSharedStateUnavailable) {
  std::unique_ptr<RedisUpdateLocks> locks;
  auto client = Connect([&](RedisClient* c) {
    locks = std::make_unique<RedisUpdateLocks>(c, &scheduler_,
                                               absl::Seconds(30), "r");
  });
  ASSERT_TRUE(server_->Stop().ok());
  ASSERT_TRUE(AwaitConnected(*client, false));
  Result<absl::StatusOr<std::unique_ptr<Lease>>> acquired;
  locks->Acquire("sync-4", [&](absl::StatusOr<std::unique_ptr<Lease>> l) {
    acquired.Set(std::move(l));
  });
  absl::Status refused = acquired.Get().status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Reason(refused), "SHARED_STATE_UNAVAILABLE");
}

TEST_F(SharedStateTest, WriteOnlyValuesAreSealedAndOpenOnAnotherReplica) {
  const std::string key(32, 'k');
  auto sealer_a = state::Sealer::Create(key);
  auto sealer_b = state::Sealer::Create(key);
  ASSERT_TRUE(sealer_a.ok() && sealer_b.ok());
  std::unique_ptr<RedisWriteOnlyValues> a, b;
  auto a_client = Connect([&](RedisClient* c) {
    a = std::make_unique<RedisWriteOnlyValues>(c, *std::move(sealer_a));
  });
  auto b_client = Connect([&](RedisClient* c) {
    b = std::make_unique<RedisWriteOnlyValues>(c, *std::move(sealer_b));
  });
  Result<absl::Status> stored;
  a->Remember("sync-5",
              {{"encryption_passphrase", Json("s3cret-passphrase")},
               {"target.create", std::nullopt}},
              [&](absl::Status s) { stored.Set(std::move(s)); });
  ASSERT_TRUE(stored.Get().ok());
  // Redis holds no plaintext.
  absl::StatusOr<RedisReply> raw =
      Run(*a_client, {"HGETALL", a_client->Key("write-only:sync-5")});
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw->elements.size(), 4u);
  for (const RedisReply& element : raw->elements) {
    EXPECT_EQ(element.str.find("s3cret"), std::string::npos);
  }
  Result<absl::StatusOr<HeldValues>> recalled;
  b->Recall("sync-5", [&](absl::StatusOr<HeldValues> held) {
    recalled.Set(std::move(held));
  });
  absl::StatusOr<HeldValues> held = recalled.Get();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->at("encryption_passphrase"), Json("s3cret-passphrase"));
  EXPECT_FALSE(held->at("target.create").has_value());

  Result<absl::Status> forgotten;
  b->Forget("sync-5", [&](absl::Status s) { forgotten.Set(std::move(s)); });
  ASSERT_TRUE(forgotten.Get().ok());
  Result<absl::StatusOr<HeldValues>> after;
  a->Recall("sync-5",
            [&](absl::StatusOr<HeldValues> h) { after.Set(std::move(h)); });
  absl::StatusOr<HeldValues> none = after.Get();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(SharedStateTest, AValueNotStoredIsNeverRecalledStale) {
  auto sealer = state::Sealer::Create(std::string(32, 'k'));
  ASSERT_TRUE(sealer.ok());
  std::unique_ptr<RedisWriteOnlyValues> values;
  auto client = Connect([&](RedisClient* c) {
    values = std::make_unique<RedisWriteOnlyValues>(c, *std::move(sealer));
  });
  const std::string key = client->Key("write-only:sync-6");
  Result<absl::Status> first;
  values->Remember("sync-6", {{"encryption_passphrase", Json("old")}},
                   [&](absl::Status s) { first.Set(std::move(s)); });
  ASSERT_TRUE(first.Get().ok());
  absl::StatusOr<RedisReply> old =
      Run(*client, {"HGET", key, "encryption_passphrase"});
  ASSERT_TRUE(old.ok());
  // The next value cannot be stored (the key is of the wrong type).
  ASSERT_TRUE(Run(*client, {"SET", key, "not a hash"}).ok());
  Result<absl::Status> second;
  values->Remember("sync-6", {{"encryption_passphrase", Json("new")}},
                   [&](absl::Status s) { second.Set(std::move(s)); });
  EXPECT_FALSE(second.Get().ok());
  // Redis holds the old value again (as another replica might): this
  // replica, which failed to replace it, recalls nothing rather than it.
  ASSERT_TRUE(Run(*client, {"DEL", key}).ok());
  ASSERT_TRUE(
      Run(*client, {"HSET", key, "encryption_passphrase", old->str}).ok());
  Result<absl::StatusOr<HeldValues>> recalled;
  values->Recall("sync-6", [&](absl::StatusOr<HeldValues> h) {
    recalled.Set(std::move(h));
  });
  absl::StatusOr<HeldValues> held = recalled.Get();
  ASSERT_TRUE(held.ok());
  EXPECT_FALSE(held->contains("encryption_passphrase"));
}

TEST_F(SharedStateTest, ARateLimitHoldsAcrossReplicas) {
  config::v1::Callers callers;
  auto* policy = callers.add_policies();
  policy->set_principal("team");
  policy->mutable_rate_limit()->set_requests_per_second(0.001);
  policy->mutable_rate_limit()->set_burst(4);
  std::vector<std::unique_ptr<RedisClient>> clients;
  std::vector<std::unique_ptr<RedisRateLimits>> limits;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(Connect());
    limits.push_back(std::make_unique<RedisRateLimits>(clients.back().get()));
    limits.back()->Configure(callers);
  }
  int admitted = 0;
  int refused = 0;
  for (int i = 0; i < 12; ++i) {
    Result<absl::Status> status;
    limits[i % 3]->Acquire("team", absl::Now(),
                           [&](absl::Status s) { status.Set(std::move(s)); });
    absl::Status s = status.Get();
    if (s.ok()) {
      ++admitted;
    } else {
      EXPECT_EQ(Reason(s), "RATE_LIMITED");
      ++refused;
    }
  }
  EXPECT_EQ(admitted, 4);
  EXPECT_EQ(refused, 8);
  // Unlimited principals are not asked about.
  Result<absl::Status> free;
  limits[0]->Acquire("someone-else", absl::Now(),
                     [&](absl::Status s) { free.Set(std::move(s)); });
  EXPECT_TRUE(free.Get().ok());
}

TEST_F(SharedStateTest, AWriteIsAnsweredOnceEveryReplicaDroppedWhatItCached) {
  struct Replica {
    std::unique_ptr<RedisClient> client;
    std::unique_ptr<RedisInvalidationBus> bus;
    absl::Mutex mu;
    std::vector<std::string> applied ABSL_GUARDED_BY(mu);
  };
  std::vector<std::unique_ptr<Replica>> replicas;
  for (const char* name : {"a", "b", "c"}) {
    auto replica = std::make_unique<Replica>();
    Replica* r = replica.get();
    r->client = Connect([&](RedisClient* c) {
      r->bus =
          std::make_unique<RedisInvalidationBus>(c, &scheduler_, name, kWait);
      r->bus->Listen(
          [r](const std::string& account,
              const std::vector<cache::ReadCache::PathScope>& scopes) {
            absl::MutexLock lock(&r->mu);
            r->applied.push_back(account + scopes[0].path +
                                 (scopes[0].subtree ? "/**" : ""));
          },
          [](bool) {});
    });
    replicas.push_back(std::move(replica));
  }
  absl::Notification done;
  replicas[0]->bus->Publish("default", {{"/api/bulk/syncs/1", true}},
                            [&done] { done.Notify(); });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kWait));
  // When the write is answered, the others have applied it; not itself.
  for (int i = 0; i < 3; ++i) {
    absl::MutexLock lock(&replicas[i]->mu);
    if (i == 0) {
      EXPECT_TRUE(replicas[i]->applied.empty());
    } else {
      EXPECT_EQ(replicas[i]->applied,
                std::vector<std::string>{"default/api/bulk/syncs/1/**"});
    }
  }
}

}  // namespace
}  // namespace gateway::shared
