// admin_server.h: the admin HTTP listener: `GET /metrics` serves a metrics
// registry in the Prometheus text format (version 0.0.4); every other path
// is 404.
//
//   MetricsRegistry registry;
//   ASSIGN_OR_RETURN(std::unique_ptr<AdminServer> admin,
//                    AdminServer::Start(config.admin(), &registry));
//   std::cout << "admin listening on " << admin->address();
//   // curl http://127.0.0.1:9464/metrics
//   admin->Stop();  // or let the destructor stop it
//
// Plain HTTP/1.1 (cpp-httplib) on its own two threads, apart from the gRPC
// server: a scrape never takes a thread that serves calls. It serves no
// secrets (the registry's labels are bounded names and codes), so it has no
// authentication; the configuration keeps it on loopback unless told
// otherwise (config.proto, Admin).
#ifndef GATEWAY_SERVER_ADMIN_SERVER_H_
#define GATEWAY_SERVER_ADMIN_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/common/metrics.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::server {

// AdminServer is a running admin listener. The registry is borrowed and
// must outlive it.
//
// Thread safety: port() and address() may be called from any thread; Stop
// from any thread but a request handler's, more than once. Requests are
// served on the server's own threads; rendering runs the registry's gauge
// callbacks there.
class AdminServer {
 public:
  // Start binds `admin.address` (host:port; port 0 picks a free port) and
  // serves before it returns. An empty address (the listener disabled) is
  // the caller's business: INVALID_ARGUMENT here, like a malformed one;
  // UNAVAILABLE when the address cannot be bound (in use, not local).
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(
      const config::v1::Admin& admin, const MetricsRegistry* registry);

  // ~AdminServer stops it.
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // port is the port actually bound (useful with port 0).
  int port() const;
  // address is "host:port" as bound.
  std::string address() const;

  // Stop stops accepting, lets requests being served finish, and returns
  // once its threads are gone.
  void Stop();

 private:
  struct Impl;
  explicit AdminServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_ADMIN_SERVER_H_
