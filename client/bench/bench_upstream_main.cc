// polytomic-bench-upstream: answers every HTTP request with a fixed bulk sync
// document (or --body_file), optionally --delay_ms later, on one thread; the
// upstream the benchmarks put behind the gateway and call directly. See
// bench_upstream.h.
//
//   polytomic-bench-upstream --listen 127.0.0.1:0 [--delay_ms 10]
//   # prints "listening on http://127.0.0.1:PORT"; stops on SIGTERM or SIGINT
//   curl -s http://127.0.0.1:PORT/_stats
//   # {"requests":N,"connections":M}: requests read so far, never delayed
#include <signal.h>
#include <sys/resource.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "client/bench/bench_upstream.h"
#include "client/bench/flag_set.h"

namespace client::bench {
namespace {

int UsageError(absl::string_view message) {
  std::cerr << "polytomic-bench-upstream: " << message << " (see --help)\n";
  return 2;
}

int Main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  std::string body_file;
  int delay_ms = 0;
  FlagSet flags(
      "polytomic-bench-upstream: answers every HTTP request with 200 and a "
      "fixed JSON document (a realistic bulk sync unless --body_file)");
  flags.String("listen", &listen,
               "IPv4 HOST:PORT to listen on; port 0 picks one");
  flags.String("body_file", &body_file,
               "answer with this file's content instead");
  flags.Int("delay_ms", &delay_ms,
            "answer each request this many ms after reading it");
  absl::Status parsed =
      flags.Parse(std::vector<std::string>(argv + 1, argv + argc));
  if (absl::IsCancelled(parsed)) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok()) return UsageError(parsed.message());
  if (delay_ms < 0) return UsageError("--delay_ms must not be negative");
  BenchUpstreamOptions options;
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &options.port)) {
    return UsageError("--listen must be HOST:PORT");
  }
  const std::string host = listen.substr(0, colon);
  options.host = host;
  options.delay = absl::Milliseconds(delay_ms);
  if (!body_file.empty()) {
    std::ifstream file(body_file, std::ios::binary);
    if (!file) return UsageError("cannot read --body_file " + body_file);
    std::stringstream body;
    body << file.rdbuf();
    options.body = body.str();
  }

  // Each connection is a file descriptor; the benchmark holds 1,100.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 &&
      files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  // Block the stop signals before the loop's thread starts, so it inherits
  // the mask and only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const size_t body_size = options.body.size();
  absl::StatusOr<std::unique_ptr<BenchUpstream>> upstream =
      BenchUpstream::Start(std::move(options));
  if (!upstream.ok()) {
    std::cerr << "polytomic-bench-upstream: " << upstream.status().message()
              << "\n";
    return 1;
  }
  std::cout << "listening on http://" << host << ":" << (*upstream)->port()
            << std::endl;
  std::cerr << "answering every request with a " << body_size
            << "-byte body after " << delay_ms << " ms\n";

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  (*upstream)->Stop();
  return 0;
}

}  // namespace
}  // namespace client::bench

int main(int argc, char** argv) { return client::bench::Main(argc, argv); }
