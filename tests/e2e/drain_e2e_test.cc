// End-to-end: the built polytomic-gateway drains on SIGTERM. 200 calls are
// in flight (held by the sandbox) when the signal comes; a call made after
// it is refused (UNAVAILABLE, GATEWAY_DRAINING); the 200 are released and
// all finish OK; the gateway exits 0 within its grace period, and its audit
// trail holds all 200 and verifies.
#include <csignal>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/support/caller_channel.h"
#include "tests/support/grpc_status_details.h"
#include "tests/support/sandbox_client.h"

namespace {

namespace v1 = polytomic::v1;
using testsupport::ExitStatus;
using testsupport::TempDir;
using Json = nlohmann::json;

constexpr char kApiKey[] = "e2e-drain-upstream-key-5b0c2e";
constexpr char kCallerToken[] = "e2e-drain-caller-token-93ad1f";
constexpr int kCalls = 200;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(DrainE2eTest, SigtermLetsCallsInFlightFinishAndRefusesNewOnes) {
  TempDir work_dir;
  ASSERT_FALSE(work_dir.path().empty());
  const std::string audit_dir = work_dir.path() + "/audit";
  const std::string key_file = work_dir.path() + "/api_key";
  const std::string config_file = work_dir.path() + "/gateway.yaml";
  WriteFile(key_file, kApiKey);
  WriteFile(config_file, e2e::CallerConfig("e2e", kCallerToken, audit_dir) +
                             "shutdown: {grace_period: 60s}\n");
  // A held request occupies one of the sandbox's threads.
  absl::StatusOr<e2e::SandboxProcess> sandbox =
      e2e::StartSandbox(POLYTOMIC_SANDBOX_BIN, kApiKey, {"--threads", "256"});
  ASSERT_TRUE(sandbox.ok()) << sandbox.status();
  testsupport::SandboxClient upstream(sandbox->url, kApiKey);
  const std::string id = sandbox->seed["bulk_syncs"][0].get<std::string>();
  absl::StatusOr<e2e::GatewayProcess> gateway = e2e::StartGateway(
      POLYTOMIC_GATEWAY_BIN, config_file, sandbox->url, key_file);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  ASSERT_FALSE(
      upstream
          .AddFault(
              {{"operation", "bulkSync.get"}, {"kind", "hold"}, {"count", 0}})
          .empty());

  auto stub = v1::BulkSyncService::NewStub(testsupport::CallerChannel(
      gateway->address, kCallerToken, grpc::InsecureChannelCredentials()));
  struct Call {
    grpc::ClientContext context;
    v1::GetBulkSyncRequest request;
    v1::GetBulkSyncResponse response;
    grpc::Status status;
  };
  std::vector<Call> calls(kCalls);
  absl::BlockingCounter done(kCalls);
  for (Call& call : calls) {
    call.request.set_id(id);
    // Each call its own upstream request: none is served by another's.
    call.context.AddMetadata("cache-control", "no-cache");
    stub->async()->GetBulkSync(&call.context, &call.request, &call.response,
                               [&call, &done](grpc::Status status) {
                                 call.status = std::move(status);
                                 done.DecrementCount();
                               });
  }
  ASSERT_TRUE(upstream.WaitHeld("bulkSync.get", kCalls, 60000));

  ASSERT_TRUE(gateway->process->Signal(SIGTERM));
  ASSERT_TRUE(gateway->process
                  ->WaitForLine(testsupport::Process::kStdout,
                                std::regex("draining \\(signal 15\\)"),
                                e2e::kStartTimeout)
                  .has_value());
  grpc::ClientContext late;
  v1::GetBulkSyncRequest request;
  request.set_id(id);
  v1::GetBulkSyncResponse response;
  grpc::Status refused = stub->GetBulkSync(&late, request, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE)
      << testsupport::Describe(refused);

  EXPECT_EQ(upstream.Release("bulkSync.get"), kCalls);
  done.Wait();
  int ok = 0;
  for (Call& call : calls) ok += call.status.ok() ? 1 : 0;
  EXPECT_EQ(ok, kCalls) << testsupport::Describe(calls[0].status);
  stub.reset();

  std::optional<ExitStatus> exit =
      gateway->process->WaitForExit(absl::Seconds(60));
  ASSERT_TRUE(exit.has_value()) << "still running";
  EXPECT_TRUE(exit->Succeeded()) << exit->ToString() << "\n"
                                 << gateway->process->Stderr();

  std::ifstream file(audit_dir + "/audit.jsonl");
  int audited = 0;
  for (std::string line; std::getline(file, line);) {
    Json record = Json::parse(line);
    if (record["method"] == "/polytomic.v1.BulkSyncService/GetBulkSync" &&
        record["code"] == "OK") {
      ++audited;
    }
  }
  EXPECT_EQ(audited, kCalls);
  absl::StatusOr<testsupport::RunResult> verify = testsupport::RunProcess(
      POLYTOMIC_GATEWAY_BIN, {"verify", "--audit_dir", audit_dir},
      e2e::kStartTimeout);
  ASSERT_TRUE(verify.ok()) << verify.status();
  EXPECT_TRUE(verify->status.Succeeded()) << e2e::Describe(*verify);
  e2e::StopAndExpectCleanExit(*sandbox->process, "polytomic-sandbox");
}

}  // namespace
