// circuit_breaker_client.h: the RestClient decorator that stops sending to
// an upstream account after repeated failures, and probes before resuming.
//
//   ASSIGN_OR_RETURN(auto breaker, CircuitBreakerClient::Create(
//       std::move(inner), &timers, &clock, &registry,
//       config.upstream().circuit_breaker()));
//   breaker->SetAccounts({"production", "staging"});
//   breaker->OnAllOpenChange([&](bool all_open) { health(!all_open); });
//
// One circuit per account. Failures: connection failures, timeouts and 5xx
// answers; a request refused before it was sent (kRequestNotSent) because
// its deadline had passed, a cancellation, or a refusal of a decorator below
// (an ErrorInfo) is neither failure nor success; any other answer (4xx, 429
// included) is a success.
// - Closed: requests pass; `failure_threshold` failures in a row open it.
// - Open for `open_duration`: requests are refused inline with UNAVAILABLE,
//   reason UPSTREAM_CIRCUIT_OPEN, and RetryInfo (the time left).
// - Then half-open: one request passes as a probe, the others are refused
//   (RetryInfo 1 s); the probe's success closes the circuit, its failure
//   opens it again, its cancellation lets the next request probe.
//
// Metrics: polytomic_gateway_upstream_circuit_open{account} (1 while open or
// half-open) and polytomic_gateway_upstream_circuit_rejections_total{account}.
#ifndef GATEWAY_REST_CIRCUIT_BREAKER_CLIENT_H_
#define GATEWAY_REST_CIRCUIT_BREAKER_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gateway/common/clock.h"
#include "gateway/common/metrics.h"
#include "gateway/common/rest_client.h"
#include "gateway/common/scheduler.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::rest {

// CircuitBreakerClient owns the client it wraps; the scheduler, clock and
// registry are borrowed and must outlive it. Tasks it leaves in the
// scheduler point to it: stop the scheduler (Scheduler::Stop) before
// destroying it.
//
// Thread safety: as RestClient; SetAccounts and OnAllOpenChange may be
// called at any time. A refusal's callback runs inline in Send.
class CircuitBreakerClient final : public RestClient {
 public:
  // AllOpenListener hears whether every account's circuit is open, each time
  // that changes (never under the breaker's locks, one call at a time, on a
  // transport thread or the scheduler's).
  using AllOpenListener = std::function<void(bool all_open)>;

  // Create checks `breaker` (defaults applied; failure_threshold > 0) and
  // registers the breaker's metrics in `registry`.
  static absl::StatusOr<std::unique_ptr<CircuitBreakerClient>> Create(
      std::unique_ptr<RestClient> inner, Scheduler* scheduler,
      const Clock* clock, MetricsRegistry* registry,
      const config::v1::CircuitBreaker& breaker);

  ~CircuitBreakerClient() override;

  RequestId Send(HttpRequest request, Callback done) override;
  void Cancel(RequestId id) override { inner_->Cancel(id); }

  // SetAccounts names the accounts "every account" means (the configured
  // ones; a reload may change them).
  void SetAccounts(std::vector<std::string> accounts);
  // OnAllOpenChange sets the listener (replacing any earlier one).
  void OnAllOpenChange(AllOpenListener listener);

 private:
  struct Circuit {
    int failures = 0;              // in a row
    absl::Time open_until;         // open while now < open_until
    bool open = false;             // open or half-open
    bool probe_in_flight = false;  // half-open and its probe not back
    Gauge* open_gauge = nullptr;
    Counter* rejections = nullptr;
  };
  enum class Outcome { kSuccess, kFailure, kNeither };

  CircuitBreakerClient(std::unique_ptr<RestClient> inner, Scheduler* scheduler,
                       const Clock* clock, Family<Gauge>* open,
                       Family<Counter>* rejections, int threshold,
                       absl::Duration open_duration)
      : inner_(std::move(inner)),
        scheduler_(scheduler),
        clock_(clock),
        open_(open),
        rejections_(rejections),
        threshold_(threshold),
        open_duration_(open_duration) {}

  Circuit& CircuitOf(const std::string& account)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Record(const std::string& account, bool probe, Outcome outcome);
  bool AllOpenLocked(absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reevaluate tells the listener when "all open" changed.
  void Reevaluate();

  const std::unique_ptr<RestClient> inner_;
  Scheduler* const scheduler_;
  const Clock* const clock_;
  Family<Gauge>* const open_;          // owned by the registry
  Family<Counter>* const rejections_;  // owned by the registry
  const int threshold_;
  const absl::Duration open_duration_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Circuit> circuits_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> accounts_ ABSL_GUARDED_BY(mu_);
  // Held while telling the listener, so that changes arrive in order.
  absl::Mutex listener_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  AllOpenListener listener_ ABSL_GUARDED_BY(listener_mu_);
  bool all_open_ ABSL_GUARDED_BY(listener_mu_) = false;
};

}  // namespace gateway::rest

#endif  // GATEWAY_REST_CIRCUIT_BREAKER_CLIENT_H_
