// polytomic-bench: loads one unary RPC of the contract on a gRPC server (the
// gateway, or polytomic-echo-server for the floor) and reports latency
// percentiles, throughput and errors; see grpc_load.h for the method.
//
//   polytomic-bench --target 127.0.0.1:15051 --method GetBulkSync
//           --request '{"id":"0b7d8f6e-3c1a-4b2e-9f5d-6a7e8c9d0f1a"}'
//           --concurrency 64 --duration 10s --pid $(pidof polytomic-gateway)
//           --token_file caller-token [--count_metadata x-cache-status]
//
// Or one burst (grpc_burst.h): --burst 1000 starts 1,000 identical calls at
// once and reports the span from the first send to the last answer and how
// many distinct responses came back; --response_out FILE keeps the first
// successful response's bytes (e.g. for polytomic-echo-server
// --response_file).
//
// Exit codes: 0 all measured calls succeeded, 1 some failed (the report is
// printed either way) or the target was unreachable, 2 usage error.
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/bench/flag_set.h"
#include "client/bench/grpc_burst.h"
#include "client/bench/grpc_load.h"
#include "client/bench/pid_observer.h"
#include "client/bench/proc_stats.h"
#include "client/bench/report.h"
#include "client/ctl/command_line.h"
#include "client/ctl/contract.h"
#include "client/ctl/request_builder.h"

namespace client::bench {
namespace {

int UsageError(absl::string_view message) {
  std::cerr << "polytomic-bench: " << message << " (see --help)\n";
  return 2;
}

int Main(int argc, char** argv) {
  GrpcLoadOptions options;
  options.target = "127.0.0.1:50051";
  std::string method;
  std::string request_json = "{}";
  std::vector<std::string> headers;
  std::string token_file;
  int pid = 0;
  bool json = false;
  int burst_calls = 0;
  std::string response_out;
  FlagSet flags(
      "polytomic-bench: load one unary RPC and report latency and "
      "throughput.\n"
      "  polytomic-bench --target HOST:PORT --method GetBulkSync "
      "--request '{\"id\":\"...\"}' [--concurrency C | --rate R | "
      "--burst N]");
  flags.String("target", &options.target, "server HOST:PORT");
  flags.String("method", &method,
               "RPC, bare (GetBulkSync) or full "
               "(polytomic.v1.BulkSyncService/GetBulkSync)");
  flags.String("request", &request_json,
               "request as JSON (protobuf JSON mapping)");
  flags.Int("channels", &options.channels,
            "gRPC channels, each its own connection");
  flags.Int("concurrency", &options.concurrency,
            "closed loop: calls in flight");
  flags.Double("rate", &options.rate,
               "fixed rate: calls per second, instead of --concurrency");
  flags.Duration("duration", &options.duration, "measured window");
  flags.Duration("warmup", &options.warmup, "warm-up before the window");
  flags.Int("burst", &burst_calls,
            "one burst instead of a load: start N calls at once over the "
            "channels and wait for all (no warm-up, no --duration)");
  flags.String("response_out", &response_out,
               "burst: write the first successful response's bytes here");
  flags.String("count_metadata", &options.count_metadata,
               "count the measured calls by the value of this response "
               "metadata key (e.g. x-cache-status)");
  flags.Duration("timeout", &options.call_timeout, "per-call deadline");
  flags.Repeated("header", &headers, "K=V call metadata; repeatable");
  flags.String("token_file", &token_file,
               "file whose first line is the caller's bearer token");
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
  if (!parsed.ok()) return UsageError(parsed.message());
  if (method.empty()) return UsageError("--method is required");
  if (flags.WasSet("rate") && flags.WasSet("concurrency")) {
    return UsageError("--rate and --concurrency exclude each other");
  }
  if (flags.WasSet("rate") && options.rate <= 0) {
    return UsageError("--rate must be positive");
  }
  if (options.duration <= absl::ZeroDuration()) {
    return UsageError("--duration must be positive");
  }
  const bool burst = flags.WasSet("burst");
  if (burst) {
    for (const char* other : {"rate", "concurrency", "duration", "warmup"}) {
      if (flags.WasSet(other)) {
        return UsageError(
            absl::StrCat("--burst and --", other, " exclude each other"));
      }
    }
    if (burst_calls < 1) return UsageError("--burst must be at least 1");
  } else if (!response_out.empty()) {
    return UsageError("--response_out needs --burst");
  }
  for (const std::string& header : headers) {
    absl::StatusOr<std::pair<std::string, std::string>> kv =
        ctl::ParseHeader(header);
    if (!kv.ok()) return UsageError(kv.status().message());
    options.metadata.push_back(*kv);
  }
  if (!token_file.empty()) {
    for (const auto& [key, value] : options.metadata) {
      if (key == "authorization") {
        return UsageError(
            "--token_file and --header authorization exclude "
            "each other");
      }
    }
    // Built once; each call copies the pair into its ClientContext.
    absl::StatusOr<std::string> token = ctl::ReadTokenFile(token_file);
    if (!token.ok()) return UsageError(token.status().message());
    options.metadata.push_back(ctl::BearerMetadata(*token));
  }

  absl::StatusOr<ctl::Contract> contract = ctl::Contract::Load();
  if (!contract.ok()) return UsageError(contract.status().message());
  absl::StatusOr<const google::protobuf::MethodDescriptor*> descriptor =
      contract->FindMethod(method);
  if (!descriptor.ok()) return UsageError(descriptor.status().message());
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> request =
      ctl::BuildRequest(*(*descriptor)->input_type(), request_json, {});
  if (!request.ok()) return UsageError(request.status().message());
  options.method_path = ctl::GrpcMethodPath(**descriptor);
  options.request = (*request)->SerializeAsString();

  std::optional<PidObserver> observer;
  if (pid > 0) observer.emplace(pid);
  WindowObserver* const watcher = observer.has_value() ? &*observer : nullptr;
  // Only one of them runs; the report points into the one that ran.
  std::optional<GrpcLoadGenerator> load;
  std::optional<GrpcBurst> one_burst;
  Report report;
  report.tool = absl::StrCat("polytomic-bench ", options.method_path);
  absl::Status status;
  if (burst) {
    GrpcBurstOptions burst_options;
    burst_options.target = options.target;
    burst_options.method_path = options.method_path;
    burst_options.request = options.request;
    burst_options.channels = options.channels;
    burst_options.calls = burst_calls;
    burst_options.call_timeout = options.call_timeout;
    burst_options.connect_timeout = options.connect_timeout;
    burst_options.metadata = options.metadata;
    burst_options.count_metadata = options.count_metadata;
    one_burst.emplace(std::move(burst_options));
    status = one_burst->Run(watcher, &report);
  } else {
    load.emplace(options);
    status = load->Run(watcher, &report);
  }
  if (!status.ok()) {
    std::cerr << "polytomic-bench: " << status.message() << "\n";
    return 1;
  }
  if (!response_out.empty()) {
    std::ofstream file(response_out, std::ios::binary | std::ios::trunc);
    file << one_burst->first_response();
    if (!file.flush()) {
      std::cerr << "polytomic-bench: cannot write --response_out "
                << response_out << "\n";
      return 1;
    }
  }
  if (observer.has_value()) {
    report.target_pid = pid;
    report.target_process = observer->window();
  }
  if (absl::StatusOr<ProcStatus> self = ReadProcStatus(0); self.ok()) {
    report.self = *self;
  }
  std::cout << (json ? FormatJson(report) : FormatText(report));
  return report.calls == report.ok_calls ? 0 : 1;
}

}  // namespace
}  // namespace client::bench

int main(int argc, char** argv) { return client::bench::Main(argc, argv); }
