#include "gateway/server/gateway.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gateway/audit/audit_log.h"
#include "gateway/auth/access_policy.h"
#include "gateway/auth/credential_store.h"
#include "gateway/common/metrics.h"
#include "gateway/common/proto_duration.h"
#include "gateway/common/status_macros.h"
#include "gateway/rest/curl_rest_client.h"
#include "gateway/rest/upstream_client.h"
#include "gateway/server/access_control.h"
#include "gateway/server/admin_server.h"
#include "gateway/server/call_audit.h"
#include "gateway/server/calls_in_flight.h"
#include "gateway/server/contract_service.h"
#include "gateway/server/pass_through_exchange.h"
#include "gateway/server/pipeline.h"
#include "gateway/server/read_cache_stage.h"
#include "gateway/server/read_merge_write_exchange.h"
#include "gateway/server/unary_call.h"
#include "gateway/server/upstream.h"
#include "gateway/shared/redis_invalidation_bus.h"
#include "gateway/shared/redis_rate_limits.h"
#include "gateway/shared/redis_update_locks.h"
#include "gateway/shared/redis_write_only_values.h"
#include "gateway/state/in_memory_update_locks.h"
#include "gateway/state/in_memory_write_only_values.h"
#include "gateway/state/sealer.h"
#include "gateway/translate/translator.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/time_util.h"

namespace gateway::server {
namespace {

using google::protobuf::util::TimeUtil;

// ReadFile reads a whole PEM file named by `field` of the configuration.
absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     absl::string_view field) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  if (!file || !(text << file.rdbuf())) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", path, " cannot be read"));
  }
  return text.str();
}

// ListenerCredentials is TLS (mutual when a client CA is configured) or,
// where the configuration allows it, plaintext.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials(
    const config::v1::Listener& listener) {
  if (!listener.has_tls()) return grpc::InsecureServerCredentials();
  const config::v1::Tls& tls = listener.tls();
  grpc::SslServerCredentialsOptions options;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.cert_chain,
                   ReadFile(tls.cert_file(), "listener.tls.cert_file"));
  ASSIGN_OR_RETURN(pair.private_key,
                   ReadFile(tls.key_file(), "listener.tls.key_file"));
  options.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls.client_ca_file().empty()) {
    ASSIGN_OR_RETURN(
        options.pem_root_certs,
        ReadFile(tls.client_ca_file(), "listener.tls.client_ca_file"));
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

// The health service name that tells whether the shared state (Redis) is
// reachable; the gateway's own health does not depend on it, as reads work
// without it.
constexpr char kSharedStateHealth[] = "gateway.SharedState";

std::vector<std::string> AccountNames(const config::v1::GatewayConfig& config) {
  std::vector<std::string> names;
  for (const auto& account : config.accounts()) names.push_back(account.name());
  return names;
}

}  // namespace

// Parts are declared in construction order; they are destroyed in reverse,
// so the admin listener and the gRPC server stop before anything their
// requests use goes away, and the metrics registry goes last.
struct Gateway::Parts {
  MetricsRegistry metrics;
  Dependencies dependencies;
  std::unique_ptr<Logger> logger;
  ConfigSource reload;
  std::unique_ptr<auth::CredentialStore> credentials;
  std::unique_ptr<audit::AuditLog> audit_log;
  std::unique_ptr<AccessControl> access;
  std::unique_ptr<CallAudit> audit;
  std::unique_ptr<RestClient> upstream_client;
  rest::CircuitBreakerClient* breaker = nullptr;  // in upstream_client
  std::unique_ptr<translate::Translator> translator;
  std::unique_ptr<Upstream> upstream;
  std::unique_ptr<ReadCacheStage> cache;
  std::unique_ptr<PassThroughExchange> pass_through;
  std::unique_ptr<ReadMergeWriteExchange> read_merge_write;
  std::unique_ptr<Pipeline> pipeline;
  CallEnvironment call_environment;
  CallsInFlight in_flight;
  std::vector<std::unique_ptr<ContractService>> services;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<AdminServer> admin;  // null when admin.address is empty

  // The reload loop: Reload every `reload_interval` until stopped.
  absl::Mutex reload_mu;
  bool stopping ABSL_GUARDED_BY(reload_mu) = false;
  std::thread reloader;
  absl::Mutex reload_call_mu;  // one Reload at a time

  // Health: SERVING unless every account's circuit is open or the gateway
  // drains.
  absl::Mutex health_mu;
  bool all_circuits_open ABSL_GUARDED_BY(health_mu) = false;
  bool draining ABSL_GUARDED_BY(health_mu) = false;
  bool stopped ABSL_GUARDED_BY(health_mu) = false;  // Shutdown returned
  bool shared_state_up ABSL_GUARDED_BY(health_mu) = false;
  std::vector<std::string> health_names;  // "" and every service

  // UpdateHealth sets every health status from the flags.
  void UpdateHealth() ABSL_EXCLUSIVE_LOCKS_REQUIRED(health_mu) {
    if (server == nullptr) return;
    bool serving = !all_circuits_open && !draining;
    for (const std::string& name : health_names) {
      server->GetHealthCheckService()->SetServingStatus(name, serving);
    }
    if (dependencies.redis != nullptr) {
      server->GetHealthCheckService()->SetServingStatus(
          kSharedStateHealth, serving && shared_state_up);
    }
  }
};

absl::StatusOr<Gateway::Dependencies> Gateway::DefaultDependencies(
    const config::v1::GatewayConfig& config) {
  Dependencies dependencies;
  dependencies.clock = std::make_unique<SystemClock>();
  ASSIGN_OR_RETURN(dependencies.transport,
                   rest::CurlRestClient::Create(config.upstream()));
  dependencies.scheduler = std::make_unique<TimerThread>();
  dependencies.log_sink = Logger::Stderr();
  if (!config.shared_state().has_redis()) {
    dependencies.update_locks = std::make_unique<state::InMemoryUpdateLocks>();
    ASSIGN_OR_RETURN(dependencies.write_only,
                     state::InMemoryWriteOnlyValues::Create(config.updates()));
    return dependencies;
  }
  const config::v1::Redis& redis = config.shared_state().redis();
  ASSIGN_OR_RETURN(dependencies.redis, shared::RedisClient::Create(redis));
  shared::RedisClient* client = dependencies.redis.get();
  Scheduler* scheduler = dependencies.scheduler.get();
  const std::string replica = shared::ReplicaName();
  dependencies.update_locks = std::make_unique<shared::RedisUpdateLocks>(
      client, scheduler, ToAbslDuration(redis.lock_lease()), replica);
  ASSIGN_OR_RETURN(std::unique_ptr<state::Sealer> sealer,
                   state::Sealer::FromConfig(config.updates()));
  dependencies.write_only =
      std::make_unique<shared::RedisWriteOnlyValues>(client, std::move(sealer));
  dependencies.rate_limits = std::make_unique<shared::RedisRateLimits>(client);
  dependencies.invalidation_bus =
      std::make_unique<shared::RedisInvalidationBus>(
          client, scheduler, replica,
          ToAbslDuration(redis.invalidation_timeout()));
  return dependencies;
}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(
    const config::v1::GatewayConfig& config, Dependencies dependencies,
    ConfigSource reload) {
  auto parts = std::make_unique<Parts>();
  parts->dependencies = std::move(dependencies);
  const Clock* clock = parts->dependencies.clock.get();
  ASSIGN_OR_RETURN(LogLevel level, ParseLogLevel(config.log().level()));
  parts->logger = std::make_unique<Logger>(
      level, parts->dependencies.log_sink ? parts->dependencies.log_sink
                                          : Logger::Stderr());
  parts->reload = std::move(reload);
  const auto& upstream = config.upstream();
  ASSIGN_OR_RETURN(parts->credentials,
                   auth::CredentialStore::Create(config.accounts()));
  ASSIGN_OR_RETURN(
      std::unique_ptr<auth::AccessPolicy> policy,
      auth::AccessPolicy::Create(config.callers(), AccountNames(config)));
  parts->access = std::make_unique<AccessControl>(
      std::move(policy), std::move(parts->dependencies.rate_limits),
      config.callers(), clock);
  ASSIGN_OR_RETURN(
      parts->audit_log,
      audit::AuditLog::Open(config.audit(), clock, &parts->metrics));
  parts->audit = std::make_unique<CallAudit>(parts->audit_log.get(), clock,
                                             config.audit());
  rest::UpstreamEnvironment environment;
  environment.credentials = parts->credentials.get();
  environment.metrics = &parts->metrics;
  environment.scheduler = parts->dependencies.scheduler.get();
  environment.clock = clock;
  ASSIGN_OR_RETURN(
      rest::ComposedUpstream composed,
      rest::ComposeUpstream(std::move(parts->dependencies.transport),
                            environment, upstream));
  parts->upstream_client = std::move(composed.client);
  parts->breaker = composed.breaker;
  if (parts->breaker != nullptr) {
    parts->breaker->SetAccounts(AccountNames(config));
    Parts* raw = parts.get();
    parts->breaker->OnAllOpenChange([raw](bool all_open) {
      absl::MutexLock lock(&raw->health_mu);
      raw->all_circuits_open = all_open;
      raw->UpdateHealth();
    });
  }
  ASSIGN_OR_RETURN(auto services, translate::ContractServices());
  ASSIGN_OR_RETURN(parts->translator, translate::Translator::Create(services));
  parts->upstream = std::make_unique<Upstream>(parts->upstream_client.get(),
                                               parts->translator.get(), clock);
  parts->pass_through = std::make_unique<PassThroughExchange>(
      parts->translator.get(), parts->upstream.get());
  parts->read_merge_write = std::make_unique<ReadMergeWriteExchange>(
      parts->translator.get(), parts->upstream.get(),
      parts->dependencies.update_locks.get(),
      parts->dependencies.write_only.get(), config.updates());
  absl::Duration default_timeout = ToAbslDuration(upstream.default_timeout());
  ASSIGN_OR_RETURN(
      parts->cache,
      ReadCacheStage::Create(
          config.cache(), parts->translator->routes(), clock, default_timeout,
          &parts->metrics, parts->dependencies.invalidation_bus.get(),
          ToAbslDuration(config.shared_state().redis().degraded_cache_ttl())));
  if (shared::RedisClient* redis = parts->dependencies.redis.get()) {
    Parts* raw = parts.get();
    redis->OnConnectionChange([raw](bool up) {
      absl::MutexLock lock(&raw->health_mu);
      raw->shared_state_up = up;
      raw->UpdateHealth();
    });
    RETURN_IF_ERROR(parts->metrics.AddCallbackGauge(
        "polytomic_gateway_shared_state_up",
        "1 while the shared state (Redis, shared_state.redis) is reachable.",
        [redis] { return redis->connected() ? 1.0 : 0.0; }));
  }
  Pipeline::Stages stages;
  stages.translator = parts->translator.get();
  stages.access = parts->access.get();
  stages.audit = parts->audit.get();
  stages.cache = parts->cache.get();
  stages.pass_through = parts->pass_through.get();
  stages.read_merge_write = parts->read_merge_write.get();
  stages.write_only = parts->dependencies.write_only.get();
  parts->pipeline = std::make_unique<Pipeline>(stages, config.updates());

  CallEnvironment& call_environment = parts->call_environment;
  call_environment.pipeline = parts->pipeline.get();
  call_environment.clock = clock;
  call_environment.in_flight = &parts->in_flight;
  call_environment.default_timeout = default_timeout;
  call_environment.max_request_bytes = config.listener().max_request_bytes();
  call_environment.logger = parts->logger.get();
  ASSIGN_OR_RETURN(
      call_environment.call_duration,
      parts->metrics.AddHistogramFamily(
          "rpc_server_call_duration_seconds",
          "Duration of gRPC calls served (OpenTelemetry rpc.server.call."
          "duration), by service, method and gRPC status code; its _count is "
          "the calls.",
          {"rpc_service", "rpc_method", "rpc_grpc_status_code"},
          LatencyBounds()));
  CallsInFlight* in_flight = &parts->in_flight;
  RETURN_IF_ERROR(parts->metrics.AddCallbackGauge(
      "rpc_server_active_calls", "gRPC calls in flight.",
      [in_flight] { return static_cast<double>(in_flight->count()); }));
  UnaryHandler handler = [&call_environment](
                             const translate::Route& route,
                             grpc::CallbackServerContext* context,
                             const grpc::ByteBuffer* request,
                             grpc::ByteBuffer* response) {
    return StartUnaryCall(call_environment, route, context, request, response);
  };
  std::vector<std::string> names;
  for (const auto* service : services) {
    ASSIGN_OR_RETURN(
        auto registered,
        ContractService::Create(service, parts->translator->routes(), handler));
    parts->services.push_back(std::move(registered));
    names.push_back(service->full_name());
  }

  // The admin listener starts first: if it cannot bind, nothing serves.
  if (!config.admin().address().empty()) {
    ASSIGN_OR_RETURN(parts->admin,
                     AdminServer::Start(config.admin(), &parts->metrics));
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   ListenerCredentials(config.listener()));
  builder.AddListeningPort(config.listener().address(), credentials, &port);
  // gRPC refuses larger messages itself, with its own message; up to twice
  // the limit, the call refuses them naming listener.max_request_bytes.
  builder.SetMaxReceiveMessageSize(static_cast<int>(
      std::min<int64_t>(std::numeric_limits<int>::max(),
                        int64_t{2} * config.listener().max_request_bytes())));
  for (auto& service : parts->services) builder.RegisterService(service.get());
  shared::RedisClient* redis = parts->dependencies.redis.get();
  // Everything that listens to Redis is built: connect, before the first
  // call can need it.
  if (redis != nullptr) redis->Start(parts->logger.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    // Its callbacks point into the parts, which go away now.
    if (redis != nullptr) redis->Stop();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.listener().address(),
                     " (listener.address): address in use or not local"));
  }
  parts->health_names = names;
  parts->health_names.push_back("");
  {
    // Health listeners (the breaker's, Redis's) may already run: they see
    // the server under this lock.
    absl::MutexLock lock(&parts->health_mu);
    parts->server = std::move(server);
    parts->UpdateHealth();
  }
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(parts)));
  gateway->port_ = port;
  const std::string& address = config.listener().address();
  gateway->host_ = address.substr(0, address.rfind(':'));
  gateway->service_names_ = std::move(names);
  absl::Duration interval = absl::Milliseconds(
      TimeUtil::DurationToMilliseconds(config.reload_interval()));
  Gateway* self = gateway.get();
  self->parts_->reloader = std::thread([self, interval] {
    Parts& parts = *self->parts_;
    absl::MutexLock lock(&parts.reload_mu);
    while (!parts.reload_mu.AwaitWithTimeout(absl::Condition(&parts.stopping),
                                             interval)) {
      parts.reload_mu.Unlock();
      if (absl::Status reloaded = self->Reload(); !reloaded.ok()) {
        parts.logger->Log(LogLevel::kWarning,
                          "configuration reload failed; keeping the current "
                          "configuration",
                          {{"error", reloaded.message()}});
      }
      parts.reload_mu.Lock();
    }
  });
  return gateway;
}

absl::Status Gateway::Reload() {
  Parts& parts = *parts_;
  absl::MutexLock lock(&parts.reload_call_mu);
  auto reload_config = [&parts]() -> absl::Status {
    ASSIGN_OR_RETURN(config::v1::GatewayConfig config, parts.reload());
    ASSIGN_OR_RETURN(
        std::unique_ptr<auth::AccessPolicy> policy,
        auth::AccessPolicy::Create(config.callers(), AccountNames(config)));
    // Replace reads every key file again, rotated ones included.
    RETURN_IF_ERROR(parts.credentials->Replace(config.accounts()));
    if (parts.breaker != nullptr) {
      parts.breaker->SetAccounts(AccountNames(config));
    }
    parts.access->Replace(std::move(policy), config.callers());
    parts.audit->Reconfigure(config.audit());
    return absl::OkStatus();
  };
  absl::Status reloaded = parts.reload ? reload_config() : absl::OkStatus();
  if (!parts.reload || !reloaded.ok()) {
    // Without a configuration to apply, rotated key files still take effect.
    parts.credentials->Refresh();
  }
  return reloaded;
}

Gateway::Gateway(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Gateway::~Gateway() {
  Shutdown(absl::Now());
  // The decorators' timer tasks point into the upstream client, which goes
  // before the scheduler does.
  parts_->dependencies.scheduler->Stop();
}

std::string Gateway::address() const { return absl::StrCat(host_, ":", port_); }

int Gateway::admin_port() const {
  return parts_->admin == nullptr ? 0 : parts_->admin->port();
}

std::string Gateway::admin_address() const {
  return parts_->admin == nullptr ? "" : parts_->admin->address();
}

bool Gateway::AwaitCallsInFlight(int n, absl::Duration timeout) const {
  return parts_->in_flight.Await(n, timeout);
}

void Gateway::FlushAudit() {
  absl::Notification flushed;
  parts_->audit_log->Flush([&flushed](absl::Status) { flushed.Notify(); });
  flushed.WaitForNotification();
}

void Gateway::Drain() {
  Parts& parts = *parts_;
  {
    absl::MutexLock lock(&parts.health_mu);
    if (parts.stopped) return;
    parts.draining = true;
    parts.UpdateHealth();
  }
  parts.in_flight.Close();
}

void Gateway::Shutdown(absl::Time deadline) {
  Parts& parts = *parts_;
  {
    absl::MutexLock lock(&parts.health_mu);
    if (parts.stopped) return;
  }
  Drain();
  if (parts.reloader.joinable()) {
    {
      absl::MutexLock lock(&parts.reload_mu);
      parts.stopping = true;
    }
    parts.reloader.join();
  }
  if (parts.server != nullptr) {
    // Calls still in flight at the deadline are cancelled by the server's
    // Shutdown; each is audited as it ends.
    parts.in_flight.AwaitNoneOrHurry(deadline);
    parts.server->Shutdown(absl::ToChronoTime(absl::Now()));
    parts.server->Wait();
    {
      absl::MutexLock lock(&parts.health_mu);
      parts.server.reset();
    }
    // Outcome records are built on the audit writer from the calls'
    // contexts, which point into the route table: build them while it
    // still exists.
    FlushAudit();
  }
  // No Redis callback runs into the parts after this.
  if (parts.dependencies.redis != nullptr) parts.dependencies.redis->Stop();
  // Last, so that the metrics of a draining gateway can still be scraped.
  if (parts.admin != nullptr) parts.admin->Stop();
  absl::MutexLock lock(&parts.health_mu);
  parts.stopped = true;
}

void Gateway::Hurry() { parts_->in_flight.Hurry(); }

}  // namespace gateway::server
