// e2e_stack.h: what the end-to-end suites share: the built sandbox and
// gateway started as processes on port 0, their configuration, and failure
// output (temporary files come from tests/support/temp_files.h).
//
//   absl::StatusOr<e2e::SandboxProcess> sandbox =
//       e2e::StartSandbox(POLYTOMIC_SANDBOX_BIN, kApiKey);
//   testsupport::TempFile config(e2e::CallerConfig("e2e", kToken,
//   audit_dir.path())); testsupport::TempFile key(kApiKey);
//   absl::StatusOr<e2e::GatewayProcess> gateway = e2e::StartGateway(
//       POLYTOMIC_GATEWAY_BIN, config.path(), sandbox->url, key.path());
//   ...
//   e2e::StopAndExpectCleanExit(*gateway->process, "polytomic-gateway");
#ifndef TESTS_E2E_E2E_STACK_H_
#define TESTS_E2E_E2E_STACK_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/support/process.h"
#include "tests/support/temp_files.h"

namespace e2e {

// Generous: the binaries start in well under a second, but CI machines are
// shared. Nothing waits for it unless something is broken.
inline constexpr absl::Duration kStartTimeout = absl::Seconds(60);

// CallerConfig is a gateway YAML configuration with one caller, `principal`,
// authenticated by `token` (the file holds only its SHA-256) and allowed
// every method on the account "default" (which --api_key_file defines), and
// the audit trail in `audit_directory`, plus `audit_extra` members of
// `audit` (e.g. ", max_file_bytes: 8192"), and the admin listener on
// 127.0.0.1:0 (never the default port, so runs do not collide). The
// listener and upstream come from flags.
std::string CallerConfig(absl::string_view principal, absl::string_view token,
                         absl::string_view audit_directory,
                         absl::string_view audit_extra = "");

// Caller is one principal of CallersConfig: authenticated by `token`,
// allowed every method on the account "default", with `policy_extra` added
// to its policy (e.g. ", rate_limit: {requests_per_second: 1, burst: 2}").
struct Caller {
  std::string principal;
  std::string token;
  std::string policy_extra;
};

// CallersConfig is CallerConfig for several callers, followed by
// `extra_yaml` (top-level members, e.g. "shared_state: {...}\n"; each ending
// in a newline).
std::string CallersConfig(const std::vector<Caller>& callers,
                          absl::string_view audit_directory,
                          absl::string_view extra_yaml = "");

// ParseJson parses a program's output; a gtest failure (not an exception)
// and an empty object when it is not JSON.
nlohmann::json ParseJson(const std::string& text);

// Describe renders a run for failure messages.
std::string Describe(const testsupport::RunResult& run);

// StopAndExpectCleanExit sends SIGTERM and expects exit code 0.
void StopAndExpectCleanExit(testsupport::Process& process,
                            const std::string& name);

// SandboxProcess is a running, seeded polytomic-sandbox.
struct SandboxProcess {
  std::unique_ptr<testsupport::Process> process;
  std::string url;      // http://127.0.0.1:PORT
  nlohmann::json seed;  // what --seed created
};

// StartSandbox starts `binary --seed` on port 0 accepting `api_key` (and
// `extra_args`, e.g. {"--threads", "256"}), and waits for its address and
// seed; errors carry its output.
absl::StatusOr<SandboxProcess> StartSandbox(
    const std::string& binary, const std::string& api_key,
    const std::vector<std::string>& extra_args = {});

// GatewayProcess is a running polytomic-gateway.
struct GatewayProcess {
  std::unique_ptr<testsupport::Process> process;
  std::string address;        // host:port it serves on
  std::string upstream;       // the upstream it announced
  std::string admin_address;  // host:port of its admin listener (/metrics)
};

// StartGateway starts `binary --config config_file` on port 0 in front of
// `upstream` with the key in `key_file`, and waits until it serves and its
// admin listener too (the configuration must enable it, as CallerConfig
// does); errors carry its output.
absl::StatusOr<GatewayProcess> StartGateway(const std::string& binary,
                                            const std::string& config_file,
                                            const std::string& upstream,
                                            const std::string& key_file);

}  // namespace e2e

#endif  // TESTS_E2E_E2E_STACK_H_
