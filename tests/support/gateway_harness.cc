#include "tests/support/gateway_harness.h"

#include "gateway/common/sha256.h"
#include "gateway/config/config_loader.h"
#include "gtest/gtest.h"
#include "tests/support/caller_channel.h"

namespace testsupport {

std::unique_ptr<GatewayHarness> GatewayHarness::Start(Options options) {
  std::unique_ptr<GatewayHarness> harness(new GatewayHarness());
  sandbox::Options sandbox_options;
  sandbox_options.api_keys = {harness->api_key_};
  sandbox_options.seed = options.seed;
  sandbox_options.org_keys = options.sandbox_org_keys;
  auto sandbox = sandbox::Sandbox::Start(sandbox_options);
  if (!sandbox.ok()) {
    ADD_FAILURE() << "sandbox: " << sandbox.status();
    return nullptr;
  }
  harness->sandbox_ = *std::move(sandbox);
  harness->upstream_ = std::make_unique<SandboxClient>(
      harness->sandbox_->base_url(), harness->api_key_);

  if (harness->key_file_.path().empty() || harness->audit_dir().empty()) {
    ADD_FAILURE() << "cannot create a key file and an audit directory in "
                  << ::testing::TempDir();
    return nullptr;
  }

  gateway::config::v1::GatewayConfig config;
  config.mutable_listener()->set_address("127.0.0.1:0");
  // Port 0: never the default 9464, so harnesses (and a running gateway) do
  // not collide.
  config.mutable_admin()->set_address("127.0.0.1:0");
  config.mutable_audit()->set_directory(harness->audit_dir());
  auto* token = config.mutable_callers()->add_tokens();
  token->set_principal("harness");
  token->set_sha256(gateway::Sha256Hex(harness->caller_token_));
  auto* policy = config.mutable_callers()->add_policies();
  policy->set_principal("harness");
  policy->set_account("default");
  policy->add_allow("*");
  auto* upstream = config.mutable_upstream();
  upstream->set_base_url(harness->sandbox_->base_url());
  upstream->set_api_key_file(harness->key_file_.path());
  upstream->set_api_version("2025-09-18");
  upstream->set_max_connections(64);
  upstream->mutable_connect_timeout()->set_seconds(2);
  upstream->mutable_default_timeout()->set_seconds(20);
  if (options.configure) options.configure(config);
  gateway::config::ApplyDefaults(config);
  if (absl::Status valid = gateway::config::ValidateConfig(config);
      !valid.ok()) {
    ADD_FAILURE() << "gateway configuration: " << valid;
    return nullptr;
  }
  auto dependencies = gateway::server::Gateway::DefaultDependencies(config);
  if (!dependencies.ok()) {
    ADD_FAILURE() << "gateway dependencies: " << dependencies.status();
    return nullptr;
  }
  if (options.log_sink) dependencies->log_sink = options.log_sink;
  auto gateway = gateway::server::Gateway::Start(
      config, *std::move(dependencies), options.reload);
  if (!gateway.ok()) {
    ADD_FAILURE() << "gateway: " << gateway.status();
    return nullptr;
  }
  harness->gateway_ = *std::move(gateway);
  harness->channel_ = harness->ChannelAs(harness->caller_token_);
  return harness;
}

std::shared_ptr<grpc::Channel> GatewayHarness::ChannelAs(
    const std::string& token) const {
  return CallerChannel(gateway_->address(), token,
                       grpc::InsecureChannelCredentials());
}

GatewayHarness::~GatewayHarness() {
  // The gateway goes first: its calls may still be talking to the sandbox.
  gateway_.reset();
  sandbox_.reset();
}

std::string GatewayHarness::Connection(const std::string& type) const {
  const auto& connections = seed()["connections"];
  if (!connections.contains(type)) {
    ADD_FAILURE() << "no seeded connection of type " << type;
    return "";
  }
  return connections[type].get<std::string>();
}

nlohmann::ordered_json GatewayHarness::LastExchange(
    const std::string& operation_id) {
  nlohmann::ordered_json requests = upstream_->Requests(operation_id);
  if (!requests.is_array() || requests.empty()) {
    ADD_FAILURE() << "the sandbox saw no request for " << operation_id;
    return nullptr;
  }
  return requests.back();
}

int GatewayHarness::Count(const std::string& operation_id) {
  return upstream_->Counter(operation_id);
}

}  // namespace testsupport
