#include "client/bench/bench_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/bench/grpc_load.h"

namespace client::bench {
namespace {

// The same bulk sync as echo_service.cc's kBulkSyncJson, in the API's wire
// JSON: enums by their wire values, int64 counts as numbers.
constexpr char kBulkSyncDocument[] = R"json({
  "data": {
    "id": "0b7d8f6e-3c1a-4b2e-9f5d-6a7e8c9d0f1a",
    "organization_id": "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "name": "Salesforce to Snowflake (production, hourly)",
    "source_connection_id": "3f2e1d0c-9b8a-4765-a4b3-c2d1e0f9a8b7",
    "destination_connection_id": "7c6b5a49-3827-4160-9f8e-7d6c5b4a3928",
    "mode": "replicate",
    "active": true,
    "default_schedule": {
      "id": "5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170",
      "frequency": "hourly",
      "minute": "15"
    },
    "additional_schedules": [{
      "id": "6f5e4d3c-2b1a-4098-a7b6-c5d4e3f2a1b0",
      "frequency": "weekly",
      "minute": "0", "hour": "3", "day_of_week": "sunday",
      "resync_mode": "resync",
      "selective_mode": "none"
    }, {
      "id": "7a6b5c4d-3e2f-4109-8b7a-6c5d4e3f2a1b",
      "frequency": "daily",
      "minute": "30", "hour": "1",
      "resync_mode": "refetch",
      "selective_mode": "incrementalFields",
      "schemas": ["Account", "Contact", "Opportunity"]
    }],
    "automatically_add_new_fields": "all",
    "automatically_add_new_objects": "none",
    "normalize_names": "enabled",
    "disable_record_timestamps": false,
    "concurrency_limit": 8,
    "resync_concurrency_limit": 2,
    "destination_configuration": {
      "schema": "salesforce_raw", "database": "ANALYTICS",
      "warehouse": "LOADING_WH", "role": "POLYTOMIC_LOADER",
      "file_format": "parquet", "truncate_existing": false
    },
    "data_cutoff_timestamp": "2020-01-01T00:00:00Z",
    "source_configuration": {"lookback_days": 30, "use_bulk_api": true,
                             "excluded_objects": ["EventLogFile", "LoginHistory"],
                             "api_version": "v59.0"},
    "policies": ["1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a",
                 "2e3d4c5b-6a7f-4e8d-9c0b-1a2f3e4d5c6b"],
    "created_at": "2024-03-18T09:12:45Z",
    "created_by": {"id": "a1b2c3d4-e5f6-4789-abcd-ef0123456789",
                   "name": "Data Platform Team", "type": "user"},
    "updated_at": "2025-01-07T16:40:02Z",
    "updated_by": {"id": "b2c3d4e5-f6a7-4890-bcde-f01234567890",
                   "name": "deploy-bot", "type": "api_key"}
  }
}
)json";

constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr int kMaxEvents = 256;
constexpr int kMaxIovecs = 64;  // Answers per sendmsg().
// A client that sends requests but does not read its answers is not read
// from while this many answer bytes wait for it.
constexpr size_t kMaxUnsentBytes = 1 << 20;

// EventKey is the epoll key of a connection: its fd and its generation, so
// an event of a closed connection is not taken for a later one on the same
// fd. The listener, timer and wake-up fds have generation 0.
uint64_t EventKey(int fd, uint32_t generation) {
  return uint64_t{generation} << 32 | static_cast<uint32_t>(fd);
}

// IsStatsRequestLine: whether a request line (its first bytes) asks for
// GET /_stats.
bool IsStatsRequestLine(absl::string_view line) {
  return absl::ConsumePrefix(&line, "GET /_stats") &&
         (line.empty() || line[0] == ' ' || line[0] == '?');
}

// RequestScanner finds where the requests of one connection's byte stream
// end, without keeping them: it follows the header lines, keeping only the
// start of each (enough to spot GET /_stats, Content-Length and
// Transfer-Encoding), and skips bodies.
class RequestScanner {
 public:
  // Scan consumes the next bytes of the stream and returns how many
  // requests they completed, or -1 when the stream is not HTTP/1.1 this
  // scanner understands (a chunked body, a bad Content-Length, a header
  // section over kMaxHeaderBytes). It appends to `stats_requests` the
  // position, among the requests it completed, of each GET /_stats.
  int Scan(const char* data, size_t size, std::vector<int>* stats_requests) {
    int completed = 0;
    const char* p = data;
    const char* const end = data + size;
    while (p < end) {
      if (body_left_ > 0) {
        const int64_t skip = std::min<int64_t>(end - p, body_left_);
        p += skip;
        body_left_ -= skip;
        if (body_left_ == 0) Complete(&completed, stats_requests);
        continue;
      }
      const char* newline =
          static_cast<const char*>(std::memchr(p, '\n', end - p));
      const char* const line_end = newline == nullptr ? end : newline;
      const size_t length = line_end - p;
      if (length > 0) {
        const size_t keep = std::min(length, sizeof(line_) - line_size_);
        std::memcpy(line_ + line_size_, p, keep);
        line_size_ += keep;
        line_length_ += length;
        last_ = line_end[-1];
      }
      header_bytes_ += length + (newline == nullptr ? 0 : 1);
      if (header_bytes_ > kMaxHeaderBytes) return -1;
      if (newline == nullptr) break;
      p = newline + 1;
      if (!EndLine(&completed, stats_requests)) return -1;
    }
    return completed;
  }

 private:
  // Complete counts a request read in full.
  void Complete(int* completed, std::vector<int>* stats_requests) {
    if (stats_) stats_requests->push_back(*completed);
    stats_ = false;
    ++*completed;
  }

  // EndLine handles the line just ended: the request line, a header, or the
  // blank line that ends the headers.
  bool EndLine(int* completed, std::vector<int>* stats_requests) {
    const size_t length = line_length_ - (last_ == '\r' && line_length_ > 0);
    absl::string_view kept(line_, std::min(length, line_size_));
    line_size_ = line_length_ = 0;
    last_ = 0;
    if (length == 0) {
      // Blank lines before a request line are ignored (RFC 9112, 2.2).
      if (lines_ == 0) return true;
      lines_ = header_bytes_ = 0;
      body_left_ = content_length_;
      content_length_ = 0;
      if (body_left_ == 0) Complete(completed, stats_requests);
      return true;
    }
    if (lines_++ == 0) {  // The request line: any method, path.
      stats_ = IsStatsRequestLine(kept);
      return true;
    }
    if (absl::StartsWithIgnoreCase(kept, "transfer-encoding:")) return false;
    if (!absl::StartsWithIgnoreCase(kept, "content-length:")) return true;
    if (length > sizeof(line_)) return false;
    kept.remove_prefix(sizeof("content-length:") - 1);
    return absl::SimpleAtoi(absl::StripAsciiWhitespace(kept),
                            &content_length_) &&
           content_length_ >= 0;
  }

  int64_t body_left_ = 0;       // Body bytes of the current request to skip.
  int64_t content_length_ = 0;  // Of the request whose headers are read.
  size_t header_bytes_ = 0;     // Of the current request so far.
  int lines_ = 0;               // Non-blank lines of the current request.
  char line_[64];               // The start of the current line.
  size_t line_size_ = 0;        // Bytes in line_.
  size_t line_length_ = 0;      // Bytes of the current line so far.
  char last_ = 0;               // Its last byte so far.
  bool stats_ = false;          // The current request is GET /_stats.
};

}  // namespace

std::string RealisticBulkSyncDocument() { return kBulkSyncDocument; }

// Connection is one accepted socket, owned by connections_ and closed with
// it.
struct BenchUpstream::Connection {
  Connection(int fd, uint32_t generation) : fd(fd), generation(generation) {}
  ~Connection() { close(fd); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const int fd;
  const uint32_t generation;
  RequestScanner scanner;
  std::string unsent;  // Answer bytes a short send left; sent when writable.
  size_t unsent_offset = 0;
  int delayed = 0;    // Answers waiting in due_.
  int to_answer = 0;  // Answers OnTimer() collected for this connection.
  bool client_closed = false;  // Read end of stream.
  uint32_t events = EPOLLIN;   // The epoll interest registered.
};

BenchUpstream::BenchUpstream(BenchUpstreamOptions options)
    : response_(
          absl::StrCat("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       "Content-Length: ",
                       options.body.size(), "\r\n\r\n", options.body)),
      delay_nanos_(absl::ToInt64Nanoseconds(options.delay)),
      read_buffer_(kReadBufferBytes),
      iovecs_(kMaxIovecs) {}

absl::StatusOr<std::unique_ptr<BenchUpstream>> BenchUpstream::Start(
    BenchUpstreamOptions options) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(options.port));
  if (inet_pton(AF_INET, options.host.c_str(), &address.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an IPv4 address: ", options.host));
  }
  const std::string where = absl::StrCat(options.host, ":", options.port);
  std::unique_ptr<BenchUpstream> upstream(
      new BenchUpstream(std::move(options)));
  BenchUpstream& u = *upstream;
  u.listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (u.listen_fd_ < 0) return absl::ErrnoToStatus(errno, "socket");
  const int one = 1;
  setsockopt(u.listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(u.listen_fd_, reinterpret_cast<const sockaddr*>(&address),
           sizeof(address)) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("bind ", where));
  }
  if (listen(u.listen_fd_, SOMAXCONN) != 0) {
    return absl::ErrnoToStatus(errno, "listen");
  }
  socklen_t length = sizeof(address);
  getsockname(u.listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  u.port_ = ntohs(address.sin_port);

  u.epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (u.epoll_fd_ < 0) return absl::ErrnoToStatus(errno, "epoll_create1");
  u.timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (u.timer_fd_ < 0) return absl::ErrnoToStatus(errno, "timerfd_create");
  u.wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (u.wake_fd_ < 0) return absl::ErrnoToStatus(errno, "eventfd");
  for (int fd : {u.listen_fd_, u.timer_fd_, u.wake_fd_}) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = EventKey(fd, 0);
    if (epoll_ctl(u.epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
      return absl::ErrnoToStatus(errno, "epoll_ctl");
    }
  }
  u.thread_ = std::thread([&u] { u.Loop(); });
  return upstream;
}

BenchUpstream::~BenchUpstream() {
  Stop();
  connections_.clear();
  for (int fd : {listen_fd_, epoll_fd_, timer_fd_, wake_fd_}) {
    if (fd >= 0) close(fd);
  }
}

void BenchUpstream::Stop() {
  if (!thread_.joinable()) return;
  const uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof(one)) != sizeof(one)) {
    std::cerr << "bench upstream: cannot wake the loop to stop it: "
              << std::strerror(errno) << "\n";
  }
  thread_.join();
}

void BenchUpstream::Loop() {
  std::vector<epoll_event> events(kMaxEvents);
  for (;;) {
    const int ready = epoll_wait(epoll_fd_, events.data(), kMaxEvents, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      std::cerr << "bench upstream: epoll_wait: " << std::strerror(errno)
                << "\n";
      return;
    }
    // One clock read per wake-up stamps every request read in it.
    const int64_t now = delay_nanos_ > 0 ? MonotonicNanos() : 0;
    for (int i = 0; i < ready; ++i) {
      const int fd = static_cast<int>(events[i].data.u64 & 0xffffffff);
      const uint32_t generation = events[i].data.u64 >> 32;
      if (fd == wake_fd_) return;
      if (fd == listen_fd_) {
        Accept();
        continue;
      }
      if (fd == timer_fd_) {
        OnTimer();
        continue;
      }
      if (static_cast<size_t>(fd) >= connections_.size()) continue;
      Connection* connection = connections_[fd].get();
      if (connection == nullptr || connection->generation != generation) {
        continue;  // Closed earlier in this batch.
      }
      const uint32_t flags = events[i].events;
      if (flags & (EPOLLERR | EPOLLHUP)) {
        Close(connection);  // Reset, or both ways shut: nothing to answer.
        continue;
      }
      if ((flags & EPOLLOUT) && !OnWritable(connection)) continue;
      if (flags & EPOLLIN) OnReadable(connection, now);
    }
  }
}

void BenchUpstream::Accept() {
  for (;;) {
    const int fd =
        accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        // Level-triggered, the listener would wake the loop at once again:
        // stop listening for connections until one closes.
        std::cerr << "bench upstream: out of file descriptors; accepting "
                     "again once a connection closes\n";
        epoll_event event{};
        event.data.u64 = EventKey(listen_fd_, 0);
        epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &event);
        accept_paused_ = true;
      }
      return;  // EAGAIN: all accepted.
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    const uint32_t generation = ++next_generation_;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = EventKey(fd, generation);
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
      close(fd);
      continue;
    }
    if (static_cast<size_t>(fd) >= connections_.size()) {
      connections_.resize(fd + 1);
    }
    connections_[fd] = std::make_unique<Connection>(fd, generation);
    ++accepted_;
  }
}

void BenchUpstream::OnReadable(Connection* connection, int64_t now_nanos) {
  const ssize_t size =
      read(connection->fd, read_buffer_.data(), read_buffer_.size());
  if (size < 0) {
    if (errno != EAGAIN && errno != EINTR) Close(connection);
    return;
  }
  if (size == 0) {
    connection->client_closed = true;
    if (!CloseIfDone(connection)) WatchFor(connection);
    return;
  }
  stats_requests_.clear();
  const int completed =
      connection->scanner.Scan(read_buffer_.data(), size, &stats_requests_);
  if (completed < 0) {
    Close(connection);
    return;
  }
  // The requests before each GET /_stats are owed first, in order.
  int owed = 0;
  for (int stats : stats_requests_) {
    if (stats > owed && !Owe(connection, stats - owed, now_nanos)) return;
    if (!AnswerStats(connection)) return;
    owed = stats + 1;
  }
  if (completed > owed) Owe(connection, completed - owed, now_nanos);
}

bool BenchUpstream::Owe(Connection* connection, int count, int64_t now_nanos) {
  requests_ += count;
  if (delay_nanos_ == 0) return Answer(connection, count);
  const int64_t at = now_nanos + delay_nanos_;
  if (due_.empty()) ArmTimer(at);
  due_.push_back({at, connection->fd, connection->generation, count});
  connection->delayed += count;
  return true;
}

bool BenchUpstream::AnswerStats(Connection* connection) {
  if (connection->delayed > 0) {
    Close(connection);
    return false;
  }
  const std::string body = absl::StrCat("{\"requests\":", requests_,
                                        ",\"connections\":", accepted_, "}");
  const std::string answer = absl::StrCat(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      "Content-Length: ",
      body.size(), "\r\n\r\n", body);
  size_t sent = 0;
  if (connection->unsent.empty()) {
    const ssize_t n =
        send(connection->fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      Close(connection);
      return false;
    }
    sent = n < 0 ? 0 : static_cast<size_t>(n);
  }
  connection->unsent.append(answer, sent, std::string::npos);
  WatchFor(connection);
  return true;
}

bool BenchUpstream::OnWritable(Connection* connection) {
  std::string& unsent = connection->unsent;
  const ssize_t sent =
      send(connection->fd, unsent.data() + connection->unsent_offset,
           unsent.size() - connection->unsent_offset, MSG_NOSIGNAL);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EINTR) return true;
    Close(connection);
    return false;
  }
  connection->unsent_offset += sent;
  if (connection->unsent_offset < unsent.size()) return true;
  unsent.clear();
  connection->unsent_offset = 0;
  if (CloseIfDone(connection)) return false;
  WatchFor(connection);
  return true;
}

void BenchUpstream::OnTimer() {
  uint64_t expirations = 0;
  if (read(timer_fd_, &expirations, sizeof(expirations)) < 0 &&
      errno != EAGAIN) {
    std::cerr << "bench upstream: timerfd: " << std::strerror(errno) << "\n";
  }
  const int64_t now = MonotonicNanos();
  // Collect first, so the answers one connection owes leave in one send.
  while (!due_.empty() && due_.front().at_nanos <= now) {
    const DueAnswers& due = due_.front();
    if (static_cast<size_t>(due.fd) < connections_.size()) {
      Connection* connection = connections_[due.fd].get();
      if (connection != nullptr && connection->generation == due.generation) {
        if (connection->to_answer == 0) to_answer_.push_back(connection);
        connection->to_answer += due.count;
        connection->delayed -= due.count;
      }
    }
    due_.pop_front();
  }
  for (Connection* connection : to_answer_) {
    const int count = connection->to_answer;
    connection->to_answer = 0;
    if (Answer(connection, count)) CloseIfDone(connection);
  }
  to_answer_.clear();
  if (!due_.empty()) ArmTimer(due_.front().at_nanos);
}

bool BenchUpstream::Answer(Connection* connection, int count) {
  const size_t answer_size = response_.size();
  while (count > 0 && connection->unsent.empty()) {
    const int batch = std::min(count, kMaxIovecs);
    for (int i = 0; i < batch; ++i) {
      iovecs_[i].iov_base = const_cast<char*>(response_.data());
      iovecs_[i].iov_len = answer_size;
    }
    msghdr message{};
    message.msg_iov = iovecs_.data();
    message.msg_iovlen = batch;
    ssize_t sent = sendmsg(connection->fd, &message, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno != EAGAIN && errno != EINTR) {
        Close(connection);
        return false;
      }
      sent = 0;
    }
    count -= batch;
    const size_t batch_bytes = batch * answer_size;
    if (static_cast<size_t>(sent) < batch_bytes) {
      // Keep what did not fit: the rest of the answer cut short and the
      // batch's answers after it.
      connection->unsent.append(response_, sent % answer_size);
      for (size_t i = sent / answer_size + 1; i < static_cast<size_t>(batch);
           ++i) {
        connection->unsent.append(response_);
      }
    }
  }
  for (; count > 0; --count) connection->unsent.append(response_);
  WatchFor(connection);
  return true;
}

void BenchUpstream::WatchFor(Connection* connection) {
  const bool writing = !connection->unsent.empty();
  const bool reading =
      !connection->client_closed &&
      connection->unsent.size() - connection->unsent_offset < kMaxUnsentBytes;
  const uint32_t events =
      (reading ? uint32_t{EPOLLIN} : 0u) | (writing ? uint32_t{EPOLLOUT} : 0u);
  if (events == connection->events) return;
  epoll_event event{};
  event.events = events;
  event.data.u64 = EventKey(connection->fd, connection->generation);
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection->fd, &event);
  connection->events = events;
}

bool BenchUpstream::CloseIfDone(Connection* connection) {
  if (!connection->client_closed || connection->delayed > 0 ||
      !connection->unsent.empty()) {
    return false;
  }
  Close(connection);
  return true;
}

void BenchUpstream::Close(Connection* connection) {
  connections_[connection->fd].reset();
  if (accept_paused_) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = EventKey(listen_fd_, 0);
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &event);
    accept_paused_ = false;
  }
}

void BenchUpstream::ArmTimer(int64_t at_nanos) {
  itimerspec spec{};
  spec.it_value.tv_sec = at_nanos / 1000000000;
  spec.it_value.tv_nsec = at_nanos % 1000000000;
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

}  // namespace client::bench
