// The connection-scoped model-sync helpers (operations 46-50) against an
// in-process sandbox over real HTTP, and the conformance of every model-sync
// response (30-50) to the reference.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "tests/integration/sandbox/model_sync_fixture.h"
#include "tests/support/openapi_checker.h"

namespace sandbox_test {
namespace {

using SandboxModelHelperTest = ModelSyncFixture;

std::vector<std::string> Values(const Json& items) {
  std::vector<std::string> values;
  for (const Json& i : items) values.push_back(i["value"]);
  return values;
}

TEST_F(SandboxModelHelperTest, SourceConfigurationRefinesStepByStep) {
  const std::string path =
      "/api/connections/" + postgres_ + "/modelsync/source";
  auto r = client().Get(path);
  ASSERT_EQ(r.status, 200) << r.body;
  const Json& d = r.json["data"];
  EXPECT_EQ(d["requires_one_of"], Json::array({"table"}));
  EXPECT_EQ(d["configuration"], Json::object());
  EXPECT_EQ(Values(d["items"]["schema"]["items"]),
            (std::vector<std::string>{"public", "analytics"}));
  EXPECT_EQ(d["items"]["schema"]["has_items"], true);
  EXPECT_EQ(d["items"]["table"]["has_items"], false);
  EXPECT_EQ(d["items"]["table"]["requires_one_of"], Json::array({"schema"}));

  auto query = [&](const Json& params) {
    return client().Get(path + "?params=" + UrlEncode(params.dump()));
  };
  r = query({{"schema", {"public"}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Values(r.json["data"]["items"]["table"]["items"]),
            (std::vector<std::string>{"public.users", "public.orders"}));
  EXPECT_EQ(r.json["data"]["items"]["table"]["has_items"], true);
  r = query({{"schema", {"analytics"}}});
  EXPECT_EQ(Values(r.json["data"]["items"]["table"]["items"]),
            (std::vector<std::string>{"analytics.daily_signups"}));
  r = query({{"schema", {"public"}}, {"table", {"public.users"}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Values(r.json["data"]["configuration"]["tracking_column"]["items"]),
            (std::vector<std::string>{"signed_up_at", "updated_at"}));

  auto bad = client().Get(path + "?params=" + UrlEncode("{\"schema\": ["));
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(FieldsOf(bad).contains("params")) << bad.body;
  bad = query(Json::array({"public"}));
  EXPECT_EQ(bad.status, 400);
  bad = query({{"schema", "public"}});  // not an array
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(FieldsOf(bad).contains("params.schema")) << bad.body;
  bad = query({{"database", {"app"}}});
  EXPECT_TRUE(FieldsOf(bad).contains("params.database")) << bad.body;
  bad = query({{"schema", {"private"}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(FieldsOf(bad).contains("params.schema")) << bad.body;
  bad = query({{"schema", {"analytics"}}, {"table", {"public.users"}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(FieldsOf(bad).contains("params.table")) << bad.body;

  bad = client().Get("/api/connections/" + salesforce_ + "/modelsync/source");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(FieldsOf(bad).contains("id")) << bad.body;
  EXPECT_EQ(
      client()
          .Get("/api/connections/" + std::string(kModel) + "/modelsync/source")
          .status,
      404);
  EXPECT_EQ(OtherOrgClient().Get(path).status, 404);
}

TEST_F(SandboxModelHelperTest, SourceFieldsFollowTheChosenTable) {
  const std::string path =
      "/api/connections/" + postgres_ + "/modelsync/source/fields";
  auto r = client().Get(
      path + "?params=" +
      UrlEncode(Json{{"table", Json::array({"public.users"})}}.dump()));
  ASSERT_EQ(r.status, 200) << r.body;
  const Json& fields = r.json["data"];
  ASSERT_EQ(fields.size(), 9u);
  EXPECT_EQ(fields[0]["id"], "id");
  EXPECT_EQ(fields[0]["unique"], true);
  EXPECT_EQ(fields[1]["id"], "email");
  EXPECT_EQ(fields[1]["type"], "string");
  EXPECT_EQ(fields[1]["remote_type"], "varchar");
  EXPECT_EQ(fields[1]["unique"], false);
  r = client().Get(
      path + "?params=" +
      UrlEncode(
          Json{{"table", Json::array({"analytics.daily_signups"})}}.dump()));
  EXPECT_EQ(r.json["data"].size(), 3u);

  auto missing = client().Get(path);
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(FieldsOf(missing).contains("params.table")) << missing.body;
  EXPECT_EQ(client().Get(path + "?params=%7Bnope").status, 400);
  EXPECT_EQ(
      client()
          .Get(path + "?params=" +
               UrlEncode(Json{{"table", Json::array({"public.x"})}}.dump()))
          .status,
      400);
  EXPECT_EQ(
      client()
          .Get("/api/connections/" + linkedin_ + "/modelsync/source/fields")
          .status,
      400);
  EXPECT_EQ(client()
                .Get("/api/connections/" + std::string(kModel) +
                     "/modelsync/source/fields")
                .status,
            404);
}

TEST_F(SandboxModelHelperTest, TargetObjectsListModesAndCreation) {
  auto r = client().Get("/api/connections/" + salesforce_ +
                        "/modelsync/targetobjects");
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> ids;
  for (const Json& o : r.json["data"]) ids.push_back(o["id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"Account", "Contact", "Lead"}));
  const Json& contact = r.json["data"][1];
  EXPECT_EQ(contact["name"], "Contact");
  ASSERT_EQ(contact["modes"].size(), 3u);
  EXPECT_EQ(contact["modes"][0], (Json{{"id", "create"},
                                       {"requires_identity", false},
                                       {"supports_per_field_mode", true},
                                       {"supports_target_filters", true}}));
  EXPECT_EQ(contact["modes"][2]["id"], "updateOrCreate");
  EXPECT_EQ(contact["modes"][2]["requires_identity"], true);
  EXPECT_EQ(r.json["target_creation"],
            (Json{{"supported", false}, {"properties", Json::array()}}));

  r = client().Get("/api/connections/" + linkedin_ +
                   "/modelsync/targetobjects");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["data"].size(), 2u);
  EXPECT_EQ(r.json["target_creation"]["supported"], true);
  const Json& properties = r.json["target_creation"]["properties"];
  ASSERT_EQ(properties.size(), 3u);
  EXPECT_EQ(properties[0],
            (Json{{"id", "account"}, {"title", "Ad account"}, {"enum", true}}));
  EXPECT_EQ(properties[2]["enum"], false);

  EXPECT_EQ(
      client()
          .Get("/api/connections/" + postgres_ + "/modelsync/targetobjects")
          .status,
      400);
  EXPECT_EQ(client()
                .Get("/api/connections/" + std::string(kModel) +
                     "/modelsync/targetobjects")
                .status,
            404);
}

TEST_F(SandboxModelHelperTest, TargetFieldsOfAnObject) {
  const std::string path =
      "/api/connections/" + salesforce_ + "/modelsync/target/fields";
  auto missing = client().Get(path);
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(FieldsOf(missing).contains("target")) << missing.body;
  EXPECT_EQ(client().Get(path + "?target=Widget").status, 404);
  EXPECT_EQ(client().Get(path + "?target=Contact&refresh=maybe").status, 400);

  auto r = client().Get(path + "?target=Contact");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json& d = r.json["data"];
  EXPECT_EQ(d["id"], "Contact");
  EXPECT_EQ(d["name"], "Contact");
  const Json* email = nullptr;
  for (const Json& f : d["fields"]) {
    if (f["id"] == "Email") email = &f;
  }
  ASSERT_NE(email, nullptr);
  EXPECT_EQ((*email)["supports_identity"], true);
  EXPECT_EQ((*email)["type"], "string");
  EXPECT_EQ((*email)["identity_functions"][0]["id"], "Equality");
  ASSERT_EQ(d["modes"].size(), 3u);
  EXPECT_EQ(d["modes"][1]["mode"], "update");
  EXPECT_EQ(d["modes"][1]["label"], "Update");
  EXPECT_EQ(d["modes"][1]["requires_identity"], true);
  EXPECT_TRUE(d["modes"][1]["description"].is_string());
  EXPECT_EQ(d["properties"]["target_creator"], false);
  EXPECT_EQ(d["properties"]["supports_target_filters"], true);
  const std::string connected_at = d["refreshed_at"];

  auto refreshed = client().Get(path + "?target=Contact&refresh=true");
  ASSERT_EQ(refreshed.status, 200);
  const std::string refreshed_at = refreshed.json["data"]["refreshed_at"];
  EXPECT_GT(refreshed_at, connected_at);
  EXPECT_EQ(client().Get(path + "?target=Lead").json["data"]["refreshed_at"],
            refreshed_at);

  EXPECT_EQ(client()
                .Get("/api/connections/" + snowflake_ +
                     "/modelsync/target/fields?target=Contact")
                .status,
            400);
  EXPECT_EQ(client()
                .Get("/api/connections/" + std::string(kModel) +
                     "/modelsync/target/fields?target=Contact")
                .status,
            404);
}

TEST_F(SandboxModelHelperTest, CreatePropertyValues) {
  const std::string path =
      "/api/connections/" + linkedin_ + "/modelsync/targetobjects/properties/";
  auto r = client().Get(path + "account");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json& d = r.json["data"];
  EXPECT_EQ(d["id"], "account");
  EXPECT_EQ(d["enum"], true);
  ASSERT_EQ(d["values"].size(), 2u);
  EXPECT_EQ(d["values"][0],
            (Json{{"label", "Acme Corp Ads"},
                  {"value", "urn:li:sponsoredAccount:507404993"}}));
  r = client().Get(path + "name");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json["data"]["enum"], false);
  EXPECT_EQ(r.json["data"]["values"], Json::array());

  EXPECT_EQ(client().Get(path + "color").status, 404);
  EXPECT_EQ(client()
                .Get("/api/connections/" + salesforce_ +
                     "/modelsync/targetobjects/properties/account")
                .status,
            404);  // no target creation
  EXPECT_EQ(client()
                .Get("/api/connections/" + postgres_ +
                     "/modelsync/targetobjects/properties/account")
                .status,
            400);
  EXPECT_EQ(client()
                .Get("/api/connections/" + std::string(kModel) +
                     "/modelsync/targetobjects/properties/account")
                .status,
            404);
}

// Every response of a scenario that touches operations 30-50 matches the
// schema the reference declares for it (unknown members included).
TEST_F(SandboxModelHelperTest, ResponsesConformToTheReference) {
  client().Seed();
  Json sync = CreateModelSync(ModelSyncBody());
  const std::string id = sync["id"];
  Json body = ModelSyncBody("full");
  body["filters"] = {{{"field", Source("plan")}, {"function", "True"}}};
  body["overrides"] = {{{"field_id", "plan"}, {"override", "free"}}};
  body["override_fields"] = {{{"target", "Title"}, {"override_value", "x"}}};
  body["encryption_passphrase"] = "pass";
  ASSERT_EQ(client().Put("/api/syncs/" + id, body).status, 200);
  CreateModelSync(AudienceBody());
  client().Get("/api/syncs?limit=1");
  client().Get("/api/syncs/" + id);
  Activate(id, true);
  const std::string execution = Start(id);
  client().Get("/api/syncs/" + id + "/status");
  client().Post("/api/syncs/" + id + "/executions", Json::object());  // 409
  ASSERT_EQ(
      Finish(execution, {{"status", "completed"}, {"record_count", 5}}).status,
      200);
  client().Get("/api/syncs/" + id + "/status");
  client().Get("/api/syncs/schedules");
  const std::string e = ExecutionPath(id, execution);
  client().Get("/api/syncs/" + id + "/executions");
  client().Get(e);
  client().Get(e + "/consolelog?limit=2");
  client().Get(e + "/records");
  client().Get(e + "/records/records-00000.jsonl");
  client().Get(e + "/bogus");
  client().Post(e + "/cancel", Json());  // 400: finished
  const std::string second = Start(id);
  client().Post(ExecutionPath(id, second) + "/cancel", Json());
  client().Post("/api/syncs/" + id + "/cancel", Json());
  const std::string conn = "/api/connections/";
  client().Get(conn + postgres_ + "/modelsync/source?params=" +
               UrlEncode(R"({"schema":["public"],"table":["public.users"]})"));
  client().Get(conn + postgres_ + "/modelsync/source/fields?params=" +
               UrlEncode(R"({"table":["public.orders"]})"));
  client().Get(conn + linkedin_ + "/modelsync/targetobjects");
  client().Get(conn + salesforce_ + "/modelsync/target/fields?target=Lead");
  client().Get(conn + linkedin_ +
               "/modelsync/targetobjects/properties/account");
  client().Post("/api/syncs", Json{{"name", 1}});  // 400
  client().Post("/api/syncs", Json::object());     // 422
  client().Delete("/api/syncs/" + id);

  const openapi::Spec& spec = openapi::Spec::Embedded();
  std::set<std::string> checked;
  for (const Json& entry : client().Requests()) {
    const std::string operation = entry.value("operation", "");
    if (!absl::StartsWith(operation, "modelSync.")) continue;
    const openapi::Operation* op = spec.Find(operation);
    ASSERT_NE(op, nullptr) << operation;
    std::vector<openapi::Violation> violations = spec.CheckResponse(
        *op, entry["status"].get<int>(), nlohmann::json(entry["response"]),
        {/*allow_unknown_fields=*/false});
    for (const openapi::Violation& v : violations) {
      ADD_FAILURE() << operation << " " << entry["status"] << ": " << v.message
                    << "\n"
                    << entry["response"].dump();
    }
    checked.insert(operation);
  }
  EXPECT_EQ(checked.size(), 21u);
}

}  // namespace
}  // namespace sandbox_test
