// calls_in_flight.h: how many contract calls the gateway is serving, from
// the moment gRPC hands one over until gRPC is done with it.
//
//   CallsInFlight in_flight;
//   in_flight.Enter();  ... in_flight.Leave();
//   in_flight.Await(0, absl::Seconds(10));  // e.g. drain, or a test
#ifndef GATEWAY_SERVER_CALLS_IN_FLIGHT_H_
#define GATEWAY_SERVER_CALLS_IN_FLIGHT_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace gateway::server {

// CallsInFlight counts calls.
//
// Thread safety: thread-safe.
class CallsInFlight {
 public:
  void Enter() {
    absl::MutexLock lock(&mu_);
    ++count_;
  }
  void Leave() {
    absl::MutexLock lock(&mu_);
    --count_;
  }
  int count() const {
    absl::MutexLock lock(&mu_);
    return count_;
  }

  // Await blocks until exactly `n` calls are in flight; false if that did
  // not happen within `timeout`.
  bool Await(int n, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto reached = [this, n]()
                       ABSL_SHARED_LOCKS_REQUIRED(mu_) { return count_ == n; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }

 private:
  mutable absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_CALLS_IN_FLIGHT_H_
