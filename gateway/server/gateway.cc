#include "gateway/server/gateway.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <fstream>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/auth/key_file_credentials.h"
#include "gateway/common/clock.h"
#include "gateway/common/status_macros.h"
#include "gateway/fieldmask/write_only_store.h"
#include "gateway/rest/curl_rest_client.h"
#include "gateway/server/contract_service.h"
#include "gateway/server/pipeline.h"
#include "gateway/server/unary_call.h"
#include "gateway/server/update_flow.h"
#include "gateway/server/upstream_caller.h"
#include "gateway/translate/translator.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/time_util.h"

namespace gateway::server {
namespace {

using google::protobuf::util::TimeUtil;

// ReadSealKey reads updates.seal_key_file (64 hex digits); empty if unset.
absl::StatusOr<std::string> ReadSealKey(const config::v1::Updates& updates) {
  if (updates.seal_key_file().empty()) return std::string();
  std::ifstream file(updates.seal_key_file());
  std::string hex;
  if (!file || !(file >> hex) || hex.size() != 64 ||
      !absl::c_all_of(hex, [](char c) { return absl::ascii_isxdigit(c); })) {
    return absl::InvalidArgumentError(
        absl::StrCat("updates.seal_key_file: ", updates.seal_key_file(),
                     " must hold 64 hex digits"));
  }
  return absl::HexStringToBytes(hex);
}

}  // namespace

// Parts are declared in construction order; they are destroyed in reverse,
// so the gRPC server stops before anything its calls use goes away.
struct Gateway::Parts {
  SystemClock clock;
  std::unique_ptr<CredentialSource> credentials;
  std::unique_ptr<RestClient> upstream;
  std::unique_ptr<translate::Translator> translator;
  std::unique_ptr<UpstreamCaller> caller;
  std::unique_ptr<fieldmask::WriteOnlyStore> write_only;
  std::unique_ptr<UpdateFlow> updates;
  std::unique_ptr<Pipeline> pipeline;
  absl::Duration default_timeout;
  std::vector<std::unique_ptr<ContractService>> services;
  std::unique_ptr<grpc::Server> server;
};

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(
    const config::v1::GatewayConfig& config) {
  auto parts = std::make_unique<Parts>();
  const auto& upstream = config.upstream();
  ASSIGN_OR_RETURN(parts->credentials,
                   auth::KeyFileCredentials::Load(upstream.api_key_file()));
  rest::CurlRestClient::Options rest_options;
  rest_options.base_url = upstream.base_url();
  rest_options.max_connections = upstream.max_connections();
  rest_options.connect_timeout = absl::Milliseconds(
      TimeUtil::DurationToMilliseconds(upstream.connect_timeout()));
  ASSIGN_OR_RETURN(parts->upstream, rest::CurlRestClient::Create(rest_options));
  ASSIGN_OR_RETURN(auto services, translate::ContractServices());
  ASSIGN_OR_RETURN(parts->translator, translate::Translator::Create(services));
  parts->caller = std::make_unique<UpstreamCaller>(
      parts->upstream.get(), parts->credentials.get(), upstream.api_version(),
      "default");
  ASSIGN_OR_RETURN(std::string seal_key, ReadSealKey(config.updates()));
  ASSIGN_OR_RETURN(parts->write_only,
                   fieldmask::WriteOnlyStore::Create(std::move(seal_key)));
  parts->updates = std::make_unique<UpdateFlow>(
      parts->translator.get(), parts->caller.get(), parts->write_only.get(),
      config.updates().write_only_policy() == config::v1::Updates::REFUSE
          ? fieldmask::WriteOnlyPolicy::kRefuse
          : fieldmask::WriteOnlyPolicy::kResendHeld,
      &parts->clock);
  parts->pipeline =
      std::make_unique<Pipeline>(parts->translator.get(), parts->caller.get(),
                                 parts->updates.get(), &parts->clock);
  parts->default_timeout = absl::Milliseconds(
      TimeUtil::DurationToMilliseconds(upstream.default_timeout()));

  const Pipeline* pipeline = parts->pipeline.get();
  absl::Duration default_timeout = parts->default_timeout;
  UnaryHandler handler =
      [pipeline, default_timeout](
          const translate::Route& route, grpc::CallbackServerContext* context,
          const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
        return StartUnaryCall(pipeline, route, default_timeout, context,
                              request, response);
      };
  std::vector<std::string> names;
  for (const auto* service : services) {
    ASSIGN_OR_RETURN(
        auto registered,
        ContractService::Create(service, parts->translator->routes(), handler));
    parts->services.push_back(std::move(registered));
    names.push_back(service->full_name());
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listener().address(),
                           grpc::InsecureServerCredentials(), &port);
  for (auto& service : parts->services) builder.RegisterService(service.get());
  parts->server = builder.BuildAndStart();
  if (parts->server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.listener().address(),
                     " (listener.address): address in use or not local"));
  }
  for (const std::string& name : names) {
    parts->server->GetHealthCheckService()->SetServingStatus(name, true);
  }
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(parts)));
  gateway->port_ = port;
  const std::string& address = config.listener().address();
  gateway->host_ = address.substr(0, address.rfind(':'));
  gateway->service_names_ = std::move(names);
  return gateway;
}

Gateway::Gateway(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Gateway::~Gateway() { Shutdown(absl::Now()); }

std::string Gateway::address() const { return absl::StrCat(host_, ":", port_); }

void Gateway::Shutdown(absl::Time deadline) {
  if (parts_->server == nullptr) return;
  parts_->server->GetHealthCheckService()->SetServingStatus(false);
  parts_->server->Shutdown(absl::ToChronoTime(deadline));
  parts_->server->Wait();
  parts_->server.reset();
}

}  // namespace gateway::server
