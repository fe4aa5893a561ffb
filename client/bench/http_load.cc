#include "client/bench/http_load.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "client/bench/grpc_load.h"

namespace client::bench {
namespace {

// Transfer is one in-flight slot: an easy handle reused for every request
// of the slot, so its connection is kept alive.
struct Transfer {
  CURL* easy = nullptr;
  int64_t start_nanos = 0;
};

size_t Discard(char* /*data*/, size_t size, size_t count, void* /*user*/) {
  return size * count;
}

struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

absl::Status HttpLoadGenerator::Run(WindowObserver* observer, Report* report) {
  if (options_.connections < 1 || options_.concurrency < 1) {
    return absl::InvalidArgumentError(
        "connections and concurrency must be at least 1");
  }
  std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
  if (multi == nullptr) return absl::InternalError("curl_multi_init failed");
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    static_cast<long>(options_.connections));
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS,
                    static_cast<long>(options_.connections));
  curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS,
                    static_cast<long>(options_.connections));

  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  for (const std::string& header : options_.headers) {
    header_list.reset(curl_slist_append(header_list.release(), header.c_str()));
  }

  std::vector<Transfer> transfers(options_.concurrency);
  std::vector<std::unique_ptr<CURL, EasyDeleter>> easies;
  for (Transfer& transfer : transfers) {
    CURL* easy = curl_easy_init();
    if (easy == nullptr) return absl::InternalError("curl_easy_init failed");
    easies.emplace_back(easy);
    transfer.easy = easy;
    curl_easy_setopt(easy, CURLOPT_URL, options_.url.c_str());
    if (options_.method != "GET") {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, options_.method.c_str());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, options_.body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE,
                       static_cast<long>(options_.body.size()));
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list.get());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Discard);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(
        easy, CURLOPT_TIMEOUT_MS,
        static_cast<long>(absl::ToInt64Milliseconds(options_.request_timeout)));
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
  }

  if (observer != nullptr) observer->OnLoadStart();
  const int64_t start = MonotonicNanos();
  const int64_t window_start =
      start + absl::ToInt64Nanoseconds(options_.warmup);
  const int64_t window_end =
      window_start + absl::ToInt64Nanoseconds(options_.duration);
  int64_t ok = 0;
  int64_t warmup_calls = 0;
  std::map<std::string, int64_t> warmup_errors;
  std::map<std::string, int64_t> errors;

  // Observe tells the observer about the window bounds `now` has passed,
  // and returns how long until the next one (at most 100 ms), to bound the
  // wait for transfers.
  bool window_started = false;
  bool window_ended = false;
  auto observe = [&](int64_t now) {
    if (observer == nullptr) return 100;
    if (!window_started && now >= window_start) {
      window_started = true;
      observer->OnWindowStart();
    }
    if (!window_ended && now >= window_end) {
      window_ended = true;
      observer->OnWindowEnd();
    }
    if (window_ended) return 100;
    const int64_t next = window_started ? window_end : window_start;
    return static_cast<int>(std::min<int64_t>(100, (next - now) / 1000000 + 1));
  };

  for (Transfer& transfer : transfers) {
    transfer.start_nanos = MonotonicNanos();
    curl_multi_add_handle(multi.get(), transfer.easy);
  }
  // Transfers added and not yet done; curl's own "running" count lags behind
  // the handles re-added below.
  size_t active = transfers.size();
  while (active > 0) {
    int running = 0;
    CURLMcode mc = curl_multi_perform(multi.get(), &running);
    if (mc != CURLM_OK) {
      return absl::InternalError(
          absl::StrCat("libcurl multi: ", curl_multi_strerror(mc)));
    }
    // Handle completions before waiting, so a finished transfer's successor
    // starts at once.
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      const int64_t now = MonotonicNanos();
      Transfer* transfer = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &transfer);
      std::string error;
      if (msg->data.result != CURLE_OK) {
        error = absl::StrCat("curl ", msg->data.result, ": ",
                             curl_easy_strerror(msg->data.result));
      } else {
        long http_status = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE,
                          &http_status);
        if (http_status < 200 || http_status > 299) {
          error = absl::StrCat("HTTP ", http_status);
        }
      }
      const bool measured = transfer->start_nanos >= window_start &&
                            transfer->start_nanos < window_end;
      if (measured) {
        latency_.Record(absl::Nanoseconds(now - transfer->start_nanos));
        error.empty() ? ++ok : ++errors[error];
      } else {
        ++warmup_calls;
        if (!error.empty()) ++warmup_errors[error];
      }
      curl_multi_remove_handle(multi.get(), transfer->easy);
      --active;
      if (now < window_end) {
        // Re-adding the same easy handle reuses its kept-alive connection.
        transfer->start_nanos = now;
        curl_multi_add_handle(multi.get(), transfer->easy);
        ++active;
      }
    }
    const int wait_ms = observe(MonotonicNanos());
    if (active == 0) break;
    // Returns at once when a re-added handle is due (curl's timer is 0).
    mc = curl_multi_poll(multi.get(), nullptr, 0, wait_ms, nullptr);
    if (mc != CURLM_OK) {
      return absl::InternalError(
          absl::StrCat("libcurl multi: ", curl_multi_strerror(mc)));
    }
  }

  report->target = options_.url;
  report->mode = "closed-loop";
  report->connections = options_.connections;
  report->concurrency = options_.concurrency;
  report->window = options_.duration;
  report->ok_calls = ok;
  report->calls = ok;
  for (const auto& [key, count] : errors) report->calls += count;
  report->errors = std::move(errors);
  report->warmup_calls = warmup_calls;
  report->warmup_errors = std::move(warmup_errors);
  report->latency = &latency_;
  return absl::OkStatus();
}

}  // namespace client::bench
