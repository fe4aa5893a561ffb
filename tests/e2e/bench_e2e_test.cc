// End-to-end: the built polytomic-bench against the built
// polytomic-echo-server, and against the built polytomic-gateway (in front
// of the built polytomic-sandbox), which wants a caller token. Checks
// counts, never timings.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_stack.h"
#include "tests/support/process.h"

namespace {

using e2e::Describe;
using e2e::ParseJson;
using e2e::StopAndExpectCleanExit;
using testsupport::ExitStatus;
using testsupport::Process;
using testsupport::RunResult;
using testsupport::TempDir;
using testsupport::TempFile;

constexpr absl::Duration kTimeout = absl::Seconds(60);
constexpr char kRequest[] = R"({"id": "0b7d8f6e-3c1a-4b2e-9f5d-6a7e8c9d0f1a"})";
constexpr char kApiKey[] = "e2e-bench-upstream-key";
// The caller's token; the gateway's configuration holds only its SHA-256.
constexpr char kCallerToken[] = "e2e-bench-caller-token-8d41e7";

// RunBench runs polytomic-bench with `argv`.
RunResult RunBench(const std::vector<std::string>& argv) {
  absl::StatusOr<RunResult> run =
      testsupport::RunProcess(POLYTOMIC_BENCH_BIN, argv, kTimeout);
  if (!run.ok()) {
    ADD_FAILURE() << run.status();
    return RunResult{ExitStatus{false, 0, SIGKILL}, "", ""};
  }
  return *std::move(run);
}

class BenchE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Process>> server =
        Process::Start(POLYTOMIC_ECHO_SERVER_BIN, {"--listen", "127.0.0.1:0"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    std::optional<std::vector<std::string>> listening = server_->WaitForLine(
        Process::kStdout, std::regex("^listening on (127\\.0\\.0\\.1:[0-9]+)$"),
        kTimeout);
    ASSERT_TRUE(listening.has_value())
        << "the echo server did not start:\n"
        << server_->Stdout() << server_->Stderr();
    address_ = (*listening)[1];
  }

  void TearDown() override {
    if (server_ == nullptr) return;
    EXPECT_TRUE(server_->Signal(SIGTERM));
    std::optional<ExitStatus> exit = server_->WaitForExit(kTimeout);
    ASSERT_TRUE(exit.has_value()) << "the echo server ignored SIGTERM";
    EXPECT_TRUE(exit->Succeeded()) << exit->ToString() << server_->Stderr();
  }

  RunResult Bench(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"--target", address_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunBench(argv);
  }

  std::unique_ptr<Process> server_;
  std::string address_;
};

// BenchGatewayE2eTest runs polytomic-sandbox and, in front of it,
// polytomic-gateway configured with one caller token (allowed every method
// on the account "default") and an audit directory.
class BenchGatewayE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<e2e::SandboxProcess> sandbox =
        e2e::StartSandbox(POLYTOMIC_SANDBOX_BIN, kApiKey);
    ASSERT_TRUE(sandbox.ok()) << sandbox.status();
    sandbox_ = std::move(sandbox->process);
    ASSERT_GE(sandbox->seed["bulk_syncs"].size(), 1) << sandbox->seed.dump();
    sync_id_ = sandbox->seed["bulk_syncs"][0].get<std::string>();

    ASSERT_FALSE(audit_dir_.path().empty());
    config_file_ = std::make_unique<TempFile>(
        e2e::CallerConfig("bench", kCallerToken, audit_dir_.path()));
    key_file_ = std::make_unique<TempFile>(kApiKey);
    token_file_ = std::make_unique<TempFile>(absl::StrCat(kCallerToken, "\n"));
    absl::StatusOr<e2e::GatewayProcess> gateway =
        e2e::StartGateway(POLYTOMIC_GATEWAY_BIN, config_file_->path(),
                          sandbox->url, key_file_->path());
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(gateway->process);
    address_ = gateway->address;
  }

  void TearDown() override {
    if (gateway_ != nullptr) {
      StopAndExpectCleanExit(*gateway_, "polytomic-gateway");
    }
    if (sandbox_ != nullptr) {
      StopAndExpectCleanExit(*sandbox_, "polytomic-sandbox");
    }
  }

  // GetBulkSyncAtFixedRate loads the gateway with GetBulkSync, 20 measured
  // calls, with `extra_flags`.
  RunResult GetBulkSyncAtFixedRate(
      const std::vector<std::string>& extra_flags) {
    std::vector<std::string> argv = {
        "--target",    address_,    "--method",
        "GetBulkSync", "--request", nlohmann::json{{"id", sync_id_}}.dump(),
        "--rate",      "50",        "--duration",
        "400ms",       "--warmup",  "100ms",
        "--json"};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    return RunBench(argv);
  }

  std::unique_ptr<Process> sandbox_;
  std::unique_ptr<Process> gateway_;
  std::unique_ptr<TempFile> config_file_;
  std::unique_ptr<TempFile> key_file_;
  std::unique_ptr<TempFile> token_file_;
  TempDir audit_dir_;
  std::string sync_id_;
  std::string address_;
};

TEST_F(BenchE2eTest, FixedRateSendsExactlyRateTimesDuration) {
  const RunResult run =
      Bench({"--method", "GetBulkSync", "--request", kRequest, "--rate", "200",
             "--duration", "1s", "--warmup", "200ms", "--json"});
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  nlohmann::json report = ParseJson(run.out);
  EXPECT_EQ(report["mode"], "fixed-rate");
  EXPECT_DOUBLE_EQ(report["rate"].get<double>(), 200);
  EXPECT_DOUBLE_EQ(report["window_s"].get<double>(), 1);
  // The schedule is call i at start + i/rate: exactly rate x duration calls
  // are intended in the window, and every one of them is counted.
  EXPECT_EQ(report["calls"], 200) << run.out;
  EXPECT_EQ(report["ok"], 200) << run.out;
  EXPECT_EQ(report["errors"], nlohmann::json::object()) << run.out;
  EXPECT_EQ(report["warmup_errors"], nlohmann::json::object()) << run.out;
  EXPECT_EQ(report["warmup_calls"], 40) << run.out;
  for (const char* key : {"p50_us", "p99_us", "p999_us", "max_us"}) {
    EXPECT_GT(report[key].get<double>(), 0) << key;
  }
}

TEST_F(BenchE2eTest, FailedCallsAreCountedByCodeAndExitOne) {
  // The echo server serves only GetBulkSync.
  const RunResult run =
      Bench({"--method", "ListBulkSyncs", "--rate", "50", "--duration", "200ms",
             "--warmup", "100ms", "--json"});
  EXPECT_TRUE(run.status.exited);
  EXPECT_EQ(run.status.code, 1) << Describe(run);
  nlohmann::json report = ParseJson(run.out);
  EXPECT_EQ(report["calls"], 10);
  EXPECT_EQ(report["ok"], 0);
  EXPECT_EQ(report["errors"], (nlohmann::json{{"UNIMPLEMENTED", 10}}));
  EXPECT_EQ(report["warmup_errors"], (nlohmann::json{{"UNIMPLEMENTED", 5}}));
}

TEST_F(BenchE2eTest, UsageErrorExitsTwo) {
  const RunResult run =
      Bench({"--rate", "10", "--concurrency", "2", "--method", "GetBulkSync"});
  EXPECT_EQ(run.status.code, 2) << Describe(run);
  EXPECT_NE(run.err.find("exclude each other"), std::string::npos) << run.err;
}

TEST_F(BenchE2eTest, UnreadableTokenFileIsAUsageErrorNamingIt) {
  const std::string missing = ::testing::TempDir() + "bench-no-such-token";
  const RunResult run = Bench({"--method", "GetBulkSync", "--request", kRequest,
                               "--token_file", missing});
  EXPECT_EQ(run.status.code, 2) << Describe(run);
  EXPECT_NE(run.err.find(missing), std::string::npos) << run.err;
}

TEST_F(BenchE2eTest, TheTokenIsNeverPrinted) {
  TempFile token(absl::StrCat(kCallerToken, "\n"));
  const RunResult run = Bench({"--method", "GetBulkSync", "--request", kRequest,
                               "--rate", "20", "--duration", "200ms",
                               "--warmup", "0s", "--token_file", token.path()});
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  EXPECT_EQ(run.out.find(kCallerToken), std::string::npos) << run.out;
  EXPECT_EQ(run.err.find(kCallerToken), std::string::npos) << run.err;
}

TEST_F(BenchGatewayE2eTest, EveryCallCarriesTheTokenOfTokenFile) {
  RunResult run = GetBulkSyncAtFixedRate({"--token_file", token_file_->path()});
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  nlohmann::json report = ParseJson(run.out);
  EXPECT_EQ(report["calls"], 20) << run.out;
  EXPECT_EQ(report["ok"], 20) << run.out;
  EXPECT_EQ(report["warmup_errors"], nlohmann::json::object()) << run.out;

  // Without it the gateway refuses every call.
  run = GetBulkSyncAtFixedRate({});
  EXPECT_EQ(run.status.code, 1) << Describe(run);
  report = ParseJson(run.out);
  EXPECT_EQ(report["calls"], 20) << run.out;
  EXPECT_EQ(report["errors"], (nlohmann::json{{"UNAUTHENTICATED", 20}}))
      << run.out;
}

}  // namespace
