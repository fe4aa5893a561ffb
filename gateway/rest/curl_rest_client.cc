#include "gateway/rest/curl_rest_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace gateway::rest {
namespace {

// How long the loop sleeps in curl_multi_poll when nothing happens; new work
// wakes it at once, so this only bounds the latency of curl's own timers.
constexpr int kPollTimeoutMs = 1000;

// Size of each transfer's receive buffer: libcurl's minimum. curl's default
// (16 KiB) would dominate the memory of a call in flight; Polytomic answers
// are a few KiB, and larger ones just take more reads.
constexpr long kReceiveBufferBytes = 1024;

// Size of each transfer's upload buffer: libcurl's minimum. curl allocates it
// (64 KiB by default) to copy the request into before a TLS write; request
// bodies here are small JSON documents.
constexpr long kUploadBufferBytes = 16 * 1024;

// CURLOPT_PREREQFUNCTION appeared in libcurl 7.80.0.
constexpr unsigned kMinCurlVersion = 0x075000;

// Transfer is one request from Send until its callback ran.
struct Transfer {
  RestClient::RequestId id = 0;
  HttpRequest request;
  RestClient::Callback done;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpResponse response;
  // How often libcurl was about to write the request to a connection.
  int send_attempts = 0;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<Transfer*>(user)->response.body.append(data, size * count);
  return size * count;
}

// OnHeader collects response headers. A new status line starts a new header
// block (interim 1xx answers), so earlier headers are dropped.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  absl::string_view line(data, size * count);
  line = absl::StripTrailingAsciiWhitespace(line);
  if (absl::StartsWith(line, "HTTP/")) {
    transfer->response.headers.clear();
  } else if (size_t colon = line.find(':'); colon != line.npos) {
    transfer->response.headers.emplace_back(
        absl::AsciiStrToLower(line.substr(0, colon)),
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  }
  return size * count;
}

// OnPrerequest runs each time libcurl is about to write the request to a
// connection, new or reused. The first time is the request itself. A second
// time is libcurl retrying on a fresh connection because the reused one died
// before any answer (Curl_retry_request: after a read of nothing, or a send
// error, on a reused connection): the first copy may have reached the
// upstream, so the retry is refused and the transfer fails with
// CURLE_ABORTED_BY_CALLBACK. A cached connection found dead before use is
// dropped before this runs, so replacing it is not a second attempt.
int OnPrerequest(void* user, char* /*remote_ip*/, char* /*local_ip*/,
                 int /*remote_port*/, int /*local_port*/) {
  auto* transfer = static_cast<Transfer*>(user);
  return ++transfer->send_attempts == 1 ? CURL_PREREQFUNC_OK
                                        : CURL_PREREQFUNC_ABORT;
}

// Describe names the call in error messages: method and path, never the query
// string, headers or body.
std::string Describe(const HttpRequest& request) {
  absl::string_view path = request.target;
  path = path.substr(0, path.find_first_of("?#"));
  return absl::StrCat(request.method, " ", path);
}

// TransportError maps a failed transfer. A timeout before the request's own
// deadline and before any send attempt is the connect timeout: the upstream
// did not take the connection, which is unavailability, not the caller's
// deadline running out.
absl::Status TransportError(CURLcode code, const Transfer& transfer) {
  const HttpRequest& request = transfer.request;
  std::string message = absl::StrCat("upstream ", Describe(request), ": ");
  bool sent = transfer.send_attempts > 0;
  if (code == CURLE_ABORTED_BY_CALLBACK && transfer.send_attempts > 1) {
    return absl::UnavailableError(absl::StrCat(
        message,
        "the connection closed before an answer; the request may have reached "
        "the upstream and was not re-sent"));
  }
  absl::StrAppend(&message, curl_easy_strerror(code));
  if (code == CURLE_OPERATION_TIMEDOUT) {
    if (!sent && absl::Now() < request.deadline) {
      return absl::UnavailableError(absl::StrCat(
          message,
          " (no connection within the connect timeout; the request "
          "was not sent)"));
    }
    return absl::DeadlineExceededError(message);
  }
  absl::StrAppend(&message, sent
                                ? " (the request may have reached the upstream)"
                                : " (the request was not sent)");
  return absl::UnavailableError(message);
}

void InitCurlOnce() {
  static const CURLcode kInit = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)kInit;
}

}  // namespace

// Loop owns the multi handle and the thread that drives it. Every curl call
// happens on that thread; other threads only touch the command queues.
class CurlRestClient::Loop {
 public:
  struct Options {
    std::string base_url;  // without a trailing '/'
    long max_connections = 0;
    absl::Duration connect_timeout;
  };

  Loop(CURLM* multi, Options options)
      : multi_(multi), options_(std::move(options)) {
    thread_ = std::thread([this] { Run(); });
  }

  ~Loop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    curl_multi_wakeup(multi_);
    thread_.join();
    for (CURL* easy : idle_) curl_easy_cleanup(easy);
    curl_multi_cleanup(multi_);
  }

  RequestId Send(HttpRequest request, Callback done) {
    auto transfer = std::make_unique<Transfer>();
    transfer->id = next_id_.fetch_add(1, std::memory_order_relaxed);
    transfer->request = std::move(request);
    transfer->done = std::move(done);
    RequestId id = transfer->id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      starts_.push_back(std::move(transfer));
    }
    curl_multi_wakeup(multi_);
    return id;
  }

  void Cancel(RequestId id) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancels_.push_back(id);
    }
    curl_multi_wakeup(multi_);
  }

 private:
  void Run() {
    while (true) {
      std::vector<std::unique_ptr<Transfer>> starts;
      std::vector<RequestId> cancels;
      bool stopping;
      {
        std::lock_guard<std::mutex> lock(mu_);
        starts.swap(starts_);
        cancels.swap(cancels_);
        stopping = stopping_;
      }
      if (stopping) {
        Shutdown(std::move(starts));
        return;
      }
      for (auto& transfer : starts) Start(std::move(transfer));
      for (RequestId id : cancels) Abort(id, absl::CancelledError("cancelled"));
      int running = 0;
      curl_multi_perform(multi_, &running);
      CollectDone();
      curl_multi_poll(multi_, nullptr, 0, kPollTimeoutMs, nullptr);
    }
  }

  void Start(std::unique_ptr<Transfer> transfer) {
    const HttpRequest& request = transfer->request;
    absl::Duration remaining = request.deadline - absl::Now();
    if (remaining <= absl::ZeroDuration()) {
      Finish(std::move(transfer), absl::DeadlineExceededError(absl::StrCat(
                                      "upstream ", Describe(request),
                                      ": deadline passed before "
                                      "the request was sent")));
      return;
    }
    CURL* easy = TakeEasy();
    transfer->easy = easy;
    std::string url = absl::StrCat(options_.base_url, request.target);
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
    curl_easy_setopt(easy, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferBytes);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &OnPrerequest);
    curl_easy_setopt(easy, CURLOPT_PREREQDATA, transfer.get());
    curl_easy_setopt(
        easy, CURLOPT_CONNECTTIMEOUT_MS,
        static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
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
      headers =
          curl_slist_append(headers, absl::StrCat(name, ": ", value).c_str());
    }
    if (!request.body.empty() && !has_content_type) {
      headers = curl_slist_append(headers, "Content-Type: application/json");
    }
    transfer->headers = headers;
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    RequestId id = transfer->id;
    active_.emplace(id, std::move(transfer));
    curl_multi_add_handle(multi_, easy);
  }

  void CollectDone() {
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

  void Abort(RequestId id, absl::Status why) {
    auto it = active_.find(id);
    if (it == active_.end()) return;
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    active_.erase(it);
    Detach(*transfer);
    Finish(std::move(transfer), std::move(why));
  }

  void Shutdown(std::vector<std::unique_ptr<Transfer>> not_started) {
    for (auto& transfer : not_started) {
      Finish(std::move(transfer),
             absl::CancelledError("upstream client shutting down"));
    }
    std::vector<RequestId> ids;
    for (const auto& [id, transfer] : active_) ids.push_back(id);
    for (RequestId id : ids) {
      Abort(id, absl::CancelledError("upstream client shutting down"));
    }
  }

  // Detach removes the transfer's easy handle from the multi handle.
  void Detach(Transfer& transfer) {
    curl_multi_remove_handle(multi_, transfer.easy);
    curl_slist_free_all(transfer.headers);
    transfer.headers = nullptr;
  }

  // Finish runs the callback and recycles the easy handle; the multi handle
  // keeps the connection itself for reuse.
  void Finish(std::unique_ptr<Transfer> transfer,
              absl::StatusOr<HttpResponse> result) {
    if (transfer->easy != nullptr) {
      curl_easy_reset(transfer->easy);
      idle_.push_back(transfer->easy);
      transfer->easy = nullptr;
    }
    std::move(transfer->done)(std::move(result));
  }

  CURL* TakeEasy() {
    if (idle_.empty()) return curl_easy_init();
    CURL* easy = idle_.back();
    idle_.pop_back();
    return easy;
  }

  CURLM* const multi_;
  const Options options_;
  std::atomic<RequestId> next_id_{1};

  std::mutex mu_;
  std::vector<std::unique_ptr<Transfer>> starts_;  // guarded by mu_
  std::vector<RequestId> cancels_;                 // guarded by mu_
  bool stopping_ = false;                          // guarded by mu_

  // Loop-thread only.
  std::unordered_map<RequestId, std::unique_ptr<Transfer>> active_;
  std::vector<CURL*> idle_;
  std::thread thread_;
};

absl::StatusOr<std::unique_ptr<CurlRestClient>> CurlRestClient::Create(
    const config::v1::Upstream& upstream) {
  Loop::Options options;
  options.base_url = upstream.base_url();
  while (absl::EndsWith(options.base_url, "/")) options.base_url.pop_back();
  if (options.base_url.empty()) {
    return absl::InvalidArgumentError("upstream.base_url is empty");
  }
  if (upstream.max_connections() <= 0) {
    return absl::InvalidArgumentError(
        "upstream.max_connections must be positive");
  }
  options.max_connections = upstream.max_connections();
  options.connect_timeout =
      absl::Seconds(upstream.connect_timeout().seconds()) +
      absl::Nanoseconds(upstream.connect_timeout().nanos());
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "upstream.connect_timeout must be positive");
  }
  InitCurlOnce();
  const curl_version_info_data* version = curl_version_info(CURLVERSION_NOW);
  if (version->version_num < kMinCurlVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "libcurl ", version->version,
        " is too old: 7.80 or later is needed to refuse re-sending requests"));
  }
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) return absl::InternalError("curl_multi_init failed");
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    options.max_connections);
  // Keep as many idle connections cached as may be open, so bursts reuse
  // them instead of reconnecting.
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, options.max_connections);
  return std::unique_ptr<CurlRestClient>(
      new CurlRestClient(std::make_unique<Loop>(multi, std::move(options))));
}

CurlRestClient::CurlRestClient(std::unique_ptr<Loop> loop)
    : loop_(std::move(loop)) {}

CurlRestClient::~CurlRestClient() = default;

RestClient::RequestId CurlRestClient::Send(HttpRequest request, Callback done) {
  return loop_->Send(std::move(request), std::move(done));
}

void CurlRestClient::Cancel(RequestId id) { loop_->Cancel(id); }

}  // namespace gateway::rest
