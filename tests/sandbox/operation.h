// operation.h: how a sandbox operation is written and registered.
//
// The pipeline (pipeline.h) does auth, version, idempotency, faults and body
// parsing/validation against the reference, then calls the handler bound to
// the request's operationId with the World lock held:
//
//   Reply GetBulkSync(Call& call) {
//     BulkSyncRecord* sync = call.world.FindBulkSync(
//         call.organization_id(), call.params.at("id"));
//     if (sync == nullptr) return NotFoundReply("bulk sync",
//     call.params["id"]); return JsonReply(200, {{"data", sync->doc}});
//   }
//   void RegisterBulkSyncOps(OpRegistry& registry) {
//     registry.Handle("bulkSync.get", GetBulkSync);
//   }
//
// Handlers must not block or sleep (they hold the World lock) and must not
// throw.
//
// Thread safety: an OpRegistry is filled before serving and read-only after.
#ifndef TESTS_SANDBOX_OPERATION_H_
#define TESTS_SANDBOX_OPERATION_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"
#include "tests/sandbox/catalog.h"
#include "tests/sandbox/clock.h"
#include "tests/sandbox/credentials.h"
#include "tests/sandbox/id_generator.h"
#include "tests/sandbox/world.h"

namespace sandbox {

// Env is what operations share besides the World. Not owned; outlives calls.
struct Env {
  const Catalog& catalog;
  Clock& clock;
  IdGenerator& ids;
  int execution_seconds = 0;  // 0: executions finish only via the hook
};

// Call is one request as an operation sees it.
struct Call {
  std::string operation;                      // operationId
  Principal principal;                        // the authenticated caller
  std::map<std::string, std::string> params;  // path parameters
  std::multimap<std::string, std::string> query;
  nlohmann::ordered_json body;  // validated object; null without a body
  World& world;                 // guarded by the lock the caller holds
  Env& env;

  const std::string& organization_id() const {
    return principal.organization_id;
  }
  // Query returns the first value of a query parameter.
  std::optional<std::string> Query(const std::string& name) const;
  // QueryBool parses "true"/"false"; anything else is a syntax error.
  std::optional<bool> QueryBool(const std::string& name,
                                FieldErrors& errors) const;
  // QueryLimit parses a page size: absent or non-positive means
  // `default_limit`, larger than `max_limit` means `max_limit`.
  int QueryLimit(const std::string& name, int default_limit, int max_limit,
                 FieldErrors& errors) const;
};

using OpHandler = std::function<Reply(Call&)>;

class OpRegistry {
 public:
  // Handle binds `handler` to an operationId; a later call replaces it.
  void Handle(const std::string& operation_id, OpHandler handler);
  // Find returns the handler or nullptr (the pipeline answers 501).
  const OpHandler* Find(const std::string& operation_id) const;

 private:
  std::map<std::string, OpHandler> handlers_;
};

// SemanticErrorStatus is the status of a missing required field (and other
// semantic validation errors) for an operation: 422 where the reference lists
// 422 for validation (bulkSync.create, modelSync.create, modelSync.update),
// 400 elsewhere.
int SemanticErrorStatus(const std::string& operation_id);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_OPERATION_H_
