#include "tests/sandbox/model_sync_builder.h"

#include <algorithm>
#include <optional>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/sandbox/extensions.h"
#include "tests/sandbox/model_schedules.h"
#include "tests/sandbox/model_targets.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

// Copy copies the listed members of `from` that are present, in list order.
Json Copy(const Json& from, std::initializer_list<const char*> keys) {
  Json out = Json::object();
  for (const char* key : keys) {
    if (from.contains(key)) out[key] = from[key];
  }
  return out;
}

// TargetChoice is what a request's `target` resolves to.
struct TargetChoice {
  const Connection* connection = nullptr;
  const ConnectionType* type = nullptr;
  std::optional<ModelTarget> object;       // an existing object
  const TargetObjectSpec* spec = nullptr;  // fields and modes to check against
  std::string object_name;                 // for messages
  bool create_new = false;                 // create an object from `create`
};

TargetChoice ResolveTarget(const ModelSyncWrite& write, const Json& request,
                           const ModelSyncRecord* existing,
                           FieldErrors& errors) {
  TargetChoice choice;
  if (!request.contains("target")) {
    errors.Add("target", "is required");
    return choice;
  }
  const Json& target = request["target"];
  const std::string connection_id = target.value("connection_id", "");
  choice.connection = write.world.FindConnection(
      write.principal.organization_id, connection_id);
  if (choice.connection == nullptr) {
    errors.Add(
        "target.connection_id",
        "is not a connection of this organization (" + connection_id + ")");
    return choice;
  }
  choice.type = write.env.catalog.Find(choice.connection->type);
  if (choice.type == nullptr || !choice.type->model_target) {
    errors.Add("target.connection_id", "connection type " +
                                           choice.connection->type +
                                           " cannot be a model sync target");
    choice.type = nullptr;
    return choice;
  }
  const ConnectionType& type = *choice.type;
  const std::string object = target.value("object", "");
  if (!object.empty()) {
    choice.object =
        FindModelTarget(write.world, *choice.connection, type, object);
    if (!choice.object.has_value()) {
      errors.Add("target.object", "is not a target object of connection " +
                                      connection_id + " (" + object + ")");
    }
  } else if (target.contains("create")) {
    const Json& create = target["create"];
    if (!type.target_creation) {
      errors.Add("target.create", "connection type " + type.type +
                                      " does not support target creation");
      return choice;
    }
    CheckTargetCreate(type, create, "target.create", errors);
    // A PUT that sends the create map the sync was made with keeps the
    // object it created instead of creating another one.
    if (existing != nullptr &&
        existing->doc["target"]["connection_id"] == connection_id &&
        existing->write_only.contains("target") &&
        nlohmann::json(existing->write_only["target"].value(
            "create", Json())) == nlohmann::json(create)) {
      choice.object =
          FindModelTarget(write.world, *choice.connection, type,
                          existing->doc["target"]["object"].get<std::string>());
    }
    if (!choice.object.has_value()) {
      choice.create_new = true;
      choice.spec = CreateTemplate(type, create);
      choice.object_name = "(new target)";
    }
  } else {
    errors.Add("target.object",
               type.target_creation
                   ? "is required (or target.create to create a new target)"
                   : "is required");
  }
  if (choice.object.has_value()) {
    choice.spec = choice.object->spec;
    choice.object_name = choice.object->id;
  }
  return choice;
}

Json SourceDoc(const Json& source, const std::string& path,
               FieldErrors& errors) {
  for (const char* key : {"model_id", "field"}) {
    if (source.value(key, "").empty()) {
      errors.Add(path + "." + key, "must not be empty");
    }
  }
  return Json{{"model_id", source.value("model_id", "")},
              {"field", source.value("field", "")}};
}

// BuildSyncFields builds `fields` or `override_fields`.
Json BuildSyncFields(const Json& request, const char* key,
                     const TargetChoice& target, FieldErrors& errors) {
  Json out = Json::array();
  if (!request.contains(key)) return out;
  const Json& list = request[key];
  const bool can_create_fields =
      target.type != nullptr &&
      target.type->target_properties.value("supports_field_creation", false);
  const bool can_encrypt =
      target.type != nullptr &&
      target.type->target_properties.value("supports_field_encryption", false);
  std::set<std::string> mapped;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& f = list[i];
    const std::string path = absl::StrCat(key, "[", i, "]");
    const std::string field_id = f.value("target", "");
    const bool is_new = f.value("new", false);
    if (field_id.empty()) {
      errors.Add(path + ".target", "must not be empty");
    } else if (!mapped.insert(field_id).second) {
      errors.Add(path + ".target", "is mapped more than once");
    } else if (is_new && !can_create_fields) {
      errors.Add(path + ".new", "the target connection cannot create fields");
    } else if (!is_new && target.spec != nullptr &&
               FindTargetField(*target.spec, field_id) == nullptr) {
      errors.Add(path + ".target", "is not a field of target object " +
                                       target.object_name + " (" + field_id +
                                       ")");
    }
    if (f.value("encryption_enabled", false) && !can_encrypt) {
      errors.Add(path + ".encryption_enabled",
                 "the target connection does not support field encryption");
    }
    Json doc = Json::object();
    if (f.contains("source")) {
      doc["source"] = SourceDoc(f["source"], path + ".source", errors);
    } else if (!f.contains("override_value")) {
      errors.Add(path + ".source", "is required unless override_value is set");
    }
    doc["target"] = field_id;
    if (f.contains("override_value"))
      doc["override_value"] = f["override_value"];
    doc["sync_mode"] = f.value("sync_mode", "updateOrCreate");
    doc["new"] = is_new;
    doc["encryption_enabled"] = f.value("encryption_enabled", false);
    out.push_back(std::move(doc));
  }
  return out;
}

Json BuildIdentity(const Json& request, const std::string& mode,
                   const TargetChoice& target, FieldErrors& errors) {
  if (!request.contains("identity")) {
    if (target.spec != nullptr && ModeRequiresIdentity(*target.spec, mode)) {
      errors.Add("identity",
                 "is required for mode " + mode + " on " + target.object_name);
    }
    return Json();
  }
  const Json& identity = request["identity"];
  const std::string field_id = identity.value("target", "");
  if (target.spec != nullptr) {
    const TargetFieldSpec* field = FindTargetField(*target.spec, field_id);
    if (field == nullptr) {
      errors.Add("identity.target", "is not a field of target object " +
                                        target.object_name + " (" + field_id +
                                        ")");
    } else if (!field->supports_identity) {
      errors.Add("identity.target",
                 "field " + field_id + " cannot be used to match records");
    }
  }
  Json doc{{"source", SourceDoc(identity.value("source", Json::object()),
                                "identity.source", errors)},
           {"target", field_id},
           {"function", identity.value("function", "")},
           {"new_field", identity.value("new_field", false)}};
  if (identity.contains("remote_field_type_id")) {
    doc["remote_field_type_id"] = identity["remote_field_type_id"];
  }
  return doc;
}

// BuildConditions builds `filters` (is_filter) or `overrides`.
Json BuildConditions(const Json& request, const char* key, bool is_filter,
                     const TargetChoice& target, FieldErrors& errors) {
  Json out = Json::array();
  if (!request.contains(key)) return out;
  const Json& list = request[key];
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& c = list[i];
    const std::string path = absl::StrCat(key, "[", i, "]");
    if (!c.contains("field") && !c.contains("field_id")) {
      errors.Add(path + ".field_id", "field or field_id is required");
    }
    Json doc =
        is_filter
            ? Copy(c, {"field", "field_id", "field_type", "function", "label",
                       "value"})
            : Copy(c, {"field", "field_id", "function", "override", "value"});
    if (c.contains("field")) {
      doc["field"] = SourceDoc(c["field"], path + ".field", errors);
    }
    if (is_filter && c.value("field_type", "") == "Target" &&
        target.spec != nullptr) {
      const std::string field_id = c.value("field_id", "");
      if (!target.spec->supports_target_filters) {
        errors.Add(path + ".field_type",
                   "target object " + target.object_name +
                       " does not support target filters");
      } else if (FindTargetField(*target.spec, field_id) == nullptr) {
        errors.Add(path + ".field_id", "is not a field of target object " +
                                           target.object_name + " (" +
                                           field_id + ")");
      }
    }
    out.push_back(std::move(doc));
  }
  return out;
}

void AddModelId(const Json& source, std::vector<std::string>& ids) {
  if (!source.is_object()) return;
  const std::string id = source.value("model_id", "");
  if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) {
    ids.push_back(id);
  }
}

Json ModelIds(const Json& doc) {
  std::vector<std::string> ids;
  for (const char* key : {"fields", "override_fields"}) {
    for (const Json& f : doc[key]) AddModelId(f.value("source", Json()), ids);
  }
  if (doc.contains("identity")) AddModelId(doc["identity"]["source"], ids);
  for (const char* key : {"filters", "overrides"}) {
    for (const Json& c : doc[key]) AddModelId(c.value("field", Json()), ids);
  }
  return Json(ids);
}

bool AnyEncrypted(const Json& fields) {
  return std::any_of(fields.begin(), fields.end(), [](const Json& f) {
    return f.value("encryption_enabled", false);
  });
}

}  // namespace

bool BuildModelSync(const ModelSyncWrite& write, const Json& request,
                    const ModelSyncRecord* existing, const std::string& id,
                    ModelSyncRecord& out, FieldErrors& errors) {
  const Json& r = request;
  const std::string name = r.value("name", "");
  if (name.empty())
    errors.Add("name",
               r.contains("name") ? "must not be empty" : "is required");
  TargetChoice target = ResolveTarget(write, r, existing, errors);
  const std::string mode = r.value("mode", "");
  if (mode.empty()) {
    errors.Add("mode", "is required");
  } else if (target.spec != nullptr &&
             std::find(target.spec->modes.begin(), target.spec->modes.end(),
                       mode) == target.spec->modes.end()) {
    errors.Add("mode", "is not supported by target object " +
                           target.object_name + " (supported: " +
                           absl::StrJoin(target.spec->modes, ", ") + ")");
  }
  Json fields = BuildSyncFields(r, "fields", target, errors);
  if (fields.empty()) {
    errors.Add("fields",
               r.contains("fields") ? "must not be empty" : "is required");
  }
  Json override_fields = BuildSyncFields(r, "override_fields", target, errors);
  Json identity = BuildIdentity(r, mode, target, errors);
  Json filters = BuildConditions(r, "filters", true, target, errors);
  Json overrides = BuildConditions(r, "overrides", false, target, errors);
  Json schedule = Json::object();
  if (r.contains("schedule")) {
    schedule = BuildModelSchedule(write.world, write.principal.organization_id,
                                  r["schedule"], id, errors);
  } else {
    errors.Add("schedule", "is required");
  }
  const std::string passphrase = r.value("encryption_passphrase", "");
  if (passphrase.empty() &&
      (AnyEncrypted(fields) || AnyEncrypted(override_fields))) {
    errors.Add("encryption_passphrase",
               "is required when a field has encryption_enabled");
  }

  Json doc;
  doc["id"] = id;
  doc["name"] = name;
  doc["organization_id"] = write.principal.organization_id;
  doc["active"] = r.value("active", false);
  doc["mode"] = mode;
  const Json& rt = r.value("target", Json::object());
  doc["target"] = Json{{"connection_id", rt.value("connection_id", "")},
                       {"object", target.object ? target.object->id : ""}};
  for (const char* key :
       {"configuration", "filter_logic", "new_name", "search_values"}) {
    if (rt.contains(key)) doc["target"][key] = rt[key];
  }
  doc["fields"] = std::move(fields);
  doc["override_fields"] = std::move(override_fields);
  doc["overrides"] = std::move(overrides);
  doc["filters"] = std::move(filters);
  if (r.contains("filter_logic")) doc["filter_logic"] = r["filter_logic"];
  if (!identity.is_null()) doc["identity"] = std::move(identity);
  doc["policies"] = r.value("policies", Json::array());
  doc["schedule"] = std::move(schedule);
  doc["model_ids"] = ModelIds(doc);
  doc["skip_initial_backfill"] = r.value("skip_initial_backfill", false);
  doc["only_enrich_updates"] = r.value("only_enrich_updates", false);
  doc["sync_all_records"] = r.value("sync_all_records", false);
  doc["created_at"] = existing ? existing->doc["created_at"] : Json(write.now);
  doc["created_by"] =
      existing ? existing->doc["created_by"] : write.principal.actor;
  doc["updated_at"] = write.now;
  doc["updated_by"] = write.principal.actor;
  ApplyExtensions(write.world.Extensions(kModelSyncResource), &r, doc, "",
                  errors);
  if (!errors.empty()) return false;

  // Only now that the request is known to be valid may it change the World.
  if (target.create_new) {
    ModelTarget created =
        CreateModelTarget(write.world, write.env.ids, *target.connection,
                          *target.type, rt["create"]);
    doc["target"]["object"] = created.id;
  }
  out.organization_id = write.principal.organization_id;
  out.doc = std::move(doc);
  out.write_only = Json::object();
  if (!passphrase.empty()) out.write_only["encryption_passphrase"] = passphrase;
  if (rt.contains("create")) {
    out.write_only["target"] = Json{{"create", rt["create"]}};
  }
  return true;
}

Json ModelSyncListItem(const ModelSyncRecord& sync) {
  const Json& d = sync.doc;
  return Json{{"id", d["id"]},
              {"name", d["name"]},
              {"active", d["active"]},
              {"mode", d["mode"]},
              {"model_ids", d["model_ids"]},
              {"organization_id", d["organization_id"]},
              {"schedule", d["schedule"]},
              {"skip_initial_backfill", d["skip_initial_backfill"]},
              {"only_enrich_updates", d["only_enrich_updates"]},
              {"sync_all_records", d["sync_all_records"]},
              {"target_connection_id", d["target"]["connection_id"]},
              {"target_object", d["target"]["object"]},
              {"created_at", d["created_at"]},
              {"created_by", d["created_by"]},
              {"updated_at", d["updated_at"]},
              {"updated_by", d["updated_by"]}};
}

}  // namespace sandbox
