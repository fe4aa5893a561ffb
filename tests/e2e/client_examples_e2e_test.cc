// End-to-end: the Python and Node example clients (client/python,
// client/node), each run as a subprocess against the built polytomic-gateway
// in front of the built polytomic-sandbox, both on port 0. Each command
// prints one JSON line; what it prints is checked against the sandbox's seed
// and against what the sandbox holds afterwards, read over plain HTTP.
#include <signal.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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
using ::testing::ElementsAre;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;
using testsupport::ExitStatus;
using testsupport::RunResult;
using testsupport::TempDir;
using testsupport::TempFile;

constexpr char kApiKey[] = "e2e-client-examples-key";
// The caller's token; the gateway's configuration holds only its SHA-256.
constexpr char kCallerToken[] = "e2e-client-examples-caller-token-8d41";
constexpr absl::Duration kRunTimeout = absl::Seconds(60);
constexpr char kEtagPattern[] = "[0-9a-f]{64}";

// Example is one example client: the interpreter and the script the build
// put next to its stubs or node_modules.
struct Example {
  std::string name;
  std::string interpreter;
  std::string script;
};

// PrintTo names the example in gtest's messages.
void PrintTo(const Example& example, std::ostream* os) { *os << example.name; }

class ClientExamplesE2eTest : public ::testing::TestWithParam<Example> {
 protected:
  void SetUp() override {
    absl::StatusOr<e2e::SandboxProcess> sandbox =
        e2e::StartSandbox(POLYTOMIC_SANDBOX_BIN, kApiKey);
    ASSERT_TRUE(sandbox.ok()) << sandbox.status();
    sandbox_ = std::move(sandbox->process);
    seed_ = std::move(sandbox->seed);
    ASSERT_GE(seed_["bulk_syncs"].size(), 2) << seed_.dump();
    upstream_ =
        std::make_unique<testsupport::SandboxClient>(sandbox->url, kApiKey);

    key_file_ = std::make_unique<TempFile>(kApiKey);
    token_file_ = std::make_unique<TempFile>(absl::StrCat(kCallerToken, "\n"));
    audit_dir_ = std::make_unique<TempDir>();
    ASSERT_FALSE(audit_dir_->path().empty());
    config_file_ = std::make_unique<TempFile>(
        e2e::CallerConfig("e2e-examples", kCallerToken, audit_dir_->path()));
    absl::StatusOr<e2e::GatewayProcess> gateway =
        e2e::StartGateway(POLYTOMIC_GATEWAY_BIN, config_file_->path(),
                          sandbox->url, key_file_->path());
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(gateway->process);
    gateway_address_ = gateway->address;
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

  // Run runs the example with the gateway's address and the token file, then
  // `args`; `out` is its one line of JSON output.
  RunResult Run(const std::vector<std::string>& args, nlohmann::json* out) {
    std::vector<std::string> argv = {GetParam().script, "--address",
                                     gateway_address_, "--token_file",
                                     token_file_->path()};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<RunResult> run =
        testsupport::RunProcess(GetParam().interpreter, argv, kRunTimeout);
    if (!run.ok()) {
      ADD_FAILURE() << run.status();
      return RunResult{ExitStatus{false, 0, SIGKILL}, "", ""};
    }
    *out = ParseJson(run->out);
    return *std::move(run);
  }

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

  std::unique_ptr<testsupport::Process> sandbox_;
  std::unique_ptr<testsupport::Process> gateway_;
  std::unique_ptr<testsupport::SandboxClient> upstream_;
  std::unique_ptr<TempFile> key_file_;
  std::unique_ptr<TempFile> token_file_;
  std::unique_ptr<TempDir> audit_dir_;
  std::unique_ptr<TempFile> config_file_;
  nlohmann::json seed_;
  std::string gateway_address_;
};

TEST_P(ClientExamplesE2eTest, ListsTheSeededBulkSyncs) {
  nlohmann::json out;
  RunResult run = Run({"list"}, &out);
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  EXPECT_EQ(out["op"], "list");
  std::vector<std::string> ids;
  for (const nlohmann::json& sync : out["syncs"]) {
    ids.push_back(sync.value("id", ""));
    EXPECT_THAT(sync.value("etag", ""), MatchesRegex(kEtagPattern)) << sync;
  }
  EXPECT_THAT(ids, UnorderedElementsAreArray(
                       seed_["bulk_syncs"].get<std::vector<std::string>>()));
}

TEST_P(ClientExamplesE2eTest, GetsOneBulkSync) {
  const std::string id = SeededSync(1);
  nlohmann::json out;
  RunResult run = Run({"get", id}, &out);
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  EXPECT_EQ(out["id"], id);
  EXPECT_EQ(out["name"], UpstreamSync(id)["name"]);
  EXPECT_THAT(out.value("etag", ""), MatchesRegex(kEtagPattern)) << out;
}

// The update reads the sync for its etag and renames it with the mask
// ["name"]: only the name (and the API's update stamps) change upstream.
TEST_P(ClientExamplesE2eTest, MaskedUpdateWithTheEtagChangesOnlyTheName) {
  const std::string id = SeededSync(0);
  nlohmann::json before = UpstreamSync(id);
  const std::string new_name = "renamed by the " + GetParam().name + " example";
  nlohmann::json out;
  RunResult run = Run({"update", id, new_name}, &out);
  ASSERT_TRUE(run.status.Succeeded()) << Describe(run);
  EXPECT_EQ(out["op"], "update");
  EXPECT_EQ(out["id"], id);
  EXPECT_EQ(out["name"], new_name);
  EXPECT_EQ(out["previous_name"], before["name"]);
  EXPECT_THAT(out.value("previous_etag", ""), MatchesRegex(kEtagPattern));
  EXPECT_THAT(out.value("etag", ""), MatchesRegex(kEtagPattern));
  EXPECT_NE(out["etag"], out["previous_etag"]);

  nlohmann::json after = UpstreamSync(id);
  EXPECT_EQ(after["name"], new_name);
  for (nlohmann::json* doc : {&before, &after}) {
    for (const char* changes : {"name", "updated_at", "updated_by"}) {
      doc->erase(changes);
    }
  }
  EXPECT_EQ(after, before);
}

TEST_P(ClientExamplesE2eTest, StaleEtagIsAbortedAndWritesNothing) {
  const std::string id = SeededSync(0);
  nlohmann::json before = UpstreamSync(id);
  nlohmann::json out;
  RunResult run = Run(
      {"update", id, "never written", "--etag", std::string(64, '0')}, &out);
  EXPECT_EQ(run.status.code, 1) << Describe(run);
  EXPECT_EQ(out["error"]["code"], "ABORTED") << out;
  EXPECT_EQ(out["error"]["error_info"]["reason"], "ETAG_MISMATCH") << out;
  EXPECT_EQ(UpstreamSync(id), before);
}

// A malformed id is refused by the gateway: ErrorInfo and a BadRequest
// violation on `id`, decoded from grpc-status-details-bin.
TEST_P(ClientExamplesE2eTest, DecodesErrorInfoAndBadRequest) {
  nlohmann::json out;
  RunResult run = Run({"get", "not-a-uuid"}, &out);
  EXPECT_EQ(run.status.code, 1) << Describe(run);
  nlohmann::json error = out["error"];
  EXPECT_EQ(error["code"], "INVALID_ARGUMENT") << out;
  EXPECT_EQ(error["error_info"]["reason"], "INVALID_REQUEST") << out;
  EXPECT_EQ(error["error_info"]["domain"], "polytomic-gateway") << out;
  std::vector<std::string> fields;
  for (const nlohmann::json& violation : error["bad_request"]) {
    fields.push_back(violation.value("field", ""));
    EXPECT_THAT(violation.value("description", ""), Not(testing::IsEmpty()));
  }
  EXPECT_THAT(fields, ElementsAre("id")) << out;
  EXPECT_THAT(error.value("request_id", ""), Not(testing::IsEmpty())) << out;
  EXPECT_FALSE(error.contains("retry_info")) << out;
}

// Polytomic answers the update's PUT 429 with a Retry-After of an hour,
// far beyond the call's deadline: the gateway does not wait for it and
// returns RESOURCE_EXHAUSTED with RetryInfo at once. (A write: reads' fetch
// deadline is the gateway's own upstream.default_timeout.)
TEST_P(ClientExamplesE2eTest, DecodesRetryInfo) {
  ASSERT_FALSE(upstream_
                   ->AddFault({{"operation", "bulkSync.update"},
                               {"kind", "status"},
                               {"status", 429},
                               {"retry_after", "3600"},
                               {"count", 1}})
                   .empty());
  nlohmann::json out;
  RunResult run = Run({"update", SeededSync(1), "rate limited"}, &out);
  EXPECT_EQ(run.status.code, 1) << Describe(run);
  nlohmann::json error = out["error"];
  EXPECT_EQ(error["code"], "RESOURCE_EXHAUSTED") << out;
  EXPECT_EQ(error["error_info"]["reason"], "UPSTREAM_RATE_LIMITED") << out;
  EXPECT_EQ(error["error_info"]["metadata"]["http_status"], "429") << out;
  // The gateway passes Retry-After on as it came; a little slack all the
  // same, in case it ever counts from its own clock.
  const nlohmann::json delay = error["retry_info"]["retry_delay_seconds"];
  ASSERT_TRUE(delay.is_number()) << out;
  EXPECT_NEAR(delay.get<double>(), 3600.0, 60.0) << out;
  EXPECT_NE(UpstreamSync(SeededSync(1))["name"], "rate limited");
}

INSTANTIATE_TEST_SUITE_P(Examples, ClientExamplesE2eTest,
                         ::testing::Values(Example{"python", POLYTOMIC_PYTHON,
                                                   POLYTOMIC_PYTHON_EXAMPLE},
                                           Example{"node", POLYTOMIC_NODE,
                                                   POLYTOMIC_NODE_EXAMPLE}),
                         [](const ::testing::TestParamInfo<Example>& info) {
                           return info.param.name;
                         });

}  // namespace
