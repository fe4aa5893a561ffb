// polytomic-gateway: serves the polytomic.v1 gRPC contract in front of
// Polytomic's REST API.
//
//   polytomic-gateway --config gateway.yaml [--listen HOST:PORT]
//                     [--upstream URL] [--api_key_file PATH]
//   polytomic-gateway verify (--audit_dir DIR | --config gateway.yaml)
//
// It prints where it serves, then (unless admin.address is empty) where the
// admin listener serves /metrics:
//   polytomic-gateway: serving 7 services on 127.0.0.1:50051 (upstream ...)
//   polytomic-gateway: admin listening on 127.0.0.1:9464 (GET /metrics)
// SIGTERM or SIGINT drains: health NOT_SERVING and new calls refused at
// once, calls in flight given until shutdown.grace_period after the signal
// (a second signal ends the wait), the audit trail flushed, exit 0.
// `verify` checks the audit trail's hash chain across its files and prints
// the first broken or missing record (exit 1), or how many it checked.
#include <csignal>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gateway/audit/audit_log.h"
#include "gateway/common/proto_duration.h"
#include "gateway/config/config_loader.h"
#include "gateway/server/gateway.h"

// jemalloc's options, read at start-up (MALLOC_CONF in the environment still
// overrides them). With its defaults (four arenas per CPU, dirty pages kept
// 10 s) the gateway held 50-59 KiB of RSS per call with 1,000 calls in flight;
// with these, 44-53 KiB at the same CPU per call (client/bench, section d).
extern "C" const char* malloc_conf;
const char* malloc_conf = "narenas:2,tcache_max:4096,dirty_decay_ms:1000";

ABSL_FLAG(std::string, config, "", "YAML or JSON configuration file");
ABSL_FLAG(std::string, listen, "",
          "host:port to serve on (overrides listener.address)");
ABSL_FLAG(std::string, upstream, "",
          "Polytomic API base URL (overrides upstream.base_url)");
ABSL_FLAG(
    std::string, api_key_file, "",
    "file holding the Polytomic API key (overrides upstream.api_key_file)");
ABSL_FLAG(std::string, audit_dir, "",
          "verify: the audit directory (default: audit.directory of --config)");

namespace {

// Verify checks the audit trail of --audit_dir (or of --config).
int Verify(const gateway::config::Overrides& overrides) {
  std::string directory = absl::GetFlag(FLAGS_audit_dir);
  if (directory.empty()) {
    auto config =
        gateway::config::LoadConfig(absl::GetFlag(FLAGS_config), overrides);
    if (!config.ok()) {
      std::cerr << "polytomic-gateway verify: " << config.status().message()
                << "\n";
      return 2;
    }
    directory = config->audit().directory();
  }
  gateway::audit::VerifyReport report =
      gateway::audit::VerifyAuditTrail(directory);
  if (!report.ok) {
    std::cout << "audit trail " << directory << ": BROKEN at "
              << report.first_problem << " (after " << report.records
              << " good records)" << std::endl;
    return 1;
  }
  std::cout << "audit trail " << directory << ": ok, " << report.records
            << " records in " << report.files << " files" << std::endl;
  return 0;
}

std::optional<std::string> FlagOrNone(const absl::Flag<std::string>& flag) {
  std::string value = absl::GetFlag(flag);
  if (value.empty()) return std::nullopt;
  return value;
}

}  // namespace

int main(int argc, char** argv) {
#ifdef NDEBUG
  // Abseil's mutexes (gRPC's too) check every lock against a graph of lock
  // orders unless told not to; in a release build that is pure cost on
  // every call's path. Debug builds and the tests keep the check.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  absl::SetProgramUsageMessage(
      "polytomic-gateway --config FILE [--listen HOST:PORT] [--upstream URL] "
      "[--api_key_file PATH]\n"
      "       polytomic-gateway verify (--audit_dir DIR | --config FILE)");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  gateway::config::Overrides overrides;
  overrides.listen = FlagOrNone(FLAGS_listen);
  overrides.upstream = FlagOrNone(FLAGS_upstream);
  overrides.api_key_file = FlagOrNone(FLAGS_api_key_file);
  if (positional.size() == 2 && std::string(positional[1]) == "verify") {
    return Verify(overrides);
  }
  if (positional.size() > 1) {
    std::cerr << "polytomic-gateway: unknown command " << positional[1]
              << " (the only command is verify)\n";
    return 2;
  }
  const std::string config_path = absl::GetFlag(FLAGS_config);
  auto config = gateway::config::LoadConfig(config_path, overrides);
  if (!config.ok()) {
    std::cerr << "polytomic-gateway: " << config.status().message() << "\n";
    return 2;
  }
  auto dependencies = gateway::server::Gateway::DefaultDependencies(*config);
  if (!dependencies.ok()) {
    std::cerr << "polytomic-gateway: " << dependencies.status().message()
              << "\n";
    return 1;
  }
  auto gateway = gateway::server::Gateway::Start(
      *config, *std::move(dependencies), [config_path, overrides] {
        return gateway::config::LoadConfig(config_path, overrides);
      });
  if (!gateway.ok()) {
    std::cerr << "polytomic-gateway: " << gateway.status().message() << "\n";
    return 1;
  }
  std::cout << "polytomic-gateway: serving "
            << (*gateway)->service_names().size() << " services on "
            << (*gateway)->address() << " (upstream "
            << config->upstream().base_url() << ")" << std::endl;
  if ((*gateway)->admin_port() != 0) {
    std::cout << "polytomic-gateway: admin listening on "
              << (*gateway)->admin_address() << " (GET /metrics)" << std::endl;
  }

  int signal = 0;
  sigwait(&stop_signals, &signal);
  absl::Time deadline =
      absl::Now() + gateway::ToAbslDuration(config->shutdown().grace_period());
  std::cout << "polytomic-gateway: draining (signal " << signal
            << "); a second signal stops at once" << std::endl;
  // The drain runs on its own thread, so that main can hear a second
  // signal, which cuts it short.
  gateway::server::Gateway* running = gateway->get();
  absl::Notification drained;
  std::thread drain([running, deadline, &drained] {
    running->Shutdown(deadline);
    drained.Notify();
  });
  const timespec poll = {0, 100'000'000};
  while (!drained.HasBeenNotified()) {
    if (sigtimedwait(&stop_signals, nullptr, &poll) > 0) running->Hurry();
  }
  drain.join();
  std::cout << "polytomic-gateway: stopped" << std::endl;
  return 0;
}
