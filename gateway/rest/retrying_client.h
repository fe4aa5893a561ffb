// retrying_client.h: the RestClient decorator that re-sends a request after
// a failure another attempt may fix, and alone decides every re-send.
//
//   ASSIGN_OR_RETURN(auto retrying,
//                    RetryingClient::Create(std::move(inner), &timers, &clock,
//                                           &registry, config.retry()));
//   retrying->Send(HttpRequest{.method = "GET", ...}, done);  // up to 3 tries
//
// What is retried (README.md, "Retries"):
// - GET, PUT and DELETE, and a POST or PATCH carrying an Idempotency-Key
//   (the upstream answers a repeated key with the first outcome, so a
//   repeat never acts twice), after a connection failure or a 502, 503, 504
//   or 429 answer; any method after a failure marked kRequestNotSent.
// - A 409 to a keyed request, when an earlier attempt's outcome is unknown
//   (it may still run upstream, holding the key) or the answer says the key
//   is in use: the upstream answers 409 while a key's first request is in
//   flight.
// - Never: 500 (the upstream failed doing it), timeouts of the caller's
//   deadline, cancellations, and refusals of the decorators below (an
//   ErrorInfo: circuit open, overload).
// Every attempt carries the same request, Idempotency-Key included.
//
// When: after `initial_backoff * 2^(n-1)` capped at `max_backoff`, drawn
// uniformly from zero to that (full jitter); after a 429 or 503, when its
// Retry-After (seconds or an HTTP date) says. Never when the wait would end
// past the request's deadline: the last answer is returned instead.
//
// How much: a token bucket per account (gRPC's retry throttling): 10 tokens,
// full at first; each answer that is not a retryable failure adds
// `budget_ratio` of one, each retry spends one, and without a whole token
// the failure is returned as it is. So retries stay near `budget_ratio` of
// traffic under a persistent fault.
//
// A DELETE whose retry answers 404 after an attempt of unknown outcome
// (a connection lost after sending, 502 or 504) succeeded: the earlier
// attempt deleted the resource. It answers 204 with header
// `x-gateway-retry: deleted-by-earlier-attempt`.
//
// Metrics: polytomic_gateway_upstream_retries_total{account, outcome}:
// outcome "retried", or why a retryable failure was returned: "budget",
// "deadline", "attempts".
#ifndef GATEWAY_REST_RETRYING_CLIENT_H_
#define GATEWAY_REST_RETRYING_CLIENT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gateway/common/clock.h"
#include "gateway/common/metrics.h"
#include "gateway/common/rest_client.h"
#include "gateway/common/scheduler.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::rest {

// RetryingClient owns the client it wraps; the scheduler, clock and registry
// are borrowed and must outlive it. Tasks it leaves in the scheduler point
// to it: stop the scheduler (Scheduler::Stop) before destroying it.
//
// Thread safety: as RestClient. The callback runs where the inner client
// ran the last attempt's, or on the scheduler's thread when Cancel finds the
// request waiting for its next attempt (then inline in Cancel).
class RetryingClient final : public RestClient {
 public:
  // Create checks `retry` (with defaults applied) and registers the retry
  // counter in `registry`.
  static absl::StatusOr<std::unique_ptr<RetryingClient>> Create(
      std::unique_ptr<RestClient> inner, Scheduler* scheduler,
      const Clock* clock, MetricsRegistry* registry,
      const config::v1::Retry& retry);

  ~RetryingClient() override;

  RequestId Send(HttpRequest request, Callback done) override;
  void Cancel(RequestId id) override;

 private:
  struct Call;
  struct Verdict;
  struct Options {
    int max_attempts = 3;
    absl::Duration initial_backoff;
    absl::Duration max_backoff;
    double budget_ratio = 0.2;
  };

  RetryingClient(std::unique_ptr<RestClient> inner, Scheduler* scheduler,
                 const Clock* clock, Family<Counter>* retries, Options options)
      : inner_(std::move(inner)),
        scheduler_(scheduler),
        clock_(clock),
        retries_(retries),
        options_(options) {}

  void Attempt(const std::shared_ptr<Call>& call);
  void OnAnswer(const std::shared_ptr<Call>& call,
                absl::StatusOr<HttpResponse> answer);
  // Finish runs the call's callback and forgets it.
  void Finish(const std::shared_ptr<Call>& call,
              absl::StatusOr<HttpResponse> answer);
  absl::Duration Backoff(int retry_number);
  // Spend takes a token from the account's bucket; false when it has none.
  bool Spend(const std::string& account);
  void Refill(const std::string& account);
  void Count(const std::string& account, absl::string_view outcome);

  const std::unique_ptr<RestClient> inner_;
  Scheduler* const scheduler_;
  const Clock* const clock_;
  Family<Counter>* const retries_;  // owned by the registry
  const Options options_;

  absl::Mutex mu_;
  RequestId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<RequestId, std::shared_ptr<Call>> calls_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, double> tokens_ ABSL_GUARDED_BY(mu_);
  absl::BitGen random_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gateway::rest

#endif  // GATEWAY_REST_RETRYING_CLIENT_H_
