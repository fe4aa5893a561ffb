// redis_client.h: an asynchronous Redis client on a thread of its own, for
// the state gateway replicas share (shared_state.redis).
//
//   ASSIGN_OR_RETURN(std::unique_ptr<RedisClient> redis,
//                    RedisClient::Create(config.shared_state().redis()));
//   redis->Subscribe("unlocked", [](absl::string_view payload) { ... });
//   redis->OnConnectionChange([](bool up) { ... });
//   redis->Start(&logger);  // connects; waits at most connect_timeout
//   ...
//   redis->Stop();
//   redis->Command({"HGETALL", redis->Key("wo:5d7c")},
//                  [](absl::StatusOr<RedisReply> reply) { ... });
//
// It holds two connections driven by hiredis's asynchronous API on one
// epoll loop: one for commands, one for the subscriptions. Nothing blocks
// the calling thread: a command is handed to the loop and its reply (or
// error) comes back on the loop thread. While either connection is down,
// commands fail at once with UNAVAILABLE (reason SHARED_STATE_UNAVAILABLE)
// and the loop reconnects with a backoff (50ms doubling to 1s); a command
// that gets no answer within command_timeout drops its connection. Keys and
// channels are named under key_prefix (Key). The password is read from its
// file at each connect and never logged.
#ifndef GATEWAY_SHARED_REDIS_CLIENT_H_
#define GATEWAY_SHARED_REDIS_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/common/logger.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::shared {

// RedisReply is one decoded reply. An error reply is not a RedisReply: it
// arrives as an INTERNAL status (reason SHARED_STATE_ERROR) carrying Redis's
// message.
struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus
  int64_t integer = 0;
  std::vector<RedisReply> elements;  // kArray
};

// SharedStateUnavailable is the error of anything that needs Redis while it
// cannot be reached: UNAVAILABLE with ErrorInfo reason
// SHARED_STATE_UNAVAILABLE. `what` says what failed; it never holds a key's
// value.
absl::Status SharedStateUnavailable(absl::string_view what);

// ReplicaName names this gateway process among the replicas: its host name
// and a random suffix (unique per start).
std::string ReplicaName();

class RedisLoop;

// RedisClient is one gateway's link to Redis.
//
// Thread safety: Command and connected may be called from any thread, any
// time (before Start and after Stop, a command fails at once). Subscribe and
// OnConnectionChange must be called before Start. Every callback runs on
// the client's loop thread and must not block; a callback may issue further
// commands.
class RedisClient {
 public:
  using Reply = absl::AnyInvocable<void(absl::StatusOr<RedisReply>) &&>;
  using Message = std::function<void(absl::string_view payload)>;
  using ConnectionChange = std::function<void(bool up)>;

  // Create checks `config` (its address) and starts nothing.
  static absl::StatusOr<std::unique_ptr<RedisClient>> Create(
      const config::v1::Redis& config);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Key is `name` under the configured prefix.
  std::string Key(absl::string_view name) const;

  // Subscribe delivers each message published on Key(channel) to
  // `on_message`, from every (re)connection on.
  void Subscribe(const std::string& channel, Message on_message);

  // OnConnectionChange is told when Redis becomes reachable (both
  // connections up, subscriptions in place) and when it stops being so.
  void OnConnectionChange(ConnectionChange change);

  // Start starts the loop and connects; it returns when connected, or after
  // connect_timeout (the loop keeps trying). Connection changes are logged
  // to `logger` (borrowed; it must outlive Stop).
  void Start(const Logger* logger);

  // Stop closes the connections (what waits on them fails) and ends the
  // loop; no callback runs after it returns. Idempotent; the destructor
  // stops too.
  void Stop();

  // Command sends `args` (binary-safe) and calls `reply` once with the
  // reply, or with SharedStateUnavailable when Redis is not reachable or the
  // connection drops before the answer.
  void Command(std::vector<std::string> args, Reply reply);

  // connected is whether both connections are up.
  bool connected() const;

 private:
  explicit RedisClient(const config::v1::Redis& config);

  const std::string prefix_;
  std::unique_ptr<RedisLoop> loop_;
};

}  // namespace gateway::shared

#endif  // GATEWAY_SHARED_REDIS_CLIENT_H_
