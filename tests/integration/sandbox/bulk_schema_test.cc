// The connection helpers (operations 10-11) and a bulk sync's schema
// configurations (12-16) against an in-process sandbox over real HTTP.
#include <string>
#include <vector>

#include "tests/integration/sandbox/bulk_fixture.h"

namespace sandbox_test {
namespace {

using SandboxBulkSchemaTest = BulkFixture;
using Reply = testsupport::SandboxClient::Reply;

Json ById(const Json& list, const std::string& id) {
  for (Json item : list) {
    if (item.value("id", "") == id) return item;
  }
  return Json();
}

int EnabledFields(const Json& schema) {
  int n = 0;
  for (Json f : schema.value("fields", Json::array())) {
    n += f.value("enabled", false);
  }
  return n;
}

TEST_F(SandboxBulkSchemaTest, GetSourceListsCatalogSchemas) {
  const std::string path =
      "/api/connections/" + salesforce_ + "/bulksync/source";
  Reply plain = client().Get(path);
  ASSERT_EQ(plain.status, 200) << plain.body;
  Json data = plain.json["data"];
  EXPECT_EQ(data["capabilities"], (Json{{"supports_tracking_fields", true}}));
  EXPECT_TRUE(data["configuration"]["properties"].contains("fetch_mode"));
  ASSERT_EQ(data["schemas"].size(), 3u);
  EXPECT_EQ(data["schemas"][0], (Json{{"id", "Account"}, {"name", "Account"}}));

  Reply fields = client().Get(path + "?include_fields=true");
  ASSERT_EQ(fields.status, 200);
  Json account = ById(fields.json["data"]["schemas"], "Account");
  ASSERT_FALSE(account["fields"].empty());
  EXPECT_EQ(account["fields"][0], (Json{{"id", "Id"},
                                        {"name", "Account ID"},
                                        {"type", "string"},
                                        {"remote_type", "id"},
                                        {"is_primary_key", true}}));
  EXPECT_EQ(client().Get(path + "?include_fields=1").status, 400);

  Reply not_source =
      client().Get("/api/connections/" + snowflake_ + "/bulksync/source");
  EXPECT_EQ(not_source.status, 400);
  EXPECT_TRUE(FieldsOf(not_source).contains("id"));
  EXPECT_EQ(client().Get("/api/connections/missing/bulksync/source").status,
            404);
  EXPECT_EQ(OtherOrgClient().Get(path).status, 404);
}

TEST_F(SandboxBulkSchemaTest, GetDestinationDescribesConfiguration) {
  Reply r = client().Get("/api/connections/" + s3_ + "/bulksync/target");
  ASSERT_EQ(r.status, 200) << r.body;
  Json data = r.json["data"];
  EXPECT_EQ(data["configuration"]["properties"]["format"]["enum"],
            (Json{"csv", "json", "parquet"}));
  ASSERT_EQ(data["modes"].size(), 1u);
  EXPECT_EQ(data["modes"][0]["id"], "snapshot");
  EXPECT_EQ(data["modes"][0]["requires_identity"], false);
  EXPECT_EQ(data["supported_resync_modes"], (Json{"refetch"}));

  Reply snowflake =
      client().Get("/api/connections/" + snowflake_ + "/bulksync/target");
  EXPECT_EQ(snowflake.json["data"]["configuration"]["required"],
            (Json{"schema"}));
  EXPECT_EQ(snowflake.json["data"]["modes"].size(), 2u);
  EXPECT_EQ(client()
                .Get("/api/connections/" + salesforce_ + "/bulksync/target")
                .status,
            400);
  EXPECT_EQ(client().Get("/api/connections/missing/bulksync/target").status,
            404);
}

TEST_F(SandboxBulkSchemaTest, ListFiltersByEnabled) {
  Json body = BulkSyncBody();
  body["schemas"] = {"Account", "Opportunity"};
  const std::string sync = CreateBulkSync(body)["id"];
  const std::string path = SyncPath(sync) + "/schemas";
  Reply all = client().Get(path);
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["data"].size(), 3u);
  for (Json item : all.json["data"]) {
    EXPECT_FALSE(item.contains("fields"));
    EXPECT_FALSE(item.contains("filters"));
    EXPECT_TRUE(item.contains("output_name"));
    EXPECT_TRUE(item.contains("tracking_field"));
  }
  // filters is a JSON-encoded map: {"enabled":"true"}.
  Reply enabled =
      client().Get(path + "?filters=%7B%22enabled%22%3A%22true%22%7D");
  EXPECT_EQ(Ids(enabled.json["data"]),
            (std::vector<std::string>{"Account", "Opportunity"}));
  Reply disabled =
      client().Get(path + "?filters=%7B%22enabled%22%3A%22false%22%7D");
  EXPECT_EQ(Ids(disabled.json["data"]), (std::vector<std::string>{"Contact"}));
  Reply malformed = client().Get(path + "?filters=enabled%3Dtrue");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_TRUE(FieldsOf(malformed).contains("filters"));
  EXPECT_EQ(
      client().Get(path + "?filters=%7B%22enabled%22%3A%22yes%22%7D").status,
      400);
  EXPECT_EQ(client().Get(SyncPath("missing") + "/schemas").status, 404);
}

TEST_F(SandboxBulkSchemaTest, PatchTouchesOnlyListedSchemas) {
  Json body = BulkSyncBody();
  body["schemas"] = Json::array(
      {{{"id", "Account"}, {"partition_key", "Id"}},
       {{"id", "Contact"},
        {"fields", {"Id", "Email"}},
        {"filters", {{{"field_id", "IsDeleted"}, {"function", "False"}}}}},
       "Opportunity"});
  const std::string sync = CreateBulkSync(body)["id"];
  const std::string path = SyncPath(sync) + "/schemas";
  Json before = client().State("bulk_syncs", sync).json["schemas"];

  Reply patched = client().Patch(
      path, {{"schemas",
              {{{"id", "Contact"}, {"user_output_name", "people"}},
               {{"id", "Opportunity"},
                {"enabled", false},
                {"fields", {{{"id", "Id"}}, {{"id", "Amount"}}}}}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  Json data = patched.json["data"];
  ASSERT_EQ(data.size(), 3u);
  // Unlisted: byte for byte what it was.
  EXPECT_EQ(ById(data, "Account"), ById(before, "Account"));
  // Listed: members sent replace, omitted ones are kept, except fields
  // (omitted: every field enabled).
  Json contact = ById(data, "Contact");
  EXPECT_EQ(contact["user_output_name"], "people");
  EXPECT_EQ(contact["enabled"], true);
  EXPECT_EQ(contact["filters"], ById(before, "Contact")["filters"]);
  EXPECT_EQ(EnabledFields(contact), 12);
  Json opportunity = ById(data, "Opportunity");
  EXPECT_EQ(opportunity["enabled"], false);
  EXPECT_EQ(EnabledFields(opportunity), 2);
  EXPECT_EQ(client().Get(path + "/Contact").json["data"], contact);

  Reply unknown = client().Patch(
      path, {{"schemas",
              {{{"id", "Account"}, {"enabled", false}}, {{"id", "Lead"}}}}});
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_TRUE(FieldsOf(unknown).contains("schemas[1].id"));
  Reply missing_id = client().Patch(path, {{"schemas", {{{"enabled", true}}}}});
  EXPECT_EQ(missing_id.status, 400);
  EXPECT_TRUE(FieldsOf(missing_id).contains("schemas[0].id"));
  Reply bad_field = client().Patch(
      path,
      {{"schemas", {{{"id", "Account"}, {"fields", {{{"id", "Nope"}}}}}}}});
  EXPECT_EQ(bad_field.status, 400);
  EXPECT_TRUE(FieldsOf(bad_field).contains("schemas[0].fields[0]"));
  // Rejected patches changed nothing.
  EXPECT_EQ(client().Get(path + "/Account").json["data"],
            ById(before, "Account"));
}

TEST_F(SandboxBulkSchemaTest, GetReturnsFieldsAndFilters) {
  const std::string sync = CreateBulkSync(BulkSyncBody())["id"];
  Reply r = client().Get(SyncPath(sync) + "/schemas/Opportunity");
  ASSERT_EQ(r.status, 200) << r.body;
  Json s = r.json["data"];
  EXPECT_EQ(s["id"], "Opportunity");
  EXPECT_EQ(s["enabled"], true);
  EXPECT_EQ(s["tracking_field"], "SystemModstamp");
  EXPECT_EQ(s["filters"], Json::array());
  Json amount = ById(s["fields"], "Amount");
  EXPECT_EQ(amount, (Json{{"id", "Amount"},
                          {"enabled", true},
                          {"obfuscated", false},
                          {"output_name", "amount"},
                          {"user_output_name", ""}}));
  EXPECT_EQ(client().Get(SyncPath(sync) + "/schemas/Lead").status, 404);
}

TEST_F(SandboxBulkSchemaTest, PutResetsExactlyTheDocumentedFields) {
  ASSERT_EQ(
      client().AddExtension("bulk_sync_schema", "priority", "normal").status,
      200);
  Json body = BulkSyncBody();
  body["schemas"] = Json::array(
      {"Account",
       {{"id", "Contact"},
        {"enabled", true},
        {"partition_key", "AccountId"},
        {"tracking_field", "LastModifiedDate"},
        {"data_cutoff_timestamp", "2024-01-01T00:00:00Z"},
        {"disable_data_cutoff", true},
        {"fields", {"Id", "Email"}},
        {"filters", {{{"field_id", "IsDeleted"}, {"function", "False"}}}}}});
  const std::string sync = CreateBulkSync(body)["id"];
  const std::string path = SyncPath(sync) + "/schemas/Contact";
  Reply set = client().Put(path, {{"enabled", false},
                                  {"user_output_name", "people"},
                                  {"priority", "high"},
                                  {"partition_key", "AccountId"}});
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json["data"]["priority"], "high");
  EXPECT_EQ(set.json["data"]["enabled"], false);

  Reply r = client().Put(path, {{"fields", {{{"id", "Email"}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json s = r.json["data"];
  EXPECT_EQ(s["id"], "Contact");
  EXPECT_EQ(s["enabled"], true);  // omitted: the default of a schema
  EXPECT_EQ(s["user_output_name"], "");
  EXPECT_EQ(s["partition_key"], "");
  EXPECT_EQ(s["tracking_field"], "SystemModstamp");  // catalog default
  EXPECT_FALSE(s.contains("data_cutoff_timestamp"));
  EXPECT_EQ(s["disable_data_cutoff"], false);
  EXPECT_EQ(s["filters"], Json::array());
  EXPECT_EQ(s["priority"], "normal");  // extension reset
  EXPECT_EQ(s["output_name"], "contact");
  EXPECT_EQ(EnabledFields(s), 1);
  EXPECT_EQ(ById(s["fields"], "Email")["enabled"], true);
  // Other schemas are untouched.
  Json state = client().State("bulk_syncs", sync).json;
  EXPECT_EQ(ById(state["schemas"], "Account")["enabled"], true);
  EXPECT_EQ(ById(state["schemas"], "Opportunity")["enabled"], false);

  // Fields omitted: every field enabled.
  Reply all_fields = client().Put(path, Json::object());
  EXPECT_EQ(EnabledFields(all_fields.json["data"]), 12);

  Reply bad = client().Put(path, {{"tracking_field", "Nope"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(FieldsOf(bad).contains("tracking_field"));
  EXPECT_EQ(
      client().Put(SyncPath(sync) + "/schemas/Lead", Json::object()).status,
      404);
}

TEST_F(SandboxBulkSchemaTest, CancelSchemaCancelsItsPartOfTheRun) {
  const std::string sync = CreateBulkSync(BulkSyncBody())["id"];
  const std::string path = SyncPath(sync) + "/schemas/";
  Reply idle = client().Post(path + "Account/cancel", Json());
  ASSERT_EQ(idle.status, 200) << idle.body;
  EXPECT_NE(idle.json["data"]["message"], "cancellation requested");

  const std::string id = StartExecution(sync)["id"];
  Reply r = client().Post(path + "Account/cancel", Json());
  EXPECT_EQ(r.json["data"]["message"], "cancellation requested");
  Json e = Execution(sync, id);
  EXPECT_EQ(e["status"], "running");
  for (Json s : e["schemas"]) {
    EXPECT_EQ(s["status"], s["schema"] == "Account" ? "canceled" : "running");
  }
  client().Post(path + "Contact/cancel", Json());
  client().Post(path + "Opportunity/cancel", Json());
  e = Execution(sync, id);
  EXPECT_EQ(e["status"], "canceled");  // nothing left running
  EXPECT_TRUE(e.contains("completed_at"));
  EXPECT_EQ(client().Post(path + "Lead/cancel", Json()).status, 404);
}

}  // namespace
}  // namespace sandbox_test
