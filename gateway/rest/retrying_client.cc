#include "gateway/rest/retrying_client.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/error_details.h"
#include "gateway/common/proto_duration.h"
#include "gateway/common/retry_after.h"

namespace gateway::rest {
namespace {

// The bucket's size: how many retries a quiet account may make at once.
constexpr double kBucketTokens = 10;

bool HasIdempotencyKey(const HttpRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (absl::EqualsIgnoreCase(name, "Idempotency-Key")) return true;
  }
  return false;
}

// Repeatable says whether sending `request` twice acts as sending it once.
bool Repeatable(const HttpRequest& request) {
  return request.method == "GET" || request.method == "PUT" ||
         request.method == "DELETE" || HasIdempotencyKey(request);
}

absl::Status CancelledBetweenAttempts(const HttpRequest& request) {
  return absl::CancelledError(absl::StrCat(
      "upstream ", request.method, " cancelled while waiting to retry"));
}

}  // namespace

// Call is one request from Send until its callback ran.
struct RetryingClient::Call {
  RestClient::RequestId id = 0;
  HttpRequest request;  // a copy per attempt is sent
  Callback done;

  absl::Mutex mu;
  int attempts ABSL_GUARDED_BY(mu) = 0;
  bool cancelled ABSL_GUARDED_BY(mu) = false;
  // The attempt in flight (0: none yet, or between attempts).
  RestClient::RequestId inner_id ABSL_GUARDED_BY(mu) = 0;
  // The timer of the next attempt (0: none).
  Scheduler::TaskId timer ABSL_GUARDED_BY(mu) = 0;
  // Set by the callback path only (one attempt at a time): whether an
  // earlier attempt may have acted upstream without saying so.
  bool outcome_unknown = false;
};

// Verdict is what one answer means for the call.
struct RetryingClient::Verdict {
  bool retryable = false;
  // Whether the attempt may have acted upstream without an answer saying
  // so (a connection lost after sending, 502, 504).
  bool outcome_unknown = false;
  // What the upstream asked for (Retry-After of a 429 or 503).
  std::optional<absl::Duration> wait;
};

absl::StatusOr<std::unique_ptr<RetryingClient>> RetryingClient::Create(
    std::unique_ptr<RestClient> inner, Scheduler* scheduler, const Clock* clock,
    MetricsRegistry* registry, const config::v1::Retry& retry) {
  Options options;
  options.max_attempts = retry.max_attempts();
  options.initial_backoff = ToAbslDuration(retry.initial_backoff());
  options.max_backoff = ToAbslDuration(retry.max_backoff());
  options.budget_ratio = retry.budget_ratio();
  if (options.max_attempts < 1) {
    return absl::InvalidArgumentError(
        "upstream.retry.max_attempts must be at least 1");
  }
  absl::StatusOr<Family<Counter>*> retries = registry->AddCounterFamily(
      "polytomic_gateway_upstream_retries_total",
      "Retryable upstream failures, by account and what became of them: "
      "\"retried\", or returned for want of \"budget\", time before the "
      "\"deadline\" or \"attempts\".",
      {"account", "outcome"});
  if (!retries.ok()) return retries.status();
  return std::unique_ptr<RetryingClient>(new RetryingClient(
      std::move(inner), scheduler, clock, *retries, options));
}

RetryingClient::~RetryingClient() = default;

RestClient::RequestId RetryingClient::Send(HttpRequest request, Callback done) {
  if (options_.max_attempts == 1) {
    return inner_->Send(std::move(request), std::move(done));
  }
  auto call = std::make_shared<Call>();
  call->request = std::move(request);
  call->done = std::move(done);
  {
    absl::MutexLock lock(&mu_);
    call->id = next_id_++;
    calls_.emplace(call->id, call);
  }
  RequestId id = call->id;
  Attempt(call);
  return id;
}

void RetryingClient::Cancel(RequestId id) {
  std::shared_ptr<Call> call;
  {
    absl::MutexLock lock(&mu_);
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    call = it->second;
  }
  RequestId inner_id;
  Scheduler::TaskId timer;
  {
    absl::MutexLock lock(&call->mu);
    call->cancelled = true;
    inner_id = call->inner_id;
    timer = std::exchange(call->timer, 0);
  }
  if (timer != 0 && scheduler_->Cancel(timer)) {
    Finish(call, CancelledBetweenAttempts(call->request));
    return;
  }
  if (inner_id != 0) inner_->Cancel(inner_id);
}

void RetryingClient::Attempt(const std::shared_ptr<Call>& call) {
  bool cancelled;
  {
    absl::MutexLock lock(&call->mu);
    call->timer = 0;
    cancelled = call->cancelled;
    if (!cancelled) ++call->attempts;
  }
  if (cancelled) {
    Finish(call, CancelledBetweenAttempts(call->request));
    return;
  }
  RequestId inner_id = inner_->Send(
      call->request, [this, call](absl::StatusOr<HttpResponse> answer) mutable {
        OnAnswer(call, std::move(answer));
      });
  bool cancel;
  {
    absl::MutexLock lock(&call->mu);
    call->inner_id = inner_id;
    cancel = call->cancelled;
  }
  // A Cancel that came before the id was known could not pass it on.
  if (cancel) inner_->Cancel(inner_id);
}

void RetryingClient::OnAnswer(const std::shared_ptr<Call>& call,
                              absl::StatusOr<HttpResponse> answer) {
  const HttpRequest& request = call->request;
  Verdict verdict;
  bool repeatable = Repeatable(request);
  if (!answer.ok()) {
    google::rpc::ErrorInfo refusal;
    bool refused = GetDetail(answer.status(), &refusal);
    bool not_sent = WasNotSent(answer.status());
    verdict.retryable =
        !refused && answer.status().code() == absl::StatusCode::kUnavailable &&
        (repeatable || not_sent);
    verdict.outcome_unknown = verdict.retryable && !not_sent;
  } else {
    int status = answer->status;
    if (status == 502 || status == 503 || status == 504 || status == 429) {
      verdict.retryable = repeatable;
      verdict.outcome_unknown = status == 502 || status == 504;
      if (status == 429 || status == 503) {
        verdict.wait =
            ParseRetryAfter(answer->Header("retry-after"), clock_->Now());
      }
    } else if (status == 409 && HasIdempotencyKey(request)) {
      verdict.retryable =
          call->outcome_unknown ||
          absl::StrContains(absl::AsciiStrToLower(answer->body), "idempotency");
    } else if (status == 404 && request.method == "DELETE" &&
               call->outcome_unknown) {
      HttpResponse deleted;
      deleted.status = 204;
      deleted.headers.emplace_back("x-gateway-retry",
                                   "deleted-by-earlier-attempt");
      Refill(request.account);
      Finish(call, std::move(deleted));
      return;
    }
  }
  if (!verdict.retryable) {
    Refill(request.account);
    Finish(call, std::move(answer));
    return;
  }
  call->outcome_unknown = call->outcome_unknown || verdict.outcome_unknown;
  int attempts;
  bool cancelled;
  {
    absl::MutexLock lock(&call->mu);
    attempts = call->attempts;
    cancelled = call->cancelled;
    call->inner_id = 0;
  }
  if (cancelled) {
    Finish(call, std::move(answer));
    return;
  }
  if (attempts >= options_.max_attempts) {
    Count(request.account, "attempts");
    Finish(call, std::move(answer));
    return;
  }
  absl::Duration wait = verdict.wait.value_or(Backoff(attempts));
  absl::Time at = clock_->Now() + wait;
  if (at >= request.deadline) {
    Count(request.account, "deadline");
    Finish(call, std::move(answer));
    return;
  }
  if (!Spend(request.account)) {
    Count(request.account, "budget");
    Finish(call, std::move(answer));
    return;
  }
  Count(request.account, "retried");
  Scheduler::TaskId timer =
      scheduler_->RunAt(at, [this, call] { Attempt(call); });
  {
    absl::MutexLock lock(&call->mu);
    call->timer = timer;
    cancelled = call->cancelled;
  }
  // A Cancel that came before the timer was known could not stop it.
  if (cancelled && scheduler_->Cancel(timer)) {
    Finish(call, CancelledBetweenAttempts(request));
  }
}

void RetryingClient::Finish(const std::shared_ptr<Call>& call,
                            absl::StatusOr<HttpResponse> answer) {
  {
    absl::MutexLock lock(&mu_);
    calls_.erase(call->id);
  }
  std::move(call->done)(std::move(answer));
}

absl::Duration RetryingClient::Backoff(int retry_number) {
  absl::Duration cap = options_.initial_backoff;
  for (int i = 1; i < retry_number && cap < options_.max_backoff; ++i) cap *= 2;
  cap = std::min(cap, options_.max_backoff);
  absl::MutexLock lock(&mu_);
  return absl::Uniform(random_, 0.0, 1.0) * cap;
}

bool RetryingClient::Spend(const std::string& account) {
  if (options_.budget_ratio <= 0) return false;
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = tokens_.try_emplace(account, kBucketTokens);
  if (it->second < 1) return false;
  it->second -= 1;
  return true;
}

void RetryingClient::Refill(const std::string& account) {
  if (options_.budget_ratio <= 0) return;
  absl::MutexLock lock(&mu_);
  auto it = tokens_.find(account);
  // An account never retried has a full bucket it need not store.
  if (it == tokens_.end()) return;
  it->second = std::min(kBucketTokens, it->second + options_.budget_ratio);
}

void RetryingClient::Count(const std::string& account,
                           absl::string_view outcome) {
  retries_->WithLabels({account, outcome})->Increment();
}

}  // namespace gateway::rest
