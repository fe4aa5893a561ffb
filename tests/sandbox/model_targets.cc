#include "tests/sandbox/model_targets.h"

#include <algorithm>
#include <cstdint>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

// ModeText is the label and description of a ModelsyncSyncTargetMode.
struct ModeText {
  const char* mode;
  const char* label;
  const char* description;
};
constexpr ModeText kModeTexts[] = {
    {"create", "Create",
     "Only create new records in the target; existing records are left "
     "unchanged."},
    {"update", "Update",
     "Only update records that already exist in the target."},
    {"updateOrCreate", "Update or create",
     "Update records that exist in the target and create the others."},
    {"replace", "Replace",
     "Replace the contents of the target with the model's records."},
    {"append", "Append", "Add the model's records to the target."},
    {"remove", "Remove", "Remove the model's records from the target."},
    {"snapshot", "Snapshot", "Write a full snapshot on every execution."},
};

const ModeText* FindModeText(const std::string& mode) {
  for (const ModeText& m : kModeTexts) {
    if (mode == m.mode) return &m;
  }
  return nullptr;
}

// Prefix is the part of `text` before `separator` (all of it without one).
std::string Prefix(const std::string& text, char separator) {
  size_t at = text.find(separator);
  return at == std::string::npos ? text : text.substr(0, at);
}

Json IdentityFunctions(const TargetFieldSpec& field) {
  Json functions = Json::array();
  if (!field.supports_identity) return functions;
  functions.push_back({{"id", "Equality"}, {"label", "Equals"}});
  if (field.type == "string") {
    functions.push_back(
        {{"id", "ISubstring"}, {"label", "Contains (case-insensitive)"}});
  }
  return functions;
}

}  // namespace

std::vector<ModelTarget> ModelTargetObjects(const World& world,
                                            const Connection& connection,
                                            const ConnectionType& type) {
  std::vector<ModelTarget> objects;
  for (const TargetObjectSpec& o : type.target_objects) {
    objects.push_back(ModelTarget{o.id, o.name, &o});
  }
  auto it = world.model_targets.find(connection.id);
  if (it == world.model_targets.end()) return objects;
  for (const CreatedTarget& c : it->second.created) {
    const TargetObjectSpec* spec = type.FindTargetObject(c.template_id);
    if (spec != nullptr) objects.push_back(ModelTarget{c.id, c.name, spec});
  }
  return objects;
}

std::optional<ModelTarget> FindModelTarget(const World& world,
                                           const Connection& connection,
                                           const ConnectionType& type,
                                           const std::string& object_id) {
  for (const ModelTarget& t : ModelTargetObjects(world, connection, type)) {
    if (t.id == object_id) return t;
  }
  return std::nullopt;
}

void CheckTargetCreate(const ConnectionType& type, const Json& create,
                       const std::string& path, FieldErrors& errors) {
  std::set<std::string> known;
  for (const CreateProperty& p : type.create_properties) {
    known.insert(p.id);
    const std::string field = path + "." + p.id;
    if (!create.contains(p.id)) {
      errors.Add(field, "is required to create a target");
      continue;
    }
    const std::string value = create[p.id].get<std::string>();
    if (value.empty()) {
      errors.Add(field, "must not be empty");
      continue;
    }
    if (!p.is_enum) continue;
    bool found = false;
    std::string allowed;
    for (const auto& [option, label] : p.values) {
      if (option == value) found = true;
      absl::StrAppend(&allowed, allowed.empty() ? "" : ", ", option);
    }
    if (!found) errors.Add(field, "must be one of " + allowed);
  }
  for (const auto& [key, value] : create.items()) {
    if (known.count(key) == 0) {
      errors.Add(path + "." + key,
                 "is not a target creation property of " + type.type);
    }
  }
}

const TargetObjectSpec* CreateTemplate(const ConnectionType& type,
                                       const Json& create) {
  const std::string kind = create.value(type.create_kind_property, "");
  for (const auto& [value, template_id] : type.create_templates) {
    if (value == kind) return type.FindTargetObject(template_id);
  }
  return nullptr;
}

ModelTarget CreateModelTarget(World& world, IdGenerator& ids,
                              const Connection& connection,
                              const ConnectionType& type, const Json& create) {
  const TargetObjectSpec* spec = CreateTemplate(type, create);
  if (spec == nullptr) spec = &type.target_objects.front();
  // A number like the integration's own object ids, from a fresh UUID.
  uint32_t number = 0;
  (void)absl::SimpleHexAtoi(ids.Uuid().substr(0, 7), &number);
  CreatedTarget created;
  created.id = absl::StrCat(Prefix(spec->id, ':'), ":", 1000000 + number);
  created.name =
      absl::StrCat(Prefix(spec->name, ':'), ": ", create.value("name", ""));
  created.template_id = spec->id;
  created.properties = create;
  world.model_targets[connection.id].created.push_back(created);
  return ModelTarget{created.id, created.name, spec};
}

bool ModeRequiresIdentity(const TargetObjectSpec& spec,
                          const std::string& mode) {
  return std::find(spec.identity_modes.begin(), spec.identity_modes.end(),
                   mode) != spec.identity_modes.end();
}

const TargetFieldSpec* FindTargetField(const TargetObjectSpec& spec,
                                       const std::string& field_id) {
  for (const TargetFieldSpec& f : spec.fields) {
    if (f.id == field_id) return &f;
  }
  return nullptr;
}

Json TargetObjectJson(const ModelTarget& target) {
  Json modes = Json::array();
  for (const std::string& mode : target.spec->modes) {
    modes.push_back(
        {{"id", mode},
         {"requires_identity", ModeRequiresIdentity(*target.spec, mode)},
         {"supports_per_field_mode", target.spec->supports_per_field_mode},
         {"supports_target_filters", target.spec->supports_target_filters}});
  }
  return Json{
      {"id", target.id}, {"name", target.name}, {"modes", std::move(modes)}};
}

Json TargetResponseJson(const ModelTarget& target, const ConnectionType& type,
                        const std::string& refreshed_at) {
  const TargetObjectSpec& spec = *target.spec;
  const bool encryptable =
      type.target_properties.value("supports_field_encryption", false);
  Json fields = Json::array();
  for (const TargetFieldSpec& f : spec.fields) {
    fields.push_back({{"id", f.id},
                      {"name", f.name},
                      {"type", f.type},
                      {"source_type", f.type},
                      {"description", ""},
                      {"required", f.required},
                      {"createable", f.createable},
                      {"updateable", f.updateable},
                      {"filterable", spec.supports_target_filters},
                      {"encryptable", encryptable},
                      {"association", false},
                      {"supports_identity", f.supports_identity},
                      {"identity_functions", IdentityFunctions(f)}});
  }
  Json modes = Json::array();
  for (const std::string& mode : spec.modes) {
    const ModeText* text = FindModeText(mode);
    modes.push_back(
        {{"mode", mode},
         {"label", text ? text->label : mode.c_str()},
         {"description", text ? text->description : ""},
         {"requires_identity", ModeRequiresIdentity(spec, mode)},
         {"supports_field_sync_mode", spec.supports_per_field_mode},
         {"supports_target_filters", spec.supports_target_filters}});
  }
  return Json{
      {"id", target.id},
      {"name", target.name},
      {"fields", std::move(fields)},
      {"modes", std::move(modes)},
      {"properties", type.target_properties.is_object() ? type.target_properties
                                                        : Json::object()},
      {"refreshed_at", refreshed_at}};
}

Json TargetCreatorJson(const ConnectionType& type) {
  Json properties = Json::array();
  if (type.target_creation) {
    for (const CreateProperty& p : type.create_properties) {
      properties.push_back(
          {{"id", p.id}, {"title", p.title}, {"enum", p.is_enum}});
    }
  }
  return Json{{"supported", type.target_creation},
              {"properties", std::move(properties)}};
}

Json CreatePropertyJson(const CreateProperty& property) {
  Json values = Json::array();
  for (const auto& [value, label] : property.values) {
    values.push_back({{"label", label}, {"value", value}});
  }
  return Json{{"id", property.id},
              {"title", property.title},
              {"enum", property.is_enum},
              {"values", std::move(values)}};
}

}  // namespace sandbox
