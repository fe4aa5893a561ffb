// ModelSyncTargetService through a real channel against the sandbox: each
// RPC's upstream call, its response field by field, and what the sandbox
// holds afterwards.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "polytomic/v1/model_sync_target.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {
namespace {

using polytomic::v1::ModelSyncTargetService;
namespace v1 = polytomic::v1;

class ModelSyncTargetRpcTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    if (harness_ != nullptr) stub_ = Stub<ModelSyncTargetService>();
  }

  static std::string ConnectionPath(const std::string& connection) {
    return "/api/connections/" + connection + "/modelsync";
  }

  std::unique_ptr<ModelSyncTargetService::Stub> stub_;
};

TEST_F(ModelSyncTargetRpcTest, ListModelSyncTargetObjectsWithTargetCreation) {
  std::string connection = harness_->Connection("linkedinads");
  // Seeded model sync 1 created an audience on this connection.
  auto seeded = upstream().Get("/api/syncs/" + SeededModelSync(1));
  ASSERT_EQ(seeded.status, 200);
  std::string created = seeded.json["data"]["target"]["object"];
  grpc::ClientContext context;
  v1::ListModelSyncTargetObjectsRequest request;
  request.set_id(connection);
  v1::ListModelSyncTargetObjectsResponse response;
  ASSERT_GRPC_OK(
      stub_->ListModelSyncTargetObjects(&context, request, &response));
  Json exchange =
      ExpectForwarded("modelSync.targets.list", "GET",
                      ConnectionPath(connection) + "/targetobjects", response);
  EXPECT_TRUE(SameJson(exchange["query"], Json::object()));
  EXPECT_TRUE(FullyTyped(response));
  std::vector<std::string> ids;
  for (const auto& object : response.data()) {
    ids.push_back(object.id());
    EXPECT_FALSE(object.name().empty()) << object.id();
    std::set<v1::ModelSyncMode> modes;
    for (const auto& mode : object.modes()) {
      modes.insert(mode.id());
      EXPECT_TRUE(mode.has_requires_identity()) << object.id();
      EXPECT_FALSE(mode.requires_identity()) << object.id();
    }
    EXPECT_EQ(modes, (std::set<v1::ModelSyncMode>{v1::MODEL_SYNC_MODE_APPEND,
                                                  v1::MODEL_SYNC_MODE_REMOVE,
                                                  v1::MODEL_SYNC_MODE_REPLACE}))
        << object.id();
  }
  EXPECT_EQ(ids,
            (std::vector<std::string>{"contact_audience:18463220",
                                      "company_audience:18463311", created}));
  // `target_creation`, beside `data`.
  const v1::TargetCreator& creator = response.target_creation();
  EXPECT_TRUE(creator.supported());
  ASSERT_EQ(creator.properties_size(), 3);
  EXPECT_EQ(creator.properties(0).id(), "account");
  EXPECT_EQ(creator.properties(0).title(), "Ad account");
  EXPECT_TRUE(creator.properties(0).enum_());
  EXPECT_EQ(creator.properties(1).id(), "audience_type");
  EXPECT_TRUE(creator.properties(1).enum_());
  EXPECT_EQ(creator.properties(2).id(), "name");
  EXPECT_TRUE(creator.properties(2).has_enum_());
  EXPECT_FALSE(creator.properties(2).enum_());
}

TEST_F(ModelSyncTargetRpcTest,
       ListModelSyncTargetObjectsWithoutTargetCreation) {
  std::string connection = harness_->Connection("salesforce");
  grpc::ClientContext context;
  v1::ListModelSyncTargetObjectsRequest request;
  request.set_id(connection);
  v1::ListModelSyncTargetObjectsResponse response;
  ASSERT_GRPC_OK(
      stub_->ListModelSyncTargetObjects(&context, request, &response));
  ExpectForwarded("modelSync.targets.list", "GET",
                  ConnectionPath(connection) + "/targetobjects", response);
  EXPECT_TRUE(FullyTyped(response));
  std::vector<std::string> ids;
  for (const auto& object : response.data()) {
    ids.push_back(object.id());
    ASSERT_EQ(object.modes_size(), 3) << object.id();
    EXPECT_EQ(object.modes(0).id(), v1::MODEL_SYNC_MODE_CREATE);
    EXPECT_FALSE(object.modes(0).requires_identity());
    EXPECT_EQ(object.modes(2).id(), v1::MODEL_SYNC_MODE_UPDATE_OR_CREATE);
    EXPECT_TRUE(object.modes(2).requires_identity());
    EXPECT_TRUE(object.modes(2).supports_target_filters());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"Account", "Contact", "Lead"}));
  EXPECT_TRUE(response.target_creation().has_supported());
  EXPECT_FALSE(response.target_creation().supported());
  EXPECT_EQ(response.target_creation().properties_size(), 0);
}

TEST_F(ModelSyncTargetRpcTest, GetModelSyncTargetFieldsWithRefresh) {
  std::string connection = harness_->Connection("salesforce");
  grpc::ClientContext context;
  v1::GetModelSyncTargetFieldsRequest request;
  request.set_id(connection);
  request.set_target("Contact");
  request.set_refresh(true);
  v1::GetModelSyncTargetFieldsResponse response;
  ASSERT_GRPC_OK(stub_->GetModelSyncTargetFields(&context, request, &response));
  Json exchange =
      ExpectForwarded("modelSync.targets.getTargetFields", "GET",
                      ConnectionPath(connection) + "/target/fields", response);
  EXPECT_TRUE(SameJson(exchange["query"],
                       Json{{"refresh", "true"}, {"target", "Contact"}}));
  EXPECT_TRUE(FullyTyped(response));
  const v1::TargetDescription& target = response.data();
  EXPECT_EQ(target.id(), "Contact");
  EXPECT_EQ(target.name(), "Contact");
  ASSERT_EQ(target.fields_size(), 7);
  bool saw_email = false;
  for (const auto& field : target.fields()) {
    EXPECT_TRUE(field.has_required()) << field.id();
    EXPECT_TRUE(field.encryptable()) << field.id();
    if (field.id() != "Email") continue;
    saw_email = true;
    EXPECT_TRUE(field.supports_identity());
    ASSERT_EQ(field.identity_functions_size(), 2);
    EXPECT_EQ(field.identity_functions(0).id(), "Equality");
    EXPECT_EQ(field.identity_functions(1).id(), "ISubstring");
  }
  EXPECT_TRUE(saw_email);
  ASSERT_EQ(target.modes_size(), 3);
  EXPECT_EQ(target.modes(2).mode(), "updateOrCreate");
  EXPECT_EQ(target.modes(2).label(), "Update or create");
  EXPECT_TRUE(target.modes(2).requires_identity());
  EXPECT_TRUE(target.modes(2).supports_field_sync_mode());
  EXPECT_TRUE(target.properties().supports_field_encryption());
  EXPECT_FALSE(target.properties().target_creator());
  EXPECT_TRUE(target.properties().has_use_field_names_as_labels());
  ASSERT_TRUE(target.has_refreshed_at());
  // The sandbox holds the refresh: a plain read reports the same time.
  auto held = upstream().Get(ConnectionPath(connection) +
                             "/target/fields?target=Contact");
  ASSERT_EQ(held.status, 200) << held.body;
  EXPECT_EQ(held.json["data"]["refreshed_at"],
            exchange["response"]["data"]["refreshed_at"]);
}

TEST_F(ModelSyncTargetRpcTest, GetModelSyncTargetFieldsEscapesTheTarget) {
  std::string connection = harness_->Connection("linkedinads");
  grpc::ClientContext context;
  v1::GetModelSyncTargetFieldsRequest request;
  request.set_id(connection);
  request.set_target("contact_audience:18463220");
  v1::GetModelSyncTargetFieldsResponse response;
  ASSERT_GRPC_OK(stub_->GetModelSyncTargetFields(&context, request, &response));
  Json exchange =
      ExpectForwarded("modelSync.targets.getTargetFields", "GET",
                      ConnectionPath(connection) + "/target/fields", response);
  // Unset `refresh` is not sent.
  EXPECT_TRUE(SameJson(exchange["query"],
                       Json{{"target", "contact_audience:18463220"}}));
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(response.data().id(), "contact_audience:18463220");
  EXPECT_EQ(response.data().fields_size(), 6);
  EXPECT_EQ(response.data().properties().new_target_label(), "New audience");
  EXPECT_TRUE(response.data().properties().target_creator());
}

TEST_F(ModelSyncTargetRpcTest, GetModelSyncTargetCreateProperty) {
  std::string connection = harness_->Connection("linkedinads");
  grpc::ClientContext context;
  v1::GetModelSyncTargetCreatePropertyRequest request;
  request.set_id(connection);
  request.set_property("audience_type");
  v1::GetModelSyncTargetCreatePropertyResponse response;
  ASSERT_GRPC_OK(
      stub_->GetModelSyncTargetCreateProperty(&context, request, &response));
  Json exchange = ExpectForwarded(
      "modelSync.targets.getCreateProperty", "GET",
      ConnectionPath(connection) + "/targetobjects/properties/audience_type",
      response);
  EXPECT_TRUE(SameJson(exchange["query"], Json::object()));
  EXPECT_TRUE(FullyTyped(response));
  const v1::TargetPropertyValues& property = response.data();
  EXPECT_EQ(property.id(), "audience_type");
  EXPECT_EQ(property.title(), "Audience type");
  EXPECT_TRUE(property.enum_());
  ASSERT_EQ(property.values_size(), 2);
  EXPECT_EQ(property.values(0).value(), "contact");
  EXPECT_EQ(property.values(0).label(), "Contact list");
  EXPECT_EQ(property.values(1).value(), "company");
  EXPECT_EQ(property.values(1).label(), "Company list");
}

TEST_F(ModelSyncTargetRpcTest,
       GetModelSyncTargetCreatePropertyWithoutTargetCreation) {
  std::string connection = harness_->Connection("salesforce");
  grpc::ClientContext context;
  v1::GetModelSyncTargetCreatePropertyRequest request;
  request.set_id(connection);
  request.set_property("account");
  v1::GetModelSyncTargetCreatePropertyResponse response;
  grpc::Status status =
      stub_->GetModelSyncTargetCreateProperty(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
      << testsupport::Describe(status);
  EXPECT_EQ(harness_->Count("modelSync.targets.getCreateProperty"), 1);
  Json exchange = harness_->LastExchange("modelSync.targets.getCreateProperty");
  EXPECT_EQ(exchange["path"],
            ConnectionPath(connection) + "/targetobjects/properties/account");
  EXPECT_EQ(exchange["status"], 404);
}

}  // namespace
}  // namespace gateway_test
