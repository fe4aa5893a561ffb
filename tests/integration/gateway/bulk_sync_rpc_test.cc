// BulkSyncService through a real channel against the sandbox: each RPC's
// upstream call and its response, field by field.
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {
namespace {

using polytomic::v1::BulkSyncService;
namespace v1 = polytomic::v1;

class BulkSyncRpcTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    if (harness_ != nullptr) stub_ = Stub<BulkSyncService>();
  }

  // NewSync is a complete bulk sync between two seeded connections.
  v1::BulkSync NewSync() {
    v1::BulkSync sync;
    sync.set_name("orders to warehouse");
    sync.set_source_connection_id(harness_->Connection("postgresql"));
    sync.set_destination_connection_id(harness_->Connection("snowflake"));
    sync.set_mode(v1::BULK_SYNC_MODE_REPLICATE);
    sync.set_active(false);
    sync.set_disable_record_timestamps(false);
    sync.set_automatically_add_new_objects(v1::BULK_DISCOVER_ALL);
    sync.set_normalize_names(v1::BULK_NORMALIZE_NAMES_DISABLED);
    sync.set_concurrency_limit(3);
    sync.add_policies("c6a3f0a4-4c1e-4d8b-9b3f-2b7d4e1a9c55");
    sync.mutable_default_schedule()->set_frequency(
        v1::SCHEDULE_FREQUENCY_DAILY);
    sync.mutable_default_schedule()->set_hour("5");
    sync.mutable_default_schedule()->set_minute("30");
    auto* extra = sync.add_additional_schedules();
    extra->set_frequency(v1::SCHEDULE_FREQUENCY_WEEKLY);
    extra->set_day_of_week("sunday");
    extra->set_resync_mode(v1::BULK_SCHEDULE_SYNC_MODE_RESYNC);
    (*sync.mutable_destination_configuration()->mutable_fields())["schema"]
        .set_string_value("raw");
    sync.add_schemas()->set_id("public.users");
    return sync;
  }

  std::unique_ptr<BulkSyncService::Stub> stub_;
};

TEST_F(BulkSyncRpcTest, ListBulkSyncs) {
  grpc::ClientContext context;
  v1::ListBulkSyncsRequest request;
  request.set_active(true);
  v1::ListBulkSyncsResponse response;
  ASSERT_GRPC_OK(stub_->ListBulkSyncs(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.list", "GET", "/api/bulk/syncs", response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(exchange["query"], Json::parse(R"({"active":"true"})"));
  ASSERT_GT(response.data_size(), 0);
  for (const auto& sync : response.data())
    EXPECT_TRUE(sync.active()) << sync.id();
}

TEST_F(BulkSyncRpcTest, CreateBulkSync) {
  grpc::ClientContext context;
  v1::CreateBulkSyncRequest request;
  *request.mutable_bulk_sync() = NewSync();
  request.set_idempotency_key("create-orders-0001");
  v1::CreateBulkSyncResponse response;
  ASSERT_GRPC_OK(stub_->CreateBulkSync(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.create", "POST", "/api/bulk/syncs", response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "create-orders-0001");
  // Everything the caller set went upstream, zero values included.
  EXPECT_TRUE(SameJson(
      exchange["body"],
      Json::parse(absl::StrCat(R"({
      "name": "orders to warehouse",
      "source_connection_id": ")",
                               harness_->Connection("postgresql"), R"(",
      "destination_connection_id": ")",
                               harness_->Connection("snowflake"), R"(",
      "mode": "replicate", "active": false,
      "default_schedule": {"frequency": "daily", "minute": "30", "hour": "5"},
      "additional_schedules": [{"frequency": "weekly", "day_of_week": "sunday",
                                "resync_mode": "resync"}],
      "automatically_add_new_objects": "all", "normalize_names": "disabled",
      "disable_record_timestamps": false, "concurrency_limit": 3,
      "destination_configuration": {"schema": "raw"},
      "policies": ["c6a3f0a4-4c1e-4d8b-9b3f-2b7d4e1a9c55"],
      "schemas": ["public.users"]})"))));
  // What the sandbox now holds is what the response said.
  auto held = upstream().Get("/api/bulk/syncs/" + response.data().id());
  ASSERT_EQ(held.status, 200);
  EXPECT_TRUE(
      testsupport::MatchesUpstreamJson(response.data(), held.json["data"]));
  EXPECT_EQ(response.data().automatically_add_new_fields(),
            v1::BULK_DISCOVER_ALL);
}

TEST_F(BulkSyncRpcTest, GetBulkSync) {
  std::string id = FirstBulkSync();
  grpc::ClientContext context;
  v1::GetBulkSyncRequest request;
  request.set_id(id);
  request.set_refresh_schemas(false);
  v1::GetBulkSyncResponse response;
  ASSERT_GRPC_OK(stub_->GetBulkSync(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.get", "GET", "/api/bulk/syncs/" + id, response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(exchange["query"], Json::parse(R"({"refresh_schemas":"false"})"));
  EXPECT_EQ(response.data().id(), id);
  EXPECT_TRUE(response.data().has_default_schedule());
}

TEST_F(BulkSyncRpcTest, UpdateBulkSyncReplacesTheSync) {
  std::string id = FirstBulkSync();
  grpc::ClientContext context;
  v1::UpdateBulkSyncRequest request;
  // "*": a full replacement, the REST PUT's own semantics.
  request.mutable_update_mask()->add_paths("*");
  request.set_id(id);
  *request.mutable_bulk_sync() = NewSync();
  request.mutable_bulk_sync()->set_name("renamed");
  v1::UpdateBulkSyncResponse response;
  ASSERT_GRPC_OK(stub_->UpdateBulkSync(&context, request, &response));
  Json exchange = ExpectForwarded("bulkSync.update", "PUT",
                                  "/api/bulk/syncs/" + id, response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(exchange["body"]["name"], "renamed");
  EXPECT_EQ(exchange["body"]["active"], false);
  EXPECT_FALSE(exchange["body"].contains("id"));  // output-only, never sent
  auto held = upstream().Get("/api/bulk/syncs/" + id);
  EXPECT_EQ(held.json["data"]["name"], "renamed");
  EXPECT_EQ(response.data().normalize_names(),
            v1::BULK_NORMALIZE_NAMES_DISABLED);
}

TEST_F(BulkSyncRpcTest, DeleteBulkSync) {
  std::string id = FirstBulkSync();
  grpc::ClientContext context;
  v1::DeleteBulkSyncRequest request;
  request.set_id(id);
  v1::DeleteBulkSyncResponse response;
  ASSERT_GRPC_OK(stub_->DeleteBulkSync(&context, request, &response));
  ExpectForwarded("bulkSync.delete", "DELETE", "/api/bulk/syncs/" + id,
                  response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(upstream().Get("/api/bulk/syncs/" + id).status, 404);
}

TEST_F(BulkSyncRpcTest, ActivateBulkSyncSendsExplicitFalse) {
  std::string id = FirstBulkSync();
  grpc::ClientContext context;
  v1::ActivateBulkSyncRequest request;
  request.set_id(id);
  request.set_active(false);
  v1::ActivateBulkSyncResponse response;
  ASSERT_GRPC_OK(stub_->ActivateBulkSync(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.activate", "POST",
                      "/api/bulk/syncs/" + id + "/activate", response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(exchange["body"], Json::parse(R"({"active":false})"));
  EXPECT_EQ(response.data().id(), id);
  EXPECT_FALSE(response.data().active());
  EXPECT_TRUE(response.data().has_active());
  EXPECT_EQ(upstream().Get("/api/bulk/syncs/" + id).json["data"]["active"],
            false);
}

TEST_F(BulkSyncRpcTest, CancelBulkSync) {
  std::string id = FirstBulkSync();
  grpc::ClientContext context;
  v1::CancelBulkSyncRequest request;
  request.set_id(id);
  v1::CancelBulkSyncResponse response;
  ASSERT_GRPC_OK(stub_->CancelBulkSync(&context, request, &response));
  ExpectForwarded("bulkSync.cancel", "POST",
                  "/api/bulk/syncs/" + id + "/cancel", response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_TRUE(response.data().has_message());
}

TEST_F(BulkSyncRpcTest, StartBulkSync) {
  std::string id = FirstBulkSync();
  grpc::ClientContext context;
  v1::StartBulkSyncRequest request;
  request.set_id(id);
  request.set_fetch_mode(v1::BULK_FETCH_MODE_NONE);
  request.set_test(false);
  v1::StartBulkSyncResponse response;
  ASSERT_GRPC_OK(stub_->StartBulkSync(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.start", "POST",
                      "/api/bulk/syncs/" + id + "/executions", response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(exchange["body"],
            Json::parse(R"({"fetch_mode":"none","test":false})"));
  EXPECT_EQ(response.data().status(), v1::BULK_EXECUTION_STATUS_RUNNING);
  auto held = upstream().Get("/api/bulk/syncs/" + id + "/executions/" +
                             response.data().id());
  EXPECT_EQ(held.status, 200);
}

TEST_F(BulkSyncRpcTest, GetBulkSyncStatus) {
  std::string id = FirstBulkSync();
  grpc::ClientContext context;
  v1::GetBulkSyncStatusRequest request;
  request.set_id(id);
  v1::GetBulkSyncStatusResponse response;
  ASSERT_GRPC_OK(stub_->GetBulkSyncStatus(&context, request, &response));
  ExpectForwarded("bulkSync.getStatus", "GET",
                  "/api/bulk/syncs/" + id + "/status", response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_TRUE(response.has_data());
}

TEST_F(BulkSyncRpcTest, GetBulkSyncSource) {
  std::string connection = harness_->Connection("salesforce");
  grpc::ClientContext context;
  v1::GetBulkSyncSourceRequest request;
  request.set_id(connection);
  request.set_include_fields(true);
  v1::GetBulkSyncSourceResponse response;
  ASSERT_GRPC_OK(stub_->GetBulkSyncSource(&context, request, &response));
  Json exchange = ExpectForwarded(
      "bulkSync.getSource", "GET",
      "/api/connections/" + connection + "/bulksync/source", response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(exchange["query"], Json::parse(R"({"include_fields":"true"})"));
  ASSERT_GT(response.data().schemas_size(), 0);
  EXPECT_GT(response.data().schemas(0).fields_size(), 0);
}

TEST_F(BulkSyncRpcTest, GetBulkSyncDestination) {
  std::string connection = harness_->Connection("snowflake");
  grpc::ClientContext context;
  v1::GetBulkSyncDestinationRequest request;
  request.set_id(connection);
  v1::GetBulkSyncDestinationResponse response;
  ASSERT_GRPC_OK(stub_->GetBulkSyncDestination(&context, request, &response));
  ExpectForwarded("bulkSync.getDestination", "GET",
                  "/api/connections/" + connection + "/bulksync/target",
                  response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_TRUE(response.data().has_configuration());
}

}  // namespace
}  // namespace gateway_test
