// Model sync executions (operations 35-38 and 40-45, the finish hook and
// finishing by themselves) against an in-process sandbox over real HTTP.
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/integration/sandbox/model_sync_fixture.h"
#include "tests/sandbox/catalog.h"
#include "tests/sandbox/clock.h"
#include "tests/sandbox/id_generator.h"
#include "tests/sandbox/model_executions.h"
#include "tests/sandbox/operation.h"
#include "tests/sandbox/world.h"

namespace sandbox_test {
namespace {

using SandboxModelExecutionTest = ModelSyncFixture;

TEST_F(SandboxModelExecutionTest, StartRunsUntilFinishedAndStatusFollows) {
  const std::string id = CreateModelSync(ModelSyncBody())["id"];
  const std::string path = "/api/syncs/" + id;
  // A paused sync runs only test executions.
  auto paused = client().Post(path + "/executions", Json::object());
  EXPECT_EQ(paused.status, 400) << paused.body;
  std::string test_run = Start(id, {{"test", true}});
  EXPECT_EQ(client().Get(ExecutionPath(id, test_run)).json["data"]["type"],
            "test");
  ASSERT_EQ(Finish(test_run, {{"status", "completed"}}).status, 200);

  Activate(id, true);
  auto started = client().Post(path + "/executions", Json{{"resync", true}});
  ASSERT_EQ(started.status, 200) << started.body;
  const Json& s = started.json["data"];
  EXPECT_EQ(s["status"], "running");
  EXPECT_TRUE(s["created_at"].is_string());
  const std::string execution = s["id"];
  Json e = client().Get(ExecutionPath(id, execution)).json["data"];
  EXPECT_EQ(e["status"], "running");
  EXPECT_EQ(e["type"], "resync");
  EXPECT_EQ(e["started_at"], s["created_at"]);
  EXPECT_FALSE(e.contains("completed_at"));
  EXPECT_EQ(e["counts"]["total"], 0);
  EXPECT_EQ(e["errors"], Json::array());

  Json status = client().Get(path + "/status").json["data"];
  EXPECT_EQ(status["current_execution"]["id"], execution);
  EXPECT_EQ(status["last_execution"]["id"], test_run);
  EXPECT_TRUE(status["next_execution_time"].is_string());  // daily, active

  auto again = client().Post(path + "/executions", Json::object());
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.json["key"], "conflict");

  auto finished =
      Finish(execution, {{"status", "completed"},
                         {"record_count", 120},
                         {"error_count", 2},
                         {"counts", {{"insert", 100}, {"update", 18}}}});
  ASSERT_EQ(finished.status, 200) << finished.body;
  e = client().Get(ExecutionPath(id, execution)).json["data"];
  EXPECT_EQ(e["status"], "completed");
  EXPECT_TRUE(e["completed_at"].is_string());
  EXPECT_EQ(e["counts"], (Json{{"total", 120},
                               {"insert", 100},
                               {"update", 18},
                               {"delete", 0},
                               {"upserts", 118},
                               {"error", 2},
                               {"warnings", 0}}));
  ASSERT_EQ(e["errors"].size(), 1u);
  status = client().Get(path + "/status").json["data"];
  EXPECT_FALSE(status.contains("current_execution"));
  EXPECT_EQ(status["last_execution"]["id"], execution);

  // Identities need an identity mapping; this sync has one.
  std::string targeted =
      Start(id, {{"identities", Json::array({"ada@example.com"})}});
  EXPECT_FALSE(targeted.empty());
  Json no_identity = ModelSyncBody();
  no_identity["mode"] = "create";
  no_identity.erase("identity");
  const std::string other = CreateModelSync(no_identity)["id"];
  auto refused =
      client().Post("/api/syncs/" + other + "/executions",
                    Json{{"identities", Json::array({"x"})}, {"test", true}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_TRUE(FieldsOf(refused).contains("identities"));
  EXPECT_EQ(client()
                .Post("/api/syncs/" + std::string(kModel) + "/executions",
                      Json::object())
                .status,
            404);
}

TEST_F(SandboxModelExecutionTest, DeactivatingDoesNotCancelButCancelDoes) {
  const std::string id = CreateModelSync(ModelSyncBody())["id"];
  Activate(id, true);
  const std::string execution = Start(id);
  Activate(id, false);
  EXPECT_EQ(client().Get(ExecutionPath(id, execution)).json["data"]["status"],
            "running");
  EXPECT_EQ(client()
                .Get("/api/syncs/" + id + "/status")
                .json["data"]["current_execution"]["id"],
            execution);

  auto cancel = client().Post("/api/syncs/" + id + "/cancel", Json());
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(cancel.json["data"]["message"], "cancellation requested");
  Json e = client().Get(ExecutionPath(id, execution)).json["data"];
  EXPECT_EQ(e["status"], "canceled");
  EXPECT_TRUE(e.contains("completed_at"));
  cancel = client().Post("/api/syncs/" + id + "/cancel", Json());
  EXPECT_EQ(cancel.json["data"]["message"], "no execution is running");
  EXPECT_EQ(Finish(execution, {{"status", "completed"}}).status, 409);
}

TEST_F(SandboxModelExecutionTest, DeleteCancelsAndRemovesExecutions) {
  const std::string id = CreateModelSync(ModelSyncBody())["id"];
  Activate(id, true);
  const std::string execution = Start(id);
  auto deleted = client().Delete("/api/syncs/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.body, "");
  EXPECT_EQ(client().Get(ExecutionPath(id, execution)).status, 404);
  EXPECT_EQ(client().Get("/api/syncs/" + id + "/executions").status, 404);
  EXPECT_EQ(Finish(execution, {{"status", "completed"}}).status, 404);
}

TEST_F(SandboxModelExecutionTest, CancelOneExecution) {
  const std::string id = CreateModelSync(ModelSyncBody())["id"];
  const std::string other = CreateModelSync(ModelSyncBody("other"))["id"];
  const std::string execution = Start(id, {{"test", true}});
  EXPECT_EQ(
      client().Post(ExecutionPath(other, execution) + "/cancel", Json()).status,
      404);
  auto r = client().Post(ExecutionPath(id, execution) + "/cancel", Json());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["data"]["message"], "cancellation requested");
  EXPECT_EQ(client().Get(ExecutionPath(id, execution)).json["data"]["status"],
            "canceled");
  r = client().Post(ExecutionPath(id, execution) + "/cancel", Json());
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(client().Post(ExecutionPath(id, kModel) + "/cancel", Json()).status,
            404);
  // The sync can run again.
  EXPECT_FALSE(Start(id, {{"test", true}}).empty());
}

TEST_F(SandboxModelExecutionTest, ExecutionsPaginateNewestFirst) {
  const std::string id = CreateModelSync(ModelSyncBody())["id"];
  std::vector<std::string> started;  // oldest first
  for (int i = 0; i < 51; ++i) {
    started.push_back(Start(id, {{"test", true}}));
    ASSERT_EQ(Finish(started.back(), {{"status", "completed"}}).status, 200);
  }
  started.push_back(Start(id, {{"test", true}}));  // still running
  const std::string list = "/api/syncs/" + id + "/executions";

  auto first = client().Get(list);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(first.json["data"].size(), 50u);
  EXPECT_EQ(first.json["data"][0]["id"], started[51]);
  EXPECT_EQ(first.json["data"][49]["id"], started[2]);
  const std::string token = first.json["pagination"]["next_page_token"];
  auto second = client().Get(list + "?page_token=" + token);
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_EQ(second.json["data"].size(), 2u);
  EXPECT_EQ(second.json["data"][1]["id"], started[0]);
  EXPECT_FALSE(second.json["pagination"].contains("next_page_token"));

  auto ascending = client().Get(list + "?ascending=true");
  ASSERT_EQ(ascending.json["data"].size(), 50u);
  EXPECT_EQ(ascending.json["data"][0]["id"], started[0]);
  const std::string asc_token = ascending.json["pagination"]["next_page_token"];
  auto rest = client().Get(list + "?ascending=true&page_token=" + asc_token);
  ASSERT_EQ(rest.json["data"].size(), 2u);
  EXPECT_EQ(rest.json["data"][1]["id"], started[51]);

  auto completed = client().Get(list + "?only_completed=true");
  EXPECT_EQ(completed.json["data"][0]["id"], started[50]);
  auto completed_rest =
      client().Get(list + "?only_completed=true&page_token=" +
                   completed.json["pagination"].value("next_page_token", ""));
  ASSERT_EQ(completed_rest.status, 200) << completed_rest.body;
  EXPECT_EQ(completed_rest.json["data"].size(), 1u);

  // Tokens belong to the listing that issued them.
  EXPECT_EQ(client().Get(list + "?page_token=" + asc_token).status, 400);
  EXPECT_EQ(client().Get(list + "?page_token=not-a-token").status, 400);
  const std::string other = CreateModelSync(ModelSyncBody("other"))["id"];
  EXPECT_EQ(client()
                .Get("/api/syncs/" + other + "/executions?page_token=" + token)
                .status,
            400);
  EXPECT_EQ(client().Get(list + "?ascending=up").status, 400);
  EXPECT_EQ(
      client().Get("/api/syncs/" + std::string(kModel) + "/executions").status,
      404);
}

TEST_F(SandboxModelExecutionTest, ConsoleLogsPageWithCursor) {
  const std::string id = CreateModelSync(ModelSyncBody())["id"];
  const std::string execution = Start(id, {{"test", true}});
  const std::string path = ExecutionPath(id, execution) + "/consolelog";
  auto r = client().Get(path);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json["data"]["entries"].size(), 2u);  // queued, started
  const std::string cursor = r.json["data"]["next_cursor"];
  EXPECT_EQ(cursor, r.json["data"]["entries"][1]["id"]);
  auto nothing_new = client().Get(path + "?after=" + cursor);
  EXPECT_EQ(nothing_new.json["data"]["entries"].size(), 0u);
  EXPECT_EQ(nothing_new.json["data"]["next_cursor"], cursor);

  ASSERT_EQ(Finish(execution, {{"status", "failed"},
                               {"record_count", 10},
                               {"status_message", "target rejected batch"}})
                .status,
            200);
  auto newer = client().Get(path + "?after=" + cursor);
  ASSERT_EQ(newer.json["data"]["entries"].size(), 2u) << newer.body;
  EXPECT_EQ(newer.json["data"]["entries"][1]["level"], "error");
  EXPECT_EQ(newer.json["data"]["entries"][1]["message"],
            "Execution failed: target rejected batch");
  auto latest = client().Get(path + "?limit=1");
  ASSERT_EQ(latest.json["data"]["entries"].size(), 1u);
  EXPECT_EQ(latest.json["data"]["entries"][0],
            newer.json["data"]["entries"][1]);
  auto one_after = client().Get(path + "?limit=1&after=" + cursor);
  ASSERT_EQ(one_after.json["data"]["entries"].size(), 1u);
  EXPECT_EQ(one_after.json["data"]["entries"][0],
            newer.json["data"]["entries"][0]);
  EXPECT_EQ(client().Get(path + "?limit=500").json["data"]["entries"].size(),
            4u);
  auto bad = client().Get(path + "?after=yesterday");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(FieldsOf(bad).contains("after"));
  EXPECT_EQ(client().Get(path + "?limit=x").status, 400);
  EXPECT_EQ(client().Get(ExecutionPath(id, kModel) + "/consolelog").status,
            404);
}

TEST_F(SandboxModelExecutionTest, LogUrlsAndLogFiles) {
  const std::string id = CreateModelSync(ModelSyncBody())["id"];
  const std::string execution = Start(id, {{"test", true}});
  const std::string base = ExecutionPath(id, execution);
  auto running = client().Get(base + "/records");
  ASSERT_EQ(running.status, 200) << running.body;
  EXPECT_EQ(running.json["data"]["urls"], Json::array());

  ASSERT_EQ(Finish(execution, {{"status", "completed"},
                               {"record_count", 25000},
                               {"error_count", 3},
                               {"counts", {{"insert", 24997}}}})
                .status,
            200);
  auto records = client().Get(base + "/records");
  ASSERT_EQ(records.status, 200) << records.body;
  EXPECT_TRUE(records.json["data"]["expires"].is_string());
  const Json& urls = records.json["data"]["urls"];
  ASSERT_EQ(urls.size(), 3u);  // 10,000 records a file
  std::vector<std::string> files;
  for (const Json& url : urls) {
    const std::string u = url;
    files.push_back(u.substr(u.rfind('/') + 1));
  }
  EXPECT_EQ(files, (std::vector<std::string>{"records-00000.jsonl",
                                             "records-00001.jsonl",
                                             "records-00002.jsonl"}));
  EXPECT_EQ(client().Get(base + "/errors").json["data"]["urls"].size(), 1u);
  EXPECT_EQ(client().Get(base + "/deletes").json["data"]["urls"].size(), 0u);
  for (const char* type : {"warnings", "inserts", "updates"}) {
    EXPECT_EQ(client().Get(base + "/" + type).status, 200) << type;
  }
  auto bad_type = client().Get(base + "/everything");
  EXPECT_EQ(bad_type.status, 400);
  EXPECT_TRUE(FieldsOf(bad_type).contains("type"));

  auto file = client().Get(base + "/records/" + files[2]);
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, "");
  EXPECT_EQ(client().Get(base + "/records/records-00003.jsonl").status, 404);
  EXPECT_EQ(client().Get(base + "/deletes/deletes-00000.jsonl").status, 404);
  EXPECT_EQ(client().Get(base + "/errors/records-00000.jsonl").status, 404);
  EXPECT_EQ(client().Get(base + "/everything/" + files[0]).status, 400);
  EXPECT_EQ(client().Get(ExecutionPath(id, kModel) + "/records").status, 404);
}

TEST_F(SandboxModelExecutionTest, FinishHookValidatesItsBody) {
  const std::string id = CreateModelSync(ModelSyncBody())["id"];
  const std::string execution = Start(id, {{"test", true}});
  auto r = Finish(execution, Json::object());
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(FieldsOf(r).contains("status"));
  EXPECT_EQ(Finish(execution, {{"status", "exploded"}}).status, 400);
  EXPECT_EQ(Finish(execution, {{"status", "errors"}}).status, 400);  // bulk
  r = Finish(execution, {{"status", "completed"}, {"record_count", -1}});
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(FieldsOf(r).contains("record_count"));
  r = Finish(
      execution,
      {{"status", "completed"}, {"record_count", 1}, {"error_count", 2}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Finish(kModel, {{"status", "completed"}}).status, 404);

  // A non-terminal status moves the execution on; it still runs.
  r = Finish(execution, {{"status", "processing"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["status"], "processing");
  EXPECT_EQ(client()
                .Post("/api/syncs/" + id + "/executions", Json{{"test", true}})
                .status,
            409);
  r = Finish(execution, {{"status", "interrupted"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["status"], "interrupted");
  EXPECT_EQ(Finish(execution, {{"status", "completed"}}).status, 409);
}

// Finishing by themselves is lazy and needs time to pass, so it is checked
// on the library with an injected clock rather than over HTTP.
TEST(SandboxModelExecutionLifecycleTest,
     FinishesByItselfAfterExecutionSeconds) {
  absl::Time now = absl::FromUnixSeconds(1800000000);
  sandbox::Catalog catalog;
  sandbox::Clock clock([&now] { return now; });
  sandbox::IdGenerator ids;
  sandbox::Env env{catalog, clock, ids, /*execution_seconds=*/60};
  sandbox::ModelSyncRecord sync;
  const std::string id =
      sandbox::StartModelExecution(sync, env, "manual", Json::object())["id"];
  now += absl::Seconds(59);
  sandbox::AdvanceModelExecutions(sync, env);
  EXPECT_EQ(sync.executions[0]["status"], "running");
  now += absl::Seconds(30);
  sandbox::AdvanceModelExecutions(sync, env);
  EXPECT_EQ(sync.executions[0]["status"], "completed");
  // It finished when it was due, not when someone looked.
  EXPECT_EQ(sync.executions[0]["completed_at"],
            sandbox::Clock::Format(absl::FromUnixSeconds(1800000060)));
  EXPECT_EQ(sync.console_logs[id].back()["message"], "Execution completed");

  env.execution_seconds = 0;  // never by itself
  sandbox::StartModelExecution(sync, env, "manual", Json::object());
  now += absl::Hours(24);
  sandbox::AdvanceModelExecutions(sync, env);
  EXPECT_EQ(sync.executions[1]["status"], "running");
}

}  // namespace
}  // namespace sandbox_test
