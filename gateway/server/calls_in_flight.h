// calls_in_flight.h: how many contract calls the gateway is serving, from
// the moment gRPC hands one over until gRPC is done with it.
//
//   CallsInFlight in_flight;
//   in_flight.Enter();  ... in_flight.Leave();
//   in_flight.Close();  // drain: calls from now on are refused
//   in_flight.Await(0, absl::Seconds(10));
#ifndef GATEWAY_SERVER_CALLS_IN_FLIGHT_H_
#define GATEWAY_SERVER_CALLS_IN_FLIGHT_H_

#include <atomic>

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
  // Close marks the gateway as draining: calls that arrive from now on are
  // refused (UNAVAILABLE) instead of served; they still count while gRPC
  // finishes them.
  void Close() { closed_.store(true, std::memory_order_release); }
  bool closed() const { return closed_.load(std::memory_order_acquire); }

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

  // AwaitNoneOrHurry blocks until no call is in flight, Hurry was called,
  // or `deadline` passed; true only in the first case.
  bool AwaitNoneOrHurry(absl::Time deadline) const {
    absl::MutexLock lock(&mu_);
    auto done = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return count_ == 0 || hurry_;
    };
    mu_.AwaitWithDeadline(absl::Condition(&done), deadline);
    return count_ == 0;
  }
  // Hurry ends a wait of AwaitNoneOrHurry (a second stop signal).
  void Hurry() {
    absl::MutexLock lock(&mu_);
    hurry_ = true;
  }

 private:
  mutable absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
  bool hurry_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> closed_{false};
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_CALLS_IN_FLIGHT_H_
