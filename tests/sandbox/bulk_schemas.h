// bulk_schemas.h: a bulk sync's per-schema configuration (the BulkSchema
// documents the schema endpoints serve), built from a source connection's
// catalog schemas and from `schemas` / SchemaConfiguration requests.
//
//   FieldErrors errors;
//   std::vector<nlohmann::ordered_json> configs = SelectSchemas(
//       *source_type, &request["schemas"], /*existing=*/nullptr, "enabled",
//       world.Extensions(kBulkSyncSchemaResource), "schemas", errors);
//   // one config per source schema, in source order, `enabled` = selected
//
// A stored config looks like
//   {"id": "Account", "enabled": true, "output_name": "account",
//    "user_output_name": "", "partition_key": "",
//    "tracking_field": "SystemModstamp", "disable_data_cutoff": false,
//    "fields": [{"id": "Id", "enabled": true, "obfuscated": false,
//                "output_name": "id", "user_output_name": ""}, ...],
//    "filters": []}
// plus `data_cutoff_timestamp` when set and any bulk_sync_schema extension.
//
// Thread safety: pure functions; no shared state.
#ifndef TESTS_SANDBOX_BULK_SCHEMAS_H_
#define TESTS_SANDBOX_BULK_SCHEMAS_H_

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"
#include "tests/sandbox/catalog.h"
#include "tests/sandbox/world.h"

namespace sandbox {

// OutputName applies a BulkNormalizeNames mode to a source name:
// `enabled` snake_cases it ("AnnualRevenue" -> "annual_revenue",
// "public.users" -> "public_users"), `legacy` lower-cases it and replaces
// other characters with '_' ("annualrevenue"), `disabled` keeps it.
std::string OutputName(const std::string& source_name,
                       const std::string& normalize_names);

// DefaultSchemaConfig is the configuration of a newly selected schema: every
// field enabled, the catalog's tracking field, no filters.
nlohmann::ordered_json DefaultSchemaConfig(
    const CatalogSchema& schema, bool enabled,
    const std::string& normalize_names,
    const std::vector<ExtensionField>& extensions);

// ConfigureSchema replaces `config` with a SchemaConfiguration / BulkSchema
// request object (full replacement: omitted fields reset to their defaults;
// `enabled` defaults to true; omitted or empty `fields` enables every field;
// a non-empty `fields` list enables exactly the listed fields, strings or
// {"id", "enabled"?, "obfuscate"?|"obfuscated"?, "user_output_name"?}).
// Unknown field ids, filter fields and partition/tracking fields are
// semantic errors under `path`.
void ConfigureSchema(const CatalogSchema& schema,
                     const nlohmann::ordered_json& request,
                     const std::string& normalize_names,
                     const std::vector<ExtensionField>& extensions,
                     const std::string& path, nlohmann::ordered_json& config,
                     FieldErrors& errors);

// SelectSchemas builds the configs of every source schema.
//  - `request` null: every schema selected with defaults, or `existing` kept
//    as is when given.
//  - `request` a list of ids and SchemaConfiguration objects: listed ids are
//    enabled (a string keeps the schema's existing configuration, an object
//    replaces it), unlisted ones are disabled but keep their configuration.
// Unknown or repeated ids are semantic errors naming `path[i]`.
std::vector<nlohmann::ordered_json> SelectSchemas(
    const ConnectionType& source, const nlohmann::ordered_json* request,
    const std::vector<nlohmann::ordered_json>* existing,
    const std::string& normalize_names,
    const std::vector<ExtensionField>& extensions, const std::string& path,
    FieldErrors& errors);

// RenameOutputs recomputes every output_name after normalize_names changed.
void RenameOutputs(std::vector<nlohmann::ordered_json>& configs,
                   const std::string& normalize_names);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_BULK_SCHEMAS_H_
