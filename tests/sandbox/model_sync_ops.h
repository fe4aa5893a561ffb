// model_sync_ops.h: operations 30-39 of the reference: modelSync.list,
// create, get, update, delete, activate, cancel, start, getStatus and
// getScheduleOptions; plus the seeded model syncs.
//
//   OpRegistry registry;
//   RegisterModelSyncOps(registry);
//   nlohmann::ordered_json ids = SeedModelSyncs(world, env, seeder,
//                                               connections);
//
// Executions (40-45) and the connection-scoped helpers (46-50) live in
// model_execution_ops.h and model_helper_ops.h; all of them share the stored
// record (world.h), model_sync_builder.h and model_executions.h.
//
// Thread safety: handlers run with the World lock held (see operation.h).
#ifndef TESTS_SANDBOX_MODEL_SYNC_OPS_H_
#define TESTS_SANDBOX_MODEL_SYNC_OPS_H_

#include "nlohmann/json.hpp"
#include "tests/sandbox/credentials.h"
#include "tests/sandbox/operation.h"
#include "tests/sandbox/world.h"

namespace sandbox {

void RegisterModelSyncOps(OpRegistry& registry);

// CreateModelSync runs modelSync.create for `call` (seeding uses it too, so
// seeded syncs obey the same rules as created ones).
Reply CreateModelSync(Call& call);

// FindModelSyncForCall returns the caller's model sync `id` after letting
// its executions advance (AdvanceModelExecutions), or nullptr.
ModelSyncRecord* FindModelSyncForCall(Call& call, const std::string& id);

// SeedModelSyncs creates the sample model syncs (PostgreSQL users ->
// Salesforce Contact; PostgreSQL users -> a LinkedIn audience created through
// target.create), each with two finished executions, in the organization of
// `seeder`. `connections` maps the seed's connection keys (postgresql,
// salesforce, linkedinads) to ids. Returns the ids; a body the builder
// rejects is appended to `errors` (a sandbox bug, surfaced by the hook).
nlohmann::ordered_json SeedModelSyncs(World& world, Env& env,
                                      const Principal& seeder,
                                      const nlohmann::ordered_json& connections,
                                      nlohmann::ordered_json& errors);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_MODEL_SYNC_OPS_H_
