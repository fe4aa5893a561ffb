#include "gateway/shared/redis_client.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gateway/common/error_details.h"
#include "gateway/common/proto_duration.h"

namespace gateway::shared {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(50);
constexpr absl::Duration kMaxBackoff = absl::Seconds(1);
// An idle command connection is pinged this often, so a Redis that went
// away silently is noticed within ping + command_timeout.
constexpr absl::Duration kIdlePing = absl::Seconds(1);

RedisReply Convert(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(reply.elements);
      for (size_t i = 0; i < reply.elements; ++i) {
        out.elements.push_back(Convert(*reply.element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

bool SplitHostPort(const std::string& address, std::string* host, int* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  *host = address.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return absl::SimpleAtoi(address.substr(colon + 1), port) && *port > 0 &&
         *port < 65536 && !host->empty();
}

}  // namespace

std::string ReplicaName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  uint64_t suffix;
  std::ifstream random("/dev/urandom", std::ios::binary);
  random.read(reinterpret_cast<char*>(&suffix), sizeof(suffix));
  if (!random) suffix = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
  return absl::StrCat(host[0] != '\0' ? host : "gateway", "-",
                      absl::Hex(suffix, absl::kZeroPad16));
}

absl::Status SharedStateUnavailable(absl::string_view what) {
  return ErrorWithInfo(
      absl::StatusCode::kUnavailable,
      absl::StrCat("shared state (Redis) is unavailable: ", what),
      "SHARED_STATE_UNAVAILABLE", {});
}

// RedisLoop owns the thread, the epoll set and both hiredis connections.
// Everything but the queue, the stop flag and `up_` is touched only on the
// loop thread.
class RedisLoop {
 public:
  explicit RedisLoop(const config::v1::Redis& config)
      : config_(config),
        connect_timeout_(ToAbslDuration(config.connect_timeout())),
        command_timeout_(ToAbslDuration(config.command_timeout())) {
    command_.loop = this;
    subscriber_.loop = this;
    subscriber_.subscriber = true;
  }

  ~RedisLoop() {
    Stop();
    if (epoll_fd_ >= 0) close(epoll_fd_);
    if (wake_fd_ >= 0) close(wake_fd_);
  }

  void Subscribe(std::string channel, RedisClient::Message on_message) {
    channels_[std::move(channel)] = std::move(on_message);
  }
  void OnConnectionChange(RedisClient::ConnectionChange change) {
    changes_.push_back(std::move(change));
  }

  absl::Status Init() {
    if (!SplitHostPort(config_.address(), &host_, &port_)) {
      return absl::InvalidArgumentError(
          "shared_state.redis.address: must be host:port");
    }
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd_ < 0 || wake_fd_ < 0) {
      return absl::InternalError(
          absl::StrCat("cannot create the Redis loop: ", std::strerror(errno)));
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = nullptr;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
    return absl::OkStatus();
  }

  void Start(const Logger* logger) {
    logger_ = logger;
    {
      absl::MutexLock lock(&mu_);
      started_ = true;
    }
    thread_ = std::thread([this] { Run(); });
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](std::atomic<bool>* up) { return up->load(); }, &up_),
        connect_timeout_);
  }

  void Command(std::vector<std::string> args, RedisClient::Reply reply) {
    bool wake;
    {
      absl::MutexLock lock(&mu_);
      if (stopped_ || !started_) {
        wake = false;
      } else {
        wake = queue_.empty();
        queue_.push_back({std::move(args), std::move(reply)});
        reply = nullptr;
      }
    }
    if (reply != nullptr) {
      std::move(reply)(SharedStateUnavailable("the client is not running"));
      return;
    }
    if (wake) Wake();
  }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    if (thread_.joinable()) {
      Wake();
      thread_.join();
    }
    {
      absl::MutexLock lock(&mu_);
      stopped_ = true;
    }
    for (Queued& queued : TakeQueue()) {
      std::move(queued.reply)(
          SharedStateUnavailable("the gateway is stopping"));
    }
  }

  bool connected() const { return up_.load(std::memory_order_acquire); }

 private:
  struct Queued {
    std::vector<std::string> args;
    RedisClient::Reply reply;
  };

  // Conn is one hiredis connection and its place in the epoll set.
  struct Conn {
    RedisLoop* loop = nullptr;
    bool subscriber = false;
    redisAsyncContext* context = nullptr;
    int fd = -1;
    bool reading = false;
    bool writing = false;
    bool ready = false;  // authenticated (and, for the subscriber, subscribed)
    int confirmations = 0;
    // The deadline of each command sent and not yet answered, in order.
    std::deque<absl::Time> deadlines;
    absl::Time last_sent = absl::InfinitePast();
  };

  // Pending is a command's callback data.
  struct Pending {
    Conn* conn;
    RedisClient::Reply reply;
  };

  void Wake() {
    uint64_t one = 1;
    ssize_t written = write(wake_fd_, &one, sizeof(one));
    (void)written;  // a full counter already wakes the loop
  }

  std::deque<Queued> TakeQueue() {
    absl::MutexLock lock(&mu_);
    std::deque<Queued> taken;
    taken.swap(queue_);
    return taken;
  }

  void Run() {
    Connect();
    std::vector<epoll_event> events(8);
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) break;
      }
      absl::Time now = absl::Now();
      absl::Time next = NextTimer(now);
      int timeout_ms =
          next == absl::InfiniteFuture()
              ? -1
              : static_cast<int>(std::clamp<int64_t>(
                    absl::ToInt64Milliseconds(next - now) + 1, 0, 1000));
      int n = epoll_wait(epoll_fd_, events.data(),
                         static_cast<int>(events.size()), timeout_ms);
      for (int i = 0; i < n; ++i) {
        auto* conn = static_cast<Conn*>(events[i].data.ptr);
        if (conn == nullptr) {
          uint64_t count;
          while (read(wake_fd_, &count, sizeof(count)) > 0) {
          }
          continue;
        }
        if (conn->context != nullptr &&
            (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
          redisAsyncHandleRead(conn->context);
        }
        if (conn->context != nullptr && (events[i].events & EPOLLOUT)) {
          redisAsyncHandleWrite(conn->context);
        }
      }
      if (teardown_) Teardown("the connection to Redis was lost");
      SendQueued();
      Timers(absl::Now());
    }
    {
      absl::MutexLock lock(&mu_);
      stopped_ = true;
    }
    Free(command_);
    Free(subscriber_);
    SetUp(false);
  }

  absl::Time NextTimer(absl::Time now) const {
    absl::Time next = absl::InfiniteFuture();
    if (command_.context == nullptr) next = std::min(next, retry_at_);
    if (!up_.load() && command_.context != nullptr) {
      next = std::min(next, connect_deadline_);
    }
    for (const Conn* conn : {&command_, &subscriber_}) {
      if (!conn->deadlines.empty()) {
        next = std::min(next, conn->deadlines.front());
      }
    }
    if (command_.ready) next = std::min(next, command_.last_sent + kIdlePing);
    return std::max(next, now);
  }

  void Timers(absl::Time now) {
    if (command_.context == nullptr && subscriber_.context == nullptr) {
      if (now >= retry_at_) Connect();
      return;
    }
    if (!up_.load() && now >= connect_deadline_) {
      Teardown(
          "Redis did not answer within shared_state.redis.connect_timeout");
      return;
    }
    for (const Conn* conn : {&command_, &subscriber_}) {
      if (!conn->deadlines.empty() && now >= conn->deadlines.front()) {
        Teardown(
            "Redis did not answer within shared_state.redis.command_timeout");
        return;
      }
    }
    if (command_.ready && command_.deadlines.empty() &&
        now >= command_.last_sent + kIdlePing) {
      Send(command_, {"PING"}, nullptr);
    }
  }

  // Connect opens both connections, authenticates them, and subscribes.
  void Connect() {
    teardown_ = false;
    connect_deadline_ = absl::Now() + connect_timeout_;
    std::string password;
    if (!config_.password_file().empty()) {
      std::ifstream file(config_.password_file());
      std::stringstream text;
      text << file.rdbuf();
      if (!file) {
        Retry("shared_state.redis.password_file cannot be read");
        return;
      }
      password = std::string(absl::StripTrailingAsciiWhitespace(text.str()));
    }
    for (Conn* conn : {&command_, &subscriber_}) {
      redisAsyncContext* context = redisAsyncConnect(host_.c_str(), port_);
      if (context == nullptr || context->err != 0) {
        std::string why = context != nullptr ? context->errstr : "no memory";
        if (context != nullptr) redisAsyncFree(context);
        Free(command_);
        Retry(absl::StrCat("cannot connect to Redis: ", why));
        return;
      }
      Attach(*conn, context);
      if (!password.empty()) {
        std::vector<std::string> auth = {"AUTH"};
        if (!config_.username().empty()) auth.push_back(config_.username());
        auth.push_back(password);
        Send(*conn, auth, [conn](absl::StatusOr<RedisReply> reply) {
          conn->loop->Authenticated(*conn, reply.status());
        });
      } else {
        Send(*conn, {"PING"}, [conn](absl::StatusOr<RedisReply> reply) {
          conn->loop->Authenticated(*conn, reply.status());
        });
      }
    }
  }

  void Authenticated(Conn& conn, const absl::Status& status) {
    if (!status.ok()) {
      // UNAVAILABLE: the connection is going away, and its cleanup hook
      // says so. Anything else is Redis's error reply.
      if (status.code() != absl::StatusCode::kUnavailable) {
        // A refused AUTH names no secret: Redis says WRONGPASS or NOAUTH.
        Log(LogLevel::kWarning, "Redis refused the connection",
            status.message());
        teardown_ = true;
      }
      return;
    }
    if (!conn.subscriber) {
      conn.ready = true;
      MaybeUp();
      return;
    }
    if (channels_.empty()) {
      conn.ready = true;
      MaybeUp();
      return;
    }
    std::vector<std::string> args = {"SUBSCRIBE"};
    for (const auto& [channel, handler] : channels_) args.push_back(channel);
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    conn.deadlines.push_back(absl::Now() + command_timeout_);
    redisAsyncCommandArgv(conn.context, &RedisLoop::OnMessage, &conn,
                          static_cast<int>(argv.size()), argv.data(),
                          lengths.data());
  }

  static void OnMessage(redisAsyncContext*, void* raw, void* data) {
    auto* reply = static_cast<redisReply*>(raw);
    auto* conn = static_cast<Conn*>(data);
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY ||
        reply->elements < 3) {
      return;  // the connection is going away; the cleanup hook tells
    }
    absl::string_view kind(reply->element[0]->str, reply->element[0]->len);
    if (kind == "subscribe") {
      if (!conn->deadlines.empty()) conn->deadlines.clear();
      if (++conn->confirmations ==
          static_cast<int>(conn->loop->channels_.size())) {
        conn->ready = true;
        conn->loop->MaybeUp();
      }
      return;
    }
    if (kind != "message" || reply->element[2]->type != REDIS_REPLY_STRING) {
      return;
    }
    std::string channel(reply->element[1]->str, reply->element[1]->len);
    auto handler = conn->loop->channels_.find(channel);
    if (handler == conn->loop->channels_.end()) return;
    handler->second(
        absl::string_view(reply->element[2]->str, reply->element[2]->len));
  }

  void MaybeUp() {
    if (command_.ready && subscriber_.ready && !up_.load()) {
      backoff_ = kFirstBackoff;
      Log(LogLevel::kInfo, "connected to Redis", "");
      SetUp(true);
    }
  }

  void SetUp(bool up) {
    bool was;
    {
      absl::MutexLock lock(&mu_);
      was = up_.exchange(up, std::memory_order_acq_rel);
    }
    if (was == up) return;
    for (const auto& change : changes_) change(up);
  }

  // Teardown drops both connections (failing what waits on them) and plans
  // the next attempt.
  void Teardown(absl::string_view why) {
    bool was_up = up_.load();
    Free(command_);
    Free(subscriber_);
    if (was_up) Log(LogLevel::kWarning, "lost the connection to Redis", why);
    Retry(why);
    SetUp(false);
  }

  void Retry(absl::string_view why) {
    teardown_ = false;
    retry_at_ = absl::Now() + backoff_;
    if (!up_.load()) {
      Log(LogLevel::kDebug, "cannot reach Redis; retrying", why);
    }
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  }

  void Free(Conn& conn) {
    if (conn.context != nullptr) redisAsyncFree(conn.context);
    conn.context = nullptr;
    Reset(conn);
  }

  static void Reset(Conn& conn) {
    conn.fd = -1;
    conn.reading = conn.writing = conn.ready = false;
    conn.confirmations = 0;
    conn.deadlines.clear();
  }

  void SendQueued() {
    for (Queued& queued : TakeQueue()) {
      if (!up_.load() || command_.context == nullptr) {
        std::move(queued.reply)(SharedStateUnavailable(
            absl::StrCat("cannot reach it at ", config_.address())));
        continue;
      }
      Send(command_, queued.args, std::move(queued.reply));
    }
  }

  // Send writes one command on `conn`; `reply` may be null (a ping).
  void Send(Conn& conn, const std::vector<std::string>& args,
            RedisClient::Reply reply) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    auto* pending = new Pending{&conn, std::move(reply)};
    conn.deadlines.push_back(absl::Now() + command_timeout_);
    conn.last_sent = absl::Now();
    if (redisAsyncCommandArgv(conn.context, &RedisLoop::OnReply, pending,
                              static_cast<int>(argv.size()), argv.data(),
                              lengths.data()) != REDIS_OK) {
      conn.deadlines.pop_back();
      Finish(pending, SharedStateUnavailable("the connection is closing"));
    }
  }

  static void Finish(Pending* pending, absl::StatusOr<RedisReply> reply) {
    if (pending->reply != nullptr) std::move(pending->reply)(std::move(reply));
    delete pending;
  }

  static void OnReply(redisAsyncContext*, void* raw, void* data) {
    auto* pending = static_cast<Pending*>(data);
    auto* reply = static_cast<redisReply*>(raw);
    Conn& conn = *pending->conn;
    if (!conn.deadlines.empty()) conn.deadlines.pop_front();
    if (reply == nullptr) {
      Finish(pending, SharedStateUnavailable(
                          "the connection dropped before the answer"));
      return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
      Finish(
          pending,
          ErrorWithInfo(absl::StatusCode::kInternal,
                        absl::StrCat("shared state (Redis) refused a command: ",
                                     absl::string_view(reply->str, reply->len)),
                        "SHARED_STATE_ERROR", {}));
      return;
    }
    Finish(pending, Convert(*reply));
  }

  // The hiredis event hooks: they keep the epoll set in step with what
  // hiredis wants to wait for.
  void Attach(Conn& conn, redisAsyncContext* context) {
    conn.context = context;
    conn.fd = context->c.fd;
    context->ev.data = &conn;
    context->ev.addRead = [](void* data) { Watch(data, true, std::nullopt); };
    context->ev.delRead = [](void* data) { Watch(data, false, std::nullopt); };
    context->ev.addWrite = [](void* data) { Watch(data, std::nullopt, true); };
    context->ev.delWrite = [](void* data) { Watch(data, std::nullopt, false); };
    context->ev.cleanup = [](void* data) {
      auto* conn = static_cast<Conn*>(data);
      if (conn->fd >= 0) {
        epoll_ctl(conn->loop->epoll_fd_, EPOLL_CTL_DEL, conn->fd, nullptr);
      }
      bool was_open = conn->context != nullptr;
      conn->context = nullptr;
      Reset(*conn);
      // hiredis closed it (an error or EOF); the loop drops the other one.
      if (was_open) conn->loop->teardown_ = true;
    };
    epoll_event event{};
    event.events = 0;
    event.data.ptr = &conn;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, conn.fd, &event);
  }

  static void Watch(void* data, std::optional<bool> reading,
                    std::optional<bool> writing) {
    auto* conn = static_cast<Conn*>(data);
    if (reading.has_value()) conn->reading = *reading;
    if (writing.has_value()) conn->writing = *writing;
    epoll_event event{};
    event.events = (conn->reading ? uint32_t{EPOLLIN} : 0u) |
                   (conn->writing ? uint32_t{EPOLLOUT} : 0u);
    event.data.ptr = conn;
    epoll_ctl(conn->loop->epoll_fd_, EPOLL_CTL_MOD, conn->fd, &event);
  }

  void Log(LogLevel level, absl::string_view message,
           absl::string_view why) const {
    if (logger_ == nullptr) return;
    logger_->Log(level, message,
                 {{"redis", config_.address()}, {"reason", why}});
  }

  const config::v1::Redis config_;
  const Logger* logger_ = nullptr;  // set by Start
  const absl::Duration connect_timeout_;
  const absl::Duration command_timeout_;
  std::string host_;
  int port_ = 0;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  // Written under mu_ (so Start can wait on it), read anywhere.
  std::atomic<bool> up_{false};

  // Set before Start, read on the loop thread.
  absl::flat_hash_map<std::string, RedisClient::Message> channels_;
  std::vector<RedisClient::ConnectionChange> changes_;

  // Loop thread only.
  Conn command_;
  Conn subscriber_;
  bool teardown_ = false;
  absl::Time retry_at_ = absl::InfinitePast();
  absl::Time connect_deadline_ = absl::InfiniteFuture();
  absl::Duration backoff_ = kFirstBackoff;
};

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Create(
    const config::v1::Redis& config) {
  std::unique_ptr<RedisClient> client(new RedisClient(config));
  if (absl::Status init = client->loop_->Init(); !init.ok()) return init;
  return client;
}

RedisClient::RedisClient(const config::v1::Redis& config)
    : prefix_(config.key_prefix()),
      loop_(std::make_unique<RedisLoop>(config)) {}

RedisClient::~RedisClient() = default;

std::string RedisClient::Key(absl::string_view name) const {
  return absl::StrCat(prefix_, name);
}

void RedisClient::Subscribe(const std::string& channel, Message on_message) {
  loop_->Subscribe(Key(channel), std::move(on_message));
}

void RedisClient::OnConnectionChange(ConnectionChange change) {
  loop_->OnConnectionChange(std::move(change));
}

void RedisClient::Start(const Logger* logger) { loop_->Start(logger); }

void RedisClient::Stop() { loop_->Stop(); }

void RedisClient::Command(std::vector<std::string> args, Reply reply) {
  loop_->Command(std::move(args), std::move(reply));
}

bool RedisClient::connected() const { return loop_->connected(); }

}  // namespace gateway::shared
