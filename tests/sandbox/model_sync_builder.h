// model_sync_builder.h: turns a validated model sync create/update request
// into the stored record, applying the reference's defaults and
// full-replacement rules, and projects a record to its list item.
//
//   FieldErrors errors;
//   ModelSyncRecord record;
//   ModelSyncWrite write{call.world, call.env, call.principal, now};
//   if (!BuildModelSync(write, call.body, /*existing=*/nullptr, new_id,
//                       record, errors)) {
//     return ValidationReply(422, errors);
//   }
//
// Rules (README "Model syncs"): omitted `active`, `skip_initial_backfill`,
// `only_enrich_updates`, `sync_all_records` are false; omitted `filters`,
// `overrides`, `override_fields`, `policies` are []; omitted `identity`,
// `filter_logic` and `encryption_passphrase` are removed; `target` keeps only
// what was sent. `model_ids` is derived from the source model ids the sync
// references. `encryption_passphrase` and `target.create` go to
// `write_only`. A `target.create` (without `object`) creates a target object
// on the connection, once every other check has passed.
//
// Thread safety: none; callers hold the World lock.
#ifndef TESTS_SANDBOX_MODEL_SYNC_BUILDER_H_
#define TESTS_SANDBOX_MODEL_SYNC_BUILDER_H_

#include <string>

#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"
#include "tests/sandbox/credentials.h"
#include "tests/sandbox/operation.h"
#include "tests/sandbox/world.h"

namespace sandbox {

// ModelSyncWrite is the context of one write.
struct ModelSyncWrite {
  World& world;
  Env& env;
  const Principal& principal;
  std::string now;  // the timestamp of this write
};

// BuildModelSync fills `out` (doc and write_only; executions and console
// logs are moved from `existing` by the caller). Returns false with `errors`
// filled when the request is invalid; nothing in the World changed then.
bool BuildModelSync(const ModelSyncWrite& write,
                    const nlohmann::ordered_json& request,
                    const ModelSyncRecord* existing, const std::string& id,
                    ModelSyncRecord& out, FieldErrors& errors);

// ModelSyncListItem is the ListSyncItem of a stored sync.
nlohmann::ordered_json ModelSyncListItem(const ModelSyncRecord& sync);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_MODEL_SYNC_BUILDER_H_
