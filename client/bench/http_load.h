// http_load.h: a closed-loop HTTP GET load generator on libcurl's multi
// interface, the baseline "a direct libcurl call to the upstream" that the
// gateway's numbers are compared with.
//
//   client::bench::HttpLoadOptions options;
//   options.url = "http://127.0.0.1:18081/api/bulk/syncs/0b7d...";
//   options.headers = {"Authorization: Bearer k"};
//   client::bench::HttpLoadGenerator load(options);
//   client::bench::Report report;
//   absl::Status status = load.Run(/*observer=*/nullptr, &report);
//
// This deliberately does not share the gateway's HTTP code (gateway/rest is
// off-limits to client/, and a measuring tool should not inherit the
// measured code's choices): it is the plainest keep-alive libcurl loop, one
// thread, `concurrency` transfers in flight over at most `connections`
// connections. Transfers that wait for a free connection count that wait in
// their latency, as a real caller would see it.
#ifndef CLIENT_BENCH_HTTP_LOAD_H_
#define CLIENT_BENCH_HTTP_LOAD_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/bench/histogram.h"
#include "client/bench/report.h"
#include "client/bench/window_observer.h"

namespace client::bench {

// HttpLoadOptions configures one run.
struct HttpLoadOptions {
  std::string url;
  std::string method = "GET";  // any other method sends `body` (JSON)
  std::string body;
  std::vector<std::string> headers;  // "Name: value" lines.
  int connections = 16;
  int concurrency = 16;
  absl::Duration duration = absl::Seconds(10);
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration request_timeout = absl::Seconds(10);
};

// HttpLoadGenerator runs one load run on the calling thread.
//
// Thread safety: Run() once, from one thread.
class HttpLoadGenerator {
 public:
  explicit HttpLoadGenerator(HttpLoadOptions options)
      : options_(std::move(options)) {}
  HttpLoadGenerator(const HttpLoadGenerator&) = delete;
  HttpLoadGenerator& operator=(const HttpLoadGenerator&) = delete;

  // Run sends requests for warm-up + window, waits for the last ones, and fills
  // the measurement fields of `report` (its `latency` points into this
  // generator). A 2xx answer is a success; others count as "HTTP <status>",
  // transport failures as "curl <code>: <message>". Internal on a libcurl
  // setup failure. `observer` (may be null) hears the load and window start
  // and end on this thread, between transfers.
  absl::Status Run(WindowObserver* observer, Report* report);

 private:
  const HttpLoadOptions options_;
  LatencyHistogram latency_;
};

}  // namespace client::bench

#endif  // CLIENT_BENCH_HTTP_LOAD_H_
