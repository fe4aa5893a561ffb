// Bulk sync execution logs (operations 21-24): signed log URLs, log export
// jobs and the synthetic console logs with their cursors.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "tests/integration/sandbox/bulk_fixture.h"

namespace sandbox_test {
namespace {

using SandboxBulkLogTest = BulkFixture;
using Reply = testsupport::SandboxClient::Reply;

std::pair<int64_t, int64_t> Cursor(const std::string& id) {
  std::pair<int64_t, int64_t> c{-1, -1};
  size_t dash = id.find('-');
  if (dash == std::string::npos) return c;
  EXPECT_TRUE(absl::SimpleAtoi(id.substr(0, dash), &c.first)) << id;
  EXPECT_TRUE(absl::SimpleAtoi(id.substr(dash + 1), &c.second)) << id;
  return c;
}

class SandboxConsoleLogTest : public BulkFixture {
 protected:
  void SetUp() override {
    BulkFixture::SetUp();
    sync_ = CreateBulkSync(BulkSyncBody())["id"];  // three schemas
    execution_ = StartExecution(sync_)["id"];
  }
  std::string LogPath(const std::string& query = "") {
    return SyncPath(sync_) + "/executions/" + execution_ + "/consolelog" +
           query;
  }
  Json Page(const std::string& query) {
    Reply r = client().Get(LogPath(query));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json.is_object() ? r.json["data"] : Json();
  }
  std::string sync_, execution_;
};

TEST_F(SandboxConsoleLogTest, EntriesFollowTheExecution) {
  Json running = Page("");
  Json entries = running["entries"];
  ASSERT_EQ(entries.size(), 7u) << running;  // start + 2 per schema
  EXPECT_EQ(entries[0]["message"], "Execution started (manual)");
  EXPECT_EQ(entries[0]["level"], "info");
  EXPECT_EQ(entries[0]["payload"]["execution_id"], execution_);
  for (size_t i = 1; i < entries.size(); ++i) {
    EXPECT_LT(Cursor(entries[i - 1]["id"]), Cursor(entries[i]["id"]));
    EXPECT_TRUE(entries[i]["timestamp"].is_string());
  }
  EXPECT_EQ(running["next_cursor"], entries.back()["id"]);

  // Polling with the cursor: nothing new yet, the cursor stays.
  const std::string cursor = running["next_cursor"];
  Json idle = Page("?after=" + cursor);
  EXPECT_EQ(idle["entries"], Json::array());
  EXPECT_EQ(idle["next_cursor"], cursor);

  ASSERT_EQ(Finish(execution_, {{"status", "failed"},
                                {"status_message", "warehouse is suspended"}})
                .status,
            200);
  Json news = Page("?after=" + cursor);
  ASSERT_EQ(news["entries"].size(), 4u) << news;  // 3 schemas + the end
  Json last = news["entries"].back();
  EXPECT_EQ(last["level"], "error");
  EXPECT_EQ(last["message"], "Execution failed: warehouse is suspended");
  EXPECT_EQ(last["payload"]["status"], "failed");
  EXPECT_EQ(news["next_cursor"], last["id"]);
}

TEST_F(SandboxConsoleLogTest, LimitAndAfterPageThroughTheLog) {
  ASSERT_EQ(Finish(execution_, {{"status", "completed"}}).status, 200);
  Json all = Page("?limit=500");  // capped at 50: everything
  ASSERT_EQ(all["entries"].size(), 11u);
  EXPECT_EQ(all["entries"].back()["message"].get<std::string>().rfind(
                "Execution completed (", 0),
            0u);

  // Without a cursor: the newest entries.
  Json newest = Page("?limit=3");
  ASSERT_EQ(newest["entries"].size(), 3u);
  EXPECT_EQ(newest["entries"][0], all["entries"][8]);
  EXPECT_EQ(newest["entries"][2], all["entries"][10]);

  // With one: forward from it, `limit` at a time.
  std::vector<Json> walked;
  std::string after = all["entries"][0]["id"];
  for (int i = 0; i < 10; ++i) {
    Json page = Page("?limit=4&after=" + after);
    for (Json e : page["entries"]) walked.push_back(e);
    if (page["entries"].empty()) break;
    EXPECT_LE(page["entries"].size(), 4u);
    after = page["next_cursor"];
  }
  ASSERT_EQ(walked.size(), 10u);
  for (size_t i = 0; i < walked.size(); ++i) {
    EXPECT_EQ(walked[i], all["entries"][i + 1]);
  }

  Reply bad = client().Get(LogPath("?after=yesterday"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(FieldsOf(bad).contains("after"));
  EXPECT_EQ(client().Get(LogPath("?limit=many")).status, 400);
}

TEST_F(SandboxConsoleLogTest, SchemaLogsAreTheSchemasEntries) {
  ASSERT_EQ(Finish(execution_, {{"status", "completed"}}).status, 200);
  Json all = Page("");
  const std::string path = SyncPath(sync_) + "/executions/" + execution_ +
                           "/schemas/Contact/consolelog";
  Reply r = client().Get(path);
  ASSERT_EQ(r.status, 200) << r.body;
  Json entries = r.json["data"]["entries"];
  ASSERT_EQ(entries.size(), 3u);
  for (Json e : entries) {
    EXPECT_EQ(e["payload"]["schema"], "Contact");
    bool in_execution_log = false;
    for (Json x : all["entries"]) in_execution_log |= x == e;
    EXPECT_TRUE(in_execution_log) << e;
  }
  EXPECT_NE(entries.back()["message"].get<std::string>().find("completed"),
            std::string::npos);
  Reply paged = client().Get(
      path + "?limit=1&after=" + entries[0]["id"].get<std::string>());
  ASSERT_EQ(paged.json["data"]["entries"].size(), 1u);
  EXPECT_EQ(paged.json["data"]["entries"][0], entries[1]);

  // A schema that did not run in this execution, or an unknown execution.
  const std::string partial =
      StartExecution(sync_, {{"schemas", {"Account"}}})["id"];
  EXPECT_EQ(client()
                .Get(SyncPath(sync_) + "/executions/" + partial +
                     "/schemas/Contact/consolelog")
                .status,
            404);
  EXPECT_EQ(client()
                .Get(SyncPath(sync_) + "/executions/" + partial +
                     "/schemas/Account/consolelog")
                .status,
            200);
  EXPECT_EQ(
      client().Get(SyncPath(sync_) + "/executions/missing/consolelog").status,
      404);
  const std::string other = CreateBulkSync(BulkSyncBody("other"))["id"];
  EXPECT_EQ(
      client()
          .Get(SyncPath(other) + "/executions/" + execution_ + "/consolelog")
          .status,
      404);
}

TEST_F(SandboxBulkLogTest, GetLogsAnswersSignedUrlsPerSchema) {
  const std::string sync = CreateBulkSync(BulkSyncBody())["id"];
  const std::string id = RunExecution(sync, "completed");
  Reply r = client().Get(SyncPath(sync) + "/executions/" + id + "/logs");
  ASSERT_EQ(r.status, 200) << r.body;
  Json data = r.json["data"];
  EXPECT_FALSE(data.contains("expires"));  // capitalised keys
  ASSERT_TRUE(data["Expires"].is_string());
  EXPECT_GT(data["Expires"].get<std::string>(),
            Execution(sync, id)["completed_at"].get<std::string>());
  ASSERT_EQ(data["URLs"].size(), 3u);
  const char* schemas[] = {"Account", "Contact", "Opportunity"};
  for (size_t i = 0; i < 3; ++i) {
    const std::string url = data["URLs"][i];
    EXPECT_EQ(url.rfind("https://", 0), 0u) << url;
    EXPECT_NE(url.find(id), std::string::npos) << url;
    EXPECT_NE(url.find(schemas[i]), std::string::npos) << url;
  }
  EXPECT_EQ(client().Get(SyncPath(sync) + "/executions/missing/logs").status,
            404);
}

TEST_F(SandboxBulkLogTest, ExportLogsAnswersADoneJob) {
  const std::string sync = CreateBulkSync(BulkSyncBody())["id"];
  const std::string id = RunExecution(sync, "completed");
  const std::string path =
      SyncPath(sync) + "/executions/" + id + "/logs/export";
  Reply r = client().Post(path + "?notify=true", Json());
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string url = r.json["data"]["url"];
  EXPECT_NE(url.find(id), std::string::npos) << url;
  Json job = r.json["job"];
  EXPECT_EQ(job["type"], "exportlogs");
  EXPECT_EQ(job["status"], "done");
  EXPECT_EQ(job["result"]["url"], url);
  EXPECT_EQ(job["job_id"].get<std::string>().size(), 36u);
  EXPECT_EQ(client().Post(path + "?notify=often", Json()).status, 400);
  EXPECT_EQ(
      client()
          .Post(SyncPath(sync) + "/executions/missing/logs/export", Json())
          .status,
      404);
}

}  // namespace
}  // namespace sandbox_test
