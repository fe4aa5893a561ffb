// polytomic-http-bench: closed-loop HTTP GETs with plain libcurl, the
// baseline of "calling the upstream directly" next to polytomic-bench's
// numbers for the gateway; see http_load.h for why it does not reuse the
// gateway's HTTP code.
//
//   polytomic-http-bench --url http://127.0.0.1:18081/api/bulk/syncs/ID
//           --header 'Authorization: Bearer k' --concurrency 16 --duration 10s
//           --pid $(pidof polytomic-bench-upstream)
//
// Exit codes: 0 all measured requests got a 2xx, 1 some did not, 2 usage.
#include <curl/curl.h>

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/bench/flag_set.h"
#include "client/bench/http_load.h"
#include "client/bench/pid_observer.h"
#include "client/bench/proc_stats.h"
#include "client/bench/report.h"

namespace client::bench {
namespace {

int Main(int argc, char** argv) {
  HttpLoadOptions options;
  int pid = 0;
  bool json = false;
  FlagSet flags(
      "polytomic-http-bench: closed-loop requests with libcurl (keep-alive), "
      "reported like polytomic-bench.\n"
      "  polytomic-http-bench --url URL [--header 'K: V'] [--connections N] "
      "[--concurrency C]");
  flags.String("url", &options.url, "URL to call");
  flags.String("method", &options.method, "HTTP method (default GET)");
  flags.String("body", &options.body,
               "request body for methods other than GET (JSON)");
  flags.Repeated("header", &options.headers,
                 "request header, 'Name: value' or Name=value; repeatable");
  flags.Int("connections", &options.connections,
            "at most this many connections");
  flags.Int("concurrency", &options.concurrency, "requests in flight");
  flags.Duration("duration", &options.duration, "measured window");
  flags.Duration("warmup", &options.warmup, "warm-up before the window");
  flags.Duration("timeout", &options.request_timeout, "per-request timeout");
  flags.Int("pid", &pid,
            "also sample this process (threads, VmRSS, CPU time, context "
            "switches) during the window");
  flags.Bool("json", &json, "print the report as one JSON object");
  absl::Status parsed =
      flags.Parse(std::vector<std::string>(argv + 1, argv + argc));
  if (absl::IsCancelled(parsed)) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok() || options.url.empty() ||
      options.duration <= absl::ZeroDuration()) {
    std::cerr << "polytomic-http-bench: "
              << (parsed.ok() ? "--url and a positive --duration are required"
                              : parsed.message())
              << " (see --help)\n";
    return 2;
  }
  // Accept the K=V form of polytomic-bench's --header too.
  for (std::string& header : options.headers) {
    const size_t colon = header.find(':');
    const size_t eq = header.find('=');
    if (eq != std::string::npos && (colon == std::string::npos || eq < colon)) {
      header = absl::StrCat(header.substr(0, eq), ": ", header.substr(eq + 1));
    }
  }

  curl_global_init(CURL_GLOBAL_DEFAULT);
  int exit_code = 0;
  {
    std::optional<PidObserver> observer;
    if (pid > 0) observer.emplace(pid);
    HttpLoadGenerator load(options);
    Report report;
    report.tool = absl::StrCat("polytomic-http-bench ", options.method);
    absl::Status status =
        load.Run(observer.has_value() ? &*observer : nullptr, &report);
    if (!status.ok()) {
      std::cerr << "polytomic-http-bench: " << status.message() << "\n";
      exit_code = 1;
    } else {
      if (observer.has_value()) {
        report.target_pid = pid;
        report.target_process = observer->window();
      }
      if (absl::StatusOr<ProcStatus> self = ReadProcStatus(0); self.ok()) {
        report.self = *self;
      }
      std::cout << (json ? FormatJson(report) : FormatText(report));
      exit_code = report.calls == report.ok_calls ? 0 : 1;
    }
  }
  curl_global_cleanup();
  return exit_code;
}

}  // namespace
}  // namespace client::bench

int main(int argc, char** argv) { return client::bench::Main(argc, argv); }
