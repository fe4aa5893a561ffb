#include "tests/e2e/e2e_stack.h"

#include <signal.h>

#include <optional>
#include <regex>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/sha256.h"
#include "gtest/gtest.h"

namespace e2e {

using testsupport::ExitStatus;
using testsupport::Process;

std::string CallerConfig(absl::string_view principal, absl::string_view token,
                         absl::string_view audit_directory,
                         absl::string_view audit_extra) {
  return absl::StrCat("callers:\n  tokens: [{principal: ", principal,
                      ", sha256: \"", gateway::Sha256Hex(token),
                      "\"}]\n  policies: [{principal: ", principal,
                      ", account: default, allow: [\"*\"]}]\n"
                      "audit: {directory: \"",
                      audit_directory, "\"", audit_extra,
                      "}\n"
                      "admin: {address: \"127.0.0.1:0\"}\n");
}

std::string CallersConfig(const std::vector<Caller>& callers,
                          absl::string_view audit_directory,
                          absl::string_view extra_yaml) {
  std::string tokens;
  std::string policies;
  for (const Caller& caller : callers) {
    absl::StrAppend(&tokens, "    - {principal: ", caller.principal,
                    ", sha256: \"", gateway::Sha256Hex(caller.token), "\"}\n");
    absl::StrAppend(&policies, "    - {principal: ", caller.principal,
                    ", account: default, allow: [\"*\"]", caller.policy_extra,
                    "}\n");
  }
  return absl::StrCat("callers:\n  tokens:\n", tokens, "  policies:\n",
                      policies, "audit: {directory: \"", audit_directory,
                      "\"}\nadmin: {address: \"127.0.0.1:0\"}\n", extra_yaml);
}

nlohmann::json ParseJson(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) {
    ADD_FAILURE() << "not JSON:\n" << text;
    return nlohmann::json::object();
  }
  return json;
}

std::string Describe(const testsupport::RunResult& run) {
  return absl::StrCat(run.status.ToString(), "\n--- stdout:\n", run.out,
                      "--- stderr:\n", run.err);
}

void StopAndExpectCleanExit(Process& process, const std::string& name) {
  EXPECT_TRUE(process.Signal(SIGTERM)) << name << " was already gone";
  std::optional<ExitStatus> exit = process.WaitForExit(kStartTimeout);
  ASSERT_TRUE(exit.has_value()) << name << " ignored SIGTERM";
  EXPECT_TRUE(exit->Succeeded()) << name << ": " << exit->ToString() << "\n"
                                 << process.Stderr();
}

namespace {

// NotStarted says a server did not come up, with what it printed.
absl::Status NotStarted(const std::string& what, const Process& process) {
  return absl::UnavailableError(absl::StrCat(
      what, " did not start:\n", process.Stdout(), process.Stderr()));
}

}  // namespace

absl::StatusOr<SandboxProcess> StartSandbox(
    const std::string& binary, const std::string& api_key,
    const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--api-key",
                                   api_key, "--seed"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  absl::StatusOr<std::unique_ptr<Process>> started =
      Process::Start(binary, args);
  if (!started.ok()) return started.status();
  SandboxProcess sandbox;
  sandbox.process = *std::move(started);
  std::optional<std::vector<std::string>> listening =
      sandbox.process->WaitForLine(
          Process::kStdout,
          std::regex("^polytomic-sandbox listening on "
                     "(http://127\\.0\\.0\\.1:[0-9]+) "),
          kStartTimeout);
  if (!listening.has_value())
    return NotStarted("the sandbox", *sandbox.process);
  sandbox.url = (*listening)[1];
  std::optional<std::vector<std::string>> seeded = sandbox.process->WaitForLine(
      Process::kStdout, std::regex("^seeded: (.*)$"), kStartTimeout);
  if (!seeded.has_value()) return NotStarted("the seed", *sandbox.process);
  sandbox.seed = ParseJson((*seeded)[1]);
  return sandbox;
}

absl::StatusOr<GatewayProcess> StartGateway(const std::string& binary,
                                            const std::string& config_file,
                                            const std::string& upstream,
                                            const std::string& key_file) {
  absl::StatusOr<std::unique_ptr<Process>> started = Process::Start(
      binary, {"--config", config_file, "--listen", "127.0.0.1:0", "--upstream",
               upstream, "--api_key_file", key_file});
  if (!started.ok()) return started.status();
  GatewayProcess gateway;
  gateway.process = *std::move(started);
  std::optional<std::vector<std::string>> serving =
      gateway.process->WaitForLine(
          Process::kStdout,
          std::regex("^polytomic-gateway: serving [0-9]+ services on (\\S+) "
                     "\\(upstream (\\S+)\\)"),
          kStartTimeout);
  if (!serving.has_value()) return NotStarted("the gateway", *gateway.process);
  gateway.address = (*serving)[1];
  gateway.upstream = (*serving)[2];
  std::optional<std::vector<std::string>> admin = gateway.process->WaitForLine(
      Process::kStdout,
      std::regex("^polytomic-gateway: admin listening on (\\S+) "),
      kStartTimeout);
  if (!admin.has_value()) {
    return NotStarted("the gateway's admin listener", *gateway.process);
  }
  gateway.admin_address = (*admin)[1];
  return gateway;
}

}  // namespace e2e
