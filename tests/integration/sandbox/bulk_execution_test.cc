// Bulk sync executions (operations 8-9, 17-20) and the finish hook against
// an in-process sandbox over real HTTP. Time never passes on its own here:
// executions finish through the hook, or through an injected clock.
#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/integration/sandbox/bulk_fixture.h"

namespace sandbox_test {
namespace {

using SandboxBulkExecutionTest = BulkFixture;
using Reply = testsupport::SandboxClient::Reply;

TEST_F(SandboxBulkExecutionTest, StartCreatesARunningExecution) {
  Json body = BulkSyncBody();
  body["schemas"] = {"Account", "Contact"};
  const std::string sync = CreateBulkSync(body)["id"];  // inactive
  Json e = StartExecution(sync);
  EXPECT_EQ(e["status"], "running");
  EXPECT_EQ(e["type"], "manual");
  EXPECT_EQ(e["is_test"], false);
  EXPECT_EQ(e["is_resync"], false);
  EXPECT_EQ(e["is_partial"], false);
  EXPECT_EQ(e["fetch_mode"], "none");
  EXPECT_EQ(e["output_disposition"], "retain");
  EXPECT_EQ(e["record_count"], 0);
  EXPECT_EQ(e["error_count"], 0);
  EXPECT_EQ(e["warning_count"], 0);
  EXPECT_EQ(e["created_at"], e["started_at"]);
  EXPECT_FALSE(e.contains("completed_at"));
  ASSERT_EQ(e["schemas"].size(), 2u);  // the enabled ones only
  EXPECT_EQ(e["schemas"][0]["schema"], "Account");
  EXPECT_EQ(e["schemas"][0]["output_name"], "account");
  EXPECT_EQ(e["schemas"][0]["status"], "running");
  EXPECT_EQ(e["schemas"][1]["schema"], "Contact");
  EXPECT_EQ(Execution(sync, e["id"]), e);

  // Another start while it runs is a conflict.
  Reply again = client().Post(SyncPath(sync) + "/executions", Json::object());
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.json["key"], "conflict");
  Reply runs = client().Get(SyncPath(sync) + "/executions");
  EXPECT_EQ(runs.json["data"].size(), 1u);
}

TEST_F(SandboxBulkExecutionTest, StartModesAndTheirDispositions) {
  const std::string sync = CreateBulkSync(BulkSyncBody())["id"];
  struct Case {
    Json body;
    bool is_resync;
    const char* disposition;
  };
  const Case cases[] = {
      {{{"resync_mode", "resync"}}, true, "truncate"},
      {{{"resync_mode", "rebuild"}}, true, "rebuild"},
      {{{"resync_mode", "refetch"}, {"fetch_mode", "full"}}, true, "retain"},
      {{{"test", true}, {"schemas", {"Contact"}}}, false, "retain"},
  };
  for (const Case& c : cases) {
    Json e = StartExecution(sync, c.body);
    EXPECT_EQ(e["is_resync"], c.is_resync) << c.body;
    EXPECT_EQ(e["output_disposition"], c.disposition) << c.body;
    EXPECT_EQ(e["fetch_mode"], c.body.value("fetch_mode", "none"));
    EXPECT_EQ(e["is_test"], c.body.value("test", false));
    EXPECT_EQ(e["is_partial"], c.body.contains("schemas"));
    EXPECT_EQ(e["schemas"].size(), c.body.contains("schemas") ? 1u : 3u);
    ASSERT_EQ(Finish(e["id"], {{"status", "completed"}}).status, 200);
  }
}

TEST_F(SandboxBulkExecutionTest, StartRejectsBadRequests) {
  Json body = BulkSyncBody();
  body["schemas"] = {"Account"};
  const std::string sync = CreateBulkSync(body)["id"];
  const std::string path = SyncPath(sync) + "/executions";

  Reply both = client().Post(path, {{"test", true}, {"resync_mode", "resync"}});
  EXPECT_EQ(both.status, 400) << both.body;
  EXPECT_TRUE(FieldsOf(both).contains("test"));
  EXPECT_TRUE(FieldsOf(both).contains("resync_mode"));

  Reply schemas =
      client().Post(path, {{"schemas", {"Account", "Contact", "Nope"}}});
  EXPECT_EQ(schemas.status, 400) << schemas.body;
  EXPECT_FALSE(FieldsOf(schemas).contains("schemas[0]"));
  EXPECT_TRUE(FieldsOf(schemas).contains("schemas[1]"));  // disabled
  EXPECT_TRUE(FieldsOf(schemas).contains("schemas[2]"));  // unknown

  Reply mode = client().Post(path, {{"resync_mode", "everything"}});
  EXPECT_EQ(mode.status, 400);
  EXPECT_EQ(
      client().Post(SyncPath("missing") + "/executions", Json::object()).status,
      404);
  // Nothing was started by the rejected requests.
  EXPECT_EQ(client().Get(path).json["data"].size(), 0u);
}

TEST_F(SandboxBulkExecutionTest, FinishHookFinishesAndValidates) {
  const std::string sync = CreateBulkSync(BulkSyncBody())["id"];
  const std::string id = StartExecution(sync)["id"];

  EXPECT_EQ(Finish(id, {{"status", "done"}}).status, 400);
  EXPECT_EQ(Finish(id, Json::object()).status, 400);
  EXPECT_EQ(Finish(id, {{"status", "completed"}, {"record_count", -1}}).status,
            400);
  EXPECT_EQ(Finish("no-such-execution", {{"status", "completed"}}).status, 404);

  // A non-terminal status moves the execution on; it stays current.
  Reply exporting = Finish(id, {{"status", "exporting"}});
  ASSERT_EQ(exporting.status, 200) << exporting.body;
  EXPECT_EQ(exporting.json["status"], "exporting");
  EXPECT_FALSE(exporting.json.contains("completed_at"));
  Json status = client().Get(SyncPath(sync) + "/status").json["data"];
  EXPECT_EQ(status["current_execution"]["id"], id);

  Reply done = Finish(id, {{"status", "failed"},
                           {"record_count", 10},
                           {"error_count", 3},
                           {"warning_count", 1},
                           {"status_message", "destination rejected rows"}});
  ASSERT_EQ(done.status, 200) << done.body;
  Json e = Execution(sync, id);
  EXPECT_EQ(e, done.json);
  EXPECT_EQ(e["status"], "failed");
  EXPECT_EQ(e["record_count"], 10);
  EXPECT_EQ(e["error_count"], 3);
  EXPECT_EQ(e["warning_count"], 1);
  EXPECT_EQ(e["status_message"], "destination rejected rows");
  EXPECT_TRUE(e.contains("completed_at"));
  int64_t records = 0;
  for (Json s : e["schemas"]) {
    EXPECT_EQ(s["status"], "failed");
    EXPECT_EQ(s["completed_at"], e["completed_at"]);
    records += s["record_count"].get<int64_t>();
  }
  EXPECT_EQ(records, 10);  // spread over the schemas

  Reply twice = Finish(id, {{"status", "completed"}});
  EXPECT_EQ(twice.status, 409);
  // The next run can start now.
  StartExecution(sync);
}

TEST_F(SandboxBulkExecutionTest, CompletedWithoutCountsGetsRecordCounts) {
  const std::string sync = CreateBulkSync(BulkSyncBody())["id"];
  const std::string id = RunExecution(sync, "completed");
  Json e = Execution(sync, id);
  int64_t records = 0;
  for (Json s : e["schemas"]) {
    EXPECT_EQ(s["status"], "completed");
    EXPECT_GT(s["record_count"].get<int64_t>(), 0);
    records += s["record_count"].get<int64_t>();
  }
  EXPECT_EQ(e["record_count"], records);
}

TEST_F(SandboxBulkExecutionTest, GetStatusReportsCurrentLastAndNext) {
  Json body = BulkSyncBody();
  body["active"] = true;  // daily at 02:30 UTC
  const std::string sync = CreateBulkSync(body)["id"];
  Json status = client().Get(SyncPath(sync) + "/status").json["data"];
  EXPECT_FALSE(status.contains("current_execution"));
  EXPECT_FALSE(status.contains("last_execution"));
  const std::string next = status.value("next_execution_time", "");
  ASSERT_EQ(next.size(), 24u) << status;
  EXPECT_EQ(next.substr(10), "T02:30:00.000Z");
  EXPECT_EQ(
      status["ingestion_status"],
      (Json{{"enabled", false}, {"is_running", false}, {"status", "ok"}}));

  const std::string first = RunExecution(sync, "completed");
  const std::string second = StartExecution(sync)["id"];
  status = client().Get(SyncPath(sync) + "/status").json["data"];
  EXPECT_EQ(status["current_execution"]["id"], second);
  EXPECT_EQ(status["last_execution"]["id"], first);

  // Inactive syncs do not run on their schedule; manual ones never do.
  client().Post(SyncPath(sync) + "/activate", {{"active", false}});
  status = client().Get(SyncPath(sync) + "/status").json["data"];
  EXPECT_FALSE(status.contains("next_execution_time"));
  EXPECT_FALSE(status.contains("current_execution"));  // canceled
  EXPECT_EQ(status["last_execution"]["id"], second);
  EXPECT_EQ(client().Get(SyncPath("missing") + "/status").status, 404);
}

TEST_F(SandboxBulkExecutionTest, HourlyAndWeeklyNextExecutionTimes) {
  Json hourly = BulkSyncBody();
  hourly["active"] = true;
  hourly["default_schedule"] = {{"frequency", "hourly"}, {"minute", "45"}};
  Json weekly = hourly;
  weekly["default_schedule"] = {
      {"frequency", "weekly"}, {"day_of_week", "sunday"}, {"hour", "6"}};
  Json manual = hourly;
  manual["default_schedule"] = {{"frequency", "manual"}};
  auto next = [&](const Json& body) {
    const std::string id = CreateBulkSync(body)["id"];
    return client()
        .Get(SyncPath(id) + "/status")
        .json["data"]
        .value("next_execution_time", "");
  };
  EXPECT_EQ(next(hourly).substr(13), ":45:00.000Z");
  const std::string sunday = next(weekly);
  ASSERT_FALSE(sunday.empty());
  EXPECT_EQ(sunday.substr(10), "T06:00:00.000Z");
  absl::Time t;
  std::string err;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, sunday, &t, &err)) << err;
  EXPECT_EQ(absl::GetWeekday(absl::ToCivilDay(t, absl::UTCTimeZone())),
            absl::Weekday::sunday);
  EXPECT_EQ(next(manual), "");
}

TEST_F(SandboxBulkExecutionTest, CdcSourceReportsIngestion) {
  Json body = BulkSyncBody();
  body["source_connection_id"] = postgres_;
  body["source_configuration"] = {{"replication_slot", "slot_a"}};
  body["active"] = true;
  const std::string sync = CreateBulkSync(body)["id"];
  Json ingestion =
      client().Get(SyncPath(sync) + "/status").json["data"]["ingestion_status"];
  EXPECT_EQ(ingestion["enabled"], true);
  EXPECT_EQ(ingestion["is_running"], true);
  EXPECT_EQ(ingestion["status"], "ok");
}

TEST_F(SandboxBulkExecutionTest, CancelExecution) {
  const std::string sync = CreateBulkSync(BulkSyncBody())["id"];
  const std::string id = StartExecution(sync)["id"];
  const std::string path = SyncPath(sync) + "/executions/" + id + "/cancel";
  Reply cancel = client().Post(path, Json());
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(cancel.json["data"]["message"], "cancellation requested");
  Json e = Execution(sync, id);
  EXPECT_EQ(e["status"], "canceled");
  EXPECT_TRUE(e.contains("completed_at"));
  for (Json s : e["schemas"]) EXPECT_EQ(s["status"], "canceled");

  // Cancelling a finished execution changes nothing.
  Reply again = client().Post(path, Json());
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.json["data"]["message"], "cancellation requested");
  EXPECT_EQ(Execution(sync, id), e);
  EXPECT_EQ(client()
                .Post(SyncPath(sync) + "/executions/missing/cancel", Json())
                .status,
            404);
}

TEST_F(SandboxBulkExecutionTest, DeactivatingCancelsTheRunningExecution) {
  const std::string sync = CreateBulkSync(BulkSyncBody())["id"];
  const std::string done = RunExecution(sync, "completed");
  const std::string running = StartExecution(sync)["id"];
  ASSERT_EQ(
      client().Post(SyncPath(sync) + "/activate", {{"active", false}}).status,
      200);
  EXPECT_EQ(Execution(sync, running)["status"], "canceled");
  EXPECT_EQ(Execution(sync, done)["status"], "completed");
  EXPECT_EQ(Finish(running, {{"status", "completed"}}).status, 409);
}

TEST_F(SandboxBulkExecutionTest, DeleteRemovesExecutionsSchedulesAndSchemas) {
  Json body = BulkSyncBody();
  body["additional_schedules"] = {{{"frequency", "hourly"}}};
  const std::string sync = CreateBulkSync(body)["id"];
  RunExecution(sync, "completed");
  const std::string running = StartExecution(sync)["id"];
  ASSERT_EQ(client().Delete(SyncPath(sync)).status, 200);
  EXPECT_EQ(client().Get(SyncPath(sync) + "/executions").status, 404);
  EXPECT_EQ(client().Get(SyncPath(sync) + "/executions/" + running).status,
            404);
  EXPECT_EQ(client().Get(SyncPath(sync) + "/schedules").status, 404);
  EXPECT_EQ(client().Get(SyncPath(sync) + "/schemas").status, 404);
  EXPECT_EQ(client().Get(SyncPath(sync) + "/schemas/Account").status, 404);
  // The running execution went with it: the hook no longer finds it.
  EXPECT_EQ(Finish(running, {{"status", "completed"}}).status, 404);
}

TEST_F(SandboxBulkExecutionTest, ExecutionsArePerSyncAndPerOrganization) {
  const std::string a = CreateBulkSync(BulkSyncBody("a"))["id"];
  const std::string b = CreateBulkSync(BulkSyncBody("b"))["id"];
  const std::string id = RunExecution(a, "completed");
  EXPECT_EQ(client().Get(SyncPath(b) + "/executions/" + id).status, 404);
  testsupport::SandboxClient other = OtherOrgClient();
  EXPECT_EQ(other.Get(SyncPath(a) + "/executions/" + id).status, 404);
  EXPECT_EQ(other.Get(SyncPath(a) + "/executions").status, 404);
}

TEST_F(SandboxBulkExecutionTest, ListPaginatesInEveryOrder) {
  const std::string sync = CreateBulkSync(BulkSyncBody())["id"];
  std::vector<std::string> started;  // oldest first
  for (int i = 0; i < 4; ++i) started.push_back(RunExecution(sync, "failed"));
  started.push_back(StartExecution(sync)["id"]);  // running
  const std::string path = SyncPath(sync) + "/executions";

  auto walk = [&](const std::string& query) {
    std::vector<std::string> ids;
    std::string token;
    for (int page = 0; page < 10; ++page) {
      std::string url = path + "?limit=2" + query;
      if (!token.empty()) url += "&page_token=" + token;
      Reply r = client().Get(url);
      EXPECT_EQ(r.status, 200) << r.body;
      EXPECT_LE(r.json["data"].size(), 2u);
      for (const std::string& id : Ids(r.json["data"])) ids.push_back(id);
      token = r.json["pagination"].value("next_page_token", "");
      if (token.empty()) break;
    }
    return ids;
  };
  const std::vector<std::string> newest_first(started.rbegin(), started.rend());
  EXPECT_EQ(walk(""), newest_first);
  EXPECT_EQ(walk("&ascending=true"), started);
  // Terminal only, by updated_at: finishing order.
  const std::vector<std::string> finished(started.begin(), started.end() - 1);
  EXPECT_EQ(walk("&only_terminal=true&ascending=true"), finished);
  EXPECT_EQ(walk("&only_terminal=true"),
            std::vector<std::string>(finished.rbegin(), finished.rend()));

  // Without limit: one page of everything.
  Reply all = client().Get(path);
  EXPECT_EQ(Ids(all.json["data"]), newest_first);
  EXPECT_FALSE(all.json["pagination"].contains("next_page_token"));

  // Tokens: unknown ones, and ones of another listing order, are 400.
  EXPECT_EQ(client().Get(path + "?page_token=bogus").status, 400);
  const std::string token =
      client().Get(path + "?limit=2").json["pagination"]["next_page_token"];
  EXPECT_EQ(client().Get(path + "?ascending=true&page_token=" + token).status,
            400);
  EXPECT_EQ(client().Get(path + "?limit=2&page_token=" + token).status, 200);
  EXPECT_EQ(client().Get(path + "?only_terminal=maybe").status, 400);
}

TEST_F(SandboxBulkExecutionTest, ListStatusSummarizesSyncs) {
  Json body = BulkSyncBody("active");
  body["active"] = true;
  body["schemas"] = {"Account", "Contact"};
  const std::string active = CreateBulkSync(body)["id"];
  const std::string idle = CreateBulkSync(BulkSyncBody("idle"))["id"];
  const std::string done = RunExecution(active, "completed");
  // A second run of Account only, still running: it wins for Account.
  const std::string running =
      StartExecution(active, {{"schemas", {"Account"}}})["id"];

  Reply one = client().Get("/api/bulk/syncs/status?sync_id=" + active);
  ASSERT_EQ(one.status, 200) << one.body;
  ASSERT_EQ(one.json["data"].size(), 1u);
  Json s = one.json["data"][0];
  EXPECT_EQ(s["sync_id"], active);
  EXPECT_EQ(s["status"], "running");
  EXPECT_TRUE(s.contains("nextExecutionTime"));
  EXPECT_FALSE(s.contains("next_execution_time"));
  ASSERT_EQ(s["schemas"].size(), 2u);
  EXPECT_EQ(s["schemas"][0]["schema"], "Account");
  EXPECT_EQ(s["schemas"][0]["execution_id"], running);
  EXPECT_EQ(s["schemas"][0]["status"], "running");
  EXPECT_EQ(s["schemas"][1]["schema"], "Contact");
  EXPECT_EQ(s["schemas"][1]["execution_id"], done);
  EXPECT_EQ(s["schemas"][1]["status"], "completed");
  EXPECT_TRUE(s["schemas"][1].contains("completed_at"));

  Reply both = client().Get("/api/bulk/syncs/status?sync_id=" + idle +
                            "&sync_id=" + active);
  ASSERT_EQ(both.json["data"].size(), 2u);
  EXPECT_EQ(both.json["data"][0]["sync_id"], idle);
  EXPECT_FALSE(both.json["data"][0].contains("status"));  // never ran
  EXPECT_EQ(both.json["data"][0]["schemas"], Json::array());

  Reply all = client().Get("/api/bulk/syncs/status?all=true&sync_id=" + idle);
  EXPECT_EQ(all.json["data"].size(), 2u);
  Reply only_active = client().Get("/api/bulk/syncs/status?active=true");
  ASSERT_EQ(only_active.json["data"].size(), 1u);
  EXPECT_EQ(only_active.json["data"][0]["sync_id"], active);
  EXPECT_EQ(client().Get("/api/bulk/syncs/status").json["data"], Json::array());
  Reply unknown =
      client().Get("/api/bulk/syncs/status?sync_id=" + active + "&sync_id=x");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(client().Get("/api/bulk/syncs/status?all=yes").status, 400);
  // Another organization sees none of them.
  EXPECT_EQ(
      OtherOrgClient().Get("/api/bulk/syncs/status?all=true").json["data"],
      Json::array());
}

TEST(SandboxBulkExecutionClockTest, ExecutionsFinishAfterExecutionSeconds) {
  // The sandbox reads this clock; the test moves it, nothing sleeps.
  auto now_ms =
      std::make_shared<std::atomic<int64_t>>(absl::ToUnixMillis(absl::FromCivil(
          absl::CivilSecond(2030, 1, 7, 12, 0, 0), absl::UTCTimeZone())));
  sandbox::Options options;
  options.api_keys = {kKey};
  options.execution_seconds = 60;
  options.now = [now_ms] { return absl::FromUnixMillis(now_ms->load()); };
  auto started = sandbox::Sandbox::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  testsupport::SandboxClient c((*started)->base_url(), kKey);
  const std::string sf = c.AddConnection("sf", "salesforce").json["id"];
  const std::string snow = c.AddConnection("sn", "snowflake").json["id"];
  Reply created = c.Post("/api/bulk/syncs",
                         {{"name", "clocked"},
                          {"source_connection_id", sf},
                          {"destination_connection_id", snow},
                          {"destination_configuration", {{"schema", "raw"}}},
                          {"default_schedule", {{"frequency", "manual"}}}});
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string path =
      "/api/bulk/syncs/" + created.json["data"]["id"].get<std::string>();
  Reply run = c.Post(path + "/executions", Json::object());
  ASSERT_EQ(run.status, 200) << run.body;
  const std::string id = run.json["data"]["id"];
  // Stamps are strictly increasing, so the earlier writes took the first
  // milliseconds of the frozen clock.
  absl::Time started_at;
  std::string err;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full,
                              run.json["data"]["started_at"].get<std::string>(),
                              &started_at, &err))
      << err;
  EXPECT_LT(started_at - absl::FromUnixMillis(now_ms->load()),
            absl::Seconds(1));

  *now_ms += 59 * 1000;
  EXPECT_EQ(c.Get(path + "/executions/" + id).json["data"]["status"],
            "running");
  EXPECT_EQ(c.Post(path + "/executions", Json::object()).status, 409);

  *now_ms += 2 * 1000;
  Json e = c.Get(path + "/executions/" + id).json["data"];
  EXPECT_EQ(e["status"], "completed");
  EXPECT_EQ(e["completed_at"], absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ",
                                                started_at + absl::Seconds(60),
                                                absl::UTCTimeZone()));
  EXPECT_GT(e["record_count"].get<int64_t>(), 0);
  // The next one can start, and the finished one cannot be finished again.
  EXPECT_EQ(c.Post(path + "/executions", Json::object()).status, 200);
  Reply again = c.Raw("POST", "/_sandbox/executions/" + id + "/finish",
                      R"({"status": "failed"})", {});
  EXPECT_EQ(again.status, 409);
}

TEST(SandboxBulkExecutionSeedTest, SeedHasExecutionHistory) {
  sandbox::Options options;
  options.api_keys = {kKey};
  options.seed = true;
  auto started = sandbox::Sandbox::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  testsupport::SandboxClient c((*started)->base_url(), kKey);
  Json seeded = (*started)->seed_result();
  ASSERT_EQ(seeded["bulk_syncs"].size(), 3u);
  std::vector<std::string> statuses;
  for (Json id : seeded["bulk_syncs"]) {
    const std::string path = "/api/bulk/syncs/" + id.get<std::string>();
    Reply list = c.Get(path + "/executions");
    ASSERT_EQ(list.status, 200);
    EXPECT_FALSE(list.json["data"].empty());
    for (Json e : list.json["data"]) {
      statuses.push_back(e["status"]);
      EXPECT_TRUE(e.contains("completed_at"));
      EXPECT_LT(e["started_at"].get<std::string>(),
                e["completed_at"].get<std::string>());
    }
    EXPECT_TRUE(
        c.Get(path + "/status").json["data"].contains("last_execution"));
  }
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), "failed"),
            statuses.end());
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), "completed"),
            statuses.end());
  Reply schedules =
      c.Get("/api/bulk/syncs/" + seeded["bulk_syncs"][1].get<std::string>() +
            "/schedules");
  ASSERT_EQ(schedules.json["data"].size(), 2u);
  EXPECT_EQ(schedules.json["data"][1]["syncMode"], "refetch");
}

}  // namespace
}  // namespace sandbox_test
