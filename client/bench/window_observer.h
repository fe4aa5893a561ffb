// window_observer.h: the interface through which a load generator tells
// whoever watches the server when its load and measured window start and
// end; PidObserver (pid_observer.h) samples the server process with it.
//
//   client::bench::PidObserver observer(server_pid);
//   client::bench::Report report;
//   absl::Status status = load.Run(&observer, &report);
#ifndef CLIENT_BENCH_WINDOW_OBSERVER_H_
#define CLIENT_BENCH_WINDOW_OBSERVER_H_

namespace client::bench {

// WindowObserver hears when the load starts (after the connections are set
// up, before the first call) and when the measured window starts and ends.
// Called on the thread running the generator's Run(), once each, in that
// order; an observer that takes long delays the load.
class WindowObserver {
 public:
  virtual ~WindowObserver() = default;
  virtual void OnLoadStart() = 0;
  virtual void OnWindowStart() = 0;
  virtual void OnWindowEnd() = 0;
};

}  // namespace client::bench

#endif  // CLIENT_BENCH_WINDOW_OBSERVER_H_
