// End-to-end: `polytomic-gateway health` against the built gateway. It
// prints SERVING and exits 0 while the gateway serves (for the server and
// for one of its services); it exits non-zero for a service the gateway
// does not serve, for an address nobody listens on, and once the gateway
// drains (a call held upstream keeps it draining while the probe runs).
#include <csignal>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/support/caller_channel.h"
#include "tests/support/sandbox_client.h"

namespace {

namespace v1 = polytomic::v1;
using testsupport::RunResult;
using testsupport::TempDir;

constexpr char kApiKey[] = "e2e-health-upstream-key-7d1e09";
constexpr char kCallerToken[] = "e2e-health-caller-token-c4f2a8";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

RunResult Health(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"health"};
  all.insert(all.end(), args.begin(), args.end());
  absl::StatusOr<RunResult> run =
      testsupport::RunProcess(POLYTOMIC_GATEWAY_BIN, all, e2e::kStartTimeout);
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? *run : RunResult{};
}

TEST(HealthE2eTest, ReportsServingThenNotServingWhileDraining) {
  TempDir work_dir;
  ASSERT_FALSE(work_dir.path().empty());
  const std::string key_file = work_dir.path() + "/api_key";
  const std::string config_file = work_dir.path() + "/gateway.yaml";
  WriteFile(key_file, kApiKey);
  WriteFile(config_file,
            e2e::CallerConfig("e2e", kCallerToken, work_dir.path() + "/audit") +
                "shutdown: {grace_period: 60s}\n");
  absl::StatusOr<e2e::SandboxProcess> sandbox =
      e2e::StartSandbox(POLYTOMIC_SANDBOX_BIN, kApiKey);
  ASSERT_TRUE(sandbox.ok()) << sandbox.status();
  absl::StatusOr<e2e::GatewayProcess> gateway = e2e::StartGateway(
      POLYTOMIC_GATEWAY_BIN, config_file, sandbox->url, key_file);
  ASSERT_TRUE(gateway.ok()) << gateway.status();

  RunResult server = Health({"--address", gateway->address});
  EXPECT_TRUE(server.status.Succeeded()) << e2e::Describe(server);
  EXPECT_EQ(server.out, "SERVING\n");
  RunResult service =
      Health({"--address", gateway->address, "--service",
              "polytomic.v1.BulkSyncService", "--timeout", "5s"});
  EXPECT_TRUE(service.status.Succeeded()) << e2e::Describe(service);
  EXPECT_EQ(service.out, "SERVING\n");

  RunResult unknown =
      Health({"--address", gateway->address, "--service", "no.such.Service"});
  EXPECT_FALSE(unknown.status.Succeeded()) << e2e::Describe(unknown);
  EXPECT_NE(unknown.out, "SERVING\n");

  // One call held upstream keeps the gateway draining after SIGTERM.
  testsupport::SandboxClient upstream(sandbox->url, kApiKey);
  ASSERT_FALSE(
      upstream
          .AddFault(
              {{"operation", "bulkSync.get"}, {"kind", "hold"}, {"count", 0}})
          .empty());
  auto stub = v1::BulkSyncService::NewStub(testsupport::CallerChannel(
      gateway->address, kCallerToken, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::GetBulkSyncRequest request;
  request.set_id(sandbox->seed["bulk_syncs"][0].get<std::string>());
  v1::GetBulkSyncResponse response;
  absl::Notification finished;
  grpc::Status held;
  stub->async()->GetBulkSync(&context, &request, &response,
                             [&](grpc::Status status) {
                               held = std::move(status);
                               finished.Notify();
                             });
  ASSERT_TRUE(upstream.WaitHeld("bulkSync.get", 1, 60000));
  ASSERT_TRUE(gateway->process->Signal(SIGTERM));
  ASSERT_TRUE(gateway->process
                  ->WaitForLine(testsupport::Process::kStdout,
                                std::regex("draining \\(signal 15\\)"),
                                e2e::kStartTimeout)
                  .has_value());
  RunResult draining = Health({"--address", gateway->address});
  EXPECT_EQ(draining.status.exited ? draining.status.code : -1, 1)
      << e2e::Describe(draining);
  EXPECT_EQ(draining.out, "NOT_SERVING\n");

  EXPECT_EQ(upstream.Release("bulkSync.get"), 1);
  finished.WaitForNotification();
  EXPECT_TRUE(held.ok()) << held.error_message();
  stub.reset();
  std::optional<testsupport::ExitStatus> exit =
      gateway->process->WaitForExit(absl::Seconds(60));
  ASSERT_TRUE(exit.has_value()) << "still running";
  EXPECT_TRUE(exit->Succeeded()) << exit->ToString();

  // Nobody listens there any more: the check itself fails (exit 2).
  RunResult gone = Health({"--address", gateway->address, "--timeout", "1s"});
  EXPECT_EQ(gone.status.exited ? gone.status.code : -1, 2)
      << e2e::Describe(gone);
  EXPECT_THAT(gone.err, testing::HasSubstr("polytomic-gateway health:"));
  e2e::StopAndExpectCleanExit(*sandbox->process, "polytomic-sandbox");
}

}  // namespace
