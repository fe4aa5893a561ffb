// End-to-end: the built polytomic-bench against the built
// polytomic-echo-server. Checks counts, never timings.
#include <signal.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/process.h"

namespace {

using testsupport::ExitStatus;
using testsupport::Process;
using testsupport::RunResult;

constexpr absl::Duration kTimeout = absl::Seconds(60);
constexpr char kRequest[] = R"({"id": "0b7d8f6e-3c1a-4b2e-9f5d-6a7e8c9d0f1a"})";

// ParseJson parses a program's output; a failure (not an exception) when it
// is not JSON.
nlohmann::json ParseJson(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) {
    ADD_FAILURE() << "not JSON:\n" << text;
    return nlohmann::json::object();
  }
  return json;
}

std::string Describe(const RunResult& run) {
  return absl::StrCat(run.status.ToString(), "\n--- stdout:\n", run.out,
                      "--- stderr:\n", run.err);
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
    absl::StatusOr<RunResult> run =
        testsupport::RunProcess(POLYTOMIC_BENCH_BIN, argv, kTimeout);
    if (!run.ok()) {
      ADD_FAILURE() << run.status();
      return RunResult{ExitStatus{false, 0, SIGKILL}, "", ""};
    }
    return *std::move(run);
  }

  std::unique_ptr<Process> server_;
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

}  // namespace
