#include "gateway/server/admin_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"

namespace gateway::server {
namespace {

constexpr char kMetricsContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";
// Scrapes are rare and small: two threads, so one slow client does not hold
// up the next scrape, and short timeouts, so Stop never waits long for an
// idle or stalled connection.
constexpr size_t kThreads = 2;
constexpr time_t kKeepAliveSeconds = 1;
constexpr time_t kReadWriteSeconds = 5;

}  // namespace

struct AdminServer::Impl {
  // Started says httplib's accept loop has begun (or is over): before that,
  // httplib's stop() does nothing, so Stop waits for it.
  bool Started() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return accepting || returned;
  }

  std::string host;  // as configured: "127.0.0.1", "[::1]", "localhost"
  int port = 0;
  httplib::Server server;
  std::thread thread;
  absl::Mutex stop_mu;  // one Stop at a time; a second one waits
  absl::Mutex mu;
  bool accepting ABSL_GUARDED_BY(mu) = false;
  bool returned ABSL_GUARDED_BY(mu) = false;
};

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(
    const config::v1::Admin& admin, const MetricsRegistry* registry) {
  const std::string& address = admin.address();
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin.address: \"", address, "\" is not host:port"));
  }
  auto impl = std::make_unique<Impl>();
  Impl* p = impl.get();
  p->host = address.substr(0, colon);
  // httplib resolves the host without IPv6 brackets.
  absl::string_view bracketed = p->host;
  if (absl::ConsumePrefix(&bracketed, "[")) {
    absl::ConsumeSuffix(&bracketed, "]");
  }
  const std::string bind_host(bracketed);

  httplib::Server& server = p->server;
  // httplib calls this once its accept loop runs, which is when its stop()
  // starts to work.
  server.new_task_queue = [p] {
    {
      absl::MutexLock lock(&p->mu);
      p->accepting = true;
    }
    return new httplib::ThreadPool(kThreads);
  };
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a
  // second gateway would silently share a taken port instead of failing.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server.set_keep_alive_timeout(kKeepAliveSeconds);
  server.set_read_timeout(kReadWriteSeconds, 0);
  server.set_write_timeout(kReadWriteSeconds, 0);
  server.set_payload_max_length(4096);  // GET only; nothing to upload
  server.Get("/metrics", [registry](const httplib::Request&,
                                    httplib::Response& response) {
    response.set_content(registry->RenderText(), kMetricsContentType);
  });
  // Anything else: httplib answers 404 itself.

  if (port == 0) {
    port = server.bind_to_any_port(bind_host);
  } else if (!server.bind_to_port(bind_host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address,
                     " (admin.address): address in use or not local"));
  }
  p->port = port;
  // The socket listens already: connections queue until accept starts.
  p->thread = std::thread([p] {
    p->server.listen_after_bind();
    absl::MutexLock lock(&p->mu);
    p->returned = true;
  });
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() { Stop(); }

int AdminServer::port() const { return impl_->port; }

std::string AdminServer::address() const {
  return absl::StrCat(impl_->host, ":", impl_->port);
}

void AdminServer::Stop() {
  Impl& impl = *impl_;
  absl::MutexLock stopping(&impl.stop_mu);
  if (!impl.thread.joinable()) return;
  {
    absl::MutexLock lock(&impl.mu);
    impl.mu.Await(absl::Condition(&impl, &Impl::Started));
  }
  impl.server.stop();
  impl.thread.join();
}

}  // namespace gateway::server
