// redis_server.h: a throwaway redis-server (Debian's 7.0) as a child process
// on a loopback port of its own, for the end-to-end tests of gateway
// replicas sharing state. Nothing is persisted (`--save "" --appendonly no`),
// so a stopped and started server comes back empty.
//
//   absl::StatusOr<std::unique_ptr<testsupport::RedisServer>> redis =
//       testsupport::RedisServer::Start(REDIS_SERVER_BIN);
//   ASSERT_TRUE(redis.ok()) << redis.status();
//   std::string address = (*redis)->address();  // "127.0.0.1:PORT"
//   ASSERT_TRUE((*redis)->Stop().ok());           // SIGTERM, waits for exit
//   ASSERT_TRUE((*redis)->Restart().ok());        // same port, answers PING
//
// Readiness is the server's own "Ready to accept connections" line followed
// by one PING answered +PONG over a raw socket: no polling with sleeps.
#ifndef TESTS_SUPPORT_REDIS_SERVER_H_
#define TESTS_SUPPORT_REDIS_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "tests/support/process.h"
#include "tests/support/temp_files.h"

namespace testsupport {

// RedisServer is one redis-server child bound to 127.0.0.1:port().
//
// Thread safety: the methods may be called from any thread; Stop() and
// Restart() are serialized. The destructor kills the server (SIGKILL to its
// process group, see Process) if it still runs.
class RedisServer {
 public:
  // Generous, as for the other binaries: redis starts in milliseconds.
  static constexpr absl::Duration kTimeout = absl::Seconds(30);

  // Start runs `binary` (a path, e.g. /usr/bin/redis-server) on a free
  // loopback port and returns once it answers PING. A port taken between
  // choosing it and redis binding it is retried with another (a few times).
  // Errors carry the server's output.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      const std::string& binary);

  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  // address is "127.0.0.1:PORT", as the gateway's shared_state.redis takes.
  std::string address() const;

  // Stop sends SIGTERM and waits (at most kTimeout) for the exit. OK when it
  // is not running already.
  absl::Status Stop();
  // Restart starts the server again on the same port (after Stop(), or after
  // it died) and waits until it answers PING. OK when it already runs.
  absl::Status Restart();
  // Running is true while the child has not exited.
  bool Running();

  // FlushAll drops every key (FLUSHALL), e.g. state an earlier test in the
  // same process left behind.
  absl::Status FlushAll();

  // Output is what the current (or last) child printed, for failure
  // messages.
  std::string Output() const;

 private:
  RedisServer(std::string binary, int port);

  // Launch spawns the child on port_ and waits until it answers PING.
  absl::Status Launch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string binary_;
  const int port_;
  TempDir dir_;  // its working directory: nothing is written there, but
                 // redis must never write into the test's cwd
  mutable absl::Mutex mu_;
  std::unique_ptr<Process> process_ ABSL_GUARDED_BY(mu_);
};

// RedisCommand connects to 127.0.0.1:`port`, sends `command` as an inline
// command (e.g. "PING", "FLUSHALL") and returns the first line of the answer
// without its CRLF ("+PONG", "+OK", "-ERR ..."), within `timeout`.
absl::StatusOr<std::string> RedisCommand(int port, absl::string_view command,
                                         absl::Duration timeout);

// PingRedis connects to 127.0.0.1:`port`, sends PING and expects +PONG within
// `timeout`. OK, or why not.
absl::Status PingRedis(int port, absl::Duration timeout);

}  // namespace testsupport

#endif  // TESTS_SUPPORT_REDIS_SERVER_H_
