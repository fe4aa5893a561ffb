#include "tests/sandbox/model_helper_ops.h"

#include <algorithm>
#include <string>
#include <vector>

#include "tests/sandbox/model_targets.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

// Role is the part a connection must play for a helper.
enum class Role { kSource, kTarget };

struct Resolved {
  const Connection* connection = nullptr;
  const ConnectionType* type = nullptr;
  std::optional<Reply> error;
};

Resolved ResolveConnection(Call& call, Role role) {
  Resolved r;
  const std::string& id = call.params["id"];
  r.connection = call.world.FindConnection(call.organization_id(), id);
  if (r.connection == nullptr) {
    r.error = NotFoundReply("connection", id);
    return r;
  }
  r.type = call.env.catalog.Find(r.connection->type);
  const bool plays =
      r.type != nullptr &&
      (role == Role::kSource ? r.type->model_source : r.type->model_target);
  if (!plays) {
    FieldErrors errors;
    errors.AddSyntax("id", "connection type " + r.connection->type +
                               " cannot be a model sync " +
                               (role == Role::kSource ? "source" : "target"));
    r.error = ValidationReply(400, errors);
  }
  return r;
}

// SchemaOf is the schema part of a table id ("public.users" -> "public").
std::string SchemaOf(const std::string& table_id) {
  size_t dot = table_id.find('.');
  return dot == std::string::npos ? "" : table_id.substr(0, dot);
}

std::vector<std::string> Schemas(const ConnectionType& type) {
  std::vector<std::string> schemas;
  for (const CatalogSchema& t : type.model_tables) {
    const std::string s = SchemaOf(t.id);
    if (std::find(schemas.begin(), schemas.end(), s) == schemas.end()) {
      schemas.push_back(s);
    }
  }
  return schemas;
}

// SourceParams is the source configuration chosen so far.
struct SourceParams {
  std::string schema;
  const CatalogSchema* table = nullptr;
};

// ParseSourceParams reads the JSON-encoded `params` query parameter
// (map<string, array<string>>); items are `schema` and `table`, one value
// each.
SourceParams ParseSourceParams(Call& call, const ConnectionType& type,
                               FieldErrors& errors) {
  SourceParams out;
  std::optional<std::string> raw = call.Query("params");
  if (!raw.has_value() || raw->empty()) return out;
  Json params = Json::parse(*raw, nullptr, /*allow_exceptions=*/false);
  if (params.is_discarded() || !params.is_object()) {
    errors.AddSyntax("params",
                     "must be a JSON object mapping configuration items to "
                     "arrays of strings");
    return out;
  }
  std::string table_id;
  for (const auto& [key, value] : params.items()) {
    const std::string path = "params." + key;
    if (key != "schema" && key != "table") {
      errors.AddSyntax(path,
                       "is not a configuration item of this source (schema, "
                       "table)");
      continue;
    }
    bool strings = value.is_array() &&
                   std::all_of(value.begin(), value.end(),
                               [](const Json& v) { return v.is_string(); });
    if (!strings) {
      errors.AddSyntax(path, "must be an array of strings");
      continue;
    }
    if (value.size() > 1) {
      errors.AddSyntax(path, "must have exactly one value");
      continue;
    }
    if (value.empty()) continue;
    (key == "schema" ? out.schema : table_id) = value[0].get<std::string>();
  }
  if (!out.schema.empty()) {
    std::vector<std::string> schemas = Schemas(type);
    if (std::find(schemas.begin(), schemas.end(), out.schema) ==
        schemas.end()) {
      errors.AddSyntax("params.schema", "is not a schema of this connection (" +
                                            out.schema + ")");
    }
  }
  if (!table_id.empty()) {
    for (const CatalogSchema& t : type.model_tables) {
      if (t.id == table_id) out.table = &t;
    }
    if (out.table == nullptr) {
      errors.AddSyntax("params.table",
                       "is not a table of this connection (" + table_id + ")");
    } else if (!out.schema.empty() && SchemaOf(table_id) != out.schema) {
      errors.AddSyntax("params.table", "is not in schema " + out.schema + " (" +
                                           table_id + ")");
    }
  }
  return out;
}

Json Option(const std::string& value, const std::string& label) {
  return Json{{"label", label}, {"value", value}};
}

Reply GetSource(Call& call) {
  Resolved r = ResolveConnection(call, Role::kSource);
  if (r.error) return *r.error;
  FieldErrors errors;
  SourceParams chosen = ParseSourceParams(call, *r.type, errors);
  if (!errors.empty()) return ValidationReply(400, errors);

  Json schemas = Json::array();
  for (const std::string& s : Schemas(*r.type)) schemas.push_back(Option(s, s));
  Json tables = Json::array();
  if (!chosen.schema.empty()) {
    for (const CatalogSchema& t : r.type->model_tables) {
      if (SchemaOf(t.id) == chosen.schema) {
        tables.push_back(Option(t.id, t.name));
      }
    }
  }
  Json configuration = Json::object();
  if (chosen.table != nullptr) {
    Json columns = Json::array();
    for (const CatalogField& f : chosen.table->fields) {
      if (f.type == "datetime") columns.push_back(Option(f.id, f.name));
    }
    configuration["tracking_column"] = {{"type", "string"},
                                        {"items", std::move(columns)}};
  }
  Json items{{"schema",
              {{"has_items", !schemas.empty()},
               {"items", schemas},
               {"requires_one_of", Json::array()}}},
             {"table",
              {{"has_items", !tables.empty()},
               {"items", tables},
               {"requires_one_of", Json::array({"schema"})}}}};
  return JsonReply(200, Json{{"data",
                              {{"configuration", std::move(configuration)},
                               {"items", std::move(items)},
                               {"requires_one_of", Json::array({"table"})}}}});
}

Reply GetSourceFields(Call& call) {
  Resolved r = ResolveConnection(call, Role::kSource);
  if (r.error) return *r.error;
  FieldErrors errors;
  SourceParams chosen = ParseSourceParams(call, *r.type, errors);
  if (errors.empty() && chosen.table == nullptr) {
    errors.Add("params.table", "is required to resolve fields");
  }
  if (!errors.empty()) return ValidationReply(400, errors);
  Json data = Json::array();
  for (const CatalogField& f : chosen.table->fields) {
    data.push_back({{"id", f.id},
                    {"name", f.id},
                    {"label", f.name},
                    {"type", f.type},
                    {"remote_type", f.remote_type},
                    {"unique", f.primary_key},
                    {"description", ""},
                    {"user_added", false}});
  }
  return JsonReply(200, Json{{"data", std::move(data)}});
}

Reply ListTargets(Call& call) {
  Resolved r = ResolveConnection(call, Role::kTarget);
  if (r.error) return *r.error;
  Json data = Json::array();
  for (const ModelTarget& t :
       ModelTargetObjects(call.world, *r.connection, *r.type)) {
    data.push_back(TargetObjectJson(t));
  }
  return JsonReply(200, Json{{"data", std::move(data)},
                             {"target_creation", TargetCreatorJson(*r.type)}});
}

Reply GetTargetFields(Call& call) {
  FieldErrors errors;
  std::optional<std::string> object = call.Query("target");
  if (!object.has_value() || object->empty()) {
    errors.Add("target", "is required");
  }
  const bool refresh = call.QueryBool("refresh", errors).value_or(false);
  if (!errors.empty()) return ValidationReply(400, errors);
  Resolved r = ResolveConnection(call, Role::kTarget);
  if (r.error) return *r.error;
  std::optional<ModelTarget> target =
      FindModelTarget(call.world, *r.connection, *r.type, *object);
  if (!target.has_value()) return NotFoundReply("target object", *object);
  ModelTargetState& state = call.world.model_targets[r.connection->id];
  if (refresh) state.refreshed_at = call.env.clock.NowTimestamp();
  const std::string& refreshed_at = state.refreshed_at.empty()
                                        ? r.connection->created_at
                                        : state.refreshed_at;
  return JsonReply(
      200, Json{{"data", TargetResponseJson(*target, *r.type, refreshed_at)}});
}

Reply GetCreateProperty(Call& call) {
  Resolved r = ResolveConnection(call, Role::kTarget);
  if (r.error) return *r.error;
  if (!r.type->target_creation) {
    return ErrorReply(404, "not_found",
                      "connection type " + r.type->type +
                          " does not support target creation");
  }
  const std::string& property = call.params["property"];
  for (const CreateProperty& p : r.type->create_properties) {
    if (p.id == property) {
      return JsonReply(200, Json{{"data", CreatePropertyJson(p)}});
    }
  }
  return NotFoundReply("target creation property", property);
}

}  // namespace

void RegisterModelHelperOps(OpRegistry& registry) {
  registry.Handle("modelSync.getSource", GetSource);
  registry.Handle("modelSync.getSourceFields", GetSourceFields);
  registry.Handle("modelSync.targets.list", ListTargets);
  registry.Handle("modelSync.targets.getTargetFields", GetTargetFields);
  registry.Handle("modelSync.targets.getCreateProperty", GetCreateProperty);
}

}  // namespace sandbox
