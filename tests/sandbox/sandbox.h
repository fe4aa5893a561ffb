// sandbox.h: an in-process, stateful emulator of Polytomic's REST API
// (version 2025-09-18) for tests and the quickstart. See README.md for the
// behaviour it promises.
//
//   sandbox::Options options;
//   options.api_keys = {"test-key"};
//   absl::StatusOr<std::unique_ptr<sandbox::Sandbox>> sb =
//       sandbox::Sandbox::Start(options);   // port 0: an ephemeral port
//   if (!sb.ok()) return sb.status();
//   std::string url = (*sb)->base_url();   // "http://127.0.0.1:41234"
//   // ... talk HTTP to url + "/api/bulk/syncs" with "Bearer test-key" ...
//   (*sb)->Stop();                          // or let the destructor stop it
//
// Thread safety: Start returns a running server (own threads). port(),
// base_url(), organization_id() and seed_result() may be called from any
// thread; Stop() and Seed() too. The log sink is called from server threads,
// one line at a time.
#ifndef TESTS_SANDBOX_SANDBOX_H_
#define TESTS_SANDBOX_SANDBOX_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace sandbox {

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: an ephemeral port
  // Bearer keys; each acts for its own organization (id derived from it).
  std::vector<std::string> api_keys;
  // Basic organization-scoped keys: {organization_id, key}.
  std::vector<std::pair<std::string, std::string>> org_keys;
  bool seed = false;  // create the sample data in organization_id()
  // Executions finish by themselves after this many seconds; 0: only via
  // the finish hook.
  int execution_seconds = 0;
  int threads = 64;  // HTTP worker threads (held requests occupy one each)
  // A keep-alive connection is closed after this many requests (so that a
  // benchmark's connections are not recycled all the time) or after this
  // many idle seconds (which also bounds how long Stop() waits for them).
  int keep_alive_max_requests = 100000;
  int keep_alive_idle_seconds = 2;
  // The time source (timestamps, automatic completion of executions);
  // empty: the wall clock. Tests inject one to move time deterministically.
  std::function<absl::Time()> now;
  // Receives one line per request (never a credential); empty: quiet.
  std::function<void(const std::string&)> log_sink;
};

class Sandbox {
 public:
  // Start validates the options, binds and starts serving before returning.
  static absl::StatusOr<std::unique_ptr<Sandbox>> Start(Options options);

  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  // ~Sandbox stops the server.
  ~Sandbox();

  int port() const;
  // base_url is "http://HOST:PORT" (127.0.0.1 for wildcard hosts).
  std::string base_url() const;
  // organization_id is the organization of the first API key.
  std::string organization_id() const;
  // OrganizationOfApiKey is the organization a Bearer key acts for (stable
  // across runs; derived from the key without revealing it).
  static std::string OrganizationOfApiKey(const std::string& api_key);

  // Seed creates the sample data (same as POST /_sandbox/seed) in
  // `organization_id` (default: organization_id()) and returns the ids.
  nlohmann::ordered_json Seed(const std::string& organization_id = "");
  // seed_result is what Options::seed created (null without it).
  const nlohmann::ordered_json& seed_result() const;

  // Stop releases held requests, stops serving and joins the server thread.
  // Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit Sandbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sandbox

#endif  // TESTS_SANDBOX_SANDBOX_H_
