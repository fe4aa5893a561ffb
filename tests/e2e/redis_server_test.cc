// Tests for tests/support/redis_server.h, the redis-server the replicas
// suite stops and starts: it answers PING on its port, Stop() makes the port
// refuse, Restart() serves on the same port again, and the destructor leaves
// nothing listening.
#include "tests/support/redis_server.h"

#include <memory>

#include "gtest/gtest.h"

namespace testsupport {
namespace {

constexpr absl::Duration kPing = absl::Seconds(5);

TEST(RedisServerTest, StopsAndStartsAgainOnTheSamePort) {
  absl::StatusOr<std::unique_ptr<RedisServer>> redis =
      RedisServer::Start(REDIS_SERVER_BIN);
  ASSERT_TRUE(redis.ok()) << redis.status();
  const int port = (*redis)->port();
  ASSERT_GT(port, 0);
  EXPECT_EQ((*redis)->address(), "127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE((*redis)->Running());
  EXPECT_TRUE(PingRedis(port, kPing).ok());

  ASSERT_TRUE((*redis)->Stop().ok());
  EXPECT_FALSE((*redis)->Running());
  EXPECT_FALSE(PingRedis(port, kPing).ok());
  EXPECT_TRUE((*redis)->Stop().ok()) << "stopping twice";

  ASSERT_TRUE((*redis)->Restart().ok()) << (*redis)->Output();
  EXPECT_EQ((*redis)->port(), port);
  EXPECT_TRUE((*redis)->Running());
  EXPECT_TRUE(PingRedis(port, kPing).ok());
  EXPECT_TRUE((*redis)->Restart().ok()) << "restarting a running server";
  EXPECT_TRUE(PingRedis(port, kPing).ok());

  redis->reset();
  EXPECT_FALSE(PingRedis(port, kPing).ok()) << "still listening";
}

TEST(RedisServerTest, RunsCommandsAndFlushes) {
  absl::StatusOr<std::unique_ptr<RedisServer>> redis =
      RedisServer::Start(REDIS_SERVER_BIN);
  ASSERT_TRUE(redis.ok()) << redis.status();
  const int port = (*redis)->port();
  EXPECT_EQ(RedisCommand(port, "SET k v", kPing).value_or(""), "+OK");
  EXPECT_EQ(RedisCommand(port, "DBSIZE", kPing).value_or(""), ":1");
  ASSERT_TRUE((*redis)->FlushAll().ok());
  EXPECT_EQ(RedisCommand(port, "DBSIZE", kPing).value_or(""), ":0");
}

TEST(RedisServerTest, TwoServersGetTwoPorts) {
  absl::StatusOr<std::unique_ptr<RedisServer>> first =
      RedisServer::Start(REDIS_SERVER_BIN);
  absl::StatusOr<std::unique_ptr<RedisServer>> second =
      RedisServer::Start(REDIS_SERVER_BIN);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE((*first)->port(), (*second)->port());
  EXPECT_TRUE(PingRedis((*first)->port(), kPing).ok());
  EXPECT_TRUE(PingRedis((*second)->port(), kPing).ok());
}

TEST(RedisServerTest, AMissingBinaryIsAnError) {
  EXPECT_FALSE(RedisServer::Start("/nonexistent/redis-server").ok());
}

}  // namespace
}  // namespace testsupport
