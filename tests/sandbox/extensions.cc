#include "tests/sandbox/extensions.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

const std::set<std::string>& DocumentedFields(const std::string& resource) {
  static const auto* const kFields =
      new std::map<std::string, std::set<std::string>>{
          {kBulkSyncResource,
           {"active",
            "additional_schedules",
            "automatically_add_new_fields",
            "automatically_add_new_objects",
            "concurrency_limit",
            "created_at",
            "created_by",
            "data_cutoff_timestamp",
            "default_schedule",
            "destination_configuration",
            "destination_connection_id",
            "disable_record_timestamps",
            "id",
            "mode",
            "name",
            "normalize_names",
            "organization_id",
            "policies",
            "resync_concurrency_limit",
            "schemas",
            "source_configuration",
            "source_connection_id",
            "updated_at",
            "updated_by"}},
          {kBulkSyncScheduleResource, {"id",
                                       "frequency",
                                       "day_of_month",
                                       "day_of_week",
                                       "hour",
                                       "minute",
                                       "month",
                                       "resync_mode",
                                       "schemas",
                                       "selective_mode",
                                       "created_at",
                                       "created_by",
                                       "updated_at",
                                       "updated_by",
                                       "dayOfMonth",
                                       "dayOfWeek",
                                       "selectiveMode",
                                       "syncMode",
                                       "syncId",
                                       "isDefault",
                                       "createdAt",
                                       "createdBy",
                                       "updatedAt",
                                       "updatedBy",
                                       "deletedAt",
                                       "deletedBy"}},
          {kBulkSyncSchemaResource,
           {"id", "enabled", "output_name", "user_output_name", "partition_key",
            "tracking_field", "data_cutoff_timestamp", "disable_data_cutoff",
            "fields", "filters"}},
          {kModelSyncResource,
           {"active",
            "created_at",
            "created_by",
            "encryption_passphrase",
            "fields",
            "filter_logic",
            "filters",
            "id",
            "identity",
            "mode",
            "model_ids",
            "name",
            "only_enrich_updates",
            "organization_id",
            "override_fields",
            "overrides",
            "policies",
            "schedule",
            "skip_initial_backfill",
            "sync_all_records",
            "target",
            "updated_at",
            "updated_by"}},
      };
  return kFields->at(resource);
}

bool SameKind(const Json& a, const Json& b) {
  if (a.is_null()) return true;
  if (a.is_number()) return b.is_number();
  return a.type() == b.type();
}

void SetIfMissing(Json& doc, const std::string& field, const Json& value) {
  if (doc.is_object() && !doc.contains(field)) doc[field] = value;
}

void Backfill(World& world, const std::string& resource,
              const ExtensionField& ext) {
  for (auto& [id, sync] : world.bulk_syncs) {
    if (resource == kBulkSyncResource) {
      SetIfMissing(sync.doc, ext.field, ext.default_value);
    } else if (resource == kBulkSyncScheduleResource) {
      SetIfMissing(sync.doc["default_schedule"], ext.field, ext.default_value);
      for (Json& s : sync.doc["additional_schedules"]) {
        SetIfMissing(s, ext.field, ext.default_value);
      }
    } else if (resource == kBulkSyncSchemaResource) {
      for (Json& s : sync.schemas)
        SetIfMissing(s, ext.field, ext.default_value);
    }
  }
  if (resource == kModelSyncResource) {
    for (auto& [id, sync] : world.model_syncs) {
      SetIfMissing(sync.doc, ext.field, ext.default_value);
    }
  }
}

}  // namespace

Json AddExtension(World& world, const Json& body, FieldErrors& errors) {
  if (!body.is_object()) {
    errors.AddSyntax("(body)", "must be a JSON object");
    return nullptr;
  }
  std::string resource;
  if (!body.contains("resource") || !body["resource"].is_string()) {
    errors.AddSyntax("resource", "is required");
  } else {
    resource = body["resource"].get<std::string>();
    if (resource != kBulkSyncResource && resource != kModelSyncResource &&
        resource != kBulkSyncScheduleResource &&
        resource != kBulkSyncSchemaResource) {
      errors.AddSyntax("resource",
                       "must be one of bulk_sync, model_sync, "
                       "bulk_sync_schedule, bulk_sync_schema");
      resource.clear();
    }
  }
  std::string field;
  if (!body.contains("field") || !body["field"].is_string() ||
      body["field"].get<std::string>().empty()) {
    errors.AddSyntax("field", "is required");
  } else {
    field = body["field"].get<std::string>();
    bool valid =
        std::isalpha(static_cast<unsigned char>(field[0])) &&
        std::all_of(field.begin(), field.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
        });
    if (!valid) {
      errors.AddSyntax("field", "must match ^[A-Za-z][A-Za-z0-9_]*$");
    } else if (!resource.empty() &&
               DocumentedFields(resource).count(field) > 0) {
      errors.AddSyntax("field", "is already a documented field of " + resource);
    }
  }
  if (!errors.empty()) return nullptr;
  Json default_value = body.contains("default") ? body["default"] : Json();
  std::vector<ExtensionField>& list = world.extensions[resource];
  auto it = std::find_if(list.begin(), list.end(),
                         [&](const auto& e) { return e.field == field; });
  if (it != list.end()) {
    it->default_value = default_value;
  } else {
    list.push_back(ExtensionField{field, default_value});
  }
  Backfill(world, resource, ExtensionField{field, default_value});
  return Json{
      {"resource", resource}, {"field", field}, {"default", default_value}};
}

void ApplyExtensions(const std::vector<ExtensionField>& fields,
                     const Json* request, Json& doc, const std::string& path,
                     FieldErrors& errors) {
  for (const ExtensionField& ext : fields) {
    if (request != nullptr && request->is_object() &&
        request->contains(ext.field) && !(*request)[ext.field].is_null()) {
      const Json& value = (*request)[ext.field];
      if (!SameKind(ext.default_value, value)) {
        errors.AddSyntax(path + ext.field, std::string("must be of type ") +
                                               ext.default_value.type_name());
        continue;
      }
      doc[ext.field] = value;
    } else {
      doc[ext.field] = ext.default_value;
    }
  }
}

}  // namespace sandbox
