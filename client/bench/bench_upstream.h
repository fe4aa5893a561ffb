// bench_upstream.h: a tiny single-threaded HTTP/1.1 server that answers every
// request (any method, any path) with one fixed JSON document, optionally
// after a constant delay: the upstream of the benchmarks, cheap enough per
// request that a benchmark measures the gateway, not its upstream.
//
//   client::bench::BenchUpstreamOptions options;  // realistic bulk sync body
//   options.delay = absl::Milliseconds(10);       // optional
//   absl::StatusOr<std::unique_ptr<client::bench::BenchUpstream>> upstream =
//       client::bench::BenchUpstream::Start(options);
//   if (!upstream.ok()) return upstream.status();
//   std::string url = absl::StrCat("http://127.0.0.1:", (*upstream)->port());
//   ...
//   (*upstream)->Stop();  // or let it go out of scope
//
// One thread runs an epoll loop over non-blocking sockets: keep-alive,
// pipelined requests, request bodies read by Content-Length and discarded.
// Every answer is `200 OK` with `Content-Type: application/json`, its
// Content-Length and the body; the answers of one connection leave in the
// order of its requests. With a delay, each answer leaves `delay` after its
// request was read in full, without blocking the loop: the delay is
// constant, so due answers form a FIFO served by one timerfd.
//
// `GET /_stats` (query string allowed) is the server's own: it is answered
// at once, never delayed, with `{"requests":N,"connections":M}`, the
// requests read in full so far (the /_stats ones excluded) and the
// connections accepted so far, so a benchmark can count what reached the
// upstream (e.g. how many of 1,000 identical reads a gateway coalesced).
//
// Not supported (not needed by the benchmark's clients, which are libcurl
// and the gateway): chunked request bodies (`Transfer-Encoding` closes the
// connection unanswered), `Expect: 100-continue` (such a client waits its
// own timeout before sending the body), `Connection: close` (the server
// closes a connection only when the client has closed its side and every
// answer has left, or on an error), and a `GET /_stats` pipelined behind
// requests whose delayed answers are still owed (it would have to wait for
// them; the connection closes instead: ask on a connection of its own, as
// `curl URL/_stats` does).
#ifndef CLIENT_BENCH_BENCH_UPSTREAM_H_
#define CLIENT_BENCH_BENCH_UPSTREAM_H_

#include <sys/uio.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace client::bench {

// RealisticBulkSyncDocument is the answer `{"data": {...}}` of Polytomic's
// GET /api/bulk/syncs/{id} in the API's wire JSON (snake_case, enum wire
// values): the same bulk sync as echo_service.h's
// RealisticGetBulkSyncResponse(), so the gateway can translate it into that
// response, merge a masked update onto it and take it as a PUT's answer.
std::string RealisticBulkSyncDocument();

// BenchUpstreamOptions configures a BenchUpstream.
struct BenchUpstreamOptions {
  std::string host = "127.0.0.1";  // An IPv4 address to listen on.
  int port = 0;                    // 0 picks a free port; see port().
  std::string body = RealisticBulkSyncDocument();  // Every answer's body.
  absl::Duration delay = absl::ZeroDuration();     // Before each answer.
};

// BenchUpstream serves until Stop() or its destruction.
//
// Ownership and thread safety: Start() returns the owner; port() and Stop()
// may be called from any one thread. The server's loop runs on its own
// thread, which alone touches the sockets and connections; it blocks every
// signal its creator's thread had blocked (start it after blocking the
// signals a main wants to sigwait() for).
class BenchUpstream {
 public:
  // Start binds, listens with a SOMAXCONN backlog and starts the loop.
  // InvalidArgument for a host that is not an IPv4 address; Unavailable
  // when a socket, bind or listen fails (the message names the call and
  // errno).
  static absl::StatusOr<std::unique_ptr<BenchUpstream>> Start(
      BenchUpstreamOptions options);

  ~BenchUpstream();
  BenchUpstream(const BenchUpstream&) = delete;
  BenchUpstream& operator=(const BenchUpstream&) = delete;

  // port is the port listened on.
  int port() const { return port_; }

  // Stop ends the loop and closes the listener and every connection,
  // answered or not. Idempotent.
  void Stop();

 private:
  struct Connection;
  // DueAnswers are the answers of one read, owed to one connection from
  // `at_nanos` (MonotonicNanos()) on. `generation` tells a connection from a
  // later one that reuses its fd.
  struct DueAnswers {
    int64_t at_nanos;
    int fd;
    uint32_t generation;
    int count;
  };

  explicit BenchUpstream(BenchUpstreamOptions options);

  void Loop();
  void Accept();
  void OnReadable(Connection* connection, int64_t now_nanos);
  // OnWritable and Answer return false when they closed the connection.
  bool OnWritable(Connection* connection);
  void OnTimer();
  // Owe answers `count` requests just read, at once or after the delay;
  // false when it closed the connection.
  bool Owe(Connection* connection, int count, int64_t now_nanos);
  // Answer sends `count` answers (or queues them behind unsent bytes).
  bool Answer(Connection* connection, int count);
  // AnswerStats answers a `GET /_stats`; false when it closed the
  // connection (which still owed delayed answers).
  bool AnswerStats(Connection* connection);
  // WatchFor sets the connection's epoll interest: input until the client
  // closed its side, output while bytes wait.
  void WatchFor(Connection* connection);
  // CloseIfDone closes a connection whose client closed its side once it
  // owes nothing more; true if it closed.
  bool CloseIfDone(Connection* connection);
  void Close(Connection* connection);
  void ArmTimer(int64_t at_nanos);

  const std::string response_;  // Status line, headers and body.
  const int64_t delay_nanos_;
  int port_ = 0;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  int wake_fd_ = -1;  // An eventfd that Stop() writes to end the loop.
  std::thread thread_;

  // Loop state: only the loop's thread touches these after Start().
  std::vector<std::unique_ptr<Connection>> connections_;  // By fd.
  uint32_t next_generation_ = 0;
  bool accept_paused_ = false;  // Out of file descriptors.
  std::deque<DueAnswers> due_;  // Delayed answers, earliest first.
  std::vector<char> read_buffer_;
  std::vector<iovec> iovecs_;           // Scratch for Answer().
  std::vector<Connection*> to_answer_;  // Scratch for OnTimer().
  std::vector<int> stats_requests_;     // Scratch for OnReadable().
  int64_t requests_ = 0;                // Read in full, /_stats excluded.
  int64_t accepted_ = 0;                // Connections accepted.
};

}  // namespace client::bench

#endif  // CLIENT_BENCH_BENCH_UPSTREAM_H_
