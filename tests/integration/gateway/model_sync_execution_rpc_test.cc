// ModelSyncExecutionService through a real channel against the sandbox:
// each RPC's upstream call, its response field by field, and what the
// sandbox holds afterwards.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "polytomic/v1/model_sync_execution.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {
namespace {

using polytomic::v1::ModelSyncExecutionService;
namespace v1 = polytomic::v1;

class ModelSyncExecutionRpcTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    if (harness_ != nullptr) stub_ = Stub<ModelSyncExecutionService>();
  }

  static std::string ExecutionsPath(const std::string& sync_id) {
    return "/api/syncs/" + sync_id + "/executions";
  }

  // HeldExecutions is every execution of a model sync, oldest first, as
  // the sandbox stores them.
  Json HeldExecutions(const std::string& sync_id) {
    auto state = upstream().State("model_syncs", sync_id);
    EXPECT_EQ(state.status, 200) << state.body;
    return state.json["executions"];
  }

  // StartDirectly starts an execution through the sandbox, not the gateway.
  std::string StartDirectly(const std::string& sync_id) {
    auto started = upstream().Post(ExecutionsPath(sync_id), Json::object());
    EXPECT_EQ(started.status, 200) << started.body;
    return started.json["data"].value("id", "");
  }

  std::unique_ptr<ModelSyncExecutionService::Stub> stub_;
};

TEST_F(ModelSyncExecutionRpcTest,
       ListModelSyncExecutionsOnlyCompletedAscending) {
  std::string id = SeededModelSync(1);
  std::string running = StartDirectly(id);
  Json held = HeldExecutions(id);
  ASSERT_EQ(held.size(), 3u);
  grpc::ClientContext context;
  v1::ListModelSyncExecutionsRequest request;
  request.set_sync_id(id);
  request.set_only_completed(true);
  request.set_ascending(true);
  v1::ListModelSyncExecutionsResponse response;
  ASSERT_GRPC_OK(stub_->ListModelSyncExecutions(&context, request, &response));
  Json exchange = ExpectForwarded("modelSync.executions.list", "GET",
                                  ExecutionsPath(id), response);
  EXPECT_TRUE(SameJson(exchange["query"], Json{{"ascending", "true"},
                                               {"only_completed", "true"}}));
  EXPECT_TRUE(FullyTyped(response));
  // The two finished executions, oldest first; not the running one.
  ASSERT_EQ(response.data_size(), 2);
  std::set<std::string> ids;
  for (const auto& execution : response.data()) {
    ids.insert(execution.id());
    EXPECT_NE(execution.id(), running);
    EXPECT_TRUE(execution.has_completed_at()) << execution.id();
  }
  EXPECT_EQ(ids, (std::set<std::string>{held[0]["id"], held[1]["id"]}));
  EXPECT_LE(google::protobuf::util::TimeUtil::TimestampToNanoseconds(
                response.data(0).created_at()),
            google::protobuf::util::TimeUtil::TimestampToNanoseconds(
                response.data(1).created_at()));
  EXPECT_FALSE(response.pagination().has_next_page_token());
}

TEST_F(ModelSyncExecutionRpcTest, ListModelSyncExecutionsWalksTwoPages) {
  // Pages hold 50 executions: give the sync 51.
  std::string id = SeededModelSync(0);
  for (int i = 0; i < 49; ++i) {
    std::string execution_id = StartDirectly(id);
    ASSERT_FALSE(execution_id.empty());
    FinishExecution(execution_id,
                    Json{{"status", "completed"}, {"record_count", i}});
  }
  Json held = HeldExecutions(id);
  ASSERT_EQ(held.size(), 51u);
  ForgetRequests();

  grpc::ClientContext context;
  v1::ListModelSyncExecutionsRequest request;
  request.set_sync_id(id);
  v1::ListModelSyncExecutionsResponse first;
  ASSERT_GRPC_OK(stub_->ListModelSyncExecutions(&context, request, &first));
  Json exchange = ExpectForwarded("modelSync.executions.list", "GET",
                                  ExecutionsPath(id), first);
  EXPECT_TRUE(SameJson(exchange["query"], Json::object()));
  ASSERT_EQ(first.data_size(), 50);
  ASSERT_TRUE(first.pagination().has_next_page_token());

  ForgetRequests();
  grpc::ClientContext context2;
  request.set_page_token(first.pagination().next_page_token());
  v1::ListModelSyncExecutionsResponse second;
  ASSERT_GRPC_OK(stub_->ListModelSyncExecutions(&context2, request, &second));
  exchange = ExpectForwarded("modelSync.executions.list", "GET",
                             ExecutionsPath(id), second);
  EXPECT_TRUE(
      SameJson(exchange["query"],
               Json{{"page_token", first.pagination().next_page_token()}}));
  EXPECT_EQ(second.data_size(), 1);
  EXPECT_FALSE(second.pagination().has_next_page_token());

  // Together the pages hold every execution exactly once.
  std::multiset<std::string> walked;
  for (const auto* page : {&first, &second}) {
    for (const auto& execution : page->data()) walked.insert(execution.id());
  }
  std::multiset<std::string> expected;
  for (const auto& execution : held)
    expected.insert(execution["id"].get<std::string>());
  EXPECT_EQ(walked, expected);
}

TEST_F(ModelSyncExecutionRpcTest, GetModelSyncExecution) {
  std::string id = SeededModelSync(1);
  Json failed = HeldExecutions(id)[1];
  ASSERT_EQ(failed["status"], "failed");
  std::string execution_id = failed["id"];
  grpc::ClientContext context;
  v1::GetModelSyncExecutionRequest request;
  request.set_sync_id(id);
  request.set_id(execution_id);
  v1::GetModelSyncExecutionResponse response;
  ASSERT_GRPC_OK(stub_->GetModelSyncExecution(&context, request, &response));
  ExpectForwarded("modelSync.executions.get", "GET",
                  ExecutionsPath(id) + "/" + execution_id, response);
  EXPECT_TRUE(FullyTyped(response));
  const v1::ModelSyncExecution& execution = response.data();
  EXPECT_EQ(execution.id(), execution_id);
  EXPECT_EQ(execution.status(), v1::EXECUTION_STATUS_FAILED);
  EXPECT_EQ(execution.type(), "scheduled");
  ASSERT_EQ(execution.errors_size(), 1);
  EXPECT_EQ(execution.errors(0),
            "LinkedIn API rate limit exceeded; retry later");
  EXPECT_EQ(execution.counts().total(), 120);
  EXPECT_EQ(execution.counts().insert(), 120);
  EXPECT_TRUE(execution.counts().has_delete_());
  EXPECT_EQ(execution.counts().delete_(), 0);
  EXPECT_TRUE(execution.has_started_at());
  EXPECT_TRUE(execution.has_completed_at());
}

TEST_F(ModelSyncExecutionRpcTest, CancelModelSyncExecution) {
  std::string id = SeededModelSync(1);
  std::string execution_id = StartDirectly(id);
  ASSERT_FALSE(execution_id.empty());
  grpc::ClientContext context;
  v1::CancelModelSyncExecutionRequest request;
  request.set_sync_id(id);
  request.set_id(execution_id);
  request.set_idempotency_key("cancel-model-execution-0001");
  v1::CancelModelSyncExecutionResponse response;
  ASSERT_GRPC_OK(stub_->CancelModelSyncExecution(&context, request, &response));
  Json exchange = ExpectForwarded(
      "modelSync.executions.cancel", "POST",
      ExecutionsPath(id) + "/" + execution_id + "/cancel", response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"],
            "cancel-model-execution-0001");
  EXPECT_TRUE(exchange["body"].is_null()) << exchange["body"].dump();
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(response.data().message(), "cancellation requested");
  auto held = upstream().Get(ExecutionsPath(id) + "/" + execution_id);
  ASSERT_EQ(held.status, 200);
  EXPECT_EQ(held.json["data"]["status"], "canceled");
  EXPECT_TRUE(held.json["data"].contains("completed_at"));
}

TEST_F(ModelSyncExecutionRpcTest, GetModelSyncExecutionConsoleLogs) {
  std::string id = SeededModelSync(0);
  std::string execution_id = HeldExecutions(id)[0]["id"];
  auto full =
      upstream().Get(ExecutionsPath(id) + "/" + execution_id + "/consolelog");
  ASSERT_EQ(full.status, 200);
  Json log = full.json["data"]["entries"];
  ASSERT_GE(log.size(), 3u);
  ForgetRequests();
  grpc::ClientContext context;
  v1::GetModelSyncExecutionConsoleLogsRequest request;
  request.set_sync_id(id);
  request.set_id(execution_id);
  request.set_limit(2);
  v1::GetModelSyncExecutionConsoleLogsResponse response;
  ASSERT_GRPC_OK(
      stub_->GetModelSyncExecutionConsoleLogs(&context, request, &response));
  Json exchange = ExpectForwarded(
      "modelSync.executions.getConsoleLogs", "GET",
      ExecutionsPath(id) + "/" + execution_id + "/consolelog", response);
  EXPECT_TRUE(SameJson(exchange["query"], Json{{"limit", "2"}}));
  EXPECT_TRUE(FullyTyped(response));
  // The newest two entries, oldest first.
  ASSERT_EQ(response.data().entries_size(), 2);
  EXPECT_EQ(response.data().entries(0).id(), log[log.size() - 2]["id"]);
  EXPECT_EQ(response.data().entries(1).id(), log.back()["id"]);
  EXPECT_EQ(response.data().entries(1).message(), "Execution completed");
  EXPECT_EQ(response.data().entries(1).level(), "info");
  EXPECT_TRUE(response.data().entries(0).has_payload());
  EXPECT_EQ(response.data().next_cursor(), log.back()["id"]);
}

TEST_F(ModelSyncExecutionRpcTest, GetModelSyncExecutionLogUrlsOfRecords) {
  std::string id = SeededModelSync(1);
  std::string execution_id = HeldExecutions(id)[0]["id"];
  grpc::ClientContext context;
  v1::GetModelSyncExecutionLogUrlsRequest request;
  request.set_sync_id(id);
  request.set_id(execution_id);
  request.set_type(v1::EXECUTION_LOG_TYPE_RECORDS);
  v1::GetModelSyncExecutionLogUrlsResponse response;
  ASSERT_GRPC_OK(
      stub_->GetModelSyncExecutionLogUrls(&context, request, &response));
  // The enum is a path segment, with its wire value.
  ExpectForwarded("modelSync.executions.getLogUrls", "GET",
                  ExecutionsPath(id) + "/" + execution_id + "/records",
                  response);
  EXPECT_TRUE(FullyTyped(response));
  ASSERT_EQ(response.data().urls_size(), 1);  // 4,200 records: one file
  EXPECT_TRUE(absl::EndsWith(response.data().urls(0),
                             execution_id + "/records/records-00000.jsonl"))
      << response.data().urls(0);
  EXPECT_TRUE(response.data().has_expires());
}

TEST_F(ModelSyncExecutionRpcTest, GetModelSyncExecutionLogUrlsOfErrors) {
  std::string id = SeededModelSync(0);
  std::string execution_id =
      HeldExecutions(id)[0]["id"];  // 10 rejected records
  grpc::ClientContext context;
  v1::GetModelSyncExecutionLogUrlsRequest request;
  request.set_sync_id(id);
  request.set_id(execution_id);
  request.set_type(v1::EXECUTION_LOG_TYPE_ERRORS);
  v1::GetModelSyncExecutionLogUrlsResponse response;
  ASSERT_GRPC_OK(
      stub_->GetModelSyncExecutionLogUrls(&context, request, &response));
  ExpectForwarded("modelSync.executions.getLogUrls", "GET",
                  ExecutionsPath(id) + "/" + execution_id + "/errors",
                  response);
  ASSERT_EQ(response.data().urls_size(), 1);
  EXPECT_TRUE(
      absl::EndsWith(response.data().urls(0), "/errors/errors-00000.jsonl"))
      << response.data().urls(0);
}

TEST_F(ModelSyncExecutionRpcTest, GetModelSyncExecutionLogWithAnEmptyBody) {
  std::string id = SeededModelSync(1);
  std::string execution_id = HeldExecutions(id)[0]["id"];
  grpc::ClientContext context;
  v1::GetModelSyncExecutionLogRequest request;
  request.set_sync_id(id);
  request.set_id(execution_id);
  request.set_type(v1::EXECUTION_LOG_TYPE_RECORDS);
  request.set_filename("records-00000.jsonl");
  v1::GetModelSyncExecutionLogResponse response;
  ASSERT_GRPC_OK(stub_->GetModelSyncExecutionLog(&context, request, &response));
  Json exchange = ExpectForwarded(
      "modelSync.executions.getLogs", "GET",
      ExecutionsPath(id) + "/" + execution_id + "/records/records-00000.jsonl",
      response);
  // The API answered 200 with no body: an empty message.
  EXPECT_TRUE(exchange["response"].is_null()) << exchange["response"].dump();
  EXPECT_EQ(response.ByteSizeLong(), 0u) << response.ShortDebugString();
}

}  // namespace
}  // namespace gateway_test
