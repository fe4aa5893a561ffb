// gateway_harness.h: the sandbox and the gateway, both in-process on port 0,
// for integration tests. The gateway starts through the same bootstrap as
// main (gateway::server::Gateway::Start). Its one caller, "harness", may call
// everything with the token caller_token(); channel() presents it. The admin
// listener (/metrics) is on 127.0.0.1:0 too: gateway().admin_port().
//
//   auto harness = GatewayHarness::Start();
//   ASSERT_NE(harness, nullptr);
//   auto stub = polytomic::v1::BulkSyncService::NewStub(harness->channel());
//   ...
//   nlohmann::ordered_json logged = harness->LastExchange("bulkSync.get");
//   EXPECT_TRUE(MatchesUpstreamJson(response, logged["response"]));
#ifndef TESTS_SUPPORT_GATEWAY_HARNESS_H_
#define TESTS_SUPPORT_GATEWAY_HARNESS_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/config/v1/config.pb.h"
#include "gateway/server/gateway.h"
#include "nlohmann/json.hpp"
#include "tests/sandbox/sandbox.h"
#include "tests/support/sandbox_client.h"
#include "tests/support/temp_files.h"

namespace testsupport {

// GatewayHarness owns a seeded sandbox and a gateway pointed at it.
class GatewayHarness {
 public:
  struct Options {
    bool seed = true;
    // Organization-scoped keys {organization_id, key} the sandbox accepts
    // besides api_key().
    std::vector<std::pair<std::string, std::string>> sandbox_org_keys;
    // Changes the gateway configuration before it starts.
    std::function<void(gateway::config::v1::GatewayConfig&)> configure;
    // Where Gateway::Reload reads the configuration again (none: only key
    // files are re-read).
    gateway::server::Gateway::ConfigSource reload;
    // Where the gateway's log lines go (default: stderr).
    gateway::Logger::Sink log_sink;
  };

  // Start returns nullptr (after a gtest failure) when anything fails.
  static std::unique_ptr<GatewayHarness> Start(Options options);
  static std::unique_ptr<GatewayHarness> Start() { return Start(Options{}); }

  ~GatewayHarness();

  sandbox::Sandbox& sandbox() { return *sandbox_; }
  // upstream talks to the sandbox directly, with the gateway's API key.
  SandboxClient& upstream() { return *upstream_; }
  gateway::server::Gateway& gateway() { return *gateway_; }
  // channel presents caller_token().
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // ChannelAs presents `token` instead (none when empty).
  std::shared_ptr<grpc::Channel> ChannelAs(const std::string& token) const;
  const std::string& api_key() const { return api_key_; }
  const std::string& caller_token() const { return caller_token_; }
  // audit_dir is the gateway's audit directory (fresh per harness, removed
  // with it).
  const std::string& audit_dir() const { return audit_dir_.path(); }
  // seed is what the sandbox seeded: organization, connection and sync ids.
  const nlohmann::ordered_json& seed() const { return sandbox_->seed_result(); }
  // Connection returns the seeded connection id of a catalog type
  // ("salesforce", "postgresql", "snowflake", "s3", "linkedinads").
  std::string Connection(const std::string& type) const;

  // LastExchange returns the sandbox's log entry of the latest request to
  // `operation_id` (method, path, query, headers, body, status, response).
  nlohmann::ordered_json LastExchange(const std::string& operation_id);
  // Count returns how many requests reached `operation_id`.
  int Count(const std::string& operation_id);

 private:
  GatewayHarness() = default;

  std::string api_key_ = "harness-upstream-key-0001";
  std::string caller_token_ = "harness-caller-token-0001";
  // Each harness gets its own key file; the key never leaves this process.
  TempFile key_file_{api_key_ + "\n"};
  TempDir audit_dir_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::unique_ptr<SandboxClient> upstream_;
  std::unique_ptr<gateway::server::Gateway> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace testsupport

#endif  // TESTS_SUPPORT_GATEWAY_HARNESS_H_
