// The cross-cutting request pipeline: auth, version, routing, idempotency,
// bodies, the request log and counters, reset.
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/sandbox/sandbox_fixture.h"

namespace sandbox_test {
namespace {

using SandboxPipelineTest = SandboxFixture;
using Reply = testsupport::SandboxClient::Reply;

TEST_F(SandboxPipelineTest, RejectsMissingAndWrongCredentials) {
  const std::vector<httplib::Headers> bad = {
      {},
      {{"Authorization", "Bearer not-a-key"}},
      {{"Authorization", std::string("Bearer ") + kKey + "x"}},
      {{"Authorization", kKey}},
      {{"Authorization", BasicAuth(kPartnerOrg, "wrong")}},
      {{"Authorization", BasicAuth("other-org", kPartnerKey)}},
      {{"Authorization", BasicAuth(sandbox_->organization_id(), kKey)}},
      {{"Authorization", "Basic !!not-base64!!"}},
  };
  for (const httplib::Headers& headers : bad) {
    Reply r = client().Raw("GET", "/api/bulk/syncs", "", headers);
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.json["status"], 401);
    EXPECT_TRUE(r.json["message"].is_string());
    EXPECT_EQ(r.header("X-Polytomic-Version"), "2025-09-18");
  }
  // Nothing was created by an unauthenticated write.
  Reply post = client().Raw("POST", "/api/bulk/syncs", BulkSyncBody().dump(),
                            {{"Content-Type", "application/json"}});
  EXPECT_EQ(post.status, 401);
  EXPECT_EQ(client().Get("/api/bulk/syncs").json["data"].size(), 0u);
}

TEST_F(SandboxPipelineTest, BasicOrganizationKeyActsInItsOrganization) {
  const httplib::Headers basic = {
      {"Authorization", BasicAuth(kPartnerOrg, kPartnerKey)}};
  Json body = BulkSyncBody();
  body["source_connection_id"] =
      AddConnection("Partner PG", "postgresql", kPartnerOrg);
  body["destination_connection_id"] =
      AddConnection("Partner S3", "s3", kPartnerOrg);
  body["destination_configuration"] = {{"format", "csv"}};
  body["organization_id"] = sandbox_->organization_id();  // ignored
  Reply created = client().Post("/api/bulk/syncs", body, basic);
  ASSERT_EQ(created.status, 200) << created.body;
  const Json& sync = created.json["data"];
  EXPECT_EQ(sync["organization_id"], kPartnerOrg);
  EXPECT_EQ(sync["created_by"]["type"], "partner_key");
  EXPECT_EQ(created.body.find(kPartnerKey), std::string::npos);
  const std::string path = "/api/bulk/syncs/" + sync["id"].get<std::string>();
  EXPECT_EQ(client().Get(path, basic).status, 200);
  EXPECT_EQ(client().Get(path).status, 404);  // Bearer key: another org
  // The Bearer organization's connections are not usable by the partner.
  EXPECT_EQ(client().Post("/api/bulk/syncs", BulkSyncBody(), basic).status,
            422);
}

TEST_F(SandboxPipelineTest, VersionHeaderIsCheckedAndEchoed) {
  Reply ok = client().Get("/api/bulk/syncs");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.header("X-Polytomic-Version"), "2025-09-18");
  ok = client().Get("/api/bulk/syncs", {{"X-Polytomic-Version", "2025-09-18"}});
  EXPECT_EQ(ok.status, 200);
  Reply old =
      client().Get("/api/bulk/syncs", {{"X-Polytomic-Version", "2024-02-08"}});
  EXPECT_EQ(old.status, 400) << old.body;
  EXPECT_EQ(old.header("X-Polytomic-Version"), "2025-09-18");
  EXPECT_TRUE(FieldsOf(old).contains("X-Polytomic-Version"));
  Reply missing = client().Get("/api/bulk/syncs/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("X-Polytomic-Version"), "2025-09-18");
}

TEST_F(SandboxPipelineTest, RoutesByTemplateWithLiteralSegmentsFirst) {
  Reply unknown = client().Get("/api/nothing/here");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json["key"], "not_found");
  Reply wrong_method = client().Patch("/api/bulk/syncs", Json::object());
  EXPECT_EQ(wrong_method.status, 405) << wrong_method.body;
  EXPECT_EQ(wrong_method.json["status"], 405);
  EXPECT_EQ(wrong_method.header("Allow"), "GET, POST");

  client().ClearRequests();
  client().Get("/api/bulk/syncs/status");
  client().Get("/api/bulk/syncs/1234");
  client().Get("/api/syncs/schedules");
  client().Get("/api/syncs/1234");
  Json requests = client().Requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0]["operation"], "bulkSync.executions.listStatus");
  EXPECT_EQ(requests[1]["operation"], "bulkSync.get");
  EXPECT_EQ(requests[2]["operation"], "modelSync.getScheduleOptions");
  EXPECT_EQ(requests[3]["operation"], "modelSync.get");
}

TEST_F(SandboxPipelineTest, IdempotencyKeyReplaysTheFirstOutcome) {
  const httplib::Headers key = {{"Idempotency-Key", "create-once-0001"}};
  Reply first = client().Post("/api/bulk/syncs", BulkSyncBody("one"), key);
  ASSERT_EQ(first.status, 200) << first.body;
  Reply again = client().Post("/api/bulk/syncs", BulkSyncBody("two"), key);
  EXPECT_EQ(again.status, first.status);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(client().Get("/api/bulk/syncs").json["data"].size(), 1u);
  Json log = client().Requests("bulkSync.create");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1]["replayed"], true);

  // Error outcomes are replayed too.
  const httplib::Headers key2 = {{"Idempotency-Key", "create-invalid-2"}};
  Reply invalid = client().Post("/api/bulk/syncs", Json{{"name", "x"}}, key2);
  EXPECT_EQ(invalid.status, 422);
  Reply retried = client().Post("/api/bulk/syncs", BulkSyncBody(), key2);
  EXPECT_EQ(retried.status, 422);
  EXPECT_EQ(retried.body, invalid.body);

  // Keys are per organization.
  testsupport::SandboxClient other = OtherOrgClient();
  Json other_body = BulkSyncBody();
  other_body["source_connection_id"] = AddConnection(
      "pg", "postgresql", sandbox::Sandbox::OrganizationOfApiKey(kOtherKey));
  other_body["destination_connection_id"] = AddConnection(
      "sf", "snowflake", sandbox::Sandbox::OrganizationOfApiKey(kOtherKey));
  Reply other_first = other.Post("/api/bulk/syncs", other_body, key);
  EXPECT_EQ(other_first.status, 200) << other_first.body;
  EXPECT_NE(other_first.body, first.body);

  // Malformed keys are rejected; GET ignores the header.
  for (const char* bad : {"short", "has space in it", "ünïcödé-key"}) {
    Reply r = client().Post("/api/bulk/syncs", BulkSyncBody(),
                            {{"Idempotency-Key", bad}});
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_TRUE(FieldsOf(r).contains("Idempotency-Key")) << r.body;
  }
  EXPECT_EQ(client().Get("/api/bulk/syncs", {{"Idempotency-Key", "x"}}).status,
            200);
}

TEST_F(SandboxPipelineTest, RequestInFlightWithTheSameKeyIs409) {
  ASSERT_NE(
      client().AddFault({{"operation", "bulkSync.create"}, {"kind", "hold"}}),
      "");
  const httplib::Headers key = {{"Idempotency-Key", "in-flight-key-01"}};
  Reply held;
  std::thread first(
      [&] { held = client().Post("/api/bulk/syncs", BulkSyncBody(), key); });
  ASSERT_TRUE(client().WaitHeld("bulkSync.create", 1));
  Reply conflict = client().Post("/api/bulk/syncs", BulkSyncBody(), key);
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  EXPECT_EQ(conflict.json["key"], "conflict");
  EXPECT_EQ(client().Release("bulkSync.create"), 1);
  first.join();
  EXPECT_EQ(held.status, 200) << held.body;
  Reply replay = client().Post("/api/bulk/syncs", BulkSyncBody(), key);
  EXPECT_EQ(replay.body, held.body);
  EXPECT_EQ(client().Get("/api/bulk/syncs").json["data"].size(), 1u);
}

TEST_F(SandboxPipelineTest, BadBodiesAre400AndTheServerKeepsServing) {
  const httplib::Headers auth = {
      {"Authorization", std::string("Bearer ") + kKey},
      {"Content-Type", "application/json"}};
  struct Case {
    const char* name;
    std::string body;
    const char* field;
  };
  const Case cases[] = {
      {"malformed", "{\"name\": ", "(body)"},
      {"trailing garbage", "{} {}", "(body)"},
      {"array", "[1, 2]", "(body)"},
      {"string", "\"hello\"", "(body)"},
      {"deep", std::string(200, '[') + std::string(200, ']'), "(body)"},
      {"wrong type", "{\"default_schedule\": \"daily\"}", "default_schedule"},
      {"wrong nested type", "{\"additional_schedules\": [{\"frequency\": 1}]}",
       "additional_schedules[0].frequency"},
  };
  for (const Case& c : cases) {
    Reply r = client().Raw("POST", "/api/bulk/syncs", c.body, auth);
    EXPECT_EQ(r.status, 400) << c.name << ": " << r.body;
    EXPECT_EQ(r.json["status"], 400) << c.name;
    EXPECT_TRUE(FieldsOf(r).contains(c.field)) << c.name << ": " << r.body;
  }
  // A form-encoded body is not JSON, and its fields are not query
  // parameters.
  client().ClearRequests();
  Reply form =
      client().Raw("POST", "/api/bulk/syncs?x=1", "name=a&mode=b",
                   {{"Authorization", std::string("Bearer ") + kKey},
                    {"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(form.status, 400) << form.body;
  Json logged = client().Requests("bulkSync.create");
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0]["query"], (Json{{"x", "1"}}));
  EXPECT_EQ(logged[0]["body"], "name=a&mode=b");

  std::string huge = "{\"name\": \"" + std::string(1024 * 1024, 'x') + "\"}";
  Reply too_big = client().Raw("POST", "/api/bulk/syncs", huge, auth);
  EXPECT_EQ(too_big.status, 413) << too_big.error;
  EXPECT_EQ(too_big.json["status"], 413);
  EXPECT_EQ(too_big.json["key"], "payload_too_large");
  EXPECT_EQ(too_big.header("X-Polytomic-Version"), "2025-09-18");
  // Null members count as absent; the server still answers normally.
  Json with_null = BulkSyncBody();
  with_null["concurrency_limit"] = nullptr;
  Reply created = client().Post("/api/bulk/syncs", with_null);
  EXPECT_EQ(created.status, 200) << created.body;
  EXPECT_FALSE(created.json["data"].contains("concurrency_limit"));
  EXPECT_EQ(client().Get("/api/bulk/syncs").status, 200);
}

TEST_F(SandboxPipelineTest, RequestLogAndCountersRecordWithoutCredentials) {
  client().ClearRequests();
  Json sync = CreateBulkSync(BulkSyncBody());
  const std::string path = "/api/bulk/syncs/" + sync["id"].get<std::string>();
  client().Get(path + "?refresh_schemas=true");
  client().Get(path, {{"Authorization", BasicAuth(kPartnerOrg, kPartnerKey)}});
  client().Raw("GET", path, "", {});

  Json counters = client().Counters();
  EXPECT_EQ(counters["bulkSync.create"], 1);
  EXPECT_EQ(counters["bulkSync.get"], 3);
  EXPECT_EQ(client().Counter("bulkSync.delete"), 0);

  Json gets = client().Requests("bulkSync.get");
  ASSERT_EQ(gets.size(), 3u);
  EXPECT_EQ(gets[0]["method"], "GET");
  EXPECT_EQ(gets[0]["path"], path);
  EXPECT_EQ(gets[0]["query"]["refresh_schemas"], "true");
  EXPECT_EQ(gets[0]["status"], 200);
  EXPECT_EQ(gets[0]["response"]["data"]["id"], sync["id"]);
  EXPECT_EQ(gets[0]["headers"]["Authorization"], "Bearer [redacted]");
  EXPECT_EQ(gets[0]["organization_id"], sandbox_->organization_id());
  EXPECT_EQ(gets[1]["headers"]["Authorization"], "Basic [redacted]");
  EXPECT_EQ(gets[1]["status"], 404);
  EXPECT_EQ(gets[2]["status"], 401);
  EXPECT_TRUE(gets[2]["organization_id"].is_null());
  Json create = client().Requests("bulkSync.create");
  ASSERT_EQ(create.size(), 1u);
  EXPECT_EQ(create[0]["body"]["name"], "Salesforce to Snowflake");
  EXPECT_GT(create[0]["seq"].get<int>(), 0);

  const std::string everything = client().Requests().dump();
  EXPECT_EQ(everything.find(kKey), std::string::npos);
  EXPECT_EQ(everything.find(kPartnerKey), std::string::npos);
  client().ClearRequests();
  EXPECT_EQ(client().Requests().size(), 0u);
  EXPECT_EQ(client().Counters(), Json::object());
}

TEST_F(SandboxPipelineTest, LogSinkLinesNeverContainCredentials) {
  std::mutex mu;
  std::vector<std::string> lines;
  sandbox::Options options;
  options.api_keys = {kKey};
  options.org_keys = {{kPartnerOrg, kPartnerKey}};
  options.log_sink = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.push_back(line);
  };
  auto started = sandbox::Sandbox::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  testsupport::SandboxClient c((*started)->base_url(), kKey);
  c.Get("/api/bulk/syncs");
  c.Get("/api/bulk/syncs",
        {{"Authorization", BasicAuth(kPartnerOrg, kPartnerKey)}});
  c.Get("/api/bulk/syncs", {{"Authorization", "Bearer wrong-key-value"}});
  (*started)->Stop();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("bulkSync.list 200"), std::string::npos) << lines[0];
  EXPECT_NE(lines[2].find(" 401 "), std::string::npos) << lines[2];
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find(kKey), std::string::npos) << line;
    EXPECT_EQ(line.find(kPartnerKey), std::string::npos) << line;
    EXPECT_EQ(line.find("wrong-key-value"), std::string::npos) << line;
    EXPECT_EQ(line.find("Authorization"), std::string::npos) << line;
  }
}

TEST_F(SandboxPipelineTest, ResetForgetsEverything) {
  CreateBulkSync(BulkSyncBody());
  client().AddFault({{"operation", "bulkSync.list"},
                     {"kind", "status"},
                     {"status", 500},
                     {"count", 0}});
  ASSERT_EQ(client().Reset().status, 200);
  Reply list = client().Get("/api/bulk/syncs");
  EXPECT_EQ(list.status, 200);  // the fault is gone
  EXPECT_EQ(list.json["data"].size(), 0u);
  EXPECT_EQ(client().Counters(), (Json{{"bulkSync.list", 1}}));
  // Connections are gone too.
  Reply create = client().Post("/api/bulk/syncs", BulkSyncBody());
  EXPECT_EQ(create.status, 422);
  EXPECT_TRUE(FieldsOf(create).contains("source_connection_id"));
}

TEST(SandboxStartTest, KeepAliveLimitsAreOptions) {
  auto keep_alive = [](const sandbox::Options& options) {
    auto started = sandbox::Sandbox::Start(options);
    EXPECT_TRUE(started.ok()) << started.status();
    if (!started.ok()) return std::string();
    httplib::Client client((*started)->base_url());
    client.set_keep_alive(true);
    auto res = client.Get("/api/bulk/syncs",
                          {{"Authorization", std::string("Bearer ") + kKey}});
    EXPECT_TRUE(res) << httplib::to_string(res.error());
    return res ? res->get_header_value("Keep-Alive") : std::string();
  };
  sandbox::Options options;
  options.api_keys = {kKey};
  EXPECT_EQ(keep_alive(options), "timeout=2, max=100000");
  options.keep_alive_max_requests = 7;
  options.keep_alive_idle_seconds = 1;
  EXPECT_EQ(keep_alive(options), "timeout=1, max=7");
  options.keep_alive_max_requests = 0;
  EXPECT_FALSE(sandbox::Sandbox::Start(options).ok());
}

TEST(SandboxStartTest, RejectsUnusableOptions) {
  sandbox::Options none;
  EXPECT_FALSE(sandbox::Sandbox::Start(none).ok());
  sandbox::Options empty_key;
  empty_key.api_keys = {""};
  EXPECT_FALSE(sandbox::Sandbox::Start(empty_key).ok());
  sandbox::Options threads;
  threads.api_keys = {"k"};
  threads.threads = 0;
  EXPECT_FALSE(sandbox::Sandbox::Start(threads).ok());
  sandbox::Options seeded;
  seeded.api_keys = {"k"};
  seeded.seed = true;
  auto started = sandbox::Sandbox::Start(seeded);
  ASSERT_TRUE(started.ok());
  EXPECT_EQ((*started)->seed_result()["bulk_syncs"].size(), 3u);
  EXPECT_NE((*started)->port(), 0);
}

}  // namespace
}  // namespace sandbox_test
