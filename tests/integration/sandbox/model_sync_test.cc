// Model sync operations 30-39 (the sync resource itself) against an
// in-process sandbox over real HTTP.
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/sandbox/model_sync_fixture.h"

namespace sandbox_test {
namespace {

using SandboxModelSyncTest = ModelSyncFixture;

const std::regex kUuid(
    "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
const std::regex kTimestamp(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");

// ObjectIds returns the ids of a connection's target objects.
std::vector<std::string> ObjectIds(testsupport::SandboxClient& client,
                                   const std::string& connection) {
  std::vector<std::string> ids;
  auto r =
      client.Get("/api/connections/" + connection + "/modelsync/targetobjects");
  for (const Json& o : r.json["data"]) ids.push_back(o["id"]);
  return ids;
}

TEST_F(SandboxModelSyncTest, CreateAppliesDefaultsAndGetReturnsIt) {
  Json sync = CreateModelSync(ModelSyncBody());
  const std::string id = sync.value("id", "");
  EXPECT_TRUE(std::regex_match(id, kUuid)) << id;
  EXPECT_EQ(sync["name"], "Users to contacts");
  EXPECT_EQ(sync["organization_id"], sandbox_->organization_id());
  EXPECT_EQ(sync["active"], false);
  EXPECT_EQ(sync["mode"], "updateOrCreate");
  EXPECT_EQ(sync["target"],
            (Json{{"connection_id", salesforce_}, {"object", "Contact"}}));
  ASSERT_EQ(sync["fields"].size(), 2u);
  EXPECT_EQ(sync["fields"][0], (Json{{"source", Source("first_name")},
                                     {"target", "FirstName"},
                                     {"sync_mode", "updateOrCreate"},
                                     {"new", false},
                                     {"encryption_enabled", false}}));
  EXPECT_EQ(sync["identity"]["target"], "Email");
  EXPECT_EQ(sync["identity"]["new_field"], false);
  EXPECT_EQ(sync["override_fields"], Json::array());
  EXPECT_EQ(sync["overrides"], Json::array());
  EXPECT_EQ(sync["filters"], Json::array());
  EXPECT_EQ(sync["policies"], Json::array());
  EXPECT_FALSE(sync.contains("filter_logic"));
  EXPECT_FALSE(sync.contains("encryption_passphrase"));
  EXPECT_EQ(sync["model_ids"], Json::array({kModel}));
  EXPECT_EQ(sync["schedule"],
            (Json{{"frequency", "daily"}, {"hour", "4"}, {"minute", "30"}}));
  EXPECT_EQ(sync["skip_initial_backfill"], false);
  EXPECT_EQ(sync["only_enrich_updates"], false);
  EXPECT_EQ(sync["sync_all_records"], false);
  EXPECT_TRUE(std::regex_match(sync.value("created_at", ""), kTimestamp));
  EXPECT_EQ(sync["created_at"], sync["updated_at"]);
  EXPECT_EQ(sync["created_by"]["type"], "api_key");
  EXPECT_EQ(sync.dump().find(kKey), std::string::npos);

  auto got = client().Get("/api/syncs/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json["data"], sync);
  EXPECT_EQ(client().Get("/api/syncs/" + std::string(kModel)).status, 404);
  EXPECT_EQ(OtherOrgClient().Get("/api/syncs/" + id).status, 404);
}

TEST_F(SandboxModelSyncTest, PutResetsExactlyTheDocumentedFields) {
  Json body = ModelSyncBody();
  body["active"] = true;
  body["filters"] = {
      {{"field", Source("plan")}, {"function", "Equality"}, {"value", "pro"}}};
  body["filter_logic"] = "1";
  body["overrides"] = {
      {{"field_id", "plan"}, {"function", "IsNull"}, {"override", "free"}}};
  body["override_fields"] = {
      {{"target", "Title"}, {"override_value", "Customer"}}};
  body["policies"] = {"policy-1"};
  body["encryption_passphrase"] = "s3cret-passphrase";
  body["skip_initial_backfill"] = true;
  body["only_enrich_updates"] = true;
  body["sync_all_records"] = true;
  body["target"]["configuration"] = {{"ingestion_api", "bulk"}};
  Json created = CreateModelSync(body);
  const std::string id = created["id"];
  EXPECT_EQ(created["filter_logic"], "1");
  EXPECT_EQ(client().State("model_syncs", id).json["encryption_passphrase"],
            "s3cret-passphrase");

  // Only the required members, and a mode that needs no identity.
  Json put{
      {"name", "renamed"},
      {"mode", "create"},
      {"target", {{"connection_id", salesforce_}, {"object", "Lead"}}},
      {"fields",
       Json::array({{{"source", Source("company")}, {"target", "Company"}}})},
      {"schedule", {{"frequency", "hourly"}, {"minute", "5"}}}};
  auto r = client().Put("/api/syncs/" + id, put);
  ASSERT_EQ(r.status, 200) << r.body;
  const Json& d = r.json["data"];
  // Reset.
  EXPECT_EQ(d["active"], false);
  EXPECT_EQ(d["filters"], Json::array());
  EXPECT_EQ(d["overrides"], Json::array());
  EXPECT_EQ(d["override_fields"], Json::array());
  EXPECT_EQ(d["policies"], Json::array());
  EXPECT_FALSE(d.contains("filter_logic"));
  EXPECT_FALSE(d.contains("identity"));
  EXPECT_EQ(d["skip_initial_backfill"], false);
  EXPECT_EQ(d["only_enrich_updates"], false);
  EXPECT_EQ(d["sync_all_records"], false);
  EXPECT_EQ(d["target"], (Json{{"connection_id", salesforce_},
                               {"object", "Lead"}}));  // configuration gone
  // Written from the request.
  EXPECT_EQ(d["name"], "renamed");
  EXPECT_EQ(d["mode"], "create");
  EXPECT_EQ(d["fields"][0]["target"], "Company");
  EXPECT_EQ(d["schedule"], (Json{{"frequency", "hourly"}, {"minute", "5"}}));
  // Kept.
  EXPECT_EQ(d["id"], id);
  EXPECT_EQ(d["organization_id"], created["organization_id"]);
  EXPECT_EQ(d["created_at"], created["created_at"]);
  EXPECT_EQ(d["created_by"], created["created_by"]);
  EXPECT_GT(d["updated_at"].get<std::string>(),
            created["updated_at"].get<std::string>());
  // The write-only passphrase is cleared, not just hidden.
  Json state = client().State("model_syncs", id).json;
  EXPECT_FALSE(state.contains("encryption_passphrase")) << state.dump();
  EXPECT_EQ(client().Get("/api/syncs/" + id).json["data"], d);
}

TEST_F(SandboxModelSyncTest, EncryptionPassphraseIsWriteOnly) {
  Json body = ModelSyncBody();
  body["encryption_passphrase"] = "first-passphrase";
  body["fields"][0]["encryption_enabled"] = true;
  Json created = CreateModelSync(body);
  const std::string id = created["id"];
  EXPECT_FALSE(created.contains("encryption_passphrase"));
  EXPECT_EQ(created["fields"][0]["encryption_enabled"], true);
  auto got = client().Get("/api/syncs/" + id);
  EXPECT_EQ(got.body.find("first-passphrase"), std::string::npos);
  auto list = client().Get("/api/syncs");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find("first-passphrase"), std::string::npos);
  EXPECT_EQ(client().State("model_syncs", id).json["encryption_passphrase"],
            "first-passphrase");

  body["encryption_passphrase"] = "second-passphrase";
  auto put = client().Put("/api/syncs/" + id, body);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.body.find("second-passphrase"), std::string::npos);
  EXPECT_EQ(client().State("model_syncs", id).json["encryption_passphrase"],
            "second-passphrase");

  // Encrypted fields need a passphrase: a PUT that omits it is refused...
  body.erase("encryption_passphrase");
  auto refused = client().Put("/api/syncs/" + id, body);
  EXPECT_EQ(refused.status, 422);
  EXPECT_TRUE(FieldsOf(refused).contains("encryption_passphrase"));
  // ... and one without encrypted fields clears it.
  body["fields"][0].erase("encryption_enabled");
  ASSERT_EQ(client().Put("/api/syncs/" + id, body).status, 200);
  EXPECT_FALSE(
      client().State("model_syncs", id).json.contains("encryption_passphrase"));
}

TEST_F(SandboxModelSyncTest, ValidationNamesTheFieldWith422Or400) {
  auto expect = [&](const Json& body, int status, const std::string& field) {
    auto r = client().Post("/api/syncs", body);
    EXPECT_EQ(r.status, status) << field << ": " << r.body;
    EXPECT_TRUE(FieldsOf(r).contains(field)) << field << ": " << r.body;
    EXPECT_EQ(r.json.value("key", ""), "validation_error");
  };
  Json b = ModelSyncBody();
  b.erase("name");
  expect(b, 422, "name");
  b = ModelSyncBody();
  b.erase("schedule");
  expect(b, 422, "schedule");
  b = ModelSyncBody();
  b["fields"] = Json::array();
  expect(b, 422, "fields");
  b = ModelSyncBody();
  b["fields"][0].erase("target");
  expect(b, 422, "fields[0].target");
  b = ModelSyncBody();
  b["fields"][1].erase("source");
  expect(b, 422, "fields[1].source");
  b["fields"][1]["override_value"] = "x";  // an override needs no source
  EXPECT_EQ(client().Post("/api/syncs", b).status, 200);
  b = ModelSyncBody();
  b["fields"][1]["target"] = "FirstName";
  expect(b, 422, "fields[1].target");  // mapped twice
  b = ModelSyncBody();
  b["identity"].erase("function");
  expect(b, 422, "identity.function");
  b = ModelSyncBody();
  b.erase("identity");
  expect(b, 422, "identity");  // updateOrCreate on Contact needs one
  b = ModelSyncBody();
  b["identity"]["target"] = "FirstName";
  expect(b, 422, "identity.target");
  b = ModelSyncBody();
  b["mode"] = "append";
  expect(b, 422, "mode");  // not a mode of Contact
  b = ModelSyncBody();
  b["filters"] = {{{"function", "IsNull"}}};
  expect(b, 422, "filters[0].field_id");
  b = ModelSyncBody();
  b["schedule"] = Json::object();
  expect(b, 422, "schedule.frequency");
  b["schedule"] = {{"frequency", "daily"}, {"hour", "25"}};
  expect(b, 422, "schedule.hour");
  b["schedule"] = {{"frequency", "runafter"}};
  expect(b, 422, "schedule.run_after");
  b["schedule"] = {{"frequency", "runafter"},
                   {"run_after", {{"sync_ids", Json::array({kModel})}}}};
  expect(b, 422, "schedule.run_after.sync_ids[0]");
  b["schedule"] = {{"frequency", "dbtcloud"}, {"connection_id", "dbt-1"}};
  expect(b, 422, "schedule.job_id");
  // Type and enum errors are 400.
  b = ModelSyncBody();
  b["name"] = 5;
  expect(b, 400, "name");
  b = ModelSyncBody();
  b["mode"] = "upsert";
  expect(b, 400, "mode");
  b = ModelSyncBody();
  b["schedule"]["frequency"] = "sometimes";
  expect(b, 400, "schedule.frequency");
  b = ModelSyncBody();
  b["active"] = "yes";
  expect(b, 400, "active");

  // The same rules on PUT, also 422.
  Json sync = CreateModelSync(ModelSyncBody());
  b = ModelSyncBody();
  b.erase("target");
  auto r = client().Put("/api/syncs/" + sync["id"].get<std::string>(), b);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_TRUE(FieldsOf(r).contains("target"));
  // A run-after schedule may name other syncs, but not the sync itself.
  b = ModelSyncBody();
  b["schedule"] = {{"frequency", "runafter"},
                   {"run_after", {{"sync_ids", Json::array({sync["id"]})}}}};
  EXPECT_EQ(client().Post("/api/syncs", b).status, 200);
  r = client().Put("/api/syncs/" + sync["id"].get<std::string>(), b);
  EXPECT_EQ(r.status, 422);
  EXPECT_TRUE(FieldsOf(r).contains("schedule.run_after.sync_ids[0]"));
}

TEST_F(SandboxModelSyncTest, UnknownTargetObjectOrConnectionIs422) {
  auto expect = [&](const Json& body, const std::string& field) {
    auto r = client().Post("/api/syncs", body);
    EXPECT_EQ(r.status, 422) << field << ": " << r.body;
    EXPECT_TRUE(FieldsOf(r).contains(field)) << field << ": " << r.body;
  };
  Json b = ModelSyncBody();
  b["target"]["object"] = "Widget";
  expect(b, "target.object");
  b = ModelSyncBody();
  b["target"].erase("object");
  expect(b, "target.object");
  b = ModelSyncBody();
  b["target"]["connection_id"] = kModel;
  expect(b, "target.connection_id");
  b = ModelSyncBody();
  b["target"]["connection_id"] = postgres_;  // a source, not a target
  expect(b, "target.connection_id");
  b = ModelSyncBody();
  b["target"]["connection_id"] =
      AddConnection("Other SF", "salesforce", kPartnerOrg);
  expect(b, "target.connection_id");
  b = ModelSyncBody();
  b["fields"][0]["target"] = "NotAField";
  expect(b, "fields[0].target");
  EXPECT_EQ(client().Get("/api/syncs").json["data"].size(), 0u);
}

TEST_F(SandboxModelSyncTest, TargetCreateCreatesAnObjectAndIsWriteOnly) {
  const size_t before = ObjectIds(client(), linkedin_).size();
  Json created = CreateModelSync(AudienceBody());
  const std::string id = created["id"];
  const std::string object = created["target"].value("object", "");
  EXPECT_EQ(object.rfind("contact_audience:", 0), 0u) << object;
  EXPECT_FALSE(created["target"].contains("create"));
  std::vector<std::string> objects = ObjectIds(client(), linkedin_);
  ASSERT_EQ(objects.size(), before + 1);
  EXPECT_EQ(objects.back(), object);
  auto fields =
      client().Get("/api/connections/" + linkedin_ +
                   "/modelsync/target/fields?target=" + UrlEncode(object));
  ASSERT_EQ(fields.status, 200) << fields.body;
  EXPECT_EQ(fields.json["data"]["name"], "Contact audience: Trial users");
  Json state = client().State("model_syncs", id).json;
  EXPECT_EQ(state["target"]["create"]["audience_type"], "contact");
  EXPECT_EQ(state["target"]["object"], object);
  EXPECT_EQ(client().Get("/api/syncs/" + id).body.find("\"create\""),
            std::string::npos);

  // Sending the same create map again keeps the object it made.
  auto put = client().Put("/api/syncs/" + id, AudienceBody());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json["data"]["target"]["object"], object);
  EXPECT_EQ(ObjectIds(client(), linkedin_).size(), before + 1);
  // A PUT naming the object (GET -> PUT) forgets the create map.
  Json round_trip = put.json["data"];
  put = client().Put("/api/syncs/" + id, round_trip);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_FALSE(
      client().State("model_syncs", id).json["target"].contains("create"));
  // A different create map makes another object.
  Json other = AudienceBody("Churned users");
  put = client().Put("/api/syncs/" + id, other);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_NE(put.json["data"]["target"]["object"], object);
  EXPECT_EQ(ObjectIds(client(), linkedin_).size(), before + 2);

  // Invalid create maps create nothing.
  Json bad = AudienceBody();
  bad["target"]["create"]["audience_type"] = "lookalike";
  auto r = client().Post("/api/syncs", bad);
  EXPECT_EQ(r.status, 422);
  EXPECT_TRUE(FieldsOf(r).contains("target.create.audience_type")) << r.body;
  bad = AudienceBody();
  bad["target"]["create"].erase("account");
  bad["target"]["create"]["color"] = "blue";
  r = client().Post("/api/syncs", bad);
  EXPECT_EQ(r.status, 422);
  EXPECT_TRUE(FieldsOf(r).contains("target.create.account")) << r.body;
  EXPECT_TRUE(FieldsOf(r).contains("target.create.color")) << r.body;
  bad = AudienceBody();
  bad["name"] = "";  // valid create map, invalid sync
  EXPECT_EQ(client().Post("/api/syncs", bad).status, 422);
  bad = ModelSyncBody();
  bad["target"].erase("object");
  bad["target"]["create"] = {{"name", "x"}};
  r = client().Post("/api/syncs", bad);
  EXPECT_EQ(r.status, 422);  // Salesforce cannot create targets
  EXPECT_TRUE(FieldsOf(r).contains("target.create")) << r.body;
  EXPECT_EQ(ObjectIds(client(), linkedin_).size(), before + 2);
}

TEST_F(SandboxModelSyncTest, ListFiltersAndPaginates) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    Json body = ModelSyncBody("s" + std::to_string(i));
    if (i % 2 == 1) body["mode"] = "update";
    ids.push_back(CreateModelSync(body)["id"]);
  }
  Json audience = CreateModelSync(AudienceBody());
  Activate(ids[0], true);  // now the most recently updated

  auto all = client().Get("/api/syncs");
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["data"].size(), 6u);
  EXPECT_EQ(all.json["data"][0]["id"], ids[0]);
  EXPECT_EQ(all.json["data"][1]["id"], audience["id"]);
  EXPECT_FALSE(all.json["pagination"].contains("next_page_token"));
  const Json& item = all.json["data"][1];
  std::set<std::string> keys;
  for (const auto& [key, value] : item.items()) keys.insert(key);
  EXPECT_EQ(keys,
            (std::set<std::string>{
                "id", "name", "active", "mode", "model_ids", "organization_id",
                "schedule", "skip_initial_backfill", "only_enrich_updates",
                "sync_all_records", "target_connection_id", "target_object",
                "created_at", "created_by", "updated_at", "updated_by"}));
  EXPECT_EQ(item["target_connection_id"], linkedin_);
  EXPECT_EQ(item["target_object"], audience["target"]["object"]);
  EXPECT_EQ(item["mode"], "append");

  auto active = client().Get("/api/syncs?active=true");
  ASSERT_EQ(active.json["data"].size(), 1u);
  EXPECT_EQ(active.json["data"][0]["id"], ids[0]);
  EXPECT_EQ(client().Get("/api/syncs?mode=update").json["data"].size(), 2u);
  EXPECT_EQ(
      client().Get("/api/syncs?mode=update&mode=append").json["data"].size(),
      3u);
  auto by_target = client().Get("/api/syncs?target_connection_id=" + linkedin_);
  ASSERT_EQ(by_target.json["data"].size(), 1u);
  EXPECT_EQ(by_target.json["data"][0]["id"], audience["id"]);

  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    std::string path = "/api/syncs?limit=4";
    if (!token.empty()) path += "&page_token=" + token;
    auto r = client().Get(path);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_LE(r.json["data"].size(), 4u);
    for (const Json& s : r.json["data"]) seen.push_back(s["id"]);
    token = r.json["pagination"].value("next_page_token", "");
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 2);
  ASSERT_EQ(seen.size(), 6u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i], all.json["data"][i]["id"]) << i;
  }
  EXPECT_EQ(client().Get("/api/syncs?limit=-3").json["data"].size(), 6u);
  EXPECT_EQ(client().Get("/api/syncs?limit=500").json["data"].size(), 6u);

  auto bad = client().Get("/api/syncs?page_token=AmkYh8v0jR5B3kls2Qcc9y8M");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(FieldsOf(bad).contains("page_token"));
  EXPECT_EQ(client().Get("/api/syncs?mode=enrich").status, 400);
  EXPECT_EQ(client().Get("/api/syncs?active=maybe").status, 400);
  EXPECT_EQ(client().Get("/api/syncs?limit=ten").status, 400);
  auto first = client().Get("/api/syncs?limit=1");
  const std::string issued = first.json["pagination"]["next_page_token"];
  EXPECT_EQ(OtherOrgClient().Get("/api/syncs?page_token=" + issued).status,
            400);
  EXPECT_EQ(client().Get("/api/bulk/syncs?page_token=" + issued).status, 400);
  EXPECT_EQ(OtherOrgClient().Get("/api/syncs").json["data"].size(), 0u);
}

TEST_F(SandboxModelSyncTest, ActivateDeleteAndScheduleOptions) {
  Json sync = CreateModelSync(ModelSyncBody());
  const std::string id = sync["id"];
  auto activated =
      client().Post("/api/syncs/" + id + "/activate", Json{{"active", true}});
  ASSERT_EQ(activated.status, 200) << activated.body;
  EXPECT_EQ(activated.json["data"], (Json{{"active", true}, {"id", id}}));
  Json got = client().Get("/api/syncs/" + id).json["data"];
  EXPECT_EQ(got["active"], true);
  EXPECT_GT(got["updated_at"].get<std::string>(),
            sync["updated_at"].get<std::string>());
  EXPECT_EQ(client().Post("/api/syncs/" + id + "/activate", Json()).status,
            400);

  auto options = client().Get("/api/syncs/schedules");
  ASSERT_EQ(options.status, 200) << options.body;
  std::vector<std::string> frequencies;
  for (const Json& o : options.json["data"]["schedule_options"]) {
    frequencies.push_back(o["frequency"]);
    EXPECT_TRUE(o["label"].is_string());
    EXPECT_EQ(o["configuration"]["type"], "object");
    if (o["frequency"] == "runafter") {
      EXPECT_EQ(o["configuration"]["required"], Json::array({"run_after"}));
    }
  }
  EXPECT_EQ(frequencies,
            (std::vector<std::string>{"manual", "continuous", "hourly", "daily",
                                      "weekly", "custom", "builder", "runafter",
                                      "multi", "dbtcloud"}));

  auto deleted = client().Delete("/api/syncs/" + id);
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body, "");
  EXPECT_EQ(client().Get("/api/syncs/" + id).status, 404);
  EXPECT_EQ(client().State("model_syncs", id).status, 404);
  EXPECT_EQ(client().Delete("/api/syncs/" + id).status, 404);
  EXPECT_EQ(client()
                .Post("/api/syncs/" + id + "/activate", Json{{"active", true}})
                .status,
            404);
}

TEST_F(SandboxModelSyncTest, ExtensionFieldsAndIgnoredMembers) {
  const std::string a = CreateModelSync(ModelSyncBody("a"))["id"];
  ASSERT_EQ(client().AddExtension("model_sync", "priority", "normal").status,
            200);
  EXPECT_EQ(client().Get("/api/syncs/" + a).json["data"]["priority"], "normal");
  Json body = ModelSyncBody("b");
  body["priority"] = "high";
  Json b = CreateModelSync(body);
  EXPECT_EQ(b["priority"], "high");
  auto put = client().Put("/api/syncs/" + b["id"].get<std::string>(),
                          ModelSyncBody("b"));
  EXPECT_EQ(put.json["data"]["priority"], "normal");
  body["priority"] = 5;
  auto wrong = client().Post("/api/syncs", body);
  EXPECT_EQ(wrong.status, 400);
  EXPECT_TRUE(FieldsOf(wrong).contains("priority"));
  EXPECT_EQ(client().AddExtension("model_sync", "mode", "x").status, 400);

  // Response-only members, organization_id and unknown members are ignored.
  Json round_trip = put.json["data"];
  round_trip["id"] = kModel;
  round_trip["created_at"] = "2000-01-01T00:00:00.000Z";
  round_trip["organization_id"] = kPartnerOrg;
  round_trip["model_ids"] = {"not-a-model"};
  round_trip["not_a_field"] = {{"nested", true}};
  auto r = client().Put("/api/syncs/" + b["id"].get<std::string>(), round_trip);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["data"]["id"], b["id"]);
  EXPECT_EQ(r.json["data"]["created_at"], b["created_at"]);
  EXPECT_EQ(r.json["data"]["organization_id"], sandbox_->organization_id());
  EXPECT_EQ(r.json["data"]["model_ids"], Json::array({kModel}));
  EXPECT_FALSE(r.json["data"].contains("not_a_field"));
}

TEST_F(SandboxModelSyncTest, SeedCreatesModelSyncsWithExecutions) {
  Json seeded = client().Seed();
  ASSERT_TRUE(seeded.is_object());
  EXPECT_FALSE(seeded.contains("errors")) << seeded.dump();
  ASSERT_EQ(seeded["model_syncs"].size(), 2u) << seeded.dump();
  const std::string contacts = seeded["model_syncs"][0];
  const std::string audience = seeded["model_syncs"][1];
  Json c = client().Get("/api/syncs/" + contacts).json["data"];
  EXPECT_EQ(c["target"]["object"], "Contact");
  EXPECT_EQ(c["target"]["connection_id"], seeded["connections"]["salesforce"]);
  EXPECT_TRUE(c.contains("identity"));
  EXPECT_FALSE(c["filters"].empty());
  EXPECT_TRUE(client()
                  .State("model_syncs", contacts)
                  .json.contains("encryption_passphrase"));
  Json a = client().Get("/api/syncs/" + audience).json["data"];
  EXPECT_EQ(a["target"]["connection_id"], seeded["connections"]["linkedinads"]);
  EXPECT_TRUE(client()
                  .State("model_syncs", audience)
                  .json["target"]
                  .contains("create"));
  for (const std::string& id : {contacts, audience}) {
    auto executions = client().Get("/api/syncs/" + id + "/executions");
    ASSERT_EQ(executions.status, 200);
    ASSERT_EQ(executions.json["data"].size(), 2u);
    for (const Json& e : executions.json["data"]) {
      EXPECT_TRUE(e.contains("completed_at")) << e.dump();
    }
  }
}

}  // namespace
}  // namespace sandbox_test
