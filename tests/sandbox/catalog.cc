#include "tests/sandbox/catalog.h"

#include <utility>

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

CatalogField F(std::string id, std::string name, std::string type,
               std::string remote_type, bool primary_key = false) {
  return CatalogField{std::move(id), std::move(name), std::move(type),
                      std::move(remote_type), primary_key};
}

TargetFieldSpec T(std::string id, std::string name, std::string type,
                  bool required = false, bool supports_identity = false) {
  TargetFieldSpec f;
  f.id = std::move(id);
  f.name = std::move(name);
  f.type = std::move(type);
  f.required = required;
  f.supports_identity = supports_identity;
  return f;
}

// Salesforce: a CRM. Bulk source of its standard objects; model-sync target.
ConnectionType Salesforce() {
  ConnectionType t;
  t.type = "salesforce";
  t.label = "Salesforce";
  t.bulk_source = true;
  t.model_target = true;
  t.supports_tracking_fields = true;
  t.bulk_schemas = {
      CatalogSchema{
          "Account",
          "Account",
          {F("Id", "Account ID", "string", "id", true),
           F("Name", "Account Name", "string", "string"),
           F("Type", "Account Type", "string", "picklist"),
           F("Industry", "Industry", "string", "picklist"),
           F("AnnualRevenue", "Annual Revenue", "number", "currency"),
           F("NumberOfEmployees", "Employees", "number", "int"),
           F("BillingCountry", "Billing Country", "string", "string"),
           F("OwnerId", "Owner ID", "string", "reference"),
           F("IsDeleted", "Deleted", "boolean", "boolean"),
           F("CreatedDate", "Created Date", "datetime", "datetime"),
           F("LastModifiedDate", "Last Modified Date", "datetime", "datetime"),
           F("SystemModstamp", "System Modstamp", "datetime", "datetime")},
          "SystemModstamp"},
      CatalogSchema{
          "Contact",
          "Contact",
          {F("Id", "Contact ID", "string", "id", true),
           F("AccountId", "Account ID", "string", "reference"),
           F("FirstName", "First Name", "string", "string"),
           F("LastName", "Last Name", "string", "string"),
           F("Email", "Email", "string", "email"),
           F("Phone", "Business Phone", "string", "phone"),
           F("Title", "Title", "string", "string"),
           F("LeadSource", "Lead Source", "string", "picklist"),
           F("IsDeleted", "Deleted", "boolean", "boolean"),
           F("CreatedDate", "Created Date", "datetime", "datetime"),
           F("LastModifiedDate", "Last Modified Date", "datetime", "datetime"),
           F("SystemModstamp", "System Modstamp", "datetime", "datetime")},
          "SystemModstamp"},
      CatalogSchema{
          "Opportunity",
          "Opportunity",
          {F("Id", "Opportunity ID", "string", "id", true),
           F("AccountId", "Account ID", "string", "reference"),
           F("Name", "Opportunity Name", "string", "string"),
           F("StageName", "Stage", "string", "picklist"),
           F("Amount", "Amount", "number", "currency"),
           F("Probability", "Probability (%)", "number", "percent"),
           F("CloseDate", "Close Date", "datetime", "date"),
           F("IsClosed", "Closed", "boolean", "boolean"),
           F("IsWon", "Won", "boolean", "boolean"),
           F("CreatedDate", "Created Date", "datetime", "datetime"),
           F("LastModifiedDate", "Last Modified Date", "datetime", "datetime"),
           F("SystemModstamp", "System Modstamp", "datetime", "datetime")},
          "SystemModstamp"},
  };
  t.source_configuration = Json::parse(R"({
    "type": "object",
    "properties": {
      "fetch_mode": {"type": "string", "enum": ["incremental", "full"],
                     "title": "Fetch mode"}
    }
  })");
  const std::vector<std::string> crm_modes = {"create", "update",
                                              "updateOrCreate"};
  t.target_objects = {
      TargetObjectSpec{"Account",
                       "Account",
                       {T("Id", "Account ID", "string", false, true),
                        T("Name", "Account Name", "string", true),
                        T("Website", "Website", "string", false, true),
                        T("Industry", "Industry", "string"),
                        T("AnnualRevenue", "Annual Revenue", "number"),
                        T("NumberOfEmployees", "Employees", "number"),
                        T("BillingCountry", "Billing Country", "string")},
                       crm_modes},
      TargetObjectSpec{"Contact",
                       "Contact",
                       {T("Id", "Contact ID", "string", false, true),
                        T("Email", "Email", "string", false, true),
                        T("FirstName", "First Name", "string"),
                        T("LastName", "Last Name", "string", true),
                        T("Phone", "Business Phone", "string"),
                        T("Title", "Title", "string"),
                        T("AccountId", "Account ID", "string")},
                       crm_modes},
      TargetObjectSpec{"Lead",
                       "Lead",
                       {T("Id", "Lead ID", "string", false, true),
                        T("Email", "Email", "string", false, true),
                        T("FirstName", "First Name", "string"),
                        T("LastName", "Last Name", "string", true),
                        T("Company", "Company", "string", true),
                        T("Status", "Lead Status", "string"),
                        T("LeadSource", "Lead Source", "string")},
                       crm_modes},
  };
  for (TargetObjectSpec& o : t.target_objects) {
    o.identity_modes = {"update", "updateOrCreate"};
    o.supports_target_filters = true;
    o.supports_per_field_mode = true;
  }
  t.target_properties = Json::parse(R"({
    "does_not_report_operation_counts": false,
    "mappings_not_required": false,
    "optional_target_mappings": false,
    "primary_metadata_object": "",
    "requires_configuration": false,
    "supports_field_creation": false,
    "supports_field_encryption": true,
    "supports_field_type_selection": false,
    "supports_identity_field_creation": false,
    "supports_target_filters": true,
    "target_creator": false,
    "use_field_names_as_labels": false
  })");
  return t;
}

CatalogSchema UsersTable() {
  return CatalogSchema{
      "public.users",
      "users",
      {F("id", "id", "number", "int8", true),
       F("email", "email", "string", "varchar"),
       F("first_name", "first_name", "string", "varchar"),
       F("last_name", "last_name", "string", "varchar"),
       F("company", "company", "string", "varchar"),
       F("plan", "plan", "string", "varchar"),
       F("is_active", "is_active", "boolean", "bool"),
       F("signed_up_at", "signed_up_at", "datetime", "timestamptz"),
       F("updated_at", "updated_at", "datetime", "timestamptz")},
      "updated_at"};
}

CatalogSchema OrdersTable() {
  return CatalogSchema{
      "public.orders",
      "orders",
      {F("id", "id", "number", "int8", true),
       F("user_id", "user_id", "number", "int8"),
       F("status", "status", "string", "varchar"),
       F("total_cents", "total_cents", "number", "int8"),
       F("currency", "currency", "string", "bpchar"),
       F("placed_at", "placed_at", "datetime", "timestamptz"),
       F("updated_at", "updated_at", "datetime", "timestamptz")},
      "updated_at"};
}

// A second schema, so that model-sync source configuration has something to
// refine (`schema` narrows `table`).
CatalogSchema SignupsTable() {
  return CatalogSchema{"analytics.daily_signups",
                       "daily_signups",
                       {F("day", "day", "datetime", "date", true),
                        F("plan", "plan", "string", "varchar"),
                        F("signups", "signups", "number", "int4")},
                       ""};
}

// PostgreSQL: a database. Bulk source and destination; model-sync source.
ConnectionType Postgresql() {
  ConnectionType t;
  t.type = "postgresql";
  t.label = "PostgreSQL";
  t.bulk_source = true;
  t.bulk_destination = true;
  t.model_source = true;
  t.supports_tracking_fields = true;
  t.bulk_schemas = {UsersTable(), OrdersTable()};
  t.model_tables = {UsersTable(), OrdersTable(), SignupsTable()};
  t.source_configuration = Json::parse(R"({
    "type": "object",
    "properties": {
      "replication_slot": {"type": "string", "title": "Replication slot"},
      "publication": {"type": "string", "title": "Publication"}
    }
  })");
  t.destination_configuration = Json::parse(R"({
    "type": "object",
    "properties": {
      "schema": {"type": "string", "title": "Output schema"}
    }
  })");
  t.bulk_modes = {"replicate", "snapshot"};
  t.resync_modes = {"refetch", "resync", "rebuild"};
  return t;
}

// Snowflake: a warehouse. Bulk destination whose configuration needs the
// output schema.
ConnectionType Snowflake() {
  ConnectionType t;
  t.type = "snowflake";
  t.label = "Snowflake";
  t.bulk_destination = true;
  t.destination_configuration = Json::parse(R"({
    "type": "object",
    "properties": {
      "schema": {"type": "string", "title": "Output schema"},
      "warehouse": {"type": "string", "title": "Warehouse"}
    },
    "required": ["schema"]
  })");
  t.bulk_modes = {"replicate", "snapshot"};
  t.resync_modes = {"refetch", "resync", "rebuild"};
  return t;
}

// S3: object storage. Bulk destination writing files of one format.
ConnectionType S3() {
  ConnectionType t;
  t.type = "s3";
  t.label = "Amazon S3";
  t.bulk_destination = true;
  t.destination_configuration = Json::parse(R"({
    "type": "object",
    "properties": {
      "format": {"type": "string", "enum": ["csv", "json", "parquet"],
                 "title": "File format"},
      "path_prefix": {"type": "string", "title": "Path prefix"}
    }
  })");
  t.bulk_modes = {"snapshot"};
  t.resync_modes = {"refetch"};
  return t;
}

// LinkedIn Ads: matched audiences. Model-sync target that can create new
// audiences in an ad account.
ConnectionType LinkedinAds() {
  ConnectionType t;
  t.type = "linkedinads";
  t.label = "LinkedIn Ads";
  t.model_target = true;
  t.target_objects = {
      TargetObjectSpec{
          "contact_audience:18463220",
          "Contact audience: Trial users",
          {T("email", "Email", "string", false, true),
           T("first_name", "First name", "string"),
           T("last_name", "Last name", "string"),
           T("company", "Company", "string"), T("title", "Job title", "string"),
           T("country", "Country", "string")},
          {"append", "remove", "replace"}},
      TargetObjectSpec{
          "company_audience:18463311",
          "Company audience: Target accounts",
          {T("company_name", "Company name", "string", true),
           T("company_website", "Company website", "string", false, true),
           T("industry", "Industry", "string"),
           T("country", "Country", "string")},
          {"append", "remove", "replace"}},
  };
  t.target_creation = true;
  t.create_properties = {
      CreateProperty{"account",
                     "Ad account",
                     true,
                     {{"urn:li:sponsoredAccount:507404993", "Acme Corp Ads"},
                      {"urn:li:sponsoredAccount:508112240", "Acme EMEA Ads"}}},
      CreateProperty{
          "audience_type",
          "Audience type",
          true,
          {{"contact", "Contact list"}, {"company", "Company list"}}},
      CreateProperty{"name", "Audience name", false, {}},
  };
  t.create_kind_property = "audience_type";
  t.create_templates = {{"contact", "contact_audience:18463220"},
                        {"company", "company_audience:18463311"}};
  t.target_properties = Json::parse(R"({
    "does_not_report_operation_counts": true,
    "mappings_not_required": false,
    "new_target_label": "New audience",
    "optional_target_mappings": true,
    "primary_metadata_object": "",
    "requires_configuration": false,
    "supports_field_creation": false,
    "supports_field_encryption": false,
    "supports_field_type_selection": false,
    "supports_identity_field_creation": false,
    "supports_target_filters": false,
    "target_creator": true,
    "use_field_names_as_labels": true
  })");
  return t;
}

bool HasType(const Json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  return true;
}

}  // namespace

const CatalogField* CatalogSchema::FindField(
    const std::string& field_id) const {
  for (const CatalogField& f : fields) {
    if (f.id == field_id) return &f;
  }
  return nullptr;
}

const CatalogSchema* ConnectionType::FindBulkSchema(
    const std::string& schema_id) const {
  for (const CatalogSchema& s : bulk_schemas) {
    if (s.id == schema_id) return &s;
  }
  return nullptr;
}

const TargetObjectSpec* ConnectionType::FindTargetObject(
    const std::string& object_id) const {
  for (const TargetObjectSpec& o : target_objects) {
    if (o.id == object_id) return &o;
  }
  return nullptr;
}

Catalog::Catalog()
    : types_{Salesforce(), Postgresql(), Snowflake(), S3(), LinkedinAds()} {}

const ConnectionType* Catalog::Find(const std::string& type) const {
  for (const ConnectionType& t : types_) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

std::vector<std::string> Catalog::Types() const {
  std::vector<std::string> names;
  for (const ConnectionType& t : types_) names.push_back(t.type);
  return names;
}

void ValidateConfiguration(const Json& schema, const Json& value,
                           const std::string& path, FieldErrors& errors) {
  if (!value.is_object()) {
    errors.AddSyntax(path, "must be an object");
    return;
  }
  if (!schema.is_object()) return;
  if (schema.contains("required")) {
    for (const Json& key : schema["required"]) {
      const std::string name = key.get<std::string>();
      if (!value.contains(name)) {
        errors.Add(path + "." + name, "is required");
      } else if (value[name].is_string() &&
                 value[name].get<std::string>().empty()) {
        errors.Add(path + "." + name, "must not be empty");
      }
    }
  }
  if (!schema.contains("properties")) return;
  for (const auto& [name, property] : schema["properties"].items()) {
    if (!value.contains(name)) continue;
    const Json& v = value[name];
    const std::string field = path + "." + name;
    if (property.contains("type") &&
        !HasType(v, property["type"].get<std::string>())) {
      errors.AddSyntax(
          field, "must be of type " + property["type"].get<std::string>());
      continue;
    }
    if (property.contains("enum")) {
      bool found = false;
      std::string allowed;
      for (const Json& option : property["enum"]) {
        if (option == v) found = true;
        if (!allowed.empty()) allowed += ", ";
        allowed += option.dump();
      }
      if (!found) errors.AddSyntax(field, "must be one of " + allowed);
    }
  }
}

}  // namespace sandbox
