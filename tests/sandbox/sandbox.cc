#include "tests/sandbox/sandbox.h"

#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "tests/sandbox/body_parser.h"
#include "tests/sandbox/bulk_execution_ops.h"
#include "tests/sandbox/bulk_schedule_ops.h"
#include "tests/sandbox/bulk_schema_ops.h"
#include "tests/sandbox/bulk_sync_ops.h"
#include "tests/sandbox/catalog.h"
#include "tests/sandbox/clock.h"
#include "tests/sandbox/credentials.h"
#include "tests/sandbox/execution_hooks.h"
#include "tests/sandbox/fault_injector.h"
#include "tests/sandbox/hooks.h"
#include "tests/sandbox/id_generator.h"
#include "tests/sandbox/idempotency.h"
#include "tests/sandbox/model_execution_ops.h"
#include "tests/sandbox/model_helper_ops.h"
#include "tests/sandbox/model_sync_ops.h"
#include "tests/sandbox/operation.h"
#include "tests/sandbox/pipeline.h"
#include "tests/sandbox/request_log.h"
#include "tests/sandbox/router.h"
#include "tests/sandbox/seed.h"
#include "tests/sandbox/world.h"
#include "tests/support/openapi_checker.h"

namespace sandbox {
namespace {

std::set<std::string> OperationIds(const openapi::Spec& spec) {
  std::set<std::string> ids;
  for (const openapi::Operation& op : spec.operations()) ids.insert(op.id);
  return ids;
}

}  // namespace

struct Sandbox::Impl {
  explicit Impl(Options o)
      : options(std::move(o)),
        spec(openapi::Spec::Embedded()),
        clock(options.now),
        credentials(options.api_keys, options.org_keys),
        env{catalog, clock, ids, options.execution_seconds},
        bodies(spec),
        faults(OperationIds(spec)),
        log(options.log_sink),
        pipeline(Pipeline::Deps{router, registry, bodies, credentials,
                                idempotency, faults, log, world_mu, world,
                                env}),
        hooks(Hooks::Deps{world_mu, world, env, faults, idempotency, log,
                          credentials.PrimaryOrganization()}) {}

  absl::Status Init() {
    for (const openapi::Operation& op : spec.operations()) {
      absl::Status s = router.Add(op.method, op.path_template, op.id);
      if (!s.ok()) return s;
    }
    RegisterBulkSyncOps(registry);
    RegisterBulkSchemaOps(registry);
    RegisterBulkExecutionOps(registry);
    RegisterBulkScheduleOps(registry);
    RegisterModelSyncOps(registry);
    RegisterModelExecutionOps(registry);
    RegisterModelHelperOps(registry);
    hooks.Bind("executions.finish", FinishExecutionHook);
    // Each *_ops.cc registers its group above; reserved hooks are bound
    // here too.
    return absl::OkStatus();
  }

  void Dispatch(const httplib::Request& req, httplib::Response& res) {
    if (absl::StartsWith(req.path, "/_sandbox/")) {
      hooks.Handle(req, res);
    } else {
      pipeline.Handle(req, res);
    }
  }

  Options options;
  const openapi::Spec& spec;
  Catalog catalog;
  Clock clock;
  IdGenerator ids;
  Credentials credentials;
  Env env;
  Router router;
  OpRegistry registry;
  BodyParser bodies;
  IdempotencyStore idempotency;
  FaultInjector faults;
  RequestLog log;
  std::mutex world_mu;
  World world;  // guarded by world_mu
  Pipeline pipeline;
  Hooks hooks;

  httplib::Server server;
  int listening_socket = -1;  // set when `server` binds
  std::thread thread;
  int port = 0;
  nlohmann::ordered_json seed_result;
  std::atomic<bool> listen_returned{false};
  std::once_flag stopped;
};

absl::StatusOr<std::unique_ptr<Sandbox>> Sandbox::Start(Options options) {
  if (options.threads < 1) {
    return absl::InvalidArgumentError("threads must be at least 1");
  }
  if (options.execution_seconds < 0) {
    return absl::InvalidArgumentError("execution_seconds must be >= 0");
  }
  if (options.keep_alive_max_requests < 1 ||
      options.keep_alive_idle_seconds < 1) {
    return absl::InvalidArgumentError(
        "keep_alive_max_requests and keep_alive_idle_seconds must be >= 1");
  }
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError("port must be in 0..65535");
  }
  absl::Status valid =
      Credentials(options.api_keys, options.org_keys).Validate();
  if (!valid.ok()) return valid;

  auto impl = std::make_unique<Impl>(std::move(options));
  if (absl::Status s = impl->Init(); !s.ok()) return s;
  Impl* p = impl.get();
  httplib::Server& server = p->server;
  const size_t threads = static_cast<size_t>(p->options.threads);
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  server.set_payload_max_length(kMaxBodyBytes);
  // Without TCP_NODELAY a kept-alive connection's small replies wait for the
  // client's delayed ACK (~40 ms each), which would dominate every benchmark.
  server.set_tcp_nodelay(true);
  // Idle keep-alive connections pin a worker thread and delay Stop(); httplib
  // would close a connection after 5 requests, which defeats the connection
  // pooling the gateway is meant to exercise.
  server.set_keep_alive_timeout(p->options.keep_alive_idle_seconds);
  server.set_keep_alive_max_count(
      static_cast<size_t>(p->options.keep_alive_max_requests));
  // httplib listens with a backlog of 5. A burst of new connections (a load
  // test opening hundreds at once) overflows it; the kernel then drops their
  // handshakes and their requests stall for up to ~30 s of retransmissions.
  // Remember the listening socket so that it can listen again with a longer
  // backlog once bound.
  server.set_socket_options([p](int sock) {
    httplib::default_socket_options(sock);
    p->listening_socket = sock;
  });
  server.set_default_headers({{"X-Polytomic-Version", kApiVersion}});
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [p](const httplib::Request& req, httplib::Response& res) {
        // Called for every status >= 400; our own replies already carry an
        // ApiError body, httplib's (413, unreadable request) do not.
        if (!res.body.empty())
          return httplib::Server::HandlerResponse::Unhandled;
        p->pipeline.HandleTransportError(req, res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  auto handler = [p](const httplib::Request& req, httplib::Response& res) {
    p->Dispatch(req, res);
  };
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  server.Options(".*", handler);

  const std::string& host = p->options.host;
  if (p->options.port == 0) {
    p->port = server.bind_to_any_port(host);
    if (p->port < 0) {
      return absl::UnavailableError("cannot bind an ephemeral port on " + host);
    }
  } else {
    if (!server.bind_to_port(host, p->options.port)) {
      return absl::UnavailableError(
          absl::StrCat("cannot bind ", host, ":", p->options.port));
    }
    p->port = p->options.port;
  }
  if (listen(p->listening_socket, SOMAXCONN) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot raise the listen backlog: errno ", errno));
  }
  std::unique_ptr<Sandbox> sandbox(new Sandbox(std::move(impl)));
  if (p->options.seed) p->seed_result = sandbox->Seed();
  // The socket already listens, so connections queue until accept starts.
  p->thread = std::thread([p] {
    p->server.listen_after_bind();
    p->listen_returned = true;
  });
  // httplib's stop() is a no-op until the accept loop runs, so Stop() must
  // not race ahead of it; waiting here keeps that out of callers' way.
  while (!server.is_running() && !p->listen_returned) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return sandbox;
}

Sandbox::Sandbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Sandbox::~Sandbox() { Stop(); }

int Sandbox::port() const { return impl_->port; }

std::string Sandbox::base_url() const {
  std::string host = impl_->options.host;
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]") {
    host = "127.0.0.1";
  }
  return absl::StrCat("http://", host, ":", impl_->port);
}

std::string Sandbox::organization_id() const {
  return impl_->credentials.PrimaryOrganization();
}

std::string Sandbox::OrganizationOfApiKey(const std::string& api_key) {
  return Credentials::OrganizationOfApiKey(api_key);
}

nlohmann::ordered_json Sandbox::Seed(const std::string& organization_id) {
  std::lock_guard<std::mutex> lock(impl_->world_mu);
  return SeedOrganization(
      impl_->world, impl_->env,
      organization_id.empty() ? this->organization_id() : organization_id);
}

const nlohmann::ordered_json& Sandbox::seed_result() const {
  return impl_->seed_result;
}

void Sandbox::Stop() {
  std::call_once(impl_->stopped, [this] {
    impl_->faults.Shutdown();
    while (!impl_->server.is_running() && !impl_->listen_returned) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  });
}

}  // namespace sandbox
