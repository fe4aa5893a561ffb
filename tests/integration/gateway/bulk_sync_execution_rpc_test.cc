// BulkSyncExecutionService through a real channel against the sandbox: each
// RPC's upstream call, its response field by field, and what the sandbox
// holds afterwards.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "polytomic/v1/bulk_sync_execution.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {
namespace {

using polytomic::v1::BulkSyncExecutionService;
namespace v1 = polytomic::v1;

class BulkSyncExecutionRpcTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    if (harness_ != nullptr) stub_ = Stub<BulkSyncExecutionService>();
  }

  static std::string ExecutionsPath(const std::string& sync_id) {
    return "/api/bulk/syncs/" + sync_id + "/executions";
  }

  // HeldExecutions lists a sync's executions straight from the sandbox,
  // oldest first.
  Json HeldExecutions(const std::string& sync_id) {
    auto held = upstream().Get(ExecutionsPath(sync_id) + "?ascending=true");
    EXPECT_EQ(held.status, 200) << held.body;
    return held.json["data"];
  }

  // LatestExecution is the id of the newest execution of a sync.
  std::string LatestExecution(const std::string& sync_id) {
    Json executions = HeldExecutions(sync_id);
    EXPECT_FALSE(executions.empty());
    return executions.empty() ? "" : executions.back()["id"].get<std::string>();
  }

  // StartDirectly starts an execution through the sandbox, not the gateway.
  std::string StartDirectly(const std::string& sync_id) {
    auto started = upstream().Post(ExecutionsPath(sync_id), Json::object());
    EXPECT_EQ(started.status, 200) << started.body;
    return started.json["data"].value("id", "");
  }

  // HeldConsoleLog is an execution's whole console log (it has fewer than
  // 50 entries), oldest first.
  Json HeldConsoleLog(const std::string& sync_id,
                      const std::string& execution_id) {
    auto held = upstream().Get(ExecutionsPath(sync_id) + "/" + execution_id +
                               "/consolelog");
    EXPECT_EQ(held.status, 200) << held.body;
    return held.json["data"]["entries"];
  }

  std::unique_ptr<BulkSyncExecutionService::Stub> stub_;
};

TEST_F(BulkSyncExecutionRpcTest, ListBulkSyncExecutionsWalksTwoPages) {
  std::string id = SeededBulkSync(0);
  Json held = HeldExecutions(id);
  ASSERT_EQ(held.size(), 3u);
  ForgetRequests();

  grpc::ClientContext context;
  v1::ListBulkSyncExecutionsRequest request;
  request.set_id(id);
  request.set_ascending(true);
  request.set_limit(2);
  v1::ListBulkSyncExecutionsResponse first;
  ASSERT_GRPC_OK(stub_->ListBulkSyncExecutions(&context, request, &first));
  Json exchange = ExpectForwarded("bulkSync.executions.list", "GET",
                                  ExecutionsPath(id), first);
  EXPECT_TRUE(
      SameJson(exchange["query"], Json{{"ascending", "true"}, {"limit", "2"}}));
  EXPECT_TRUE(FullyTyped(first));
  ASSERT_EQ(first.data_size(), 2);
  ASSERT_TRUE(first.pagination().has_next_page_token());
  EXPECT_FALSE(first.pagination().next_page_token().empty());

  ForgetRequests();
  grpc::ClientContext context2;
  request.set_page_token(first.pagination().next_page_token());
  v1::ListBulkSyncExecutionsResponse second;
  ASSERT_GRPC_OK(stub_->ListBulkSyncExecutions(&context2, request, &second));
  exchange = ExpectForwarded("bulkSync.executions.list", "GET",
                             ExecutionsPath(id), second);
  EXPECT_TRUE(
      SameJson(exchange["query"],
               Json{{"ascending", "true"},
                    {"limit", "2"},
                    {"page_token", first.pagination().next_page_token()}}));
  EXPECT_TRUE(FullyTyped(second));
  ASSERT_EQ(second.data_size(), 1);
  EXPECT_FALSE(second.pagination().has_next_page_token());

  // Together the pages are the sync's executions, oldest first, each once.
  std::vector<std::string> walked;
  for (const auto* page : {&first, &second}) {
    for (const auto& execution : page->data()) walked.push_back(execution.id());
  }
  std::vector<std::string> expected;
  for (const auto& execution : held) expected.push_back(execution["id"]);
  EXPECT_EQ(walked, expected);
  EXPECT_EQ(first.data(0).status(), v1::BULK_EXECUTION_STATUS_COMPLETED);
  EXPECT_EQ(first.data(1).status(), v1::BULK_EXECUTION_STATUS_FAILED);
  EXPECT_EQ(second.data(0).status(), v1::BULK_EXECUTION_STATUS_COMPLETED);
  EXPECT_EQ(second.data(0).type(), "manual");
}

TEST_F(BulkSyncExecutionRpcTest, GetBulkSyncExecution) {
  std::string id = SeededBulkSync(0);
  Json failed = HeldExecutions(id)[1];
  ASSERT_EQ(failed["status"], "failed");
  std::string exec_id = failed["id"];
  grpc::ClientContext context;
  v1::GetBulkSyncExecutionRequest request;
  request.set_id(id);
  request.set_exec_id(exec_id);
  v1::GetBulkSyncExecutionResponse response;
  ASSERT_GRPC_OK(stub_->GetBulkSyncExecution(&context, request, &response));
  ExpectForwarded("bulkSync.executions.get", "GET",
                  ExecutionsPath(id) + "/" + exec_id, response);
  EXPECT_TRUE(FullyTyped(response));
  const v1::BulkSyncExecution& execution = response.data();
  EXPECT_EQ(execution.id(), exec_id);
  EXPECT_EQ(execution.status(), v1::BULK_EXECUTION_STATUS_FAILED);
  EXPECT_TRUE(
      absl::StrContains(execution.status_message(), "REQUEST_LIMIT_EXCEEDED"))
      << execution.status_message();
  EXPECT_EQ(execution.type(), "scheduled");
  EXPECT_EQ(execution.fetch_mode(), v1::BULK_FETCH_MODE_NONE);
  EXPECT_EQ(execution.output_disposition(), v1::BULK_OUTPUT_DISPOSITION_RETAIN);
  EXPECT_TRUE(execution.has_is_test());
  EXPECT_FALSE(execution.is_test());
  EXPECT_EQ(execution.error_count(), 1);
  EXPECT_TRUE(execution.has_completed_at());
  ASSERT_EQ(execution.schemas_size(), 3);
  for (const auto& schema : execution.schemas()) {
    EXPECT_NE(schema.status(), v1::BULK_SCHEMA_EXECUTION_STATUS_UNSPECIFIED)
        << schema.schema();
    EXPECT_TRUE(schema.has_started_at()) << schema.schema();
  }
}

TEST_F(BulkSyncExecutionRpcTest, CancelBulkSyncExecutionCancelsARunningOne) {
  std::string id = SeededBulkSync(0);
  std::string exec_id = StartDirectly(id);
  ASSERT_FALSE(exec_id.empty());
  grpc::ClientContext context;
  v1::CancelBulkSyncExecutionRequest request;
  request.set_id(id);
  request.set_exec_id(exec_id);
  request.set_idempotency_key("cancel-execution-0001");
  v1::CancelBulkSyncExecutionResponse response;
  ASSERT_GRPC_OK(stub_->CancelBulkSyncExecution(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.executions.cancel", "POST",
                      ExecutionsPath(id) + "/" + exec_id + "/cancel", response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "cancel-execution-0001");
  EXPECT_TRUE(exchange["body"].is_null()) << exchange["body"].dump();
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(response.data().message(), "cancellation requested");

  auto held = upstream().Get(ExecutionsPath(id) + "/" + exec_id);
  ASSERT_EQ(held.status, 200);
  EXPECT_EQ(held.json["data"]["status"], "canceled");
  EXPECT_TRUE(held.json["data"].contains("completed_at"));
  EXPECT_FALSE(upstream()
                   .Get("/api/bulk/syncs/" + id + "/status")
                   .json["data"]
                   .contains("current_execution"));
}

TEST_F(BulkSyncExecutionRpcTest, CancelBulkSyncExecutionThatAlreadyFinished) {
  std::string id = SeededBulkSync(1);
  std::string exec_id = LatestExecution(id);
  grpc::ClientContext context;
  v1::CancelBulkSyncExecutionRequest request;
  request.set_id(id);
  request.set_exec_id(exec_id);
  v1::CancelBulkSyncExecutionResponse response;
  ASSERT_GRPC_OK(stub_->CancelBulkSyncExecution(&context, request, &response));
  ExpectForwarded("bulkSync.executions.cancel", "POST",
                  ExecutionsPath(id) + "/" + exec_id + "/cancel", response);
  EXPECT_TRUE(absl::StrContains(response.data().message(), "already finished"))
      << response.data().message();
  EXPECT_EQ(
      upstream().Get(ExecutionsPath(id) + "/" + exec_id).json["data"]["status"],
      "completed");
}

TEST_F(BulkSyncExecutionRpcTest, ListBulkSyncExecutionStatusesOfSomeSyncs) {
  std::string active = SeededBulkSync(0);
  std::string inactive = SeededBulkSync(2);
  grpc::ClientContext context;
  v1::ListBulkSyncExecutionStatusesRequest request;
  request.add_sync_id(inactive);
  request.add_sync_id(active);
  v1::ListBulkSyncExecutionStatusesResponse response;
  ASSERT_GRPC_OK(
      stub_->ListBulkSyncExecutionStatuses(&context, request, &response));
  Json exchange = ExpectForwarded("bulkSync.executions.listStatus", "GET",
                                  "/api/bulk/syncs/status", response);
  // One `sync_id` parameter per value, in order.
  EXPECT_TRUE(SameJson(exchange["query"],
                       Json{{"sync_id", Json::array({inactive, active})}}));
  EXPECT_TRUE(FullyTyped(response));
  ASSERT_EQ(response.data_size(), 2);
  EXPECT_EQ(response.data(0).sync_id(), inactive);
  EXPECT_EQ(response.data(1).sync_id(), active);
  // An inactive sync has no next run; the active daily one has
  // (`nextExecutionTime` on the wire).
  EXPECT_FALSE(response.data(0).has_next_execution_time());
  EXPECT_TRUE(response.data(1).has_next_execution_time());
  EXPECT_EQ(response.data(0).status(), v1::BULK_EXECUTION_STATUS_COMPLETED);
  EXPECT_EQ(response.data(1).status(), v1::BULK_EXECUTION_STATUS_COMPLETED);
  ASSERT_EQ(response.data(1).schemas_size(), 3);
  std::string latest = LatestExecution(active);
  for (const auto& schema : response.data(1).schemas()) {
    EXPECT_EQ(schema.execution_id(), latest) << schema.schema();
    EXPECT_EQ(schema.status(), v1::BULK_SCHEMA_EXECUTION_STATUS_COMPLETED)
        << schema.schema();
  }
}

TEST_F(BulkSyncExecutionRpcTest, ListBulkSyncExecutionStatusesOfAllSyncs) {
  grpc::ClientContext context;
  v1::ListBulkSyncExecutionStatusesRequest request;
  request.set_all(true);
  v1::ListBulkSyncExecutionStatusesResponse response;
  ASSERT_GRPC_OK(
      stub_->ListBulkSyncExecutionStatuses(&context, request, &response));
  Json exchange = ExpectForwarded("bulkSync.executions.listStatus", "GET",
                                  "/api/bulk/syncs/status", response);
  EXPECT_TRUE(SameJson(exchange["query"], Json{{"all", "true"}}));
  EXPECT_TRUE(FullyTyped(response));
  std::set<std::string> ids;
  for (const auto& status : response.data()) ids.insert(status.sync_id());
  EXPECT_EQ(ids, (std::set<std::string>{SeededBulkSync(0), SeededBulkSync(1),
                                        SeededBulkSync(2)}));
}

TEST_F(BulkSyncExecutionRpcTest, GetBulkSyncExecutionLogs) {
  std::string id = SeededBulkSync(0);
  std::string exec_id = LatestExecution(id);
  grpc::ClientContext context;
  v1::GetBulkSyncExecutionLogsRequest request;
  request.set_sync_id(id);
  request.set_execution_id(exec_id);
  v1::GetBulkSyncExecutionLogsResponse response;
  ASSERT_GRPC_OK(stub_->GetBulkSyncExecutionLogs(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.executions.getLogs", "GET",
                      ExecutionsPath(id) + "/" + exec_id + "/logs", response);
  // The API's capitalised names land in the typed fields.
  ASSERT_TRUE(exchange["response"]["data"].contains("URLs"));
  ASSERT_TRUE(exchange["response"]["data"].contains("Expires"));
  EXPECT_TRUE(FullyTyped(response));
  ASSERT_EQ(response.data().urls_size(), 3);  // one per schema of the run
  for (const auto& url : response.data().urls()) {
    EXPECT_TRUE(
        absl::StartsWith(url, "https://logs.sandbox.polytomic.invalid/bulk/" +
                                  id + "/" + exec_id + "/"))
        << url;
  }
  EXPECT_TRUE(response.data().has_expires());
  EXPECT_EQ(response.data().expires(), exchange["response"]["data"]["Expires"]);
}

TEST_F(BulkSyncExecutionRpcTest, ExportBulkSyncExecutionLogs) {
  std::string id = SeededBulkSync(0);
  std::string exec_id = LatestExecution(id);
  grpc::ClientContext context;
  v1::ExportBulkSyncExecutionLogsRequest request;
  request.set_sync_id(id);
  request.set_execution_id(exec_id);
  request.set_notify(true);
  request.set_idempotency_key("export-logs-0001");
  v1::ExportBulkSyncExecutionLogsResponse response;
  ASSERT_GRPC_OK(
      stub_->ExportBulkSyncExecutionLogs(&context, request, &response));
  Json exchange = ExpectForwarded(
      "bulkSync.executions.exportLogs", "POST",
      ExecutionsPath(id) + "/" + exec_id + "/logs/export", response);
  EXPECT_TRUE(SameJson(exchange["query"], Json{{"notify", "true"}}));
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "export-logs-0001");
  EXPECT_TRUE(exchange["body"].is_null()) << exchange["body"].dump();
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_TRUE(absl::StrContains(response.data().url(), exec_id + ".zip"))
      << response.data().url();
  const v1::Job& job = response.job();
  EXPECT_FALSE(job.job_id().empty());
  EXPECT_EQ(job.type(), "exportlogs");
  EXPECT_EQ(job.status(), v1::JOB_STATUS_DONE);
  ASSERT_TRUE(job.result().has_struct_value());
  EXPECT_EQ(job.result().struct_value().fields().at("url").string_value(),
            response.data().url());
}

TEST_F(BulkSyncExecutionRpcTest,
       ExportBulkSyncExecutionLogsSendsExplicitFalse) {
  std::string id = SeededBulkSync(2);
  std::string exec_id = LatestExecution(id);
  grpc::ClientContext context;
  v1::ExportBulkSyncExecutionLogsRequest request;
  request.set_sync_id(id);
  request.set_execution_id(exec_id);
  request.set_notify(false);
  v1::ExportBulkSyncExecutionLogsResponse response;
  ASSERT_GRPC_OK(
      stub_->ExportBulkSyncExecutionLogs(&context, request, &response));
  Json exchange = ExpectForwarded(
      "bulkSync.executions.exportLogs", "POST",
      ExecutionsPath(id) + "/" + exec_id + "/logs/export", response);
  EXPECT_TRUE(SameJson(exchange["query"], Json{{"notify", "false"}}));
  EXPECT_EQ(response.job().status(), v1::JOB_STATUS_DONE);
}

TEST_F(BulkSyncExecutionRpcTest, GetBulkSyncExecutionConsoleLogsNewest) {
  std::string id = SeededBulkSync(0);
  std::string exec_id = LatestExecution(id);
  Json log = HeldConsoleLog(id, exec_id);
  ASSERT_GE(log.size(), 5u);
  ForgetRequests();
  grpc::ClientContext context;
  v1::GetBulkSyncExecutionConsoleLogsRequest request;
  request.set_sync_id(id);
  request.set_execution_id(exec_id);
  request.set_limit(3);
  v1::GetBulkSyncExecutionConsoleLogsResponse response;
  ASSERT_GRPC_OK(
      stub_->GetBulkSyncExecutionConsoleLogs(&context, request, &response));
  Json exchange = ExpectForwarded(
      "bulkSync.executions.getConsoleLogs", "GET",
      ExecutionsPath(id) + "/" + exec_id + "/consolelog", response);
  EXPECT_TRUE(SameJson(exchange["query"], Json{{"limit", "3"}}));
  EXPECT_TRUE(FullyTyped(response));
  // The newest three entries, oldest first.
  ASSERT_EQ(response.data().entries_size(), 3);
  for (int i = 0; i < 3; ++i) {
    const Json& expected = log[log.size() - 3 + i];
    EXPECT_EQ(response.data().entries(i).id(), expected["id"]);
    EXPECT_EQ(response.data().entries(i).message(), expected["message"]);
    EXPECT_TRUE(response.data().entries(i).has_timestamp());
  }
  EXPECT_EQ(response.data().next_cursor(), log.back()["id"]);
}

TEST_F(BulkSyncExecutionRpcTest, GetBulkSyncExecutionConsoleLogsAfterACursor) {
  std::string id = SeededBulkSync(0);
  std::string exec_id = LatestExecution(id);
  Json log = HeldConsoleLog(id, exec_id);
  ASSERT_GE(log.size(), 3u);
  ForgetRequests();
  grpc::ClientContext context;
  v1::GetBulkSyncExecutionConsoleLogsRequest request;
  request.set_sync_id(id);
  request.set_execution_id(exec_id);
  request.set_after(log[0]["id"].get<std::string>());
  request.set_limit(2);
  v1::GetBulkSyncExecutionConsoleLogsResponse response;
  ASSERT_GRPC_OK(
      stub_->GetBulkSyncExecutionConsoleLogs(&context, request, &response));
  Json exchange = ExpectForwarded(
      "bulkSync.executions.getConsoleLogs", "GET",
      ExecutionsPath(id) + "/" + exec_id + "/consolelog", response);
  EXPECT_TRUE(SameJson(exchange["query"],
                       Json{{"after", log[0]["id"]}, {"limit", "2"}}));
  ASSERT_EQ(response.data().entries_size(), 2);
  EXPECT_EQ(response.data().entries(0).id(), log[1]["id"]);
  EXPECT_EQ(response.data().entries(1).id(), log[2]["id"]);
  EXPECT_EQ(response.data().next_cursor(), log[2]["id"]);
}

TEST_F(BulkSyncExecutionRpcTest, GetBulkSyncSchemaConsoleLogs) {
  std::string id = SeededBulkSync(0);
  std::string exec_id = LatestExecution(id);
  Json log = HeldConsoleLog(id, exec_id);
  ForgetRequests();
  grpc::ClientContext context;
  v1::GetBulkSyncSchemaConsoleLogsRequest request;
  request.set_sync_id(id);
  request.set_execution_id(exec_id);
  request.set_schema_id("Contact");
  v1::GetBulkSyncSchemaConsoleLogsResponse response;
  ASSERT_GRPC_OK(
      stub_->GetBulkSyncSchemaConsoleLogs(&context, request, &response));
  Json exchange = ExpectForwarded(
      "bulkSync.executions.getSchemaConsoleLogs", "GET",
      ExecutionsPath(id) + "/" + exec_id + "/schemas/Contact/consolelog",
      response);
  EXPECT_TRUE(SameJson(exchange["query"], Json::object()));
  EXPECT_TRUE(FullyTyped(response));
  // The schema's entries are the execution's entries about it (same ids).
  ASSERT_GT(response.data().entries_size(), 0);
  EXPECT_LT(static_cast<size_t>(response.data().entries_size()), log.size());
  for (const auto& entry : response.data().entries()) {
    bool found = false;
    for (const auto& held : log) {
      if (held["id"] == entry.id()) {
        found = true;
        EXPECT_EQ(held["message"], entry.message());
      }
    }
    EXPECT_TRUE(found) << entry.id();
    EXPECT_TRUE(absl::StrContains(entry.message(), "Contact"))
        << entry.message();
  }
}

}  // namespace
}  // namespace gateway_test
