#include "tests/sandbox/seed.h"

#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "tests/sandbox/bulk_executions.h"
#include "tests/sandbox/bulk_sync_ops.h"
#include "tests/sandbox/clock.h"
#include "tests/sandbox/id_generator.h"
#include "tests/sandbox/model_sync_ops.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

// The seeded connections: result key, display name, catalog type.
struct SeedConnection {
  const char* key;
  const char* name;
  const char* type;
};
constexpr SeedConnection kSeedConnections[] = {
    {"salesforce", "Salesforce (production)", "salesforce"},
    {"postgresql", "App database (PostgreSQL)", "postgresql"},
    {"snowflake", "Analytics warehouse (Snowflake)", "snowflake"},
    {"s3", "Data lake (S3)", "s3"},
    {"linkedinads", "LinkedIn Ads", "linkedinads"},
};

std::vector<Json> BulkSyncBodies(const Json& connections) {
  return {
      Json{{"name", "Salesforce to Snowflake"},
           {"source_connection_id", connections["salesforce"]},
           {"destination_connection_id", connections["snowflake"]},
           {"destination_configuration",
            {{"schema", "salesforce_raw"}, {"warehouse", "LOADING"}}},
           {"active", true},
           {"mode", "replicate"},
           {"default_schedule",
            {{"frequency", "daily"}, {"hour", "2"}, {"minute", "30"}}},
           {"additional_schedules",
            Json::array({{{"frequency", "hourly"},
                          {"minute", "15"},
                          {"schemas", {"Opportunity"}},
                          {"selective_mode", "incrementalFields"}}})},
           {"schemas",
            Json::array({"Account",
                         {{"id", "Contact"},
                          {"fields",
                           {"Id", "AccountId", "FirstName", "LastName", "Email",
                            "Title", "SystemModstamp"}},
                          {"filters", Json::array({{{"field_id", "IsDeleted"},
                                                    {"function", "False"}}})}},
                         "Opportunity"})}},
      Json{
          {"name", "App database to Snowflake"},
          {"source_connection_id", connections["postgresql"]},
          {"destination_connection_id", connections["snowflake"]},
          {"destination_configuration", {{"schema", "app"}}},
          {"source_configuration",
           {{"replication_slot", "polytomic_slot"},
            {"publication", "polytomic_pub"}}},
          {"active", true},
          {"default_schedule", {{"frequency", "hourly"}, {"minute", "0"}}},
          {"additional_schedules", Json::array({{{"frequency", "weekly"},
                                                 {"day_of_week", "sunday"},
                                                 {"hour", "3"},
                                                 {"minute", "0"},
                                                 {"resync_mode", "refetch"}}})},
          {"concurrency_limit", 4}},
      Json{{"name", "Users export to S3"},
           {"source_connection_id", connections["postgresql"]},
           {"destination_connection_id", connections["s3"]},
           {"destination_configuration",
            {{"format", "parquet"}, {"path_prefix", "exports/app"}}},
           {"active", false},
           {"mode", "snapshot"},
           {"default_schedule", {{"frequency", "manual"}}},
           {"schemas", {"public.users"}}},
  };
}

// SeedExecution appends a finished execution of every enabled schema that
// started `ago` before now and ran for `took`.
void SeedExecution(BulkSyncRecord& sync, Env& env, absl::Duration ago,
                   absl::Duration took, const char* type,
                   const BulkExecutionOutcome& outcome) {
  const absl::Time started =
      absl::FromUnixSeconds(absl::ToUnixSeconds(env.clock.Now() - ago));
  BulkExecutionStart start;
  start.type = type;
  Json execution =
      NewBulkExecution(sync, start, env.ids.Uuid(), Clock::Format(started));
  FinishBulkExecution(execution, outcome, Clock::Format(started + took));
  sync.executions.push_back(std::move(execution));
}

BulkExecutionOutcome Outcome(const char* status, int64_t records,
                             int64_t errors = 0, int64_t warnings = 0,
                             const char* message = nullptr) {
  BulkExecutionOutcome o;
  o.status = status;
  o.record_count = records;
  o.error_count = errors;
  o.warning_count = warnings;
  if (message != nullptr) o.status_message = message;
  return o;
}

// SeedBulkHistory gives the seeded bulk syncs (in BulkSyncBodies order) a
// few finished executions, oldest first, so a new user has history to see.
void SeedBulkHistory(World& world, Env& env, const std::string& org,
                     const Json& ids) {
  using absl::Hours;
  using absl::Minutes;
  if (ids.size() < 3) return;
  // The syncs predate their history: created a week before the first run.
  const std::string created = Clock::Format(absl::FromUnixSeconds(
      absl::ToUnixSeconds(env.clock.Now() - absl::Hours(24 * 12))));
  auto sync = [&](size_t i) {
    BulkSyncRecord* s = world.FindBulkSync(org, ids[i].get<std::string>());
    if (s != nullptr) {
      s->doc["created_at"] = created;
      s->doc["default_schedule"]["created_at"] = created;
      for (Json& a : s->doc["additional_schedules"]) a["created_at"] = created;
    }
    return s;
  };
  if (BulkSyncRecord* s = sync(0)) {
    SeedExecution(*s, env, Hours(50), Minutes(7), "scheduled",
                  Outcome("completed", 18452));
    SeedExecution(*s, env, Hours(26), Minutes(2), "scheduled",
                  Outcome("failed", 0, 1, 0,
                          "Salesforce API request limit exceeded "
                          "(REQUEST_LIMIT_EXCEEDED)"));
    SeedExecution(*s, env, Hours(3), Minutes(6), "manual",
                  Outcome("completed", 1207, 0, 3));
  }
  if (BulkSyncRecord* s = sync(1)) {
    SeedExecution(*s, env, Hours(2), Minutes(1), "scheduled",
                  Outcome("completed", 342));
    SeedExecution(*s, env, Hours(1), Minutes(1), "scheduled",
                  Outcome("completed", 97));
  }
  if (BulkSyncRecord* s = sync(2)) {
    SeedExecution(*s, env, Hours(120), Minutes(12), "manual",
                  Outcome("completed", 25310));
  }
}

}  // namespace

Json AddConnection(World& world, Env& env, const Json& body,
                   const std::string& default_organization,
                   FieldErrors& errors) {
  auto string_member = [&](const char* name, bool required) -> std::string {
    if (!body.contains(name)) {
      if (required) errors.Add(name, "is required");
      return "";
    }
    if (!body[name].is_string() || body[name].get<std::string>().empty()) {
      errors.AddSyntax(name, "must be a non-empty string");
      return "";
    }
    return body[name].get<std::string>();
  };
  Connection c;
  c.id = string_member("id", false);
  c.name = string_member("name", true);
  c.type = string_member("type", true);
  c.organization_id = string_member("organization_id", false);
  if (!c.type.empty() && env.catalog.Find(c.type) == nullptr) {
    std::string types;
    for (const std::string& t : env.catalog.Types()) {
      types += (types.empty() ? "" : ", ") + t;
    }
    errors.AddSyntax("type", "must be one of " + types);
  }
  if (!c.id.empty() && world.connections.count(c.id) > 0) {
    errors.Add("id", "is already used by another connection");
  }
  if (!errors.empty()) return nullptr;
  if (c.id.empty()) c.id = env.ids.Uuid();
  if (c.organization_id.empty()) c.organization_id = default_organization;
  c.created_at = env.clock.NowTimestamp();
  world.connections[c.id] = c;
  return c.ToJson();
}

Json SeedOrganization(World& world, Env& env,
                      const std::string& organization_id) {
  Json result;
  result["organization_id"] = organization_id;
  Json connections = Json::object();
  for (const SeedConnection& s : kSeedConnections) {
    FieldErrors errors;
    Json c = AddConnection(world, env, Json{{"name", s.name}, {"type", s.type}},
                           organization_id, errors);
    connections[s.key] = c["id"];
  }
  result["connections"] = connections;

  Principal seeder{organization_id, "seed",
                   Json{{"id", DerivedUuid("actor:sandbox-seed")},
                        {"name", "Sandbox seed data"},
                        {"type", "system"}}};
  Json bulk_syncs = Json::array();
  for (Json& body : BulkSyncBodies(connections)) {
    Call call{"bulkSync.create", seeder, {}, {}, std::move(body), world, env};
    Reply reply = CreateBulkSync(call);
    Json parsed = Json::parse(reply.body, nullptr, false);
    if (reply.status == 200) {
      bulk_syncs.push_back(parsed["data"]["id"]);
    } else {
      // A seed body the builders reject is a sandbox bug; surface it.
      result["errors"].push_back(parsed);
    }
  }
  result["bulk_syncs"] = bulk_syncs;
  SeedBulkHistory(world, env, organization_id, bulk_syncs);

  Json model_errors = Json::array();
  result["model_syncs"] =
      SeedModelSyncs(world, env, seeder, connections, model_errors);
  for (Json& e : model_errors) result["errors"].push_back(std::move(e));
  return result;
}

}  // namespace sandbox
