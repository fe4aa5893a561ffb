// hooks.h: the unauthenticated test hooks under /_sandbox/ (README table).
//
//   Hooks hooks(deps);
//   server.Post(".*", [&](const auto& req, auto& res) {
//     if (absl::StartsWith(req.path, "/_sandbox/")) hooks.Handle(req, res);
//   });
//   // A later round binds a reserved hook from its own file:
//   hooks.Bind("executions.finish", FinishExecutionHook);
//
// Hooks answer plain JSON (no {"data"} envelope) and ApiError bodies on
// error. Hooks that read or change resources take the World lock
// themselves; `held` waits without it.
//
// Thread safety: Bind before serving; Handle may be called concurrently.
#ifndef TESTS_SANDBOX_HOOKS_H_
#define TESTS_SANDBOX_HOOKS_H_

#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"
#include "tests/sandbox/fault_injector.h"
#include "tests/sandbox/idempotency.h"
#include "tests/sandbox/operation.h"
#include "tests/sandbox/request_log.h"
#include "tests/sandbox/router.h"
#include "tests/sandbox/world.h"

namespace sandbox {

// HookCall is one hook request.
struct HookCall {
  std::map<std::string, std::string> params;  // path parameters
  std::multimap<std::string, std::string> query;
  nlohmann::ordered_json body;  // parsed object ({} when empty), nulls removed
  std::mutex& world_mu;         // not held on entry
  World& world;
  Env& env;
  std::string raw_body;  // the body as sent (nulls included)
};
using HookHandler = std::function<Reply(HookCall&)>;

class Hooks {
 public:
  // Deps are not owned and must outlive the Hooks.
  struct Deps {
    std::mutex& world_mu;
    World& world;
    Env& env;
    FaultInjector& faults;
    IdempotencyStore& idempotency;
    RequestLog& log;
    std::string default_organization;  // for seed and connections
  };

  explicit Hooks(Deps deps);

  // Bind replaces the handler of a hook by name (see the table in
  // hooks.cc); unknown names are ignored.
  void Bind(const std::string& name, HookHandler handler);

  // Handle serves one /_sandbox/ request.
  void Handle(const httplib::Request& req, httplib::Response& res);

 private:
  void Route(const std::string& method, const std::string& path,
             const std::string& name, HookHandler handler);

  Deps deps_;
  Router router_;
  std::map<std::string, HookHandler> handlers_;  // by hook name
};

}  // namespace sandbox

#endif  // TESTS_SANDBOX_HOOKS_H_
