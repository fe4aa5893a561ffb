#include "tests/support/scripted_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <list>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace testsupport {
namespace {

absl::Status ErrnoError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// SendAll writes all of `data` to the (blocking) socket; false if the peer
// is gone.
bool SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t sent = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

std::string Render(const ScriptedHttpServer::Reply& reply) {
  std::string out = absl::StrCat("HTTP/1.1 ", reply.status, " Scripted\r\n",
                                 "Content-Length: ", reply.body.size(), "\r\n");
  for (const auto& [name, value] : reply.headers) {
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&out, "\r\n", reply.body);
  return out;
}

// WaitForFinAcknowledged returns once the peer's kernel has acknowledged the
// FIN sent by shutdown(SHUT_WR): from then on the client sees the connection
// as closed. On loopback this is normally already true.
void WaitForFinAcknowledged(int fd) {
  while (true) {
    tcp_info info{};
    socklen_t size = sizeof(info);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return;
    if (info.tcpi_state != TCP_FIN_WAIT1) return;
    sched_yield();
  }
}

}  // namespace

absl::string_view ScriptedHttpServer::Request::Header(
    absl::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return value;
  }
  return {};
}

ScriptedHttpServer::Reply ScriptedHttpServer::Reply::Answer(
    int status, std::string body, gateway::HttpHeaders headers) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  reply.headers = std::move(headers);
  return reply;
}

ScriptedHttpServer::Reply ScriptedHttpServer::Reply::AnswerThenClose(
    int status, std::string body) {
  Reply reply = Answer(status, std::move(body));
  reply.kind = Kind::kAnswerThenClose;
  return reply;
}

ScriptedHttpServer::Reply ScriptedHttpServer::Reply::CloseWithoutAnswer() {
  Reply reply;
  reply.kind = Kind::kCloseWithoutAnswer;
  return reply;
}

ScriptedHttpServer::Reply ScriptedHttpServer::Reply::NeverAnswer() {
  Reply reply;
  reply.kind = Kind::kNeverAnswer;
  return reply;
}

// Connection is one accepted connection; server thread only.
struct ScriptedHttpServer::Connection {
  int fd = -1;
  int number = 0;
  int requests = 0;
  std::string buffer;
  bool held = false;  // a request is never to be answered: ignore the rest
};

absl::StatusOr<std::unique_ptr<ScriptedHttpServer>> ScriptedHttpServer::Start(
    Script script) {
  int listen_fd =
      socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd < 0) return ErrnoError("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof(address);
  if (bind(listen_fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      listen(listen_fd, SOMAXCONN) != 0 ||
      getsockname(listen_fd, reinterpret_cast<sockaddr*>(&address), &size) !=
          0) {
    absl::Status error = ErrnoError("listen on 127.0.0.1:0");
    close(listen_fd);
    return error;
  }
  int wake_fd = eventfd(0, EFD_CLOEXEC);
  if (wake_fd < 0) {
    absl::Status error = ErrnoError("eventfd");
    close(listen_fd);
    return error;
  }
  return std::unique_ptr<ScriptedHttpServer>(new ScriptedHttpServer(
      std::move(script), listen_fd, wake_fd, ntohs(address.sin_port)));
}

ScriptedHttpServer::ScriptedHttpServer(Script script, int listen_fd,
                                       int wake_fd, int port)
    : script_(std::move(script)),
      listen_fd_(listen_fd),
      wake_fd_(wake_fd),
      port_(port) {
  thread_ = std::thread([this] { Run(); });
}

ScriptedHttpServer::~ScriptedHttpServer() {
  std::uint64_t one = 1;
  ssize_t written = write(wake_fd_, &one, sizeof(one));
  (void)written;
  thread_.join();
  close(wake_fd_);
  close(listen_fd_);
}

std::string ScriptedHttpServer::base_url() const {
  return absl::StrCat("http://127.0.0.1:", port_);
}

std::vector<ScriptedHttpServer::Request> ScriptedHttpServer::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

int ScriptedHttpServer::CountRequests(absl::string_view target) const {
  absl::MutexLock lock(&mu_);
  int count = 0;
  for (const Request& request : requests_) count += request.target == target;
  return count;
}

int ScriptedHttpServer::connections() const {
  absl::MutexLock lock(&mu_);
  return connections_;
}

void ScriptedHttpServer::WaitForRequests(int count) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(requests_.size()) >= count;
  };
  mu_.Await(absl::Condition(&enough));
}

void ScriptedHttpServer::WaitForServerCloses(int count) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return server_closes_ >= count;
  };
  mu_.Await(absl::Condition(&enough));
}

void ScriptedHttpServer::Run() {
  std::list<Connection> connections;
  std::vector<pollfd> fds;
  std::vector<Connection*> polled;
  int accepted = 0;
  while (true) {
    fds.clear();
    polled.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (Connection& connection : connections) {
      fds.push_back({connection.fd, POLLIN, 0});
      polled.push_back(&connection);
    }
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) break;
    if (fds[1].revents != 0) {
      while (true) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) break;
        connections.push_back(Connection{fd, ++accepted, 0, {}, false});
        absl::MutexLock lock(&mu_);
        ++connections_;
      }
    }
    for (size_t i = 0; i < polled.size(); ++i) {
      if (fds[i + 2].revents == 0) continue;
      Connection& connection = *polled[i];
      char chunk[16 * 1024];
      ssize_t got = recv(connection.fd, chunk, sizeof(chunk), MSG_DONTWAIT);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      bool keep = got > 0;
      if (keep && !connection.held) {
        connection.buffer.append(chunk, static_cast<size_t>(got));
        keep = Serve(connection);
      }
      if (!keep) {
        if (connection.fd >= 0) close(connection.fd);
        connection.fd = -1;
      }
    }
    connections.remove_if([](const Connection& c) { return c.fd < 0; });
  }
  for (Connection& connection : connections) close(connection.fd);
}

bool ScriptedHttpServer::Serve(Connection& connection) {
  while (!connection.held) {
    size_t head_end = connection.buffer.find("\r\n\r\n");
    if (head_end == std::string::npos) return true;
    std::vector<absl::string_view> lines = absl::StrSplit(
        absl::string_view(connection.buffer).substr(0, head_end), "\r\n");
    Request request;
    std::vector<absl::string_view> request_line = absl::StrSplit(lines[0], ' ');
    if (request_line.size() != 3) return false;
    request.method = std::string(request_line[0]);
    request.target = std::string(request_line[1]);
    size_t content_length = 0;
    for (size_t i = 1; i < lines.size(); ++i) {
      size_t colon = lines[i].find(':');
      if (colon == absl::string_view::npos) return false;
      std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
      std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
      if (name == "content-length" &&
          !absl::SimpleAtoi(value, &content_length)) {
        return false;
      }
      request.headers.emplace_back(std::move(name), std::move(value));
    }
    size_t body_start = head_end + 4;
    if (connection.buffer.size() < body_start + content_length) return true;
    request.body = connection.buffer.substr(body_start, content_length);
    connection.buffer.erase(0, body_start + content_length);
    request.connection = connection.number;
    request.index = ++connection.requests;

    Reply reply = script_(request);
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(std::move(request));
    }
    switch (reply.kind) {
      case Reply::Kind::kAnswer:
        if (!SendAll(connection.fd, Render(reply))) return false;
        break;
      case Reply::Kind::kAnswerThenClose: {
        SendAll(connection.fd, Render(reply));
        shutdown(connection.fd, SHUT_WR);
        WaitForFinAcknowledged(connection.fd);
        close(connection.fd);
        connection.fd = -1;
        absl::MutexLock lock(&mu_);
        ++server_closes_;
        return false;
      }
      case Reply::Kind::kCloseWithoutAnswer: {
        close(connection.fd);
        connection.fd = -1;
        absl::MutexLock lock(&mu_);
        ++server_closes_;
        return false;
      }
      case Reply::Kind::kNeverAnswer:
        connection.held = true;
        break;
    }
  }
  return true;
}

}  // namespace testsupport
