#include "gateway/rest/curl_rest_client.h"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/common/proto_duration.h"
#include "gateway/rest/curl_transfer.h"

namespace gateway::rest {
namespace {

// Size of each transfer's receive buffer: libcurl's minimum. curl's default
// (16 KiB) would dominate the memory of a call in flight; Polytomic answers
// are a few KiB, and larger ones just take more reads.
constexpr long kReceiveBufferBytes = 1024;

// Size of each transfer's upload buffer: libcurl's minimum. curl allocates it
// (64 KiB by default) to copy the request into before a TLS write; request
// bodies here are small JSON documents.
constexpr long kUploadBufferBytes = 16 * 1024;

// How many epoll events one epoll_wait returns at most.
constexpr int kMaxEvents = 128;

// CURLOPT_PREREQFUNCTION appeared in libcurl 7.80.0.
constexpr unsigned kMinCurlVersion = 0x075000;

// Completion is a finished request whose callback has yet to run.
struct Completion {
  RestClient::Callback done;
  absl::StatusOr<HttpResponse> result;
};

// SocketState is what the loop knows about one of curl's sockets.
struct SocketState {
  bool in_epoll = false;     // registered in the epoll set
  bool wanted = false;       // curl wants events on it now
  std::uint32_t events = 0;  // the registered epoll events
};

absl::Duration MonotonicNow() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return absl::DurationFromTimespec(now);
}

absl::Status ErrnoError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

// Loop owns the multi handle, its file descriptors and the thread that waits
// on them (README.md, "Sending on the caller's thread").
//
// Two mutexes, never held together:
// - curl_mu_ serializes every libcurl call and what curl's callbacks touch
//   (socket table, timerfd, active transfers, idle easy handles). The loop
//   thread takes it around its curl work. Send only tries it: if it is free
//   (usually, at low concurrency: the loop sleeps in epoll_wait), Send
//   starts its transfer itself; otherwise it queues the transfer.
// - mu_ guards the queues to the loop: transfers to start, ids to cancel,
//   callbacks to run.
// Callbacks run on the loop thread only, holding neither. Whoever holds
// curl_mu_ takes what finished (completed_) before letting go: the loop runs
// it after unlocking, a sender hands it to the loop (handoffs_). So a request
// that fails within Send (deadline passed) still answers on the loop thread.
//
// An event costs the same with 10 or 1,000 requests in flight: the loop
// tells curl only about the socket that has one (curl_multi_socket_action).
// Sockets stay in the epoll set between requests (OnSocket); the timerfd is
// re-armed only when curl needs it sooner (OnTimer); queued work writes the
// eventfd only when the loop would not look at the queues before sleeping.
//
// No lost wake-up: whoever queues work does so under mu_ and, in the same
// critical section, sets loop_will_look_ and writes the eventfd iff it was
// false. The loop clears it only in TakeCommands(may_sleep=true), in a
// critical section that found every queue empty, and then goes straight to
// epoll_wait. Work queued after that section finds the flag false and writes
// the eventfd, which stays readable until the loop reads it, so epoll_wait
// returns even if the write came first; work queued before it was taken by
// it. This does not depend on who holds curl_mu_ when a Send's TryLock
// fails: a sender driving curl never looks at the queues, and need not.
class CurlRestClient::Loop {
 public:
  struct Settings {
    std::string base_url;  // without a trailing '/'
    long max_connections = 0;
    absl::Duration connect_timeout;
    std::int64_t max_response_bytes = 0;
  };

  static absl::StatusOr<std::unique_ptr<Loop>> Create(Settings settings) {
    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) return ErrnoError("epoll_create1");
    int timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_fd < 0) {
      absl::Status error = ErrnoError("timerfd_create");
      close(epoll_fd);
      return error;
    }
    int wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) {
      absl::Status error = ErrnoError("eventfd");
      close(timer_fd);
      close(epoll_fd);
      return error;
    }
    CURLM* multi = curl_multi_init();
    auto loop = std::unique_ptr<Loop>(
        new Loop(std::move(settings), multi, epoll_fd, timer_fd, wake_fd));
    if (multi == nullptr) return absl::InternalError("curl_multi_init failed");
    for (int fd : {timer_fd, wake_fd}) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.fd = fd;
      if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
        return ErrnoError("epoll_ctl");
      }
    }
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &Loop::OnSocket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, loop.get());
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &Loop::OnTimer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, loop.get());
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      loop->settings_.max_connections);
    // Keep as many idle connections cached as may be open, so bursts reuse
    // them instead of reconnecting.
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS,
                      loop->settings_.max_connections);
    loop->thread_ = std::thread([raw = loop.get()] { raw->Run(); });
    return loop;
  }

  ~Loop() {
    if (thread_.joinable()) {
      bool wake;
      {
        absl::MutexLock lock(&mu_);
        stopping_ = true;
        wake = !std::exchange(loop_will_look_, true);
      }
      if (wake) Wake();
      thread_.join();
    }
    {
      // Closing the cached connections calls OnCloseSocket.
      absl::MutexLock lock(&curl_mu_);
      for (CURL* easy : idle_easy_) curl_easy_cleanup(easy);
      if (multi_ != nullptr) curl_multi_cleanup(multi_);
    }
    close(wake_fd_);
    close(timer_fd_);
    close(epoll_fd_);
  }

  RequestId Send(HttpRequest request, Callback done) {
    auto transfer = std::make_unique<Transfer>();
    RequestId id = next_id_.fetch_add(1, std::memory_order_relaxed);
    transfer->id = id;
    transfer->request = std::move(request);
    transfer->done = std::move(done);
    // Start the transfer here if nobody is driving curl: curl picks a
    // kept-alive connection and writes the request before TryLock's holder
    // lets go, and the loop sleeps on until the answer. Never wait for the
    // lock: the holder may be the loop, busy with many events.
    if (curl_mu_.TryLock()) {
      if (!closed_) {
        Start(std::move(transfer));
        RunTimeoutsAndCompletions();
        std::vector<Completion> finished;
        if (!completed_.empty()) finished.swap(completed_);
        curl_mu_.Unlock();
        if (!finished.empty()) HandOff(std::move(finished));
        return id;
      }
      curl_mu_.Unlock();
    }
    bool wake;
    {
      absl::MutexLock lock(&mu_);
      starts_.push_back(std::move(transfer));
      wake = !std::exchange(loop_will_look_, true);
    }
    if (wake) Wake();
    return id;
  }

  void Cancel(RequestId id) {
    bool wake;
    {
      absl::MutexLock lock(&mu_);
      cancels_.push_back(id);
      wake = !std::exchange(loop_will_look_, true);
    }
    if (wake) Wake();
  }

 private:
  Loop(Settings settings, CURLM* multi, int epoll_fd, int timer_fd, int wake_fd)
      : settings_(std::move(settings)),
        multi_(multi),
        epoll_fd_(epoll_fd),
        timer_fd_(timer_fd),
        wake_fd_(wake_fd) {}

  void Wake() {
    std::uint64_t one = 1;
    // Cannot fail short of a bug: the counter never nears its limit.
    ssize_t written = write(wake_fd_, &one, sizeof(one));
    (void)written;
  }

  // HandOff gives callbacks collected by a sender to the loop thread.
  void HandOff(std::vector<Completion> finished) ABSL_LOCKS_EXCLUDED(mu_) {
    bool wake;
    {
      absl::MutexLock lock(&mu_);
      for (Completion& completion : finished) {
        handoffs_.push_back(std::move(completion));
      }
      wake = !std::exchange(loop_will_look_, true);
    }
    if (wake) Wake();
  }

  void Run() {
    epoll_event events[kMaxEvents];
    while (true) {
      int count = epoll_wait(epoll_fd_, events, kMaxEvents, -1);
      // Awake now: Send and Cancel need not write the eventfd until the loop
      // finds nothing left to do.
      Next next = TakeCommands(/*may_sleep=*/false);
      if (next == Next::kStop) break;
      do {
        {
          absl::MutexLock lock(&curl_mu_);
          for (int i = 0; i < count; ++i) Dispatch(events[i]);
          count = 0;
          RunCommands();
          RunTimeoutsAndCompletions();
          ready_.swap(completed_);
        }
        RunCallbacks();
        next = TakeCommands(/*may_sleep=*/true);
      } while (next == Next::kWork);
      if (next == Next::kStop) break;
    }
    Shutdown();
  }

  enum class Next { kIdle, kWork, kStop };

  // TakeCommands moves queued work to taken_starts_, taken_cancels_ and
  // taken_handoffs_. Without work it returns kIdle and, with `may_sleep`,
  // marks the loop as going to sleep (whoever queues work next writes the
  // eventfd); otherwise the loop counts as awake and will look again.
  Next TakeCommands(bool may_sleep) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    taken_starts_.swap(starts_);
    taken_cancels_.swap(cancels_);
    taken_handoffs_.swap(handoffs_);
    if (stopping_) return Next::kStop;
    if (taken_starts_.empty() && taken_cancels_.empty() &&
        taken_handoffs_.empty()) {
      loop_will_look_ = !may_sleep;
      return Next::kIdle;
    }
    loop_will_look_ = true;
    return Next::kWork;
  }

  void RunCommands() ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_) {
    for (std::unique_ptr<Transfer>& transfer : taken_starts_) {
      Start(std::move(transfer));
    }
    taken_starts_.clear();
    for (RequestId id : taken_cancels_) {
      Abort(id, absl::CancelledError("cancelled"));
    }
    taken_cancels_.clear();
  }

  // RunCallbacks runs what the loop collected (ready_) and what senders
  // handed over (taken_handoffs_), holding no lock: callbacks call Send.
  void RunCallbacks() ABSL_LOCKS_EXCLUDED(curl_mu_, mu_) {
    for (std::vector<Completion>* batch : {&ready_, &taken_handoffs_}) {
      for (Completion& done : *batch) {
        std::move(done.done)(std::move(done.result));
      }
      batch->clear();
    }
  }

  // RunTimeoutsAndCompletions gives curl the timeout action it asked for and
  // collects finished transfers in completed_, until neither is left. Whoever
  // holds curl_mu_ calls it before letting go, so nothing is left due.
  void RunTimeoutsAndCompletions() ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_) {
    do {
      while (timeout_due_) {
        timeout_due_ = false;
        int running = 0;
        curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
      }
      CollectDone();
    } while (timeout_due_);
  }

  // Dispatch handles one event from epoll_wait. The event may be stale: a
  // sender driving curl between epoll_wait and here may have read the
  // socket, or closed it and opened another on the same descriptor. curl
  // takes a spurious readiness in its stride (it reads or writes, finds
  // EAGAIN, waits again), as it must for level-triggered polling anyway.
  void Dispatch(const epoll_event& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_) {
    int fd = event.data.fd;
    std::uint64_t ticks;
    if (fd == wake_fd_) {
      ssize_t got = read(wake_fd_, &ticks, sizeof(ticks));
      (void)got;
      return;
    }
    if (fd == timer_fd_) {
      ssize_t got = read(timer_fd_, &ticks, sizeof(ticks));
      (void)got;
      OnTimerFired();
      return;
    }
    SocketState& state = StateOf(fd);
    if (!state.wanted) {
      // An idle kept-alive connection woke up: the upstream closed it or
      // sent something unasked. Stop watching it; curl finds it dead before
      // it would reuse it.
      epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
      state.in_epoll = false;
      return;
    }
    // Error and hang-up alone are left for curl to discover (bitmask 0).
    int mask = 0;
    if (event.events & EPOLLIN) mask |= CURL_CSELECT_IN;
    if (event.events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
    int running = 0;
    curl_multi_socket_action(multi_, fd, mask, &running);
  }

  // Start hands `transfer` to curl, which starts it at its next timeout
  // action (curl asks for one now). A transfer that cannot start goes to
  // completed_.
  void Start(std::unique_ptr<Transfer> transfer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_) {
    const HttpRequest& request = transfer->request;
    absl::Duration remaining = request.deadline - absl::Now();
    if (remaining <= absl::ZeroDuration()) {
      absl::Status error = MarkNotSent(absl::DeadlineExceededError(
          absl::StrCat("upstream ", Describe(request),
                       ": deadline passed before the request was sent")));
      Finish(std::move(transfer), std::move(error));
      return;
    }
    CURL* easy = TakeEasy();
    if (easy == nullptr) {
      absl::Status error =
          MarkNotSent(absl::ResourceExhaustedError(absl::StrCat(
              "upstream ", Describe(request), ": curl_easy_init failed")));
      Finish(std::move(transfer), std::move(error));
      return;
    }
    transfer->easy = easy;
    scratch_.assign(settings_.base_url).append(request.target);
    curl_easy_setopt(easy, CURLOPT_URL, scratch_.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
    curl_easy_setopt(easy, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferBytes);
    transfer->max_response_bytes = settings_.max_response_bytes;
    // A declared length over the limit fails before the body is read; an
    // undeclared one is cut off by OnBody as it grows.
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(settings_.max_response_bytes));
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &OnPrerequest);
    curl_easy_setopt(easy, CURLOPT_PREREQDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &Loop::OnOpenSocket);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &Loop::OnCloseSocket);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(
                         settings_.connect_timeout + absl::Microseconds(999))));
    // Round up so a sub-millisecond remainder is not "no timeout" (0).
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(std::max<int64_t>(
                         1, absl::ToInt64Milliseconds(
                                remaining + absl::Microseconds(999)))));
    if (request.method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (!request.body.empty() || request.method != "DELETE") {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE,
                         static_cast<long>(request.body.size()));
      }
    }
    // An empty "Expect:" stops curl from waiting for 100-continue.
    curl_slist* headers = curl_slist_append(nullptr, "Expect:");
    bool has_content_type = false;
    for (const auto& [name, value] : request.headers) {
      has_content_type |= absl::EqualsIgnoreCase(name, "content-type");
      scratch_.assign(name).append(": ").append(value);
      headers = curl_slist_append(headers, scratch_.c_str());
    }
    if (!request.body.empty() && !has_content_type) {
      headers = curl_slist_append(headers, "Content-Type: application/json");
    }
    transfer->headers = headers;
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    Transfer* raw = transfer.get();
    active_.emplace(raw->id, std::move(transfer));
    if (CURLMcode code = curl_multi_add_handle(multi_, easy);
        code != CURLM_OK) {
      Abort(raw->id,
            absl::InternalError(absl::StrCat(
                "upstream ", Describe(raw->request),
                ": curl_multi_add_handle: ", curl_multi_strerror(code))));
    }
  }

  void CollectDone() ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_) {
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      Transfer* raw = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &raw);
      CURLcode code = message->data.result;
      auto it = active_.find(raw->id);
      std::unique_ptr<Transfer> transfer = std::move(it->second);
      active_.erase(it);
      Detach(*transfer);
      if (code != CURLE_OK) {
        absl::Status error = TransportError(code, *transfer);
        Finish(std::move(transfer), std::move(error));
        continue;
      }
      long status = 0;
      curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &status);
      transfer->response.status = static_cast<int>(status);
      HttpResponse response = std::move(transfer->response);
      Finish(std::move(transfer), std::move(response));
    }
  }

  void Abort(RequestId id, absl::Status why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_) {
    auto it = active_.find(id);
    if (it == active_.end()) return;
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    active_.erase(it);
    Detach(*transfer);
    Finish(std::move(transfer), std::move(why));
  }

  // Shutdown cancels everything: transfers in flight, requests not yet
  // started, callbacks senders handed over, and requests sent while it runs,
  // by callbacks or by other threads before the last callback returns. Once
  // closed_ is set no Send starts a transfer itself, so whatever is sent
  // arrives through the queues this drains until they stay empty.
  void Shutdown() ABSL_LOCKS_EXCLUDED(curl_mu_, mu_) {
    const absl::Status why =
        absl::CancelledError("upstream client shutting down");
    std::vector<RequestId> ids;
    while (true) {
      {
        absl::MutexLock lock(&curl_mu_);
        closed_ = true;
        for (std::unique_ptr<Transfer>& transfer : taken_starts_) {
          Finish(std::move(transfer), why);
        }
        taken_starts_.clear();
        ids.clear();
        for (const auto& [id, transfer] : active_) ids.push_back(id);
        for (RequestId id : ids) Abort(id, why);
        ready_.swap(completed_);
      }
      RunCallbacks();
      absl::MutexLock lock(&mu_);
      cancels_.clear();
      if (starts_.empty() && handoffs_.empty()) return;
      taken_starts_.swap(starts_);
      taken_handoffs_.swap(handoffs_);
    }
  }

  // Detach removes the transfer's easy handle from the multi handle.
  void Detach(Transfer& transfer) ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_) {
    curl_multi_remove_handle(multi_, transfer.easy);
    curl_slist_free_all(transfer.headers);
    transfer.headers = nullptr;
  }

  // Finish recycles the easy handle (the multi handle keeps the connection
  // itself for reuse) and queues the callback in completed_.
  void Finish(std::unique_ptr<Transfer> transfer,
              absl::StatusOr<HttpResponse> result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_) {
    if (transfer->easy != nullptr) {
      if (idle_easy_.size() < static_cast<size_t>(settings_.max_connections)) {
        curl_easy_reset(transfer->easy);
        idle_easy_.push_back(transfer->easy);
      } else {
        curl_easy_cleanup(transfer->easy);
      }
      transfer->easy = nullptr;
    }
    completed_.push_back(
        Completion{std::move(transfer->done), std::move(result)});
  }

  CURL* TakeEasy() ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_) {
    if (idle_easy_.empty()) return curl_easy_init();
    CURL* easy = idle_easy_.back();
    idle_easy_.pop_back();
    return easy;
  }

  SocketState& StateOf(int fd) ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_) {
    if (static_cast<size_t>(fd) >= sockets_.size()) sockets_.resize(fd + 1);
    return sockets_[fd];
  }

  // curl calls the static callbacks below from inside the curl calls above,
  // all made holding curl_mu_ (AssertHeld tells the thread-safety analysis).

  // OnOpenSocket and OnCloseSocket (CURLOPT_OPENSOCKETFUNCTION and
  // CURLOPT_CLOSESOCKETFUNCTION) see every connection socket curl opens and
  // closes, so the registrations OnSocket keeps are never stale.
  static curl_socket_t OnOpenSocket(void* user, curlsocktype /*purpose*/,
                                    curl_sockaddr* address) {
    auto* loop = static_cast<Loop*>(user);
    loop->curl_mu_.AssertHeld();
    int fd = socket(address->family, address->socktype | SOCK_CLOEXEC,
                    address->protocol);
    if (fd < 0) return CURL_SOCKET_BAD;
    loop->StateOf(fd) = SocketState{};
    return fd;
  }

  static int OnCloseSocket(void* user, curl_socket_t socket) {
    auto* loop = static_cast<Loop*>(user);
    loop->curl_mu_.AssertHeld();
    // Closing also takes the socket out of the epoll set.
    loop->StateOf(socket) = SocketState{};
    return close(socket);
  }

  // OnSocket is CURLMOPT_SOCKETFUNCTION: curl says which events it wants on
  // a socket. On CURL_POLL_REMOVE the socket stays registered: the next
  // request on a kept-alive connection usually wants the same events, which
  // saves two epoll_ctl calls per request (Dispatch drops an unwanted socket
  // that wakes up). epoll_ctl from a sender while the loop waits in
  // epoll_wait is fine: the wait reports the new registration's events.
  static int OnSocket(CURL* /*easy*/, curl_socket_t socket, int what,
                      void* user, void* /*assigned*/) {
    auto* loop = static_cast<Loop*>(user);
    loop->curl_mu_.AssertHeld();
    SocketState& state = loop->StateOf(socket);
    if (what == CURL_POLL_REMOVE) {
      state.wanted = false;
      return 0;
    }
    std::uint32_t events = 0;
    if (what & CURL_POLL_IN) events |= EPOLLIN;
    if (what & CURL_POLL_OUT) events |= EPOLLOUT;
    state.wanted = true;
    if (state.in_epoll && state.events == events) return 0;
    epoll_event event{};
    event.events = events;
    event.data.fd = socket;
    int op = state.in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(loop->epoll_fd_, op, socket, &event) != 0) {
      // Our view and the kernel's disagree; take the kernel's.
      op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
      if (epoll_ctl(loop->epoll_fd_, op, socket, &event) != 0) return -1;
    }
    state.in_epoll = true;
    state.events = events;
    return 0;
  }

  // OnTimer is CURLMOPT_TIMERFUNCTION. "Now" (0) is handled in
  // RunTimeoutsAndCompletions, by whoever holds curl_mu_, without touching
  // the timerfd. A timerfd armed earlier than curl now asks is left alone: it
  // fires early and is re-armed then (OnTimerFired). Curl's next timeout
  // mostly moves later (the earliest deadline finished), so this saves a
  // timerfd_settime per request.
  static int OnTimer(CURLM* /*multi*/, long timeout_ms, void* user) {
    auto* loop = static_cast<Loop*>(user);
    loop->curl_mu_.AssertHeld();
    loop->curl_wants_timeout_at_ = absl::InfiniteDuration();
    if (timeout_ms < 0) return 0;
    if (timeout_ms == 0) {
      loop->timeout_due_ = true;
      return 0;
    }
    loop->curl_wants_timeout_at_ =
        MonotonicNow() + absl::Milliseconds(timeout_ms);
    if (loop->timer_armed_for_ <= loop->curl_wants_timeout_at_) return 0;
    return loop->ArmTimer(loop->curl_wants_timeout_at_) ? 0 : -1;
  }

  void OnTimerFired() ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_) {
    timer_armed_for_ = absl::InfiniteDuration();
    if (curl_wants_timeout_at_ == absl::InfiniteDuration()) return;
    if (MonotonicNow() >= curl_wants_timeout_at_) {
      curl_wants_timeout_at_ = absl::InfiniteDuration();
      timeout_due_ = true;
    } else {
      ArmTimer(curl_wants_timeout_at_);
    }
  }

  // ArmTimer sets the timerfd to fire at `when` on the monotonic clock.
  bool ArmTimer(absl::Duration when) ABSL_EXCLUSIVE_LOCKS_REQUIRED(curl_mu_) {
    itimerspec spec{};
    spec.it_value = absl::ToTimespec(when);
    if (timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
      return false;
    }
    timer_armed_for_ = when;
    return true;
  }

  const Settings settings_;
  CURLM* const multi_;  // used under curl_mu_
  const int epoll_fd_;
  const int timer_fd_;
  const int wake_fd_;
  std::atomic<RequestId> next_id_{1};

  // The queues between other threads and the loop thread.
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Transfer>> starts_ ABSL_GUARDED_BY(mu_);
  std::vector<RequestId> cancels_ ABSL_GUARDED_BY(mu_);
  std::vector<Completion> handoffs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // True while the loop thread is awake and will look at the queues before
  // it sleeps again; whoever sets it writes the eventfd.
  bool loop_will_look_ ABSL_GUARDED_BY(mu_) = false;

  // libcurl and the state its callbacks touch.
  absl::Mutex curl_mu_;
  // Set when the loop shuts down: Send no longer starts transfers itself.
  bool closed_ ABSL_GUARDED_BY(curl_mu_) = false;
  absl::flat_hash_map<RequestId, std::unique_ptr<Transfer>> active_
      ABSL_GUARDED_BY(curl_mu_);
  std::vector<SocketState> sockets_ ABSL_GUARDED_BY(curl_mu_);  // by fd
  std::vector<CURL*> idle_easy_ ABSL_GUARDED_BY(curl_mu_);
  // Finished transfers' callbacks; empty whenever curl_mu_ is free.
  std::vector<Completion> completed_ ABSL_GUARDED_BY(curl_mu_);
  // curl asked for its timeout action now; false whenever curl_mu_ is free.
  bool timeout_due_ ABSL_GUARDED_BY(curl_mu_) = false;
  // When curl wants its timeout action, and when the timerfd fires, on the
  // monotonic clock (infinite: never).
  absl::Duration curl_wants_timeout_at_ ABSL_GUARDED_BY(curl_mu_) =
      absl::InfiniteDuration();
  absl::Duration timer_armed_for_ ABSL_GUARDED_BY(curl_mu_) =
      absl::InfiniteDuration();
  std::string scratch_ ABSL_GUARDED_BY(curl_mu_);  // URL and header lines

  // Loop thread only.
  std::vector<std::unique_ptr<Transfer>> taken_starts_;
  std::vector<RequestId> taken_cancels_;
  std::vector<Completion> taken_handoffs_;
  std::vector<Completion> ready_;  // callbacks the loop collected itself

  std::thread thread_;
};

absl::StatusOr<std::unique_ptr<CurlRestClient>> CurlRestClient::Create(
    const config::v1::Upstream& upstream) {
  Loop::Settings settings;
  settings.base_url = upstream.base_url();
  while (absl::EndsWith(settings.base_url, "/")) settings.base_url.pop_back();
  if (settings.base_url.empty()) {
    return absl::InvalidArgumentError("upstream.base_url is empty");
  }
  if (upstream.max_connections() <= 0) {
    return absl::InvalidArgumentError(
        "upstream.max_connections must be positive");
  }
  settings.max_connections = upstream.max_connections();
  settings.connect_timeout = ToAbslDuration(upstream.connect_timeout());
  if (upstream.max_response_bytes() <= 0) {
    return absl::InvalidArgumentError(
        "upstream.max_response_bytes must be positive");
  }
  settings.max_response_bytes = upstream.max_response_bytes();
  if (settings.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "upstream.connect_timeout must be positive");
  }
  static const CURLcode kInit = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (kInit != CURLE_OK) {
    return absl::InternalError(
        absl::StrCat("curl_global_init: ", curl_easy_strerror(kInit)));
  }
  const curl_version_info_data* version = curl_version_info(CURLVERSION_NOW);
  if (version->version_num < kMinCurlVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "libcurl ", version->version,
        " is too old: 7.80 or later is needed to refuse re-sending requests"));
  }
  auto loop = Loop::Create(std::move(settings));
  if (!loop.ok()) return loop.status();
  return std::unique_ptr<CurlRestClient>(new CurlRestClient(*std::move(loop)));
}

CurlRestClient::CurlRestClient(std::unique_ptr<Loop> loop)
    : loop_(std::move(loop)) {}

CurlRestClient::~CurlRestClient() = default;

RestClient::RequestId CurlRestClient::Send(HttpRequest request, Callback done) {
  return loop_->Send(std::move(request), std::move(done));
}

void CurlRestClient::Cancel(RequestId id) { loop_->Cancel(id); }

}  // namespace gateway::rest
