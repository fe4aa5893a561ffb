// polytomic-echo-server: serves /polytomic.v1.BulkSyncService/GetBulkSync
// with a fixed ~1 KB bulk sync, answering at once, so polytomic-bench can
// measure this machine's gRPC floor next to the gateway.
//
//   polytomic-echo-server --listen 127.0.0.1:0
//   # prints "listening on 127.0.0.1:PORT"; stops on SIGTERM or SIGINT
//
// To answer exactly what a gateway answers (the floor of a cache hit):
//
//   polytomic-bench --target GATEWAY --method GetBulkSync --request ...
//       --burst 1 --response_out response.bin
//   polytomic-echo-server --response_file response.bin
//       --initial_metadata x-cache-status=hit
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/bench/echo_service.h"
#include "client/bench/flag_set.h"
#include "client/ctl/command_line.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "polytomic/v1/bulk_sync.pb.h"

namespace client::bench {
namespace {

int UsageError(absl::string_view message) {
  std::cerr << "polytomic-echo-server: " << message << " (see --help)\n";
  return 2;
}

int Main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  std::string response_file;
  std::vector<std::string> metadata_flags;
  FlagSet flags(
      "polytomic-echo-server: answers GetBulkSync at once with a fixed bulk "
      "sync (the gRPC floor for polytomic-bench)");
  flags.String("listen", &listen, "HOST:PORT to listen on; port 0 picks one");
  flags.String("response_file", &response_file,
               "answer with this file's bytes, a serialized "
               "GetBulkSyncResponse (polytomic-bench --response_out writes "
               "one); default a realistic ~1 KB bulk sync");
  flags.Repeated("initial_metadata", &metadata_flags,
                 "K=V initial metadata sent with every answer; repeatable");
  absl::Status parsed =
      flags.Parse(std::vector<std::string>(argv + 1, argv + argc));
  if (absl::IsCancelled(parsed)) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok()) return UsageError(parsed.message());
  std::vector<std::pair<std::string, std::string>> initial_metadata;
  for (const std::string& text : metadata_flags) {
    absl::StatusOr<std::pair<std::string, std::string>> kv =
        ctl::ParseHeader(text);
    if (!kv.ok()) return UsageError(kv.status().message());
    initial_metadata.push_back(*std::move(kv));
  }
  std::string response = RealisticGetBulkSyncResponse().SerializeAsString();
  if (!response_file.empty()) {
    std::ifstream file(response_file, std::ios::binary);
    if (!file)
      return UsageError("cannot read --response_file " + response_file);
    std::stringstream bytes;
    bytes << file.rdbuf();
    response = bytes.str();
    // Answering bytes the client cannot parse would measure a failure path.
    if (!polytomic::v1::GetBulkSyncResponse().ParseFromString(response)) {
      return UsageError("--response_file " + response_file +
                        " is not a serialized GetBulkSyncResponse");
    }
  }

  // Block the stop signals before gRPC starts its threads, so they inherit
  // the mask and only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const std::string method_path = absl::StrCat(
      "/", polytomic::v1::BulkSyncService::service_full_name(), "/GetBulkSync");
  const size_t response_size = response.size();
  std::unique_ptr<EchoService> service = EchoService::Create(
      method_path, polytomic::v1::GetBulkSyncRequest::descriptor(),
      std::move(response), std::move(initial_metadata));

  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "polytomic-echo-server: cannot listen on " << listen << "\n";
    return 1;
  }
  const std::string host = listen.substr(0, listen.rfind(':'));
  std::cout << "listening on " << host << ":" << port << std::endl;
  std::cerr << "serving " << method_path << " with a " << response_size
            << "-byte response\n";

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  server->Wait();
  return 0;
}

}  // namespace
}  // namespace client::bench

int main(int argc, char** argv) { return client::bench::Main(argc, argv); }
