// world.h: the sandbox's in-memory state: connections and the resources of
// every organization.
//
//   std::lock_guard<std::mutex> lock(world_mu);  // one mutex guards a World
//   const Connection* c = world.FindConnection(org, id);
//   BulkSyncRecord* sync = world.FindBulkSync(org, sync_id);
//
// Resources are scoped by organization: every lookup takes the caller's
// organization, and another organization's resource is not found.
// Documents are stored in their response shape (nlohmann::ordered_json, so
// key order is stable), extension fields included; write-only and
// sandbox-internal data live next to them.
//
// Thread safety: none; the owner (Sandbox) guards a World with one mutex and
// holds it while an operation or hook runs, never while sleeping.
#ifndef TESTS_SANDBOX_WORLD_H_
#define TESTS_SANDBOX_WORLD_H_

#include <map>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/sandbox/id_generator.h"

namespace sandbox {

// Connection is a configured integration of a catalog type.
struct Connection {
  std::string id;
  std::string name;
  std::string type;  // a Catalog type
  std::string organization_id;
  std::string created_at;

  nlohmann::ordered_json ToJson() const;
};

// BulkSyncRecord is one bulk sync and everything that belongs to it; deleting
// the record deletes its schedules, schema configurations and executions.
struct BulkSyncRecord {
  std::string organization_id;
  // The BulkSyncResponse document: default_schedule and additional_schedules
  // (with ids and stamps) and extension fields included.
  nlohmann::ordered_json doc;
  // One BulkSchema document per source schema, in source order; `enabled`
  // says whether it is selected. Served by the schema endpoints.
  std::vector<nlohmann::ordered_json> schemas;
  // BulkSyncExecution documents, oldest first (filled by the executions
  // operations).
  std::vector<nlohmann::ordered_json> executions;
};

// ModelSyncRecord is one model sync (filled by the model-sync operations);
// deleting the record deletes its executions and their logs.
struct ModelSyncRecord {
  std::string organization_id;
  nlohmann::ordered_json doc;         // SyncResponse, without write-only
  nlohmann::ordered_json write_only;  // encryption_passphrase, target.create
  // GetExecutionResponseSchema documents, oldest first.
  std::vector<nlohmann::ordered_json> executions;
  // ExecutionConsoleLogEntry documents by execution id, oldest first.
  std::map<std::string, std::vector<nlohmann::ordered_json>> console_logs;
};

// CreatedTarget is a model-sync target object created through a sync's
// `target.create`; it has the fields and modes of a catalog template object.
struct CreatedTarget {
  std::string id;
  std::string name;
  std::string template_id;            // a TargetObjectSpec id of the type
  nlohmann::ordered_json properties;  // the `create` map that made it
};

// ModelTargetState is what a model-sync target connection accumulates.
struct ModelTargetState {
  std::vector<CreatedTarget> created;
  std::string refreshed_at;  // last `refresh=true`; "" means created_at
};

// ExtensionField is an extra writable field added by /_sandbox/extensions.
struct ExtensionField {
  std::string field;
  nlohmann::ordered_json default_value;
};

// PageCursor is what an issued page token stands for: the sort key of the
// last item of the page it ended.
struct PageCursor {
  std::string operation;
  std::string organization_id;
  std::string scope;       // e.g. the sync id of an executions list
  std::string sort_value;  // e.g. updated_at of the last item
  std::string id;          // id of the last item
};

struct World {
  std::map<std::string, Connection> connections;          // by id
  std::map<std::string, BulkSyncRecord> bulk_syncs;       // by id
  std::map<std::string, ModelSyncRecord> model_syncs;     // by id
  std::map<std::string, ModelTargetState> model_targets;  // by connection id
  std::map<std::string, PageCursor> page_tokens;          // by token
  // Extension fields by resource: bulk_sync, model_sync, bulk_sync_schedule,
  // bulk_sync_schema.
  std::map<std::string, std::vector<ExtensionField>> extensions;

  // Clear forgets everything.
  void Clear();

  const Connection* FindConnection(const std::string& organization_id,
                                   const std::string& id) const;
  BulkSyncRecord* FindBulkSync(const std::string& organization_id,
                               const std::string& id);
  ModelSyncRecord* FindModelSync(const std::string& organization_id,
                                 const std::string& id);
  // Extensions returns the extension fields of a resource (maybe none).
  const std::vector<ExtensionField>& Extensions(
      const std::string& resource) const;

  // IssuePageToken stores `cursor` under a new opaque token.
  std::string IssuePageToken(const PageCursor& cursor, IdGenerator& ids);
  // FindPageToken returns the cursor of a token issued for this operation,
  // organization and scope, or nullptr (a token the sandbox did not issue).
  const PageCursor* FindPageToken(const std::string& token,
                                  const std::string& operation,
                                  const std::string& organization_id,
                                  const std::string& scope) const;
};

}  // namespace sandbox

#endif  // TESTS_SANDBOX_WORLD_H_
