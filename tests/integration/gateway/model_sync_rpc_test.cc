// ModelSyncService through a real channel against the sandbox: each RPC's
// upstream call, its response field by field, and what the sandbox holds
// afterwards.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "polytomic/v1/model_sync.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {
namespace {

using polytomic::v1::ModelSyncService;
namespace v1 = polytomic::v1;

constexpr char kModel[] = "5f0c2f9e-8d4b-4c1a-9e3f-7a6b5c4d3e21";
constexpr char kPolicy[] = "c6a3f0a4-4c1e-4d8b-9b3f-2b7d4e1a9c55";

class ModelSyncRpcTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    if (harness_ != nullptr) stub_ = Stub<ModelSyncService>();
  }

  static void SetSource(v1::SourceField* source, const std::string& model,
                        const std::string& field) {
    source->set_model_id(model);
    source->set_field(field);
  }

  // NewSync is a realistic model sync: app users to Salesforce contacts,
  // matched by email, with an encrypted field, filters and an override.
  v1::ModelSync NewSync() {
    v1::ModelSync sync;
    sync.set_name("App users to Salesforce contacts, EU");
    sync.set_active(false);
    sync.set_mode(v1::MODEL_SYNC_MODE_UPDATE_OR_CREATE);
    auto* email = sync.add_fields();
    SetSource(email->mutable_source(), kModel, "email");
    email->set_target("Email");
    email->set_sync_mode("updateOrCreate");
    email->set_new_(false);
    email->set_encryption_enabled(true);
    auto* first = sync.add_fields();
    SetSource(first->mutable_source(), kModel, "first_name");
    first->set_target("FirstName");
    auto* last = sync.add_fields();
    SetSource(last->mutable_source(), kModel, "last_name");
    last->set_target("LastName");
    last->set_sync_mode("create");
    auto* title = sync.add_override_fields();
    title->set_target("Title");
    title->set_override_value("Customer");
    auto* override_ = sync.add_overrides();
    SetSource(override_->mutable_field(), kModel, "plan");
    override_->set_function(v1::FILTER_FUNCTION_EQUALITY);
    override_->mutable_value()->set_string_value("free");
    override_->mutable_override()->set_string_value("trial");
    auto* active_only = sync.add_filters();
    SetSource(active_only->mutable_field(), kModel, "is_active");
    active_only->set_function(v1::FILTER_FUNCTION_TRUE);
    auto* has_email = sync.add_filters();
    has_email->set_field_id("Email");
    has_email->set_field_type(v1::FILTER_FIELD_REFERENCE_TYPE_TARGET);
    has_email->set_function(v1::FILTER_FUNCTION_IS_NOT_NULL);
    has_email->set_label("has an email");
    sync.set_filter_logic("1 AND 2");
    SetSource(sync.mutable_identity()->mutable_source(), kModel, "email");
    sync.mutable_identity()->set_target("Email");
    sync.mutable_identity()->set_function(v1::IDENTITY_FUNCTION_TYPE_EQUALITY);
    sync.mutable_identity()->set_new_field(false);
    sync.add_policies(kPolicy);
    sync.mutable_schedule()->set_frequency(v1::SCHEDULE_FREQUENCY_DAILY);
    sync.mutable_schedule()->set_hour("4");
    sync.mutable_schedule()->set_minute("30");
    sync.mutable_target()->set_connection_id(
        harness_->Connection("salesforce"));
    sync.mutable_target()->set_object("Contact");
    (*sync.mutable_target()
          ->mutable_configuration()
          ->mutable_fields())["bulk_api"]
        .set_bool_value(true);
    sync.set_encryption_passphrase("correct-horse-battery");
    sync.set_only_enrich_updates(false);
    sync.set_skip_initial_backfill(true);
    sync.set_sync_all_records(false);
    return sync;
  }

  // NewSyncJson is NewSync() as it must reach the API, zero values included.
  Json NewSyncJson() {
    return Json::parse(
        absl::StrCat(R"({
      "name": "App users to Salesforce contacts, EU", "active": false,
      "mode": "updateOrCreate",
      "fields": [
        {"source": {"model_id": ")",
                     kModel, R"(", "field": "email"}, "target": "Email",
         "sync_mode": "updateOrCreate", "new": false, "encryption_enabled": true},
        {"source": {"model_id": ")",
                     kModel, R"(", "field": "first_name"},
         "target": "FirstName"},
        {"source": {"model_id": ")",
                     kModel, R"(", "field": "last_name"},
         "target": "LastName", "sync_mode": "create"}],
      "override_fields": [{"target": "Title", "override_value": "Customer"}],
      "overrides": [{"field": {"model_id": ")",
                     kModel, R"(", "field": "plan"},
                     "function": "Equality", "value": "free", "override": "trial"}],
      "filters": [
        {"field": {"model_id": ")",
                     kModel, R"(", "field": "is_active"}, "function": "True"},
        {"field_id": "Email", "field_type": "Target", "function": "IsNotNull",
         "label": "has an email"}],
      "filter_logic": "1 AND 2",
      "identity": {"source": {"model_id": ")",
                     kModel, R"(", "field": "email"},
                   "target": "Email", "function": "Equality", "new_field": false},
      "policies": [")",
                     kPolicy, R"("],
      "schedule": {"frequency": "daily", "minute": "30", "hour": "4"},
      "target": {"connection_id": ")",
                     harness_->Connection("salesforce"), R"(",
                 "object": "Contact", "configuration": {"bulk_api": true}},
      "encryption_passphrase": "correct-horse-battery",
      "only_enrich_updates": false, "skip_initial_backfill": true,
      "sync_all_records": false})"));
  }

  Json HeldSync(const std::string& id) {
    auto held = upstream().Get("/api/syncs/" + id);
    EXPECT_EQ(held.status, 200) << held.body;
    return held.json["data"];
  }

  // StartDirectly starts an execution through the sandbox, not the gateway.
  std::string StartDirectly(const std::string& sync_id) {
    auto started = upstream().Post("/api/syncs/" + sync_id + "/executions",
                                   Json::object());
    EXPECT_EQ(started.status, 200) << started.body;
    return started.json["data"].value("id", "");
  }

  std::unique_ptr<ModelSyncService::Stub> stub_;
};

TEST_F(ModelSyncRpcTest, ListModelSyncsByModeWalksTwoPages) {
  grpc::ClientContext context;
  v1::ListModelSyncsRequest request;
  request.add_mode(v1::MODEL_SYNC_MODE_UPDATE_OR_CREATE);
  request.add_mode(v1::MODEL_SYNC_MODE_APPEND);
  request.set_limit(1);
  v1::ListModelSyncsResponse first;
  ASSERT_GRPC_OK(stub_->ListModelSyncs(&context, request, &first));
  Json exchange = ExpectForwarded("modelSync.list", "GET", "/api/syncs", first);
  // One `mode` parameter per value, with the API's names.
  EXPECT_TRUE(
      SameJson(exchange["query"],
               Json{{"limit", "1"},
                    {"mode", Json::array({"updateOrCreate", "append"})}}));
  EXPECT_TRUE(FullyTyped(first));
  ASSERT_EQ(first.data_size(), 1);
  ASSERT_TRUE(first.pagination().has_next_page_token());

  ForgetRequests();
  grpc::ClientContext context2;
  request.set_page_token(first.pagination().next_page_token());
  v1::ListModelSyncsResponse second;
  ASSERT_GRPC_OK(stub_->ListModelSyncs(&context2, request, &second));
  exchange = ExpectForwarded("modelSync.list", "GET", "/api/syncs", second);
  EXPECT_TRUE(
      SameJson(exchange["query"],
               Json{{"limit", "1"},
                    {"mode", Json::array({"updateOrCreate", "append"})},
                    {"page_token", first.pagination().next_page_token()}}));
  ASSERT_EQ(second.data_size(), 1);
  EXPECT_FALSE(second.pagination().has_next_page_token());
  EXPECT_EQ((std::set<std::string>{first.data(0).id(), second.data(0).id()}),
            (std::set<std::string>{SeededModelSync(0), SeededModelSync(1)}));
}

TEST_F(ModelSyncRpcTest, ListModelSyncsFiltersByModeAndActive) {
  grpc::ClientContext context;
  v1::ListModelSyncsRequest request;
  request.add_mode(v1::MODEL_SYNC_MODE_APPEND);
  request.set_active(true);
  v1::ListModelSyncsResponse response;
  ASSERT_GRPC_OK(stub_->ListModelSyncs(&context, request, &response));
  Json exchange =
      ExpectForwarded("modelSync.list", "GET", "/api/syncs", response);
  EXPECT_TRUE(SameJson(exchange["query"],
                       Json{{"active", "true"}, {"mode", "append"}}));
  EXPECT_TRUE(FullyTyped(response));
  ASSERT_EQ(response.data_size(), 1);
  const v1::ModelSyncListItem& item = response.data(0);
  EXPECT_EQ(item.id(), SeededModelSync(1));
  EXPECT_EQ(item.mode(), "append");
  EXPECT_TRUE(item.active());
  EXPECT_EQ(item.target_connection_id(), harness_->Connection("linkedinads"));
  EXPECT_EQ(item.target_object(),
            HeldSync(SeededModelSync(1))["target"]["object"]);
  EXPECT_EQ(item.schedule().frequency(), v1::SCHEDULE_FREQUENCY_DAILY);
  EXPECT_EQ(item.model_ids_size(), 1);
  EXPECT_TRUE(item.has_created_by());
  EXPECT_FALSE(response.pagination().has_next_page_token());
}

TEST_F(ModelSyncRpcTest, CreateModelSync) {
  grpc::ClientContext context;
  v1::CreateModelSyncRequest request;
  *request.mutable_model_sync() = NewSync();
  // Output-only fields: never sent.
  request.mutable_model_sync()->set_id("0c0c0c0c-0000-4000-8000-000000000001");
  request.mutable_model_sync()->add_model_ids(
      "0c0c0c0c-0000-4000-8000-000000000002");
  request.mutable_model_sync()->mutable_created_by()->set_name("someone");
  request.set_idempotency_key("create-model-sync-0001");
  v1::CreateModelSyncResponse response;
  ASSERT_GRPC_OK(stub_->CreateModelSync(&context, request, &response));
  Json exchange =
      ExpectForwarded("modelSync.create", "POST", "/api/syncs", response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "create-model-sync-0001");
  EXPECT_TRUE(SameJson(exchange["body"], NewSyncJson()));
  EXPECT_TRUE(FullyTyped(response));

  const v1::ModelSync& created = response.data();
  EXPECT_FALSE(created.id().empty());
  EXPECT_NE(created.id(), "0c0c0c0c-0000-4000-8000-000000000001");
  EXPECT_EQ(created.mode(), v1::MODEL_SYNC_MODE_UPDATE_OR_CREATE);
  ASSERT_EQ(created.model_ids_size(), 1);
  EXPECT_EQ(created.model_ids(0), kModel);
  ASSERT_EQ(created.fields_size(), 3);
  EXPECT_TRUE(created.fields(0).encryption_enabled());
  EXPECT_EQ(created.fields(1).sync_mode(),
            "updateOrCreate");  // the API's default
  EXPECT_EQ(created.identity().function(), v1::IDENTITY_FUNCTION_TYPE_EQUALITY);
  ASSERT_EQ(created.filters_size(), 2);
  EXPECT_EQ(created.filters(1).field_type(),
            v1::FILTER_FIELD_REFERENCE_TYPE_TARGET);
  ASSERT_EQ(created.overrides_size(), 1);
  EXPECT_EQ(created.overrides(0).override().string_value(), "trial");
  EXPECT_EQ(created.target().object(), "Contact");
  EXPECT_TRUE(
      created.target().configuration().fields().at("bulk_api").bool_value());
  EXPECT_TRUE(created.skip_initial_backfill());
  EXPECT_TRUE(created.has_created_at());
  // The passphrase is write-only: stored, never returned.
  EXPECT_FALSE(created.has_encryption_passphrase());
  EXPECT_FALSE(exchange["response"]["data"].contains("encryption_passphrase"));
  auto state = upstream().State("model_syncs", created.id());
  ASSERT_EQ(state.status, 200) << state.body;
  EXPECT_EQ(state.json["encryption_passphrase"], "correct-horse-battery");
  EXPECT_TRUE(
      testsupport::MatchesUpstreamJson(created, HeldSync(created.id())));
}

TEST_F(ModelSyncRpcTest, CreateModelSyncCreatingItsTarget) {
  const std::string linkedin = harness_->Connection("linkedinads");
  grpc::ClientContext context;
  v1::CreateModelSyncRequest request;
  v1::ModelSync* sync = request.mutable_model_sync();
  sync->set_name("Target accounts to LinkedIn");
  sync->set_mode(v1::MODEL_SYNC_MODE_APPEND);
  auto* field = sync->add_fields();
  SetSource(field->mutable_source(), kModel, "company");
  field->set_target("company_name");
  sync->mutable_schedule()->set_frequency(v1::SCHEDULE_FREQUENCY_MANUAL);
  sync->mutable_target()->set_connection_id(linkedin);
  auto& create = *sync->mutable_target()->mutable_create();
  create["account"] = "urn:li:sponsoredAccount:508112240";
  create["audience_type"] = "company";
  create["name"] = "Target accounts Q3";
  v1::CreateModelSyncResponse response;
  ASSERT_GRPC_OK(stub_->CreateModelSync(&context, request, &response));
  Json exchange =
      ExpectForwarded("modelSync.create", "POST", "/api/syncs", response);
  EXPECT_TRUE(SameJson(exchange["body"], Json::parse(absl::StrCat(
                                             R"({
      "name": "Target accounts to LinkedIn", "mode": "append",
      "fields": [{"source": {"model_id": ")",
                                             kModel, R"(", "field": "company"},
                  "target": "company_name"}],
      "schedule": {"frequency": "manual"},
      "target": {"connection_id": ")",
                                             linkedin, R"(",
                 "create": {"account": "urn:li:sponsoredAccount:508112240",
                            "audience_type": "company", "name": "Target accounts Q3"}}})"))));
  EXPECT_TRUE(FullyTyped(response));
  // The new audience is the target; `create` is write-only.
  const std::string object = response.data().target().object();
  EXPECT_TRUE(absl::StartsWith(object, "company_audience:")) << object;
  EXPECT_EQ(response.data().target().create_size(), 0);
  auto state = upstream().State("model_syncs", response.data().id());
  ASSERT_EQ(state.status, 200);
  EXPECT_EQ(state.json["target"]["create"]["name"], "Target accounts Q3");
  auto objects = upstream().Get("/api/connections/" + linkedin +
                                "/modelsync/targetobjects");
  bool listed = false;
  for (const auto& o : objects.json["data"]) listed |= o["id"] == object;
  EXPECT_TRUE(listed) << objects.body;
}

TEST_F(ModelSyncRpcTest, GetModelSync) {
  std::string id = SeededModelSync(0);
  grpc::ClientContext context;
  v1::GetModelSyncRequest request;
  request.set_id(id);
  v1::GetModelSyncResponse response;
  ASSERT_GRPC_OK(stub_->GetModelSync(&context, request, &response));
  ExpectForwarded("modelSync.get", "GET", "/api/syncs/" + id, response);
  EXPECT_TRUE(FullyTyped(response));
  const v1::ModelSync& sync = response.data();
  EXPECT_EQ(sync.id(), id);
  EXPECT_EQ(sync.name(), "App users to Salesforce contacts");
  EXPECT_TRUE(sync.active());
  EXPECT_EQ(sync.mode(), v1::MODEL_SYNC_MODE_UPDATE_OR_CREATE);
  EXPECT_EQ(sync.fields_size(), 3);
  ASSERT_EQ(sync.override_fields_size(), 1);
  EXPECT_EQ(sync.override_fields(0).override_value(), "0015g00000XyZAbAAN");
  EXPECT_EQ(sync.identity().target(), "Email");
  ASSERT_EQ(sync.filters_size(), 2);
  EXPECT_EQ(sync.filters(1).function(), v1::FILTER_FUNCTION_STRING_ONE_OF);
  ASSERT_TRUE(sync.filters(1).value().has_list_value());
  EXPECT_EQ(sync.filters(1).value().list_value().values_size(), 2);
  EXPECT_EQ(sync.filter_logic(), "1 AND 2");
  EXPECT_EQ(sync.schedule().frequency(), v1::SCHEDULE_FREQUENCY_HOURLY);
  EXPECT_EQ(sync.schedule().minute(), "15");
  EXPECT_EQ(sync.target().connection_id(), harness_->Connection("salesforce"));
  EXPECT_EQ(sync.created_by().type(), "system");
  // Seeded with a passphrase, which is never returned.
  EXPECT_FALSE(sync.has_encryption_passphrase());
  EXPECT_TRUE(upstream()
                  .State("model_syncs", id)
                  .json.contains("encryption_passphrase"));
}

TEST_F(ModelSyncRpcTest, UpdateModelSyncReplacesTheSync) {
  std::string id = SeededModelSync(0);
  Json before = HeldSync(id);
  std::string model = before["model_ids"][0];
  grpc::ClientContext context;
  v1::UpdateModelSyncRequest request;
  // "*": a full replacement, the REST PUT's own semantics.
  request.mutable_update_mask()->add_paths("*");
  request.set_id(id);
  request.set_idempotency_key("update-model-sync-0001");
  v1::ModelSync* sync = request.mutable_model_sync();
  sync->set_name("App users to Salesforce contacts v2");
  sync->set_active(true);
  sync->set_mode(v1::MODEL_SYNC_MODE_UPDATE);
  auto* email = sync->add_fields();
  SetSource(email->mutable_source(), model, "email");
  email->set_target("Email");
  auto* last = sync->add_fields();
  SetSource(last->mutable_source(), model, "last_name");
  last->set_target("LastName");
  SetSource(sync->mutable_identity()->mutable_source(), model, "email");
  sync->mutable_identity()->set_target("Email");
  sync->mutable_identity()->set_function(v1::IDENTITY_FUNCTION_TYPE_EQUALITY);
  sync->mutable_schedule()->set_frequency(v1::SCHEDULE_FREQUENCY_WEEKLY);
  sync->mutable_schedule()->set_day_of_week("monday");
  sync->mutable_schedule()->set_hour("6");
  sync->mutable_schedule()->set_minute("0");
  sync->mutable_target()->set_connection_id(harness_->Connection("salesforce"));
  sync->mutable_target()->set_object("Contact");
  v1::UpdateModelSyncResponse response;
  ASSERT_GRPC_OK(stub_->UpdateModelSync(&context, request, &response));
  Json exchange =
      ExpectForwarded("modelSync.update", "PUT", "/api/syncs/" + id, response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "update-model-sync-0001");
  EXPECT_TRUE(SameJson(exchange["body"],
                       Json::parse(absl::StrCat(
                           R"({
      "name": "App users to Salesforce contacts v2", "active": true, "mode": "update",
      "fields": [{"source": {"model_id": ")",
                           model, R"(", "field": "email"}, "target": "Email"},
                 {"source": {"model_id": ")",
                           model, R"(", "field": "last_name"},
                  "target": "LastName"}],
      "identity": {"source": {"model_id": ")",
                           model, R"(", "field": "email"},
                   "target": "Email", "function": "Equality"},
      "schedule": {"frequency": "weekly", "minute": "0", "hour": "6", "day_of_week": "monday"},
      "target": {"connection_id": ")",
                           harness_->Connection("salesforce"), R"(",
                 "object": "Contact"}})"))));
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(response.data().id(), id);
  EXPECT_EQ(response.data().mode(), v1::MODEL_SYNC_MODE_UPDATE);
  // A full replacement: what was not sent is gone.
  EXPECT_EQ(response.data().override_fields_size(), 0);
  EXPECT_EQ(response.data().filters_size(), 0);
  EXPECT_FALSE(response.data().has_filter_logic());

  Json held = HeldSync(id);
  EXPECT_TRUE(testsupport::MatchesUpstreamJson(response.data(), held));
  EXPECT_EQ(held["name"], "App users to Salesforce contacts v2");
  EXPECT_EQ(held["created_at"],
            before["created_at"]);  // kept by the replacement
  EXPECT_EQ(held["schedule"]["day_of_week"], "monday");
  EXPECT_TRUE(held["filters"].empty());
  // The seeded passphrase was not sent again, so it is cleared.
  EXPECT_FALSE(upstream()
                   .State("model_syncs", id)
                   .json.contains("encryption_passphrase"));
}

TEST_F(ModelSyncRpcTest, DeleteModelSync) {
  std::string id = SeededModelSync(1);
  grpc::ClientContext context;
  v1::DeleteModelSyncRequest request;
  request.set_id(id);
  request.set_idempotency_key("delete-model-sync-0001");
  v1::DeleteModelSyncResponse response;
  ASSERT_GRPC_OK(stub_->DeleteModelSync(&context, request, &response));
  Json exchange = ExpectForwarded("modelSync.delete", "DELETE",
                                  "/api/syncs/" + id, response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "delete-model-sync-0001");
  EXPECT_EQ(response.ByteSizeLong(), 0u);
  EXPECT_EQ(upstream().Get("/api/syncs/" + id).status, 404);
  EXPECT_EQ(upstream().State("model_syncs", id).status, 404);
}

TEST_F(ModelSyncRpcTest, ActivateModelSyncSendsExplicitFalse) {
  std::string id = SeededModelSync(0);
  grpc::ClientContext context;
  v1::ActivateModelSyncRequest request;
  request.set_id(id);
  request.set_active(false);
  v1::ActivateModelSyncResponse response;
  ASSERT_GRPC_OK(stub_->ActivateModelSync(&context, request, &response));
  Json exchange = ExpectForwarded("modelSync.activate", "POST",
                                  "/api/syncs/" + id + "/activate", response);
  EXPECT_TRUE(SameJson(exchange["body"], Json{{"active", false}}));
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(response.data().id(), id);
  EXPECT_TRUE(response.data().has_active());
  EXPECT_FALSE(response.data().active());
  EXPECT_EQ(HeldSync(id)["active"], false);
}

TEST_F(ModelSyncRpcTest, CancelModelSyncCancelsTheRunningExecution) {
  std::string id = SeededModelSync(0);
  std::string execution_id = StartDirectly(id);
  grpc::ClientContext context;
  v1::CancelModelSyncRequest request;
  request.set_id(id);
  request.set_idempotency_key("cancel-model-sync-0001");
  v1::CancelModelSyncResponse response;
  ASSERT_GRPC_OK(stub_->CancelModelSync(&context, request, &response));
  Json exchange = ExpectForwarded("modelSync.cancel", "POST",
                                  "/api/syncs/" + id + "/cancel", response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "cancel-model-sync-0001");
  EXPECT_TRUE(exchange["body"].is_null()) << exchange["body"].dump();
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(response.data().message(), "cancellation requested");
  auto held =
      upstream().Get("/api/syncs/" + id + "/executions/" + execution_id);
  ASSERT_EQ(held.status, 200);
  EXPECT_EQ(held.json["data"]["status"], "canceled");
}

TEST_F(ModelSyncRpcTest, CancelModelSyncWithNothingRunning) {
  std::string id = SeededModelSync(0);
  Json before = upstream().State("model_syncs", id).json["executions"];
  grpc::ClientContext context;
  v1::CancelModelSyncRequest request;
  request.set_id(id);
  v1::CancelModelSyncResponse response;
  ASSERT_GRPC_OK(stub_->CancelModelSync(&context, request, &response));
  ExpectForwarded("modelSync.cancel", "POST", "/api/syncs/" + id + "/cancel",
                  response);
  EXPECT_EQ(response.data().message(), "no execution is running");
  EXPECT_EQ(upstream().State("model_syncs", id).json["executions"], before);
}

TEST_F(ModelSyncRpcTest, StartModelSync) {
  std::string id = SeededModelSync(0);
  grpc::ClientContext context;
  v1::StartModelSyncRequest request;
  request.set_id(id);
  request.add_identities("ada@example.com");
  request.set_resync(false);
  request.set_test(false);
  request.set_idempotency_key("start-model-sync-0001");
  v1::StartModelSyncResponse response;
  ASSERT_GRPC_OK(stub_->StartModelSync(&context, request, &response));
  Json exchange = ExpectForwarded("modelSync.start", "POST",
                                  "/api/syncs/" + id + "/executions", response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "start-model-sync-0001");
  EXPECT_TRUE(SameJson(
      exchange["body"],
      Json::parse(
          R"({"identities":["ada@example.com"],"resync":false,"test":false})")));
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_FALSE(response.data().id().empty());
  EXPECT_EQ(response.data().status(), v1::EXECUTION_STATUS_RUNNING);
  EXPECT_TRUE(response.data().has_created_at());
  auto held = upstream().Get("/api/syncs/" + id + "/executions/" +
                             response.data().id());
  ASSERT_EQ(held.status, 200) << held.body;
  EXPECT_EQ(held.json["data"]["status"], "running");
  EXPECT_EQ(held.json["data"]["type"], "manual");
}

TEST_F(ModelSyncRpcTest, StartModelSyncWhileOneRunsIsAborted) {
  std::string id = SeededModelSync(0);
  std::string running = StartDirectly(id);
  size_t before = upstream().State("model_syncs", id).json["executions"].size();
  grpc::ClientContext context;
  v1::StartModelSyncRequest request;
  request.set_id(id);
  v1::StartModelSyncResponse response;
  grpc::Status status = stub_->StartModelSync(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED)
      << testsupport::Describe(status);
  EXPECT_EQ(harness_->Count("modelSync.start"), 2);  // the direct one and this
  EXPECT_EQ(harness_->LastExchange("modelSync.start")["status"], 409);
  Json executions = upstream().State("model_syncs", id).json["executions"];
  EXPECT_EQ(executions.size(), before);
  EXPECT_EQ(executions.back()["id"], running);
}

TEST_F(ModelSyncRpcTest, GetModelSyncStatus) {
  std::string id = SeededModelSync(0);
  std::string running = StartDirectly(id);
  Json executions = upstream().State("model_syncs", id).json["executions"];
  ASSERT_GE(executions.size(), 2u);
  Json last_finished = executions[executions.size() - 2];
  grpc::ClientContext context;
  v1::GetModelSyncStatusRequest request;
  request.set_id(id);
  v1::GetModelSyncStatusResponse response;
  ASSERT_GRPC_OK(stub_->GetModelSyncStatus(&context, request, &response));
  ExpectForwarded("modelSync.getStatus", "GET", "/api/syncs/" + id + "/status",
                  response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(response.data().current_execution().id(), running);
  EXPECT_EQ(response.data().current_execution().status(),
            v1::EXECUTION_STATUS_RUNNING);
  EXPECT_EQ(response.data().last_execution().id(), last_finished["id"]);
  EXPECT_EQ(response.data().last_execution().status(),
            v1::EXECUTION_STATUS_COMPLETED);
  EXPECT_TRUE(response.data().last_execution().counts().has_total());
  // Active and hourly: the next run is scheduled.
  EXPECT_TRUE(response.data().has_next_execution_time());
}

TEST_F(ModelSyncRpcTest, GetModelSyncScheduleOptions) {
  grpc::ClientContext context;
  v1::GetModelSyncScheduleOptionsRequest request;
  v1::GetModelSyncScheduleOptionsResponse response;
  ASSERT_GRPC_OK(
      stub_->GetModelSyncScheduleOptions(&context, request, &response));
  Json exchange = ExpectForwarded("modelSync.getScheduleOptions", "GET",
                                  "/api/syncs/schedules", response);
  EXPECT_TRUE(SameJson(exchange["query"], Json::object()));
  EXPECT_TRUE(FullyTyped(response));
  std::set<v1::ScheduleFrequency> frequencies;
  for (const auto& option : response.data().schedule_options()) {
    EXPECT_NE(option.frequency(), v1::SCHEDULE_FREQUENCY_UNSPECIFIED)
        << option.label();
    EXPECT_FALSE(option.label().empty());
    EXPECT_TRUE(option.has_configuration()) << option.label();
    frequencies.insert(option.frequency());
    if (option.frequency() == v1::SCHEDULE_FREQUENCY_DAILY) {
      const auto& properties = option.configuration()
                                   .fields()
                                   .at("properties")
                                   .struct_value()
                                   .fields();
      EXPECT_EQ(properties.count("hour"), 1u);
      EXPECT_EQ(properties.count("minute"), 1u);
    }
  }
  EXPECT_EQ(frequencies.size(), 10u);  // every frequency but UNSPECIFIED
}

TEST_F(ModelSyncRpcTest, GetModelSyncSourceRefinedBySchema) {
  std::string connection = harness_->Connection("postgresql");
  grpc::ClientContext context;
  v1::GetModelSyncSourceRequest request;
  request.set_id(connection);
  (*request.mutable_params())["schema"].add_values("public");
  v1::GetModelSyncSourceResponse response;
  ASSERT_GRPC_OK(stub_->GetModelSyncSource(&context, request, &response));
  Json exchange = ExpectForwarded(
      "modelSync.getSource", "GET",
      "/api/connections/" + connection + "/modelsync/source", response);
  // One JSON-encoded query parameter: {"schema":["public"]}.
  ASSERT_TRUE(exchange["query"].contains("params")) << exchange["query"].dump();
  EXPECT_EQ(exchange["query"].size(), 1u);
  EXPECT_EQ(exchange["query"]["params"], R"({"schema":["public"]})");
  EXPECT_TRUE(FullyTyped(response));
  const v1::SyncSourceMeta& source = response.data();
  ASSERT_EQ(source.items().count("schema"), 1u);
  ASSERT_EQ(source.items().count("table"), 1u);
  EXPECT_TRUE(source.items().at("schema").has_items());
  std::set<std::string> schemas;
  for (const auto& item : source.items().at("schema").items()) {
    schemas.insert(item.struct_value().fields().at("value").string_value());
  }
  EXPECT_EQ(schemas, (std::set<std::string>{"public", "analytics"}));
  // The chosen schema narrows the tables.
  std::set<std::string> tables;
  for (const auto& item : source.items().at("table").items()) {
    tables.insert(item.struct_value().fields().at("value").string_value());
  }
  EXPECT_EQ(tables, (std::set<std::string>{"public.users", "public.orders"}));
  ASSERT_EQ(source.items().at("table").requires_one_of_size(), 1);
  EXPECT_EQ(source.items().at("table").requires_one_of(0), "schema");
  ASSERT_EQ(source.requires_one_of_size(), 1);
  EXPECT_EQ(source.requires_one_of(0), "table");
  EXPECT_EQ(source.configuration_size(), 0);
}

TEST_F(ModelSyncRpcTest, GetModelSyncSourceWithATable) {
  std::string connection = harness_->Connection("postgresql");
  grpc::ClientContext context;
  v1::GetModelSyncSourceRequest request;
  request.set_id(connection);
  (*request.mutable_params())["schema"].add_values("public");
  (*request.mutable_params())["table"].add_values("public.users");
  v1::GetModelSyncSourceResponse response;
  ASSERT_GRPC_OK(stub_->GetModelSyncSource(&context, request, &response));
  Json exchange = ExpectForwarded(
      "modelSync.getSource", "GET",
      "/api/connections/" + connection + "/modelsync/source", response);
  ASSERT_TRUE(exchange["query"]["params"].is_string())
      << exchange["query"].dump();
  EXPECT_TRUE(SameJson(
      Json::parse(exchange["query"]["params"].get<std::string>()),
      Json::parse(R"({"schema":["public"],"table":["public.users"]})")));
  EXPECT_TRUE(FullyTyped(response));
  ASSERT_EQ(response.data().configuration().count("tracking_column"), 1u);
  const v1::ConfigurationValue& column =
      response.data().configuration().at("tracking_column");
  EXPECT_EQ(column.type(), "string");
  std::set<std::string> columns;
  for (const auto& item : column.items()) {
    columns.insert(item.struct_value().fields().at("value").string_value());
  }
  EXPECT_EQ(columns, (std::set<std::string>{"signed_up_at", "updated_at"}));
}

TEST_F(ModelSyncRpcTest, GetModelSyncSourceFields) {
  std::string connection = harness_->Connection("postgresql");
  grpc::ClientContext context;
  v1::GetModelSyncSourceFieldsRequest request;
  request.set_id(connection);
  (*request.mutable_params())["table"].add_values("public.orders");
  v1::GetModelSyncSourceFieldsResponse response;
  ASSERT_GRPC_OK(stub_->GetModelSyncSourceFields(&context, request, &response));
  Json exchange = ExpectForwarded(
      "modelSync.getSourceFields", "GET",
      "/api/connections/" + connection + "/modelsync/source/fields", response);
  EXPECT_TRUE(SameJson(exchange["query"],
                       Json{{"params", R"({"table":["public.orders"]})"}}));
  EXPECT_TRUE(FullyTyped(response));
  std::vector<std::string> ids;
  for (const auto& field : response.data()) {
    ids.push_back(field.id());
    EXPECT_TRUE(field.has_type()) << field.id();
    EXPECT_TRUE(field.has_remote_type()) << field.id();
    EXPECT_EQ(field.unique(), field.id() == "id") << field.id();
  }
  EXPECT_EQ(ids,
            (std::vector<std::string>{"id", "user_id", "status", "total_cents",
                                      "currency", "placed_at", "updated_at"}));
}

}  // namespace
}  // namespace gateway_test
