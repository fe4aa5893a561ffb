// pipeline.h: the one place that knows the order in which an /api/ request
// is handled.
//
//   route -> count -> auth (401) -> version (400) -> Idempotency-Key
//   (400 / 409 in flight / replay) -> `before` faults -> body parse and
//   validation -> operation (World lock held) -> store idempotent outcome ->
//   `after` faults -> request log + one log line
//
//   Pipeline pipeline(deps);
//   server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
//     pipeline.Handle(req, res);
//   });
//
// A `before` fault that answers (status, drop, malformed) means the
// operation never ran, so the Idempotency-Key claim is dropped and a retry
// with the same key runs the operation; an `after` fault replaces the
// response of an operation that ran and whose outcome is stored, so a retry
// with the same key replays the real outcome.
//
// Thread safety: Handle may be called concurrently; it sleeps and waits for
// latency and hold faults without holding any lock.
#ifndef TESTS_SANDBOX_PIPELINE_H_
#define TESTS_SANDBOX_PIPELINE_H_

#include <mutex>
#include <string>

#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"
#include "tests/sandbox/body_parser.h"
#include "tests/sandbox/credentials.h"
#include "tests/sandbox/fault_injector.h"
#include "tests/sandbox/idempotency.h"
#include "tests/sandbox/operation.h"
#include "tests/sandbox/request_log.h"
#include "tests/sandbox/router.h"
#include "tests/sandbox/world.h"

namespace sandbox {

inline constexpr char kApiVersion[] = "2025-09-18";
inline constexpr size_t kMaxBodyBytes = 1024 * 1024;

class Pipeline {
 public:
  // Deps are not owned and must outlive the Pipeline.
  struct Deps {
    const Router& router;
    const OpRegistry& registry;
    const BodyParser& bodies;
    const Credentials& credentials;
    IdempotencyStore& idempotency;
    FaultInjector& faults;
    RequestLog& log;
    std::mutex& world_mu;  // guards `world`
    World& world;
    Env& env;
  };

  explicit Pipeline(Deps deps);

  // Handle serves one /api/ request.
  void Handle(const httplib::Request& req, httplib::Response& res);

  // HandleTransportError turns an error httplib produced itself (413 body
  // too large, 400 unparsable request) into an ApiError and logs it.
  void HandleTransportError(const httplib::Request& req,
                            httplib::Response& res);

 private:
  struct Outcome;

  Reply RunOperation(const httplib::Request& req, const RouteMatch& route,
                     const Principal& principal);
  void ApplyDelays(const FaultPlan& plan, const std::string& operation);
  Reply FaultReply(const Fault& fault, const Reply& original, Outcome& outcome);
  void Finish(const httplib::Request& req, httplib::Response& res,
              Outcome& outcome);

  Deps deps_;
};

// LoggedHeaders returns request headers for the log with credentials
// redacted (Authorization keeps only its scheme) and httplib's synthetic
// REMOTE_/LOCAL_ headers removed.
nlohmann::ordered_json LoggedHeaders(const httplib::Headers& headers);

// WriteReply copies a Reply into an httplib response.
void WriteReply(const Reply& reply, httplib::Response& res);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_PIPELINE_H_
