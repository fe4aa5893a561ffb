// seed.h: the sample data of `--seed` and `POST /_sandbox/seed`.
//
//   std::lock_guard<std::mutex> lock(world_mu);
//   nlohmann::ordered_json result = SeedOrganization(world, env, org);
//   // {"organization_id": org,
//   //  "connections": {"salesforce": id, "postgresql": id, "snowflake": id,
//   //                  "s3": id, "linkedinads": id},
//   //  "bulk_syncs": [id, id, id], "model_syncs": [id, id]}
//
// Seeded resources are created through the same builders as API requests,
// so they obey the same rules. Seeding twice creates a second set (ids are
// random).
//
// Thread safety: none; callers hold the World lock.
#ifndef TESTS_SANDBOX_SEED_H_
#define TESTS_SANDBOX_SEED_H_

#include <string>

#include "nlohmann/json.hpp"
#include "tests/sandbox/operation.h"
#include "tests/sandbox/world.h"

namespace sandbox {

// AddConnection validates `{"id"?, "name", "type", "organization_id"?}` (the
// body of POST /_sandbox/connections) and stores the connection in
// `default_organization` unless the body names one. Returns the connection
// document, or null with `errors` filled.
nlohmann::ordered_json AddConnection(World& world, Env& env,
                                     const nlohmann::ordered_json& body,
                                     const std::string& default_organization,
                                     FieldErrors& errors);

// SeedOrganization creates the sample connections and syncs in
// `organization_id`.
nlohmann::ordered_json SeedOrganization(World& world, Env& env,
                                        const std::string& organization_id);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_SEED_H_
