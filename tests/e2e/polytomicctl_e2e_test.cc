// End-to-end: the built polytomic-sandbox and polytomic-gateway, each a
// process on port 0, driven with the built polytomicctl. What the CLI prints
// is checked against what the sandbox holds, read over plain HTTP. The
// gateway authenticates polytomicctl by a caller token and keeps an audit
// trail, which its `verify` command checks; its admin listener counts the
// upstream requests.
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/e2e_stack.h"
#include "tests/support/process.h"
#include "tests/support/sandbox_client.h"

namespace {

using e2e::Describe;
using e2e::ParseJson;
using e2e::StopAndExpectCleanExit;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;
using testsupport::ExitStatus;
using testsupport::Process;
using testsupport::ProcessOptions;
using testsupport::RunResult;
using testsupport::TempDir;
using testsupport::TempFile;

constexpr char kApiKey[] = "e2e-polytomicctl-key";
// The caller's token; the gateway's configuration holds only its SHA-256.
constexpr char kCallerToken[] = "e2e-polytomicctl-caller-token-5f2a9c";
constexpr absl::Duration kRunTimeout = absl::Seconds(60);
constexpr int kContractMethods = 50;

class PolytomicctlE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Only --token_file gives polytomicctl a token here, unless a test says.
    unsetenv("POLYTOMIC_GATEWAY_TOKEN");
    ASSERT_NO_FATAL_FAILURE(StartSandbox());
    ASSERT_NO_FATAL_FAILURE(StartGateway());
  }

  // Every test ends with both servers stopping cleanly on SIGTERM.
  void TearDown() override {
    if (gateway_ != nullptr) {
      StopAndExpectCleanExit(*gateway_, "polytomic-gateway");
    }
    if (sandbox_ != nullptr) {
      StopAndExpectCleanExit(*sandbox_, "polytomic-sandbox");
    }
  }

  void StartSandbox() {
    absl::StatusOr<e2e::SandboxProcess> sandbox =
        e2e::StartSandbox(POLYTOMIC_SANDBOX_BIN, kApiKey);
    ASSERT_TRUE(sandbox.ok()) << sandbox.status();
    sandbox_ = std::move(sandbox->process);
    sandbox_url_ = sandbox->url;
    seed_ = std::move(sandbox->seed);
    ASSERT_GE(seed_["bulk_syncs"].size(), 2) << seed_.dump();
    upstream_ =
        std::make_unique<testsupport::SandboxClient>(sandbox_url_, kApiKey);
  }

  void StartGateway() {
    key_file_ = std::make_unique<TempFile>(kApiKey);
    ASSERT_FALSE(key_file_->path().empty());
    token_file_ = std::make_unique<TempFile>(absl::StrCat(kCallerToken, "\n"));
    ASSERT_FALSE(token_file_->path().empty());
    audit_dir_ = std::make_unique<TempDir>();
    ASSERT_FALSE(audit_dir_->path().empty());
    config_file_ = std::make_unique<TempFile>(
        e2e::CallerConfig("e2e-caller", kCallerToken, audit_dir_->path()));
    ASSERT_FALSE(config_file_->path().empty());
    absl::StatusOr<e2e::GatewayProcess> gateway =
        e2e::StartGateway(POLYTOMIC_GATEWAY_BIN, config_file_->path(),
                          sandbox_url_, key_file_->path());
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(gateway->process);
    EXPECT_EQ(gateway->upstream, sandbox_url_);
    gateway_address_ = gateway->address;
    admin_address_ = gateway->admin_address;
  }

  // Ctl runs polytomicctl against the gateway as the configured caller:
  // `--addr`, `--timeout` and `--token_file` first, then `args`.
  RunResult Ctl(const std::vector<std::string>& args,
                const ProcessOptions& options = {}) {
    std::vector<std::string> argv = {"--token_file", token_file_->path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return CtlWithoutToken(argv, options);
  }

  // CtlWithoutToken is Ctl without `--token_file`.
  RunResult CtlWithoutToken(const std::vector<std::string>& args,
                            const ProcessOptions& options = {}) {
    std::vector<std::string> argv = {"--addr", gateway_address_, "--timeout",
                                     "30s"};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<RunResult> run =
        testsupport::RunProcess(POLYTOMICCTL_BIN, argv, kRunTimeout, options);
    if (!run.ok()) {
      ADD_FAILURE() << run.status();
      return RunResult{ExitStatus{false, 0, SIGKILL}, "", ""};
    }
    return *std::move(run);
  }

  // SeededSync is the id of the i-th seeded bulk sync.
  std::string SeededSync(size_t i) const {
    return seed_.at("bulk_syncs").at(i).get<std::string>();
  }

  // UpstreamSync reads a bulk sync straight from the sandbox.
  nlohmann::json UpstreamSync(const std::string& id) {
    testsupport::SandboxClient::Reply reply =
        upstream_->Get("/api/bulk/syncs/" + id);
    EXPECT_EQ(reply.status, 200) << reply.body << reply.error;
    if (reply.status != 200) return nullptr;
    return ParseJson(reply.body)["data"];
  }

  std::unique_ptr<Process> sandbox_;
  std::unique_ptr<Process> gateway_;
  std::unique_ptr<TempFile> key_file_;
  std::unique_ptr<TempFile> token_file_;
  std::unique_ptr<TempDir> audit_dir_;
  std::unique_ptr<TempFile> config_file_;
  std::unique_ptr<testsupport::SandboxClient> upstream_;
  std::string sandbox_url_;
  std::string gateway_address_;
  std::string admin_address_;
  nlohmann::json seed_;
};

TEST_F(PolytomicctlE2eTest, ListShowsEveryContractMethodWithItsRoute) {
  const RunResult run = Ctl({"list"});
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  const std::regex method_line(
      "^  polytomic\\.v1\\.[A-Za-z]+Service/[A-Za-z]+ +"
      "(GET|POST|PUT|PATCH|DELETE) +/api/\\S+$");
  int methods = 0;
  for (absl::string_view line : absl::StrSplit(run.out, '\n')) {
    if (std::regex_search(std::string(line), method_line)) ++methods;
  }
  EXPECT_EQ(methods, kContractMethods) << run.out;
  EXPECT_THAT(run.out, ContainsRegex("BulkSyncService/GetBulkSync +GET +"
                                     "/api/bulk/syncs/\\{id\\}"));
  EXPECT_THAT(run.err, IsEmpty());
}

TEST_F(PolytomicctlE2eTest, ListBulkSyncsPrintsTheSeededSyncs) {
  const RunResult run = Ctl({"ListBulkSyncs"});
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  EXPECT_THAT(run.err, IsEmpty());
  nlohmann::json response = ParseJson(run.out);
  std::vector<std::string> ids;
  for (const nlohmann::json& sync : response["data"]) {
    ids.push_back(sync["id"].get<std::string>());
  }
  EXPECT_THAT(ids, UnorderedElementsAreArray(
                       seed_["bulk_syncs"].get<std::vector<std::string>>()));
}

TEST_F(PolytomicctlE2eTest, GetBulkSyncMatchesTheUpstream) {
  const std::string id = SeededSync(0);
  const RunResult run = Ctl({"GetBulkSync", "--id=" + id});
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  nlohmann::json printed = ParseJson(run.out);
  nlohmann::json upstream = UpstreamSync(id);
  ASSERT_TRUE(upstream.is_object());
  EXPECT_EQ(printed["data"]["id"], id);
  EXPECT_EQ(printed["data"]["name"], upstream["name"]);
  // Printed with the API's wire names.
  EXPECT_EQ(printed["data"]["source_connection_id"],
            upstream["source_connection_id"]);
}

TEST_F(PolytomicctlE2eTest, TheAdminListenerCountsTheUpstreamRequests) {
  const RunResult run = Ctl({"GetBulkSync", "--id=" + SeededSync(0)});
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  httplib::Client admin(absl::StrCat("http://", admin_address_));
  admin.set_read_timeout(30);  // a bound for a broken server
  httplib::Result metrics = admin.Get("/metrics");
  ASSERT_TRUE(metrics) << admin_address_ << ": " << metrics.error();
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(metrics->body,
              HasSubstr("polytomic_gateway_upstream_requests_total{"
                        "operation=\"bulkSync.get\",code=\"200\"} 1\n"));
  EXPECT_THAT(metrics->body, Not(HasSubstr(kApiKey)));
  EXPECT_THAT(metrics->body, Not(HasSubstr(kCallerToken)));
}

TEST_F(PolytomicctlE2eTest, GetBulkSyncReadsTheRequestFromStdin) {
  const std::string id = SeededSync(1);
  TempFile request(nlohmann::json{{"id", id}}.dump());
  ProcessOptions options;
  options.stdin_path = request.path();
  const RunResult run = Ctl({"GetBulkSync", "-"}, options);
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  nlohmann::json printed = ParseJson(run.out);
  EXPECT_EQ(printed["data"]["name"], UpstreamSync(id)["name"]);
}

TEST_F(PolytomicctlE2eTest, CreateBulkSyncFromJsonAndFlags) {
  const std::string source = seed_["connections"]["postgresql"];
  const std::string destination = seed_["connections"]["s3"];
  const RunResult run = Ctl({
      "CreateBulkSync",
      R"({"bulk_sync": {"name": "e2e: made by polytomicctl",
                        "destination_configuration": {"format": "csv"}}})",
      "--bulk_sync.source_connection_id=" + source,
      "--bulk_sync.destination_connection_id=" + destination,
      "--bulk_sync.mode=snapshot",
      R"(--bulk_sync.default_schedule={"frequency": "daily", "hour": "4"})",
      "--bulk_sync.default_schedule.minute=45",
      R"(--bulk_sync.destination_configuration={"format": "parquet",
                                                "path_prefix": "e2e"})",
      "--bulk_sync.data_cutoff_timestamp=2024-01-31T00:00:00Z",
  });
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  nlohmann::json printed = ParseJson(run.out);
  const std::string id = printed["data"]["id"];
  ASSERT_FALSE(id.empty()) << run.out;

  nlohmann::json stored = UpstreamSync(id);
  EXPECT_EQ(stored["name"], "e2e: made by polytomicctl");
  EXPECT_EQ(stored["source_connection_id"], source);
  EXPECT_EQ(stored["destination_connection_id"], destination);
  EXPECT_EQ(stored["mode"], "snapshot");
  EXPECT_EQ(stored["default_schedule"]["frequency"], "daily");
  EXPECT_EQ(stored["default_schedule"]["hour"], "4");
  EXPECT_EQ(stored["default_schedule"]["minute"], "45");
  // The flag replaced the JSON's configuration.
  EXPECT_EQ(stored["destination_configuration"],
            (nlohmann::json{{"format", "parquet"}, {"path_prefix", "e2e"}}));
  EXPECT_THAT(stored["data_cutoff_timestamp"].get<std::string>(),
              HasSubstr("2024-01-31T00:00:00"));
}

TEST_F(PolytomicctlE2eTest, ActivateBulkSyncChangesTheUpstream) {
  const std::string id = SeededSync(0);
  ASSERT_EQ(UpstreamSync(id)["active"], true);

  RunResult run = Ctl({"ActivateBulkSync", "--id=" + id, "--active=false"});
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  EXPECT_EQ(UpstreamSync(id)["active"], false);

  // A bare bool flag means true.
  run = Ctl({"ActivateBulkSync", "--id=" + id, "--active"});
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  EXPECT_EQ(UpstreamSync(id)["active"], true);
}

TEST_F(PolytomicctlE2eTest, MalformedIdIsInvalidArgumentNamingTheField) {
  const RunResult run = Ctl({"GetBulkSync", "--id=not-a-uuid"});
  EXPECT_TRUE(run.status.exited);
  EXPECT_EQ(run.status.code, 1) << Describe(run);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(run.err, ContainsRegex("^ERROR INVALID_ARGUMENT: "));
  EXPECT_THAT(run.err, ContainsRegex("\n  BadRequest:\n    id: "));
  // Rejected by the gateway: the upstream never saw it.
  EXPECT_EQ(upstream_->Counter("bulkSync.get"), 0);
}

TEST_F(PolytomicctlE2eTest, UnknownIdIsNotFoundWithTheUpstreamReason) {
  const RunResult run =
      Ctl({"GetBulkSync", "--id=00000000-0000-4000-8000-000000000000"});
  EXPECT_TRUE(run.status.exited);
  EXPECT_EQ(run.status.code, 1) << Describe(run);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(run.err, ContainsRegex("^ERROR NOT_FOUND: "));
  EXPECT_THAT(run.err,
              ContainsRegex("\n  ErrorInfo: reason=UPSTREAM_NOT_FOUND "));
  EXPECT_GE(upstream_->Counter("bulkSync.get"), 1);  // It went upstream.
}

TEST_F(PolytomicctlE2eTest, UsageErrorsExitTwoWithoutCalling) {
  const std::vector<std::vector<std::string>> usage_errors = {
      {"NoSuchMethod"},
      {"GetBulkSync", "--no_such_field=1"},
      {"GetBulkSync", "--id"},
      {"GetBulkSync", "{not json"},
      {"GetBulkSync", "{}", "{}"},
      {"list", "extra"},
  };
  for (const std::vector<std::string>& args : usage_errors) {
    const RunResult run = Ctl(args);
    EXPECT_TRUE(run.status.exited) << args.front();
    EXPECT_EQ(run.status.code, 2) << args.front() << "\n" << Describe(run);
    EXPECT_THAT(run.err, HasSubstr("polytomicctl: ")) << args.front();
    EXPECT_THAT(run.out, IsEmpty()) << args.front();
  }
  // An unknown global flag, and no command at all.
  for (const std::vector<std::string>& argv :
       std::vector<std::vector<std::string>>{{"--verbose", "list"}, {}}) {
    absl::StatusOr<RunResult> run =
        testsupport::RunProcess(POLYTOMICCTL_BIN, argv, kRunTimeout);
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->status.code, 2) << Describe(*run);
  }
  EXPECT_EQ(upstream_->Counter("bulkSync.get"), 0);
}

TEST_F(PolytomicctlE2eTest, DryRunPrintsTheRequestWithoutCalling) {
  const std::string id = SeededSync(0);
  const RunResult run =
      Ctl({"--dry-run", "StartBulkSync", "--id=" + id, "--test"});
  // Global flags go before the command; Ctl put --addr first, so this is
  // `polytomicctl --addr A --timeout T --token_file F --dry-run ...`.
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  EXPECT_THAT(run.out, Not(HasSubstr(kCallerToken)));
  EXPECT_THAT(run.out,
              HasSubstr("# /polytomic.v1.BulkSyncService/StartBulkSync\n"));
  const nlohmann::json request =
      ParseJson(run.out.substr(run.out.find('\n') + 1));
  EXPECT_EQ(request, (nlohmann::json{{"id", id}, {"test", true}}));
  EXPECT_EQ(upstream_->Counter("bulkSync.start"), 0);
}

TEST_F(PolytomicctlE2eTest, WithoutAKnownTokenTheCallIsUnauthenticated) {
  RunResult run = CtlWithoutToken({"GetBulkSync", "--id=" + SeededSync(0)});
  EXPECT_TRUE(run.status.exited);
  EXPECT_EQ(run.status.code, 1) << Describe(run);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(run.err, ContainsRegex("^ERROR UNAUTHENTICATED: "));
  // Support can find the call by its id.
  EXPECT_THAT(run.err, ContainsRegex("\n  x-request-id: \\S+\n"));

  // A token the gateway does not know: refused too, and never printed.
  const std::string wrong_token = "e2e-not-a-caller-token-0000";
  TempFile wrong_token_file(wrong_token);
  run = CtlWithoutToken(
      {"--token_file", wrong_token_file.path(), "ListBulkSyncs"});
  EXPECT_EQ(run.status.code, 1) << Describe(run);
  EXPECT_THAT(run.err, ContainsRegex("^ERROR UNAUTHENTICATED: "));
  EXPECT_THAT(run.err, Not(HasSubstr(wrong_token)));
  EXPECT_EQ(upstream_->Counter("bulkSync.get"), 0);

  // The token from the environment, when there is no --token_file.
  setenv("POLYTOMIC_GATEWAY_TOKEN", kCallerToken, 1);
  run = CtlWithoutToken({"GetBulkSync", "--id=" + SeededSync(0)});
  unsetenv("POLYTOMIC_GATEWAY_TOKEN");
  EXPECT_TRUE(run.status.Succeeded()) << Describe(run);
  EXPECT_THAT(run.out, Not(HasSubstr(kCallerToken)));
}

TEST_F(PolytomicctlE2eTest, UnreadableTokenFileIsAUsageErrorNamingIt) {
  const std::string missing = ::testing::TempDir() + "e2e-no-such-token";
  const RunResult run =
      CtlWithoutToken({"--token_file", missing, "ListBulkSyncs"});
  EXPECT_EQ(run.status.code, 2) << Describe(run);
  EXPECT_THAT(run.err, HasSubstr(missing));
  EXPECT_THAT(run.out, IsEmpty());
}

TEST_F(PolytomicctlE2eTest, VerifyFindsTheAuditTrailIntactThenTampered) {
  const std::string id = SeededSync(0);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"ListBulkSyncs"},
           {"GetBulkSync", "--id=" + id},
           {"ActivateBulkSync", "--id=" + id, "--active=false"}}) {
    const RunResult run = Ctl(args);
    ASSERT_TRUE(run.status.Succeeded()) << args.front() << Describe(run);
  }
  // Stopped, so every record is on disk.
  StopAndExpectCleanExit(*gateway_, "polytomic-gateway");
  gateway_.reset();

  absl::StatusOr<RunResult> verify = testsupport::RunProcess(
      POLYTOMIC_GATEWAY_BIN, {"verify", "--audit_dir", audit_dir_->path()},
      kRunTimeout);
  ASSERT_TRUE(verify.ok()) << verify.status();
  EXPECT_TRUE(verify->status.Succeeded()) << Describe(*verify);
  std::smatch ok;
  ASSERT_TRUE(std::regex_search(
      verify->out, ok,
      std::regex("^audit trail \\S+: ok, ([0-9]+) records in [0-9]+ files")))
      << Describe(*verify);
  EXPECT_GE(std::stoi(ok[1].str()), 3) << verify->out;

  // Change one character of the first record: the chain breaks there.
  const std::string file = audit_dir_->path() + "/audit.jsonl";
  std::string trail;
  {
    std::ifstream in(file, std::ios::binary);
    trail.assign(std::istreambuf_iterator<char>(in),
                 std::istreambuf_iterator<char>());
  }
  const size_t first_line_end = trail.find('\n');
  ASSERT_NE(first_line_end, std::string::npos) << file << ":\n" << trail;
  size_t at = first_line_end / 2;
  while (at < first_line_end &&
         !isalnum(static_cast<unsigned char>(trail[at]))) {
    ++at;
  }
  ASSERT_LT(at, first_line_end) << trail;
  trail[at] = trail[at] == '0' ? '1' : '0';
  std::ofstream(file, std::ios::binary | std::ios::trunc) << trail;
  verify = testsupport::RunProcess(
      POLYTOMIC_GATEWAY_BIN, {"verify", "--audit_dir", audit_dir_->path()},
      kRunTimeout);
  ASSERT_TRUE(verify.ok()) << verify.status();
  EXPECT_EQ(verify->status.code, 1) << Describe(*verify);
  EXPECT_THAT(verify->out, HasSubstr(": BROKEN at ")) << Describe(*verify);
}

TEST_F(PolytomicctlE2eTest, StoppedGatewayIsUnavailable) {
  StopAndExpectCleanExit(*gateway_, "polytomic-gateway");
  EXPECT_THAT(gateway_->Stdout(), HasSubstr("draining (signal 15)"));
  gateway_.reset();

  const RunResult run = Ctl({"GetBulkSync", "--id=" + SeededSync(0)});
  EXPECT_EQ(run.status.code, 1) << Describe(run);
  EXPECT_THAT(run.err, ContainsRegex("^ERROR UNAVAILABLE: "));
}

}  // namespace
