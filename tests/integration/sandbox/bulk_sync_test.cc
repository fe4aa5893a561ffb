// Bulk sync operations 1-7 against an in-process sandbox over real HTTP.
#include <regex>
#include <set>
#include <string>

#include "tests/integration/sandbox/sandbox_fixture.h"

namespace sandbox_test {
namespace {

using SandboxBulkSyncTest = SandboxFixture;

const std::regex kUuid(
    "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
const std::regex kTimestamp(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");

Json SchemaConfig(const Json& state, const std::string& id) {
  for (const Json& s : state["schemas"]) {
    if (s["id"] == id) return s;
  }
  return Json();
}

Json FieldConfig(const Json& schema, const std::string& id) {
  for (const Json& f : schema["fields"]) {
    if (f["id"] == id) return f;
  }
  return Json();
}

TEST_F(SandboxBulkSyncTest, CreateAppliesDefaultsAndSelectsAllSchemas) {
  Json sync = CreateBulkSync(BulkSyncBody());
  const std::string id = sync.value("id", "");
  EXPECT_TRUE(std::regex_match(id, kUuid)) << id;
  EXPECT_EQ(sync["name"], "Salesforce to Snowflake");
  EXPECT_EQ(sync["organization_id"], sandbox_->organization_id());
  EXPECT_EQ(sync["active"], false);
  EXPECT_EQ(sync["mode"], "replicate");
  EXPECT_EQ(sync["automatically_add_new_objects"], "none");
  EXPECT_EQ(sync["automatically_add_new_fields"], "all");
  EXPECT_EQ(sync["normalize_names"], "enabled");
  EXPECT_EQ(sync["disable_record_timestamps"], false);
  EXPECT_EQ(sync["policies"], Json::array());
  EXPECT_EQ(sync["source_configuration"], Json::object());
  EXPECT_EQ(sync["additional_schedules"], Json::array());
  EXPECT_FALSE(sync.contains("concurrency_limit"));
  EXPECT_FALSE(sync.contains("data_cutoff_timestamp"));
  const Json& schedule = sync["default_schedule"];
  EXPECT_TRUE(std::regex_match(schedule.value("id", ""), kUuid));
  EXPECT_EQ(schedule["frequency"], "daily");
  EXPECT_EQ(schedule["hour"], "2");
  EXPECT_TRUE(std::regex_match(sync.value("created_at", ""), kTimestamp));
  EXPECT_EQ(sync["created_at"], sync["updated_at"]);
  EXPECT_EQ(sync["created_by"]["type"], "api_key");
  EXPECT_TRUE(std::regex_match(sync["created_by"].value("id", ""), kUuid));
  EXPECT_EQ(sync.dump().find(kKey), std::string::npos);

  auto state = client().State("bulk_syncs", id);
  ASSERT_EQ(state.status, 200) << state.body;
  ASSERT_EQ(state.json["schemas"].size(), 3u);
  Json account = SchemaConfig(state.json, "Account");
  EXPECT_EQ(account["enabled"], true);
  EXPECT_EQ(account["output_name"], "account");
  EXPECT_EQ(account["tracking_field"], "SystemModstamp");
  Json revenue = FieldConfig(account, "AnnualRevenue");
  EXPECT_EQ(revenue["enabled"], true);
  EXPECT_EQ(revenue["output_name"], "annual_revenue");
  EXPECT_EQ(revenue["obfuscated"], false);
}

TEST_F(SandboxBulkSyncTest, GetListActivateCancelDelete) {
  Json first = CreateBulkSync(BulkSyncBody("first"));
  Json second = CreateBulkSync(BulkSyncBody("second"));
  const std::string id = first["id"];

  auto got = client().Get("/api/bulk/syncs/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json["data"], first);

  auto list = client().Get("/api/bulk/syncs");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json["data"].size(), 2u);
  EXPECT_EQ(list.json["data"][0]["id"], second["id"]);  // newest first
  EXPECT_FALSE(list.json["pagination"].contains("next_page_token"));

  auto activated = client().Post("/api/bulk/syncs/" + id + "/activate",
                                 Json{{"active", true}});
  ASSERT_EQ(activated.status, 200) << activated.body;
  EXPECT_EQ(activated.json["data"], (Json{{"active", true}, {"id", id}}));
  got = client().Get("/api/bulk/syncs/" + id);
  EXPECT_EQ(got.json["data"]["active"], true);
  EXPECT_GT(got.json["data"]["updated_at"].get<std::string>(),
            first["updated_at"].get<std::string>());

  auto active = client().Get("/api/bulk/syncs?active=true");
  ASSERT_EQ(active.json["data"].size(), 1u);
  EXPECT_EQ(active.json["data"][0]["id"], id);
  auto paused = client().Get("/api/bulk/syncs?active=false");
  ASSERT_EQ(paused.json["data"].size(), 1u);
  EXPECT_EQ(paused.json["data"][0]["id"], second["id"]);

  auto cancel = client().Post("/api/bulk/syncs/" + id + "/cancel", Json());
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_TRUE(cancel.json["data"]["message"].is_string());

  auto deleted = client().Delete("/api/bulk/syncs/" + id);
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body, "");
  EXPECT_EQ(client().Get("/api/bulk/syncs/" + id).status, 404);
  EXPECT_EQ(client().State("bulk_syncs", id).status, 404);
  EXPECT_EQ(client().Delete("/api/bulk/syncs/" + id).status, 404);
  list = client().Get("/api/bulk/syncs");
  ASSERT_EQ(list.json["data"].size(), 1u);
  EXPECT_EQ(list.json["data"][0]["id"], second["id"]);
}

TEST_F(SandboxBulkSyncTest, PutResetsExactlyTheOmittedFields) {
  Json body = BulkSyncBody();
  body["active"] = true;
  body["mode"] = "snapshot";
  body["automatically_add_new_objects"] = "all";
  body["automatically_add_new_fields"] = "none";
  body["normalize_names"] = "disabled";
  body["disable_record_timestamps"] = true;
  body["policies"] = {"policy-1"};
  body["source_configuration"] = {{"fetch_mode", "full"}};
  body["concurrency_limit"] = 3;
  body["resync_concurrency_limit"] = 2;
  body["data_cutoff_timestamp"] = "2024-01-01T00:00:00Z";
  body["additional_schedules"] = {{{"frequency", "hourly"}}};
  body["schemas"] = {"Account"};
  Json created = CreateBulkSync(body);
  const std::string id = created["id"];

  Json put = BulkSyncBody("renamed");
  put["default_schedule"]["id"] = created["default_schedule"]["id"];
  auto r = client().Put("/api/bulk/syncs/" + id, put);
  ASSERT_EQ(r.status, 200) << r.body;
  const Json& d = r.json["data"];
  // Reset to defaults.
  EXPECT_EQ(d["active"], false);
  EXPECT_EQ(d["mode"], "replicate");
  EXPECT_EQ(d["automatically_add_new_objects"], "none");
  EXPECT_EQ(d["automatically_add_new_fields"], "all");
  EXPECT_EQ(d["normalize_names"], "enabled");
  EXPECT_EQ(d["disable_record_timestamps"], false);
  EXPECT_EQ(d["policies"], Json::array());
  EXPECT_EQ(d["source_configuration"], Json::object());
  EXPECT_EQ(d["additional_schedules"], Json::array());
  EXPECT_FALSE(d.contains("concurrency_limit"));
  EXPECT_FALSE(d.contains("resync_concurrency_limit"));
  EXPECT_FALSE(d.contains("data_cutoff_timestamp"));
  // Written from the request.
  EXPECT_EQ(d["name"], "renamed");
  // Kept.
  EXPECT_EQ(d["id"], id);
  EXPECT_EQ(d["organization_id"], created["organization_id"]);
  EXPECT_EQ(d["created_at"], created["created_at"]);
  EXPECT_EQ(d["created_by"], created["created_by"]);
  EXPECT_EQ(d["default_schedule"]["id"], created["default_schedule"]["id"]);
  EXPECT_EQ(d["default_schedule"]["created_at"],
            created["default_schedule"]["created_at"]);
  EXPECT_GT(d["updated_at"].get<std::string>(),
            created["updated_at"].get<std::string>());
  // The schema selection is kept (PUT without `schemas`), and output names
  // follow normalize_names back to enabled.
  Json state = client().State("bulk_syncs", id).json;
  EXPECT_EQ(SchemaConfig(state, "Account")["enabled"], true);
  EXPECT_EQ(SchemaConfig(state, "Contact")["enabled"], false);
  EXPECT_EQ(SchemaConfig(state, "Account")["output_name"], "account");
  // GET agrees with the PUT response.
  EXPECT_EQ(client().Get("/api/bulk/syncs/" + id).json["data"], d);
}

TEST_F(SandboxBulkSyncTest, PutKeepsScheduleIdsOnlyWhenCarried) {
  Json body = BulkSyncBody();
  body["additional_schedules"] = {
      {{"frequency", "hourly"}, {"minute", "5"}},
      {{"frequency", "weekly"}, {"day_of_week", "monday"}, {"hour", "1"}}};
  Json created = CreateBulkSync(body);
  const std::string id = created["id"];
  const Json& kept = created["additional_schedules"][0];
  EXPECT_EQ(kept["selective_mode"], "none");
  EXPECT_EQ(kept["resync_mode"], "normal");

  Json put = BulkSyncBody();
  put["additional_schedules"] = {
      {{"id", kept["id"]}, {"frequency", "hourly"}, {"minute", "5"}},
      {{"frequency", "manual"}}};
  auto r = client().Put("/api/bulk/syncs/" + id, put);
  ASSERT_EQ(r.status, 200) << r.body;
  const Json& schedules = r.json["data"]["additional_schedules"];
  ASSERT_EQ(schedules.size(), 2u);
  EXPECT_EQ(schedules[0]["id"], kept["id"]);
  EXPECT_EQ(schedules[0]["created_at"], kept["created_at"]);
  EXPECT_EQ(schedules[0]["updated_at"], kept["updated_at"]);  // unchanged
  EXPECT_NE(schedules[1]["id"], created["additional_schedules"][1]["id"]);
  EXPECT_EQ(schedules[1]["frequency"], "manual");
  // The default schedule kept its id although the PUT did not name it.
  EXPECT_EQ(r.json["data"]["default_schedule"]["id"],
            created["default_schedule"]["id"]);

  put["additional_schedules"] = {
      {{"id", "not-a-schedule"}, {"frequency", "hourly"}}};
  auto bad = client().Put("/api/bulk/syncs/" + id, put);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_TRUE(FieldsOf(bad).contains("additional_schedules[0].id")) << bad.body;
}

TEST_F(SandboxBulkSyncTest, SchemasSelectConfigureAndReplace) {
  Json body = BulkSyncBody();
  body["schemas"] = Json::array(
      {"Account",
       {{"id", "Contact"},
        {"fields", {"Id", {{"id", "Email"}, {"obfuscate", true}}}},
        {"filters", {{{"field_id", "IsDeleted"}, {"function", "False"}}}}}});
  const std::string id = CreateBulkSync(body)["id"];
  Json state = client().State("bulk_syncs", id).json;
  EXPECT_EQ(SchemaConfig(state, "Opportunity")["enabled"], false);
  Json contact = SchemaConfig(state, "Contact");
  EXPECT_EQ(contact["enabled"], true);
  EXPECT_EQ(FieldConfig(contact, "Id")["enabled"], true);
  EXPECT_EQ(FieldConfig(contact, "Email")["obfuscated"], true);
  EXPECT_EQ(FieldConfig(contact, "Phone")["enabled"], false);
  EXPECT_EQ(contact["filters"][0]["function"], "False");

  Json put = BulkSyncBody();
  put["schemas"] = {"Opportunity"};
  put["normalize_names"] = "disabled";
  ASSERT_EQ(client().Put("/api/bulk/syncs/" + id, put).status, 200);
  state = client().State("bulk_syncs", id).json;
  EXPECT_EQ(SchemaConfig(state, "Opportunity")["enabled"], true);
  EXPECT_EQ(SchemaConfig(state, "Account")["enabled"], false);
  contact = SchemaConfig(state, "Contact");
  EXPECT_EQ(contact["enabled"], false);
  EXPECT_EQ(FieldConfig(contact, "Phone")["enabled"], false);  // kept
  EXPECT_EQ(SchemaConfig(state, "Opportunity")["output_name"], "Opportunity");

  // Changing the source connection selects all of the new source's schemas.
  put = BulkSyncBody();
  put["source_connection_id"] = postgres_;
  ASSERT_EQ(client().Put("/api/bulk/syncs/" + id, put).status, 200);
  state = client().State("bulk_syncs", id).json;
  ASSERT_EQ(state["schemas"].size(), 2u);
  EXPECT_EQ(SchemaConfig(state, "public.users")["output_name"], "public_users");
  EXPECT_EQ(SchemaConfig(state, "public.orders")["enabled"], true);
}

TEST_F(SandboxBulkSyncTest, CreateValidationNamesFieldsWith422) {
  auto missing = client().Post("/api/bulk/syncs", Json{{"mode", "snapshot"}});
  EXPECT_EQ(missing.status, 422) << missing.body;
  EXPECT_EQ(missing.json["key"], "validation_error");
  for (const char* field :
       {"name", "source_connection_id", "destination_connection_id",
        "destination_configuration", "default_schedule"}) {
    EXPECT_TRUE(FieldsOf(missing).contains(field)) << field << missing.body;
  }

  struct Case {
    const char* name;
    Json patch;
    int status;
    const char* field;
  };
  const Case cases[] = {
      {"schedule frequency",
       {{"default_schedule", {{"hour", "1"}}}},
       422,
       "default_schedule.frequency"},
      {"unknown source",
       {{"source_connection_id", "nope"}},
       422,
       "source_connection_id"},
      {"source cannot be destination",
       {{"destination_connection_id", salesforce_}},
       422,
       "destination_connection_id"},
      {"snowflake needs schema",
       {{"destination_configuration", Json::object()}},
       422,
       "destination_configuration.schema"},
      {"unknown schema", {{"schemas", {"Account", "Nope"}}}, 422, "schemas[1]"},
      {"unknown field",
       {{"schemas", {{{"id", "Account"}, {"fields", {"Nope"}}}}}},
       422,
       "schemas[0].fields[0]"},
      {"bad hour",
       {{"default_schedule", {{"frequency", "daily"}, {"hour", "25"}}}},
       422,
       "default_schedule.hour"},
      {"name type", {{"name", 5}}, 400, "name"},
      {"mode enum", {{"mode", "mirror"}}, 400, "mode"},
      {"frequency enum",
       {{"default_schedule", {{"frequency", "sometimes"}}}},
       400,
       "default_schedule.frequency"},
      {"cutoff format",
       {{"data_cutoff_timestamp", "yesterday"}},
       400,
       "data_cutoff_timestamp"},
  };
  for (const Case& c : cases) {
    Json body = BulkSyncBody();
    body.update(c.patch);
    auto r = client().Post("/api/bulk/syncs", body);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    EXPECT_TRUE(FieldsOf(r).contains(c.field)) << c.name << ": " << r.body;
    EXPECT_NE(r.json.value("message", "").find(c.field), std::string::npos)
        << c.name;
  }
  // S3's format is an enum of its configuration schema.
  Json s3 = BulkSyncBody();
  s3["destination_connection_id"] = s3_;
  s3["destination_configuration"] = {{"format", "xml"}};
  auto r = client().Post("/api/bulk/syncs", s3);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(FieldsOf(r).contains("destination_configuration.format"));
  EXPECT_EQ(client().Get("/api/bulk/syncs").json["data"].size(), 0u);
}

TEST_F(SandboxBulkSyncTest, UpdateAndActivateValidationIs400) {
  const std::string id = CreateBulkSync(BulkSyncBody())["id"];
  Json no_name = BulkSyncBody();
  no_name.erase("name");
  auto r = client().Put("/api/bulk/syncs/" + id, no_name);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(FieldsOf(r).contains("name"));

  Json bad_schema = BulkSyncBody();
  bad_schema["schemas"] = {"Lead"};
  r = client().Put("/api/bulk/syncs/" + id, bad_schema);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(FieldsOf(r).contains("schemas[0]"));

  // A connection of another organization is unknown here.
  const std::string foreign =
      AddConnection("Other", "postgresql", "other-organization");
  Json foreign_source = BulkSyncBody();
  foreign_source["source_connection_id"] = foreign;
  r = client().Put("/api/bulk/syncs/" + id, foreign_source);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(FieldsOf(r).contains("source_connection_id"));

  r = client().Post("/api/bulk/syncs/" + id + "/activate", Json::object());
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(FieldsOf(r).contains("active"));
  r = client().Post("/api/bulk/syncs/" + id + "/activate",
                    Json{{"active", "yes"}});
  EXPECT_EQ(r.status, 400) << r.body;
  // Nothing changed.
  EXPECT_EQ(client().Get("/api/bulk/syncs/" + id).json["data"]["name"],
            "Salesforce to Snowflake");
}

TEST_F(SandboxBulkSyncTest, UnknownAndForeignIdsAre404) {
  const std::string id = CreateBulkSync(BulkSyncBody())["id"];
  auto r = client().Get("/api/bulk/syncs/5d5c0b0e-0000-4000-8000-000000000000");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json["status"], 404);
  EXPECT_EQ(r.json["key"], "not_found");

  testsupport::SandboxClient other = OtherOrgClient();
  EXPECT_EQ(other.Get("/api/bulk/syncs/" + id).status, 404);
  EXPECT_EQ(other.Put("/api/bulk/syncs/" + id, BulkSyncBody()).status, 404);
  EXPECT_EQ(
      other.Post("/api/bulk/syncs/" + id + "/activate", Json{{"active", true}})
          .status,
      404);
  EXPECT_EQ(other.Post("/api/bulk/syncs/" + id + "/cancel", Json()).status,
            404);
  EXPECT_EQ(other.Delete("/api/bulk/syncs/" + id).status, 404);
  EXPECT_EQ(other.Get("/api/bulk/syncs").json["data"].size(), 0u);
  EXPECT_EQ(client().Get("/api/bulk/syncs/" + id).status, 200);
}

TEST_F(SandboxBulkSyncTest, ListPaginatesWithLimitAndRejectsForeignTokens) {
  for (int i = 0; i < 5; ++i)
    CreateBulkSync(BulkSyncBody("s" + std::to_string(i)));
  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    std::string path = "/api/bulk/syncs?limit=2";
    if (!token.empty()) path += "&page_token=" + token;
    auto r = client().Get(path);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_LE(r.json["data"].size(), 2u);
    for (const Json& s : r.json["data"]) names.push_back(s["name"]);
    token = r.json["pagination"].value("next_page_token", "");
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"s4", "s3", "s2", "s1", "s0"}));

  auto all = client().Get("/api/bulk/syncs?limit=0");
  EXPECT_EQ(all.json["data"].size(), 5u);
  auto bad =
      client().Get("/api/bulk/syncs?page_token=AmkYh8v0jR5B3kls2Qcc9y8M");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(FieldsOf(bad).contains("page_token"));
  EXPECT_EQ(client().Get("/api/bulk/syncs?limit=ten").status, 400);
  EXPECT_EQ(client().Get("/api/bulk/syncs?active=maybe").status, 400);

  // A token is bound to the organization it was issued to.
  auto first = client().Get("/api/bulk/syncs?limit=1");
  const std::string issued = first.json["pagination"]["next_page_token"];
  EXPECT_EQ(OtherOrgClient().Get("/api/bulk/syncs?page_token=" + issued).status,
            400);
}

TEST_F(SandboxBulkSyncTest, ExtensionFieldsAreStoredReturnedAndReset) {
  const std::string a = CreateBulkSync(BulkSyncBody("a"))["id"];
  auto ext = client().AddExtension("bulk_sync", "priority", "normal");
  ASSERT_EQ(ext.status, 200) << ext.body;
  EXPECT_EQ(client().Get("/api/bulk/syncs/" + a).json["data"]["priority"],
            "normal");

  Json body = BulkSyncBody("b");
  body["priority"] = "high";
  Json b = CreateBulkSync(body);
  EXPECT_EQ(b["priority"], "high");
  auto put = client().Put("/api/bulk/syncs/" + b["id"].get<std::string>(),
                          BulkSyncBody("b"));
  EXPECT_EQ(put.json["data"]["priority"], "normal");
  body["priority"] = 5;
  auto wrong = client().Post("/api/bulk/syncs", body);
  EXPECT_EQ(wrong.status, 400);
  EXPECT_TRUE(FieldsOf(wrong).contains("priority"));

  ASSERT_EQ(
      client().AddExtension("bulk_sync_schedule", "timezone", "UTC").status,
      200);
  Json sched = BulkSyncBody("c");
  sched["default_schedule"]["timezone"] = "Europe/Paris";
  Json c = CreateBulkSync(sched);
  EXPECT_EQ(c["default_schedule"]["timezone"], "Europe/Paris");
  EXPECT_EQ(client()
                .Get("/api/bulk/syncs/" + a)
                .json["data"]["default_schedule"]["timezone"],
            "UTC");
  EXPECT_EQ(client().AddExtension("bulk_sync", "name", "x").status, 400);
  EXPECT_EQ(client().AddExtension("widget", "x", 1).status, 400);
}

TEST_F(SandboxBulkSyncTest, ResponseOnlyAndUnknownFieldsAreIgnored) {
  Json created = CreateBulkSync(BulkSyncBody());
  const std::string id = created["id"];
  Json round_trip = created;  // everything GET returned, stamps included
  round_trip["id"] = "00000000-0000-4000-8000-000000000000";
  round_trip["created_at"] = "2000-01-01T00:00:00.000Z";
  round_trip["not_a_field"] = {{"nested", true}};
  auto r = client().Put("/api/bulk/syncs/" + id, round_trip);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["data"]["id"], id);
  EXPECT_EQ(r.json["data"]["created_at"], created["created_at"]);
  EXPECT_FALSE(r.json["data"].contains("not_a_field"));
  EXPECT_EQ(r.json["data"]["default_schedule"]["id"],
            created["default_schedule"]["id"]);
}

TEST_F(SandboxBulkSyncTest, SeedCreatesConnectionsAndBulkSyncs) {
  Json seeded = client().Seed();
  ASSERT_TRUE(seeded.is_object());
  EXPECT_EQ(seeded["organization_id"], sandbox_->organization_id());
  EXPECT_EQ(seeded["connections"].size(), 5u);
  ASSERT_EQ(seeded["bulk_syncs"].size(), 3u) << seeded.dump();
  EXPECT_FALSE(seeded.contains("errors"));
  for (const Json& id : seeded["bulk_syncs"]) {
    auto r = client().Get("/api/bulk/syncs/" + id.get<std::string>());
    EXPECT_EQ(r.status, 200);
  }
  EXPECT_TRUE(seeded["model_syncs"].is_array());
}

}  // namespace
}  // namespace sandbox_test
