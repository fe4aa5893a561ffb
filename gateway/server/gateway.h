// gateway.h: builds and runs the whole gateway from its configuration; the
// same bootstrap serves main() and the integration tests.
//
//   ASSIGN_OR_RETURN(Gateway::Dependencies deps,
//                    Gateway::DefaultDependencies(config));
//   ASSIGN_OR_RETURN(std::unique_ptr<Gateway> gateway,
//                    Gateway::Start(config, std::move(deps),
//                                   [path] { return LoadConfig(path); }));
//   std::cout << "listening on " << gateway->address();
//   std::cout << "admin listening on " << gateway->admin_address();
//   ...
//   gateway->Shutdown(absl::Now() + absl::Seconds(30));  // drain, then stop
//
// It wires the listener (TLS, mutual TLS or loopback plaintext), the upstream
// client (the injected transport under the decorators of
// rest::ComposeUpstream), the credential store, the access policy, the audit
// trail, the translator, the exchanges, the pipeline and one gRPC service
// per contract service, plus grpc.health.v1 and server reflection; and the
// metrics registry every component registers in, served by the admin HTTP
// listener (admin.address, GET /metrics) unless it is disabled. Only this
// file knows how the pieces fit together; what they run on (clock,
// transport, state stores) is injected. Every `reload_interval` it re-reads
// the key files and the configuration (accounts, callers,
// audit.reads_fail_closed).
#ifndef GATEWAY_SERVER_GATEWAY_H_
#define GATEWAY_SERVER_GATEWAY_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/auth/rate_limiter.h"
#include "gateway/cache/invalidation_bus.h"
#include "gateway/common/clock.h"
#include "gateway/common/logger.h"
#include "gateway/common/rest_client.h"
#include "gateway/common/scheduler.h"
#include "gateway/common/update_locks.h"
#include "gateway/common/write_only_values.h"
#include "gateway/config/v1/config.pb.h"
#include "gateway/shared/redis_client.h"

namespace gateway::server {

// Gateway is a running gateway.
//
// Thread safety: Shutdown may be called from any thread, once.
class Gateway {
 public:
  // ConfigSource loads the configuration again (from its file) for a
  // reload.
  using ConfigSource =
      std::function<absl::StatusOr<config::v1::GatewayConfig>()>;

  // Dependencies are what the gateway runs on; Start takes them over.
  struct Dependencies {
    std::unique_ptr<Clock> clock;
    // The upstream transport: the bottom of the RestClient stack, under the
    // decorators the gateway adds (credentials, ...).
    std::unique_ptr<RestClient> transport;
    // The shared state's link (null for a single gateway); Start starts it
    // once everything listening to it is built.
    std::unique_ptr<shared::RedisClient> redis;
    std::unique_ptr<UpdateLocks> update_locks;
    std::unique_ptr<WriteOnlyValues> write_only;
    // The principals' rate-limit buckets (null: in this process).
    std::unique_ptr<auth::RateLimits> rate_limits;
    // Carries cache invalidations between replicas (null: one gateway).
    std::unique_ptr<cache::InvalidationBus> invalidation_bus;
    // Runs the retries' backoffs and the circuit breaker's timers.
    std::unique_ptr<Scheduler> scheduler;
    // Where the structured log lines go (log.level filters them).
    Logger::Sink log_sink;
  };

  // DefaultDependencies are the production ones for `config`: the system
  // clock, the libcurl transport (upstream), a TimerThread, logs to stderr,
  // and the update locks, write-only values, rate limits and invalidation
  // bus: in Redis with shared_state.redis, else in this process.
  static absl::StatusOr<Dependencies> DefaultDependencies(
      const config::v1::GatewayConfig& config);

  // Start builds everything and starts serving; errors name what is wrong
  // (a config field, an unreadable key file, a port in use). Without a
  // `reload` source only the key files are re-read.
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(
      const config::v1::GatewayConfig& config, Dependencies dependencies,
      ConfigSource reload = nullptr);

  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // port is the port actually bound (useful with port 0).
  int port() const { return port_; }
  // address is "host:port" as bound.
  std::string address() const;
  // admin_port is the admin listener's bound port, 0 when it is disabled
  // (admin.address empty); admin_address is its "host:port", or empty.
  int admin_port() const;
  std::string admin_address() const;
  // service_names lists the contract services served.
  const std::vector<std::string>& service_names() const {
    return service_names_;
  }

  // Reload re-reads the key files and, with a source, the configuration,
  // now (the reload loop calls it every reload_interval). On error the
  // current configuration stays and the error says why.
  absl::Status Reload();

  // AwaitCallsInFlight blocks until exactly `n` contract calls are in
  // flight (received and not yet done with); false after `timeout`.
  bool AwaitCallsInFlight(int n, absl::Duration timeout) const;

  // FlushAudit returns once the audit records of every call answered so far
  // are written (a read's record may still be queued when it is answered).
  void FlushAudit();

  // Drain turns health NOT_SERVING and refuses new calls (UNAVAILABLE,
  // reason GATEWAY_DRAINING) from when it returns. Shutdown starts with it;
  // calling it first lets the caller say so once it holds.
  void Drain();

  // Shutdown drains and stops: health turns NOT_SERVING and new calls get
  // UNAVAILABLE (reason GATEWAY_DRAINING) at once; calls in flight may
  // finish until `deadline` (or Hurry); what is left then is cancelled (and
  // audited as such); the audit trail is flushed and the admin listener
  // stops. Blocks until done; later calls return at once.
  void Shutdown(absl::Time deadline);

  // Hurry ends a Shutdown's wait for calls in flight now (a second stop
  // signal). Any thread, any time.
  void Hurry();

 private:
  struct Parts;
  explicit Gateway(std::unique_ptr<Parts> parts);

  std::unique_ptr<Parts> parts_;
  int port_ = 0;
  std::string host_;
  std::vector<std::string> service_names_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_GATEWAY_H_
