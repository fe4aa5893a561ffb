#include "tests/sandbox/bulk_schema_ops.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/sandbox/bulk_executions.h"
#include "tests/sandbox/bulk_schemas.h"
#include "tests/sandbox/extensions.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

// ModeInfo describes a BulkSyncTargetMode as getDestination lists it.
struct ModeInfo {
  const char* id;
  const char* label;
  const char* description;
};
constexpr ModeInfo kModes[] = {
    {"replicate", "Replicate",
     "Keep the destination in step with the source: new and changed records "
     "are merged into the destination tables."},
    {"snapshot", "Snapshot",
     "Write a complete copy of every selected schema on each run."},
};

// FindConnectionType resolves the path's connection (of the caller's
// organization) to its catalog type; on failure `*type` stays null and the
// error reply is returned.
Reply FindConnectionType(Call& call, const ConnectionType** type) {
  const std::string& id = call.params["id"];
  const Connection* c = call.world.FindConnection(call.organization_id(), id);
  if (c == nullptr) return NotFoundReply("connection", id);
  *type = call.env.catalog.Find(c->type);
  if (*type == nullptr) {
    return ErrorReply(500, "internal_error", "unknown connection type");
  }
  return Reply{};
}

Reply NotUsableAs(const std::string& connection_type, const char* role) {
  FieldErrors errors;
  errors.Add("id", "connection type " + connection_type +
                       " cannot be a bulk sync " + role);
  return ValidationReply(400, errors);
}

Reply GetSource(Call& call) {
  FieldErrors errors;
  const bool include_fields =
      call.QueryBool("include_fields", errors).value_or(false);
  if (!errors.empty()) return ValidationReply(400, errors);
  const ConnectionType* type = nullptr;
  Reply missing = FindConnectionType(call, &type);
  if (type == nullptr) return missing;
  if (!type->bulk_source) return NotUsableAs(type->type, "source");
  Json schemas = Json::array();
  for (const CatalogSchema& s : type->bulk_schemas) {
    Json schema{{"id", s.id}, {"name", s.name}};
    if (include_fields) {
      Json fields = Json::array();
      for (const CatalogField& f : s.fields) {
        fields.push_back(Json{{"id", f.id},
                              {"name", f.name},
                              {"type", f.type},
                              {"remote_type", f.remote_type},
                              {"is_primary_key", f.primary_key}});
      }
      schema["fields"] = std::move(fields);
    }
    schemas.push_back(std::move(schema));
  }
  Json configuration = type->source_configuration.is_object()
                           ? type->source_configuration
                           : Json::object();
  return JsonReply(
      200,
      Json{{"data",
            {{"capabilities",
              {{"supports_tracking_fields", type->supports_tracking_fields}}},
             {"configuration", std::move(configuration)},
             {"schemas", std::move(schemas)}}}});
}

Reply GetDestination(Call& call) {
  const ConnectionType* type = nullptr;
  Reply missing = FindConnectionType(call, &type);
  if (type == nullptr) return missing;
  if (!type->bulk_destination) return NotUsableAs(type->type, "destination");
  Json modes = Json::array();
  for (const std::string& mode : type->bulk_modes) {
    for (const ModeInfo& info : kModes) {
      if (mode != info.id) continue;
      modes.push_back(Json{{"id", info.id},
                           {"label", info.label},
                           {"description", info.description},
                           {"requires_identity", false},
                           {"supports_field_sync_mode", false},
                           {"supports_target_filters", false}});
    }
  }
  return JsonReply(200,
                   Json{{"data",
                         {{"configuration", type->destination_configuration},
                          {"modes", std::move(modes)},
                          {"supported_resync_modes", type->resync_modes}}}});
}

// FindSyncAndSource finds the bulk sync of the path's `id` (settled) and
// its source type; on failure `*sync` is null and the error is returned.
Reply FindSyncAndSource(Call& call, BulkSyncRecord** sync,
                        const ConnectionType** source) {
  const std::string& id = call.params["id"];
  *sync = FindSettledBulkSync(call.world, call.env, call.organization_id(), id);
  if (*sync == nullptr) return NotFoundReply("bulk sync", id);
  const Connection* c = call.world.FindConnection(
      call.organization_id(), (*sync)->doc.value("source_connection_id", ""));
  *source = c == nullptr ? nullptr : call.env.catalog.Find(c->type);
  if (*source == nullptr) {
    *sync = nullptr;
    return ErrorReply(500, "internal_error",
                      "the source connection of bulk sync " + id + " is gone");
  }
  return Reply{};
}

Json* FindSchemaConfig(BulkSyncRecord& sync, const std::string& schema_id) {
  for (Json& config : sync.schemas) {
    if (config["id"] == schema_id) return &config;
  }
  return nullptr;
}

Reply SchemaNotFound(const std::string& schema_id, const std::string& sync_id) {
  return ErrorReply(
      404, "not_found",
      "schema " + schema_id + " is not a schema of bulk sync " + sync_id);
}

Json ListItem(const Json& config) {
  Json item = config;
  item.erase("fields");
  item.erase("filters");
  return item;
}

Reply ListSchemas(Call& call) {
  std::optional<bool> enabled;
  FieldErrors errors;
  if (std::optional<std::string> text = call.Query("filters")) {
    // The SDK sends the map JSON-encoded: {"enabled":"true"}.
    Json filters = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (filters.is_discarded() || !filters.is_object()) {
      errors.AddSyntax("filters", "must be a JSON-encoded object");
    } else if (filters.contains("enabled")) {
      const Json& v = filters["enabled"];
      if (v == "true" || v == true) {
        enabled = true;
      } else if (v == "false" || v == false) {
        enabled = false;
      } else {
        errors.AddSyntax("filters.enabled", "must be \"true\" or \"false\"");
      }
    }
  }
  if (!errors.empty()) return ValidationReply(400, errors);
  const std::string& id = call.params["id"];
  BulkSyncRecord* sync =
      FindSettledBulkSync(call.world, call.env, call.organization_id(), id);
  if (sync == nullptr) return NotFoundReply("bulk sync", id);
  Json data = Json::array();
  for (const Json& config : sync->schemas) {
    if (enabled.has_value() && config.value("enabled", false) != *enabled) {
      continue;
    }
    data.push_back(ListItem(config));
  }
  return JsonReply(200, Json{{"data", std::move(data)}});
}

Reply PatchSchemas(Call& call) {
  BulkSyncRecord* sync = nullptr;
  const ConnectionType* source = nullptr;
  Reply failed = FindSyncAndSource(call, &sync, &source);
  if (sync == nullptr) return failed;
  const std::string normalize = sync->doc.value("normalize_names", "enabled");
  const auto& extensions = call.world.Extensions(kBulkSyncSchemaResource);
  std::vector<Json> configs = sync->schemas;
  FieldErrors errors;
  std::set<std::string> seen;
  const Json items = call.body.is_object() && call.body.contains("schemas")
                         ? call.body["schemas"]
                         : Json::array();
  for (size_t i = 0; i < items.size(); ++i) {
    const Json& item = items[i];
    const std::string path = absl::StrCat("schemas[", i, "]");
    if (!item.contains("id")) {
      errors.Add(path + ".id", "is required");
      continue;
    }
    const std::string id = item["id"].get<std::string>();
    const CatalogSchema* schema = source->FindBulkSchema(id);
    Json* config = nullptr;
    for (Json& c : configs) {
      if (c["id"] == id) config = &c;
    }
    if (schema == nullptr || config == nullptr) {
      errors.Add(path + ".id", "is not a schema of the bulk sync (" + id + ")");
      continue;
    }
    if (!seen.insert(id).second) {
      errors.Add(path + ".id", "lists schema " + id + " twice");
      continue;
    }
    // A patch merges into the schema: members sent replace, members omitted
    // keep their value, except `fields` (omitted: every field enabled).
    Json request = *config;
    request.erase("output_name");
    request.erase("fields");
    for (const auto& [key, value] : item.items()) request[key] = value;
    ConfigureSchema(*schema, request, normalize, extensions, path, *config,
                    errors);
  }
  if (!errors.empty()) return ValidationReply(400, errors);
  sync->schemas = std::move(configs);
  Json data = Json::array();
  for (const Json& config : sync->schemas) data.push_back(config);
  return JsonReply(200, Json{{"data", std::move(data)}});
}

Reply GetSchema(Call& call) {
  const std::string& id = call.params["id"];
  BulkSyncRecord* sync =
      FindSettledBulkSync(call.world, call.env, call.organization_id(), id);
  if (sync == nullptr) return NotFoundReply("bulk sync", id);
  const Json* config = FindSchemaConfig(*sync, call.params["schema_id"]);
  if (config == nullptr) return SchemaNotFound(call.params["schema_id"], id);
  return JsonReply(200, Json{{"data", *config}});
}

Reply UpdateSchema(Call& call) {
  BulkSyncRecord* sync = nullptr;
  const ConnectionType* source = nullptr;
  Reply failed = FindSyncAndSource(call, &sync, &source);
  if (sync == nullptr) return failed;
  const std::string& schema_id = call.params["schema_id"];
  Json* config = FindSchemaConfig(*sync, schema_id);
  const CatalogSchema* schema = source->FindBulkSchema(schema_id);
  if (config == nullptr || schema == nullptr) {
    return SchemaNotFound(schema_id, call.params["id"]);
  }
  FieldErrors errors;
  Json replaced;
  ConfigureSchema(*schema, call.body.is_object() ? call.body : Json::object(),
                  sync->doc.value("normalize_names", "enabled"),
                  call.world.Extensions(kBulkSyncSchemaResource), "", replaced,
                  errors);
  if (!errors.empty()) return ValidationReply(400, errors);
  *config = std::move(replaced);
  return JsonReply(200, Json{{"data", *config}});
}

Reply CancelSchema(Call& call) {
  const std::string& id = call.params["id"];
  const std::string& schema_id = call.params["schema_id"];
  BulkSyncRecord* sync =
      FindSettledBulkSync(call.world, call.env, call.organization_id(), id);
  if (sync == nullptr) return NotFoundReply("bulk sync", id);
  if (FindSchemaConfig(*sync, schema_id) == nullptr) {
    return SchemaNotFound(schema_id, id);
  }
  bool canceled = false;
  for (Json& execution : sync->executions) {
    canceled |= CancelBulkExecutionSchema(execution, schema_id,
                                          call.env.clock.NowTimestamp());
  }
  const char* message = canceled ? "cancellation requested"
                                 : "no execution of this schema is running";
  return JsonReply(200, Json{{"data", {{"message", message}}}});
}

}  // namespace

void RegisterBulkSchemaOps(OpRegistry& registry) {
  registry.Handle("bulkSync.getSource", GetSource);
  registry.Handle("bulkSync.getDestination", GetDestination);
  registry.Handle("bulkSync.schemas.list", ListSchemas);
  registry.Handle("bulkSync.schemas.patch", PatchSchemas);
  registry.Handle("bulkSync.schemas.get", GetSchema);
  registry.Handle("bulkSync.schemas.update", UpdateSchema);
  registry.Handle("bulkSync.schemas.cancel", CancelSchema);
}

}  // namespace sandbox
