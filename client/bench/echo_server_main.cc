// polytomic-echo-server: serves /polytomic.v1.BulkSyncService/GetBulkSync
// with a fixed ~1 KB bulk sync, answering at once, so polytomic-bench can
// measure this machine's gRPC floor next to the gateway.
//
//   polytomic-echo-server --listen 127.0.0.1:0
//   # prints "listening on 127.0.0.1:PORT"; stops on SIGTERM or SIGINT
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/bench/echo_service.h"
#include "client/bench/flag_set.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "polytomic/v1/bulk_sync.pb.h"

namespace client::bench {
namespace {

int Main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  FlagSet flags(
      "polytomic-echo-server: answers GetBulkSync at once with a fixed bulk "
      "sync (the gRPC floor for polytomic-bench)");
  flags.String("listen", &listen, "HOST:PORT to listen on; port 0 picks one");
  absl::Status parsed =
      flags.Parse(std::vector<std::string>(argv + 1, argv + argc));
  if (absl::IsCancelled(parsed)) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok()) {
    std::cerr << "polytomic-echo-server: " << parsed.message() << "\n";
    return 2;
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
  const std::string response =
      RealisticGetBulkSyncResponse().SerializeAsString();
  std::unique_ptr<EchoService> service = EchoService::Create(
      method_path, polytomic::v1::GetBulkSyncRequest::descriptor(), response);

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
  std::cerr << "serving " << method_path << " with a " << response.size()
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
