#include "tests/support/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <regex>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace testsupport {
namespace {

// kPortAttempts bounds Start()'s retries when the chosen port was taken
// before redis bound it.
constexpr int kPortAttempts = 5;

// FreeLoopbackPort binds 127.0.0.1:0 to learn a port nobody uses now, and
// closes it again (redis needs a real port number, not 0). 0 on failure.
int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// ScopedFd closes a socket when it goes.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status Errno(absl::string_view what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::string> RedisCommand(int port, absl::string_view command,
                                         absl::Duration timeout) {
  ScopedFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Errno("socket");
  timeval tv = absl::ToTimeval(timeout);
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address),
              sizeof(address)) != 0) {
    return Errno(absl::StrCat("connect 127.0.0.1:", port));
  }
  const std::string line = absl::StrCat(command, "\r\n");
  if (send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(line.size())) {
    return Errno(absl::StrCat("send ", command));
  }
  std::string answer;
  char buffer[256];
  while (!absl::StrContains(answer, "\r\n")) {
    ssize_t n = recv(fd.get(), buffer, sizeof(buffer), 0);
    if (n <= 0) {
      return n == 0 ? absl::UnavailableError(absl::StrCat(
                          "connection closed before ", command, "'s answer"))
                    : Errno("recv");
    }
    answer.append(buffer, static_cast<size_t>(n));
  }
  return answer.substr(0, answer.find("\r\n"));
}

absl::Status PingRedis(int port, absl::Duration timeout) {
  absl::StatusOr<std::string> answer = RedisCommand(port, "PING", timeout);
  if (!answer.ok()) return answer.status();
  if (*answer != "+PONG") {
    return absl::UnavailableError(absl::StrCat("PING answered ", *answer));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    const std::string& binary) {
  absl::Status last = absl::UnavailableError("no free loopback port");
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    const int port = FreeLoopbackPort();
    if (port == 0) continue;
    std::unique_ptr<RedisServer> server(new RedisServer(binary, port));
    if (server->dir_.path().empty()) {
      return absl::InternalError("cannot create redis's directory");
    }
    absl::MutexLock lock(&server->mu_);
    last = server->Launch();
    if (last.ok()) return server;
    // Only a port taken in between is worth another try.
    if (!absl::StrContains(last.message(), "Address already in use")) break;
  }
  return last;
}

RedisServer::RedisServer(std::string binary, int port)
    : binary_(std::move(binary)), port_(port) {}

RedisServer::~RedisServer() {
  absl::MutexLock lock(&mu_);
  process_.reset();  // SIGKILLs the child's group if it still runs.
}

std::string RedisServer::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::Status RedisServer::Launch() {
  absl::StatusOr<std::unique_ptr<Process>> started = Process::Start(
      binary_, {"--port", std::to_string(port_), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--dir", dir_.path(), "--logfile", ""});
  if (!started.ok()) return started.status();
  process_ = *std::move(started);
  std::optional<std::vector<std::string>> ready = process_->WaitForLine(
      Process::kStdout, std::regex("Ready to accept connections"), kTimeout);
  if (!ready.has_value()) {
    return absl::UnavailableError(
        absl::StrCat("redis-server did not start on port ", port_, ":\n",
                     process_->Stdout(), process_->Stderr()));
  }
  absl::Status ping = PingRedis(port_, kTimeout);
  if (!ping.ok()) {
    return absl::UnavailableError(
        absl::StrCat("redis-server on port ", port_, " said it was ready but ",
                     ping.message(), ":\n", process_->Stdout()));
  }
  return absl::OkStatus();
}

absl::Status RedisServer::Stop() {
  absl::MutexLock lock(&mu_);
  if (process_ == nullptr || !process_->Signal(SIGTERM)) {
    return absl::OkStatus();  // Never started, or already gone.
  }
  std::optional<ExitStatus> exit = process_->WaitForExit(kTimeout);
  if (!exit.has_value()) {
    return absl::DeadlineExceededError(
        absl::StrCat("redis-server on port ", port_, " ignored SIGTERM"));
  }
  return absl::OkStatus();
}

absl::Status RedisServer::Restart() {
  absl::MutexLock lock(&mu_);
  if (process_ != nullptr &&
      !process_->WaitForExit(absl::ZeroDuration()).has_value()) {
    return absl::OkStatus();  // Still running.
  }
  return Launch();
}

bool RedisServer::Running() {
  absl::MutexLock lock(&mu_);
  return process_ != nullptr &&
         !process_->WaitForExit(absl::ZeroDuration()).has_value();
}

absl::Status RedisServer::FlushAll() {
  absl::StatusOr<std::string> answer =
      RedisCommand(port_, "FLUSHALL", kTimeout);
  if (!answer.ok()) return answer.status();
  if (*answer != "+OK") {
    return absl::InternalError(absl::StrCat("FLUSHALL answered ", *answer));
  }
  return absl::OkStatus();
}

std::string RedisServer::Output() const {
  absl::MutexLock lock(&mu_);
  return process_ == nullptr
             ? ""
             : absl::StrCat(process_->Stdout(), process_->Stderr());
}

}  // namespace testsupport
