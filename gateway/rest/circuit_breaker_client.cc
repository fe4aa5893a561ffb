#include "gateway/rest/circuit_breaker_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/common/error_details.h"
#include "gateway/common/proto_duration.h"

namespace gateway::rest {
namespace {

// How long a request refused while a probe is out should wait.
constexpr absl::Duration kProbeWait = absl::Seconds(1);

absl::Status CircuitOpen(const HttpRequest& request, absl::Duration wait) {
  absl::Status status = ErrorWithInfo(
      absl::StatusCode::kUnavailable,
      absl::StrCat(request.operation,
                   ": the upstream failed repeatedly for "
                   "account \"",
                   request.account,
                   "\"; calls are paused "
                   "(circuit open) and resume after a successful probe"),
      "UPSTREAM_CIRCUIT_OPEN",
      {{"operation", std::string(request.operation)},
       {"account", request.account}});
  AttachRetryDelay(status, wait);
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<CircuitBreakerClient>>
CircuitBreakerClient::Create(std::unique_ptr<RestClient> inner,
                             Scheduler* scheduler, const Clock* clock,
                             MetricsRegistry* registry,
                             const config::v1::CircuitBreaker& breaker) {
  if (breaker.failure_threshold() <= 0) {
    return absl::InvalidArgumentError(
        "upstream.circuit_breaker.failure_threshold must be positive");
  }
  absl::Duration open_duration = ToAbslDuration(breaker.open_duration());
  if (open_duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "upstream.circuit_breaker.open_duration must be positive");
  }
  absl::StatusOr<Family<Gauge>*> open = registry->AddGaugeFamily(
      "polytomic_gateway_upstream_circuit_open",
      "1 while the account's circuit is open or half-open, else 0.",
      {"account"});
  if (!open.ok()) return open.status();
  absl::StatusOr<Family<Counter>*> rejections = registry->AddCounterFamily(
      "polytomic_gateway_upstream_circuit_rejections_total",
      "Upstream requests refused because the account's circuit was open.",
      {"account"});
  if (!rejections.ok()) return rejections.status();
  return std::unique_ptr<CircuitBreakerClient>(new CircuitBreakerClient(
      std::move(inner), scheduler, clock, *open, *rejections,
      breaker.failure_threshold(), open_duration));
}

CircuitBreakerClient::~CircuitBreakerClient() = default;

RestClient::RequestId CircuitBreakerClient::Send(HttpRequest request,
                                                 Callback done) {
  bool probe = false;
  absl::Status refusal;
  {
    absl::MutexLock lock(&mu_);
    Circuit& circuit = CircuitOf(request.account);
    if (circuit.open) {
      absl::Time now = clock_->Now();
      if (now < circuit.open_until) {
        refusal = CircuitOpen(request, circuit.open_until - now);
      } else if (circuit.probe_in_flight) {
        refusal = CircuitOpen(request, kProbeWait);
      } else {
        circuit.probe_in_flight = probe = true;
      }
      if (!refusal.ok()) circuit.rejections->Increment();
    }
  }
  if (!refusal.ok()) {
    std::move(done)(std::move(refusal));
    return 0;  // never a transport id: Cancel(0) is ignored
  }
  // The operation outlives the request (RestClient's contract); the account
  // is copied, as the request moves on.
  return inner_->Send(
      std::move(request),
      [this, account = request.account, probe,
       done = std::move(done)](absl::StatusOr<HttpResponse> answer) mutable {
        Outcome outcome = Outcome::kSuccess;
        if (!answer.ok()) {
          google::rpc::ErrorInfo refused;
          const absl::Status& status = answer.status();
          bool failure =
              status.code() == absl::StatusCode::kUnavailable ||
              (status.code() == absl::StatusCode::kDeadlineExceeded &&
               !WasNotSent(status));
          outcome = failure && !GetDetail(status, &refused) ? Outcome::kFailure
                                                            : Outcome::kNeither;
        } else if (answer->status >= 500) {
          outcome = Outcome::kFailure;
        }
        Record(account, probe, outcome);
        std::move(done)(std::move(answer));
      });
}

void CircuitBreakerClient::SetAccounts(std::vector<std::string> accounts) {
  {
    absl::MutexLock lock(&mu_);
    accounts_ = std::move(accounts);
  }
  Reevaluate();
}

void CircuitBreakerClient::OnAllOpenChange(AllOpenListener listener) {
  absl::MutexLock lock(&listener_mu_);
  listener_ = std::move(listener);
}

CircuitBreakerClient::Circuit& CircuitBreakerClient::CircuitOf(
    const std::string& account) {
  auto [it, inserted] = circuits_.try_emplace(account);
  if (inserted) {
    it->second.open_gauge = open_->WithLabels({account});
    it->second.rejections = rejections_->WithLabels({account});
  }
  return it->second;
}

void CircuitBreakerClient::Record(const std::string& account, bool probe,
                                  Outcome outcome) {
  bool opened = false;
  absl::Time until;
  {
    absl::MutexLock lock(&mu_);
    Circuit& circuit = CircuitOf(account);
    if (probe) circuit.probe_in_flight = false;
    switch (outcome) {
      case Outcome::kNeither:
        return;
      case Outcome::kSuccess:
        circuit.failures = 0;
        // Only the probe closes: answers to requests sent before the
        // circuit opened say nothing of the upstream now.
        if (circuit.open && probe) {
          circuit.open = false;
          circuit.open_gauge->Set(0);
        }
        break;
      case Outcome::kFailure:
        ++circuit.failures;
        if (probe || (!circuit.open && circuit.failures >= threshold_)) {
          circuit.open = opened = true;
          circuit.open_until = until = clock_->Now() + open_duration_;
          circuit.open_gauge->Set(1);
        }
        break;
    }
  }
  // When the circuit turns half-open, health may turn back to serving.
  if (opened) scheduler_->RunAt(until, [this] { Reevaluate(); });
  Reevaluate();
}

bool CircuitBreakerClient::AllOpenLocked(absl::Time now) const {
  if (accounts_.empty()) return false;
  for (const std::string& account : accounts_) {
    auto it = circuits_.find(account);
    if (it == circuits_.end() || !it->second.open ||
        now >= it->second.open_until) {
      return false;
    }
  }
  return true;
}

void CircuitBreakerClient::Reevaluate() {
  absl::MutexLock notify(&listener_mu_);
  bool all_open;
  {
    absl::MutexLock lock(&mu_);
    all_open = AllOpenLocked(clock_->Now());
  }
  if (all_open == all_open_) return;
  all_open_ = all_open;
  if (listener_) listener_(all_open);
}

}  // namespace gateway::rest
