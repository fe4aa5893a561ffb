// catalog.h: the connection types the sandbox knows and what each supports.
//
// A connection (created by `POST /_sandbox/connections` or by seeding) has one
// of these types; bulk and model syncs check their connections against it,
// and the connection-scoped helper endpoints (`/api/connections/{id}/...`)
// serve its schemas, configuration forms and target objects.
//
//   Catalog catalog;
//   const ConnectionType* sf = catalog.Find("salesforce");
//   if (sf != nullptr && sf->bulk_source) {
//     const CatalogSchema* account = sf->FindBulkSchema("Account");
//   }
//
// Thread safety: immutable after construction; const methods may be called
// concurrently.
#ifndef TESTS_SANDBOX_CATALOG_H_
#define TESTS_SANDBOX_CATALOG_H_

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"

namespace sandbox {

// CatalogField is one column/property of a source schema.
struct CatalogField {
  std::string id;           // source-side id ("AccountId", "created_at")
  std::string name;         // human label
  std::string type;         // UtilFieldType: string, number, boolean, ...
  std::string remote_type;  // the source system's own type name
  bool primary_key = false;
};

// CatalogSchema is one table/object a connection exposes as a source.
struct CatalogSchema {
  std::string id;    // "Account", "public.users"
  std::string name;  // human label
  std::vector<CatalogField> fields;
  std::string tracking_field;  // default incremental field; "" for none

  const CatalogField* FindField(const std::string& field_id) const;
};

// TargetFieldSpec is one writable field of a model-sync target object.
struct TargetFieldSpec {
  std::string id;
  std::string name;
  std::string type;  // string, number, boolean, datetime
  bool required = false;
  bool supports_identity = false;
  bool createable = true;
  bool updateable = true;
};

// TargetObjectSpec is an object a model sync can write to.
struct TargetObjectSpec {
  std::string id;
  std::string name;
  std::vector<TargetFieldSpec> fields;
  std::vector<std::string> modes;  // ModelsyncSyncTargetMode values
  // Modes (of `modes`) that need an `identity` mapping (SupportedMode
  // requires_identity).
  std::vector<std::string> identity_modes = {};
  bool supports_target_filters = false;
  bool supports_per_field_mode = false;
};

// CreateProperty is an input needed to create a new target object.
struct CreateProperty {
  std::string id;
  std::string title;
  bool is_enum = false;
  std::vector<std::pair<std::string, std::string>> values;  // value, label
};

// ConnectionType describes one integration.
struct ConnectionType {
  std::string type;   // "salesforce"
  std::string label;  // "Salesforce"
  bool bulk_source = false;
  bool bulk_destination = false;
  bool model_source = false;
  bool model_target = false;

  // Bulk source side.
  std::vector<CatalogSchema> bulk_schemas;
  bool supports_tracking_fields = false;
  nlohmann::ordered_json source_configuration;  // JSON schema (object)

  // Bulk destination side.
  nlohmann::ordered_json destination_configuration;  // JSON schema (object)
  std::vector<std::string> bulk_modes;    // BulkSyncTargetMode values
  std::vector<std::string> resync_modes;  // BulkResyncMode values

  // Model sync source side: the tables a model can select from.
  std::vector<CatalogSchema> model_tables;

  // Model sync target side.
  std::vector<TargetObjectSpec> target_objects;
  nlohmann::ordered_json target_properties;  // SyncDestinationProperties
  bool target_creation = false;
  std::vector<CreateProperty> create_properties;
  // A created target object copies the fields and modes of a template
  // object, picked by the value of `create[create_kind_property]`:
  // {value, template object id}.
  std::string create_kind_property;
  std::vector<std::pair<std::string, std::string>> create_templates;

  const CatalogSchema* FindBulkSchema(const std::string& schema_id) const;
  const TargetObjectSpec* FindTargetObject(const std::string& object_id) const;
};

class Catalog {
 public:
  // Catalog builds the built-in types: salesforce, postgresql, snowflake, s3,
  // linkedinads.
  Catalog();

  // Find returns the type or nullptr; the pointer lives as long as the
  // Catalog.
  const ConnectionType* Find(const std::string& type) const;
  std::vector<std::string> Types() const;

 private:
  std::vector<ConnectionType> types_;
};

// ValidateConfiguration checks a connection-specific configuration object
// against the subset of JSON schema the catalog uses (object `properties`
// with `type` and `enum`, `required`). Missing required keys are semantic
// problems, wrong types and enum values syntax problems; both are reported
// under `path` (`destination_configuration.schema`).
void ValidateConfiguration(const nlohmann::ordered_json& schema,
                           const nlohmann::ordered_json& value,
                           const std::string& path, FieldErrors& errors);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_CATALOG_H_
