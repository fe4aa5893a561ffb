#include "tests/sandbox/bulk_schemas.h"

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tests/sandbox/clock.h"
#include "tests/sandbox/extensions.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

// Member names a member of the object at `path` ("" is the body itself, as
// for the schema PUT).
std::string Member(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

Json FieldConfig(const CatalogField& field, bool enabled,
                 const std::string& normalize_names) {
  return Json{{"id", field.id},
              {"enabled", enabled},
              {"obfuscated", false},
              {"output_name", OutputName(field.id, normalize_names)},
              {"user_output_name", ""}};
}

// OptionalString reads a string member that the reference declares as a
// string but that SchemaConfiguration lacks (user_output_name), so the
// checker has not typed it.
std::string OptionalString(const Json& request, const char* name,
                           const std::string& path, FieldErrors& errors) {
  if (!request.contains(name)) return "";
  if (!request[name].is_string()) {
    errors.AddSyntax(Member(path, name), "must be a string");
    return "";
  }
  return request[name].get<std::string>();
}

bool OptionalBool(const Json& request, const char* name, bool fallback,
                  const std::string& path, FieldErrors& errors) {
  if (!request.contains(name)) return fallback;
  if (!request[name].is_boolean()) {
    errors.AddSyntax(Member(path, name), "must be a boolean");
    return fallback;
  }
  return request[name].get<bool>();
}

void ConfigureFields(const CatalogSchema& schema, const Json& request,
                     const std::string& normalize_names,
                     const std::string& path, Json& config,
                     FieldErrors& errors) {
  Json fields = Json::array();
  if (!request.contains("fields") || request["fields"].empty()) {
    for (const CatalogField& f : schema.fields) {
      fields.push_back(FieldConfig(f, true, normalize_names));
    }
    config["fields"] = std::move(fields);
    return;
  }
  std::map<std::string, Json> listed;
  const Json& items = request["fields"];
  for (size_t j = 0; j < items.size(); ++j) {
    const std::string item_path =
        absl::StrCat(Member(path, "fields"), "[", j, "]");
    const Json& item = items[j];
    std::string id;
    Json entry = Json::object();
    if (item.is_string()) {
      id = item.get<std::string>();
    } else if (item.is_object() && item.contains("id") &&
               item["id"].is_string()) {
      id = item["id"].get<std::string>();
      entry = item;
    } else if (item.is_object()) {
      errors.Add(item_path + ".id", "is required");
      continue;
    } else {
      errors.AddSyntax(item_path, "must be a field id or an object");
      continue;
    }
    if (schema.FindField(id) == nullptr) {
      errors.Add(item_path, "is not a field of schema " + schema.id);
      continue;
    }
    if (listed.count(id) > 0) {
      errors.Add(item_path, "lists field " + id + " twice");
      continue;
    }
    listed[id] = entry;
    // Validate the optional members now so that errors name this item.
    OptionalBool(entry, "enabled", true, item_path, errors);
    OptionalBool(entry, "obfuscate", false, item_path, errors);
    OptionalBool(entry, "obfuscated", false, item_path, errors);
    OptionalString(entry, "user_output_name", item_path, errors);
  }
  FieldErrors ignored;  // already reported above
  for (const CatalogField& f : schema.fields) {
    auto it = listed.find(f.id);
    Json fc = FieldConfig(f, it != listed.end(), normalize_names);
    if (it != listed.end()) {
      const Json& e = it->second;
      fc["enabled"] = OptionalBool(e, "enabled", true, "", ignored);
      fc["obfuscated"] = OptionalBool(e, "obfuscate", false, "", ignored) ||
                         OptionalBool(e, "obfuscated", false, "", ignored);
      fc["user_output_name"] =
          OptionalString(e, "user_output_name", "", ignored);
    }
    fields.push_back(std::move(fc));
  }
  config["fields"] = std::move(fields);
}

void ConfigureFilters(const CatalogSchema& schema, const Json& request,
                      const std::string& path, Json& config,
                      FieldErrors& errors) {
  Json filters = Json::array();
  if (request.contains("filters")) {
    const Json& items = request["filters"];
    for (size_t j = 0; j < items.size(); ++j) {
      const Json& item = items[j];
      const std::string item_path =
          absl::StrCat(Member(path, "filters"), "[", j, "]");
      Json filter;
      if (item.contains("field_id")) {
        const std::string field_id = item["field_id"].get<std::string>();
        if (schema.FindField(field_id) == nullptr) {
          errors.Add(item_path + ".field_id",
                     "is not a field of schema " + schema.id);
        }
        filter["field_id"] = field_id;
      }
      filter["function"] = item["function"];
      if (item.contains("value")) filter["value"] = item["value"];
      filters.push_back(std::move(filter));
    }
  }
  config["filters"] = std::move(filters);
}

}  // namespace

std::string OutputName(const std::string& source_name,
                       const std::string& normalize_names) {
  if (normalize_names == "disabled") return source_name;
  std::string out;
  const size_t n = source_name.size();
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(source_name[i]);
    if (!absl::ascii_isalnum(c)) {
      if (!out.empty() && out.back() != '_') out += '_';
      continue;
    }
    if (normalize_names != "legacy" && absl::ascii_isupper(c) && i > 0 &&
        !out.empty() && out.back() != '_') {
      unsigned char prev = static_cast<unsigned char>(source_name[i - 1]);
      bool next_lower =
          i + 1 < n &&
          absl::ascii_islower(static_cast<unsigned char>(source_name[i + 1]));
      if (absl::ascii_islower(prev) || absl::ascii_isdigit(prev) ||
          (absl::ascii_isupper(prev) && next_lower)) {
        out += '_';
      }
    }
    out += absl::ascii_tolower(c);
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

Json DefaultSchemaConfig(const CatalogSchema& schema, bool enabled,
                         const std::string& normalize_names,
                         const std::vector<ExtensionField>& extensions) {
  Json config;
  config["id"] = schema.id;
  config["enabled"] = enabled;
  config["output_name"] = OutputName(schema.id, normalize_names);
  config["user_output_name"] = "";
  config["partition_key"] = "";
  config["tracking_field"] = schema.tracking_field;
  config["disable_data_cutoff"] = false;
  Json fields = Json::array();
  for (const CatalogField& f : schema.fields) {
    fields.push_back(FieldConfig(f, true, normalize_names));
  }
  config["fields"] = std::move(fields);
  config["filters"] = Json::array();
  FieldErrors unused;
  ApplyExtensions(extensions, nullptr, config, "", unused);
  return config;
}

void ConfigureSchema(const CatalogSchema& schema, const Json& request,
                     const std::string& normalize_names,
                     const std::vector<ExtensionField>& extensions,
                     const std::string& path, Json& config,
                     FieldErrors& errors) {
  Json out;
  out["id"] = schema.id;
  out["enabled"] = OptionalBool(request, "enabled", true, path, errors);
  out["output_name"] = OutputName(schema.id, normalize_names);
  out["user_output_name"] =
      OptionalString(request, "user_output_name", path, errors);
  for (const char* key : {"partition_key", "tracking_field"}) {
    std::string value =
        request.contains(key)
            ? request[key].get<std::string>()
            : (std::string(key) == "tracking_field" ? schema.tracking_field
                                                    : std::string());
    if (!value.empty() && schema.FindField(value) == nullptr) {
      errors.Add(Member(path, key), "is not a field of schema " + schema.id);
    }
    out[key] = value;
  }
  if (request.contains("data_cutoff_timestamp")) {
    const std::string ts = request["data_cutoff_timestamp"].get<std::string>();
    if (!Clock::IsRfc3339(ts)) {
      errors.AddSyntax(Member(path, "data_cutoff_timestamp"),
                       "must be an RFC 3339 date-time");
    }
    out["data_cutoff_timestamp"] = ts;
  }
  out["disable_data_cutoff"] =
      OptionalBool(request, "disable_data_cutoff", false, path, errors);
  ConfigureFields(schema, request, normalize_names, path, out, errors);
  ConfigureFilters(schema, request, path, out, errors);
  ApplyExtensions(extensions, &request, out, path.empty() ? "" : path + ".",
                  errors);
  config = std::move(out);
}

std::vector<Json> SelectSchemas(const ConnectionType& source,
                                const Json* request,
                                const std::vector<Json>* existing,
                                const std::string& normalize_names,
                                const std::vector<ExtensionField>& extensions,
                                const std::string& path, FieldErrors& errors) {
  std::map<std::string, Json> previous;
  if (existing != nullptr) {
    for (const Json& c : *existing) previous[c["id"].get<std::string>()] = c;
  }
  auto base = [&](const CatalogSchema& s) {
    auto it = previous.find(s.id);
    if (it != previous.end()) return it->second;
    return DefaultSchemaConfig(s, true, normalize_names, extensions);
  };
  std::vector<Json> configs;
  if (request == nullptr) {
    for (const CatalogSchema& s : source.bulk_schemas)
      configs.push_back(base(s));
    RenameOutputs(configs, normalize_names);
    return configs;
  }
  std::map<std::string, Json> selected;  // id -> config
  for (size_t i = 0; i < request->size(); ++i) {
    const Json& item = (*request)[i];
    const std::string item_path = absl::StrCat(path, "[", i, "]");
    std::string id;
    if (item.is_string()) {
      id = item.get<std::string>();
    } else if (item.is_object() && item.contains("id")) {
      id = item["id"].get<std::string>();
    } else {
      errors.Add(item_path + ".id", "is required");
      continue;
    }
    const CatalogSchema* schema = source.FindBulkSchema(id);
    if (schema == nullptr) {
      errors.Add(item_path,
                 "is not a schema of the source connection (" + id + ")");
      continue;
    }
    if (selected.count(id) > 0) {
      errors.Add(item_path, "selects schema " + id + " twice");
      continue;
    }
    Json config = base(*schema);
    if (item.is_object()) {
      ConfigureSchema(*schema, item, normalize_names, extensions, item_path,
                      config, errors);
    } else {
      config["enabled"] = true;
    }
    selected[id] = std::move(config);
  }
  for (const CatalogSchema& s : source.bulk_schemas) {
    auto it = selected.find(s.id);
    if (it != selected.end()) {
      configs.push_back(it->second);
    } else {
      Json config = base(s);
      config["enabled"] = false;
      configs.push_back(std::move(config));
    }
  }
  RenameOutputs(configs, normalize_names);
  return configs;
}

void RenameOutputs(std::vector<Json>& configs,
                   const std::string& normalize_names) {
  for (Json& config : configs) {
    config["output_name"] =
        OutputName(config["id"].get<std::string>(), normalize_names);
    for (Json& field : config["fields"]) {
      field["output_name"] =
          OutputName(field["id"].get<std::string>(), normalize_names);
    }
  }
}

}  // namespace sandbox
