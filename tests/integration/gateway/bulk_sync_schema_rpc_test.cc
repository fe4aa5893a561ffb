// BulkSyncSchemaService through a real channel against the sandbox: each
// RPC's upstream call, its response field by field, and what the sandbox
// holds afterwards.
#include <map>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "polytomic/v1/bulk_sync_schema.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {
namespace {

using polytomic::v1::BulkSyncSchemaService;
namespace v1 = polytomic::v1;

class BulkSyncSchemaRpcTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    if (harness_ != nullptr) stub_ = Stub<BulkSyncSchemaService>();
  }

  std::string SchemaPath(const std::string& sync_id,
                         const std::string& schema_id) {
    return "/api/bulk/syncs/" + sync_id + "/schemas/" + schema_id;
  }

  // HeldSchema reads one schema configuration straight from the sandbox.
  Json HeldSchema(const std::string& sync_id, const std::string& schema_id) {
    auto held = upstream().Get(SchemaPath(sync_id, schema_id));
    EXPECT_EQ(held.status, 200) << held.body;
    return held.json["data"];
  }

  // FieldStates maps each field id of a schema document to its `enabled`.
  static std::map<std::string, bool> FieldStates(const Json& schema) {
    std::map<std::string, bool> states;
    for (const auto& field : schema["fields"]) {
      states[field["id"].get<std::string>()] = field["enabled"].get<bool>();
    }
    return states;
  }

  std::unique_ptr<BulkSyncSchemaService::Stub> stub_;
};

TEST_F(BulkSyncSchemaRpcTest, ListBulkSyncSchemasWithEnabledFilter) {
  // The S3 export selects public.users only; public.orders is disabled.
  std::string id = SeededBulkSync(2);
  grpc::ClientContext context;
  v1::ListBulkSyncSchemasRequest request;
  request.set_id(id);
  (*request.mutable_filters())["enabled"] = "true";
  v1::ListBulkSyncSchemasResponse response;
  ASSERT_GRPC_OK(stub_->ListBulkSyncSchemas(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.schemas.list", "GET",
                      "/api/bulk/syncs/" + id + "/schemas", response);
  // One JSON-encoded query parameter.
  EXPECT_TRUE(
      SameJson(exchange["query"], Json{{"filters", R"({"enabled":"true"})"}}));
  EXPECT_TRUE(FullyTyped(response));
  ASSERT_EQ(response.data_size(), 1);
  EXPECT_EQ(response.data(0).id(), "public.users");
  EXPECT_TRUE(response.data(0).enabled());
  EXPECT_EQ(response.data(0).output_name(), "public_users");
  EXPECT_EQ(response.data(0).tracking_field(), "updated_at");
  EXPECT_EQ(response.data(0).fields_size(), 0);  // the list omits fields
  // The filter did the selecting: the sync holds a disabled schema too.
  auto all = upstream().Get("/api/bulk/syncs/" + id + "/schemas");
  ASSERT_EQ(all.status, 200);
  ASSERT_EQ(all.json["data"].size(), 2u);
  EXPECT_EQ(all.json["data"][1]["id"], "public.orders");
  EXPECT_EQ(all.json["data"][1]["enabled"], false);
}

TEST_F(BulkSyncSchemaRpcTest, ListBulkSyncSchemasWithoutFiltersSendsNoQuery) {
  std::string id = SeededBulkSync(2);
  grpc::ClientContext context;
  v1::ListBulkSyncSchemasRequest request;
  request.set_id(id);
  v1::ListBulkSyncSchemasResponse response;
  ASSERT_GRPC_OK(stub_->ListBulkSyncSchemas(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.schemas.list", "GET",
                      "/api/bulk/syncs/" + id + "/schemas", response);
  EXPECT_TRUE(SameJson(exchange["query"], Json::object()));
  EXPECT_TRUE(FullyTyped(response));
  ASSERT_EQ(response.data_size(), 2);
  EXPECT_EQ(response.data(0).id(), "public.users");
  EXPECT_EQ(response.data(1).id(), "public.orders");
  EXPECT_TRUE(response.data(1).has_enabled());
  EXPECT_FALSE(response.data(1).enabled());
}

TEST_F(BulkSyncSchemaRpcTest, PatchBulkSyncSchemas) {
  std::string id = SeededBulkSync(0);
  Json opportunity_before = HeldSchema(id, "Opportunity");
  Json contact_before = HeldSchema(id, "Contact");
  ASSERT_EQ(contact_before["filters"].size(), 1u);

  grpc::ClientContext context;
  v1::PatchBulkSyncSchemasRequest request;
  request.set_id(id);
  request.set_idempotency_key("patch-schemas-0001");
  auto* contact = request.add_schemas();
  contact->set_id("Contact");
  contact->set_enabled(false);
  contact->set_user_output_name("crm_contacts");
  contact->set_partition_key("");  // explicit empty value: sent
  auto* account = request.add_schemas();
  account->set_id("Account");
  auto* id_field = account->add_fields();
  id_field->set_id("Id");
  id_field->set_enabled(true);
  auto* name_field = account->add_fields();
  name_field->set_id("Name");
  name_field->set_enabled(true);
  name_field->set_obfuscated(true);
  auto* revenue = account->add_fields();
  revenue->set_id("AnnualRevenue");
  revenue->set_enabled(false);
  v1::PatchBulkSyncSchemasResponse response;
  ASSERT_GRPC_OK(stub_->PatchBulkSyncSchemas(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.schemas.patch", "PATCH",
                      "/api/bulk/syncs/" + id + "/schemas", response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "patch-schemas-0001");
  EXPECT_TRUE(SameJson(exchange["body"], Json::parse(R"({"schemas": [
      {"id": "Contact", "enabled": false, "user_output_name": "crm_contacts",
       "partition_key": ""},
      {"id": "Account", "fields": [{"id": "Id", "enabled": true},
                                   {"id": "Name", "enabled": true, "obfuscated": true},
                                   {"id": "AnnualRevenue", "enabled": false}]}]})")));
  EXPECT_TRUE(FullyTyped(response));
  // The patch answers every schema of the sync, in full.
  ASSERT_EQ(response.data_size(), 3);
  for (const auto& schema : response.data()) {
    EXPECT_GT(schema.fields_size(), 0) << schema.id();
  }

  // What the sandbox holds: Contact merged (omitted fields: all enabled,
  // filters kept), Account with exactly the listed fields, Opportunity as
  // it was.
  Json held_contact = HeldSchema(id, "Contact");
  EXPECT_EQ(held_contact["enabled"], false);
  EXPECT_EQ(held_contact["user_output_name"], "crm_contacts");
  EXPECT_EQ(held_contact["filters"], contact_before["filters"]);
  for (const auto& [field, enabled] : FieldStates(held_contact)) {
    EXPECT_TRUE(enabled) << field;
  }
  Json held_account = HeldSchema(id, "Account");
  for (const auto& [field, enabled] : FieldStates(held_account)) {
    EXPECT_EQ(enabled, field == "Id" || field == "Name") << field;
  }
  for (const auto& field : held_account["fields"]) {
    EXPECT_EQ(field["obfuscated"], field["id"] == "Name") << field.dump();
  }
  EXPECT_EQ(HeldSchema(id, "Opportunity"), opportunity_before);
  for (const auto& schema : response.data()) {
    EXPECT_TRUE(
        testsupport::MatchesUpstreamJson(schema, HeldSchema(id, schema.id())))
        << schema.id();
  }
}

TEST_F(BulkSyncSchemaRpcTest, GetBulkSyncSchema) {
  std::string id = SeededBulkSync(0);
  grpc::ClientContext context;
  v1::GetBulkSyncSchemaRequest request;
  request.set_id(id);
  request.set_schema_id("Contact");
  v1::GetBulkSyncSchemaResponse response;
  ASSERT_GRPC_OK(stub_->GetBulkSyncSchema(&context, request, &response));
  Json exchange = ExpectForwarded("bulkSync.schemas.get", "GET",
                                  SchemaPath(id, "Contact"), response);
  EXPECT_TRUE(SameJson(exchange["query"], Json::object()));
  EXPECT_TRUE(FullyTyped(response));
  const v1::BulkSchema& schema = response.data();
  EXPECT_EQ(schema.id(), "Contact");
  EXPECT_TRUE(schema.enabled());
  EXPECT_EQ(schema.output_name(), "contact");
  EXPECT_EQ(schema.tracking_field(), "SystemModstamp");
  EXPECT_TRUE(schema.has_partition_key());
  EXPECT_EQ(schema.partition_key(), "");
  // Seeded with seven of its fields and one filter.
  int enabled = 0;
  for (const auto& field : schema.fields()) {
    EXPECT_TRUE(field.has_enabled()) << field.id();
    EXPECT_TRUE(field.has_output_name()) << field.id();
    enabled += field.enabled() ? 1 : 0;
  }
  EXPECT_EQ(schema.fields_size(), 12);
  EXPECT_EQ(enabled, 7);
  ASSERT_EQ(schema.filters_size(), 1);
  EXPECT_EQ(schema.filters(0).field_id(), "IsDeleted");
  EXPECT_EQ(schema.filters(0).function(), v1::FILTER_FUNCTION_FALSE);
}

TEST_F(BulkSyncSchemaRpcTest, UpdateBulkSyncSchemaReplacesTheSchema) {
  std::string id = SeededBulkSync(0);
  grpc::ClientContext context;
  v1::UpdateBulkSyncSchemaRequest request;
  // "*": a full replacement, the REST PUT's own semantics.
  request.mutable_update_mask()->add_paths("*");
  request.set_id(id);
  request.set_schema_id("Account");
  request.set_idempotency_key("update-schema-0001");
  v1::BulkSchema* schema = request.mutable_schema();
  schema->set_enabled(true);
  schema->set_output_name("ignored");  // output-only: never sent
  schema->set_user_output_name("accounts");
  schema->set_partition_key("BillingCountry");
  schema->set_tracking_field("LastModifiedDate");
  ASSERT_TRUE(google::protobuf::util::TimeUtil::FromString(
      "2026-01-01T00:00:00Z", schema->mutable_data_cutoff_timestamp()));
  schema->set_disable_data_cutoff(false);
  auto* id_field = schema->add_fields();
  id_field->set_id("Id");
  id_field->set_enabled(true);
  id_field->set_output_name("ignored");  // output-only: never sent
  auto* revenue = schema->add_fields();
  revenue->set_id("AnnualRevenue");
  revenue->set_enabled(true);
  revenue->set_obfuscated(true);
  revenue->set_user_output_name("revenue");
  auto* filter = schema->add_filters();
  filter->set_field_id("Type");
  filter->set_function(v1::FILTER_FUNCTION_EQUALITY);
  filter->mutable_value()->set_string_value("Customer");
  v1::UpdateBulkSyncSchemaResponse response;
  ASSERT_GRPC_OK(stub_->UpdateBulkSyncSchema(&context, request, &response));
  Json exchange = ExpectForwarded("bulkSync.schemas.update", "PUT",
                                  SchemaPath(id, "Account"), response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "update-schema-0001");
  // The body is the schema itself, zero values included.
  EXPECT_TRUE(SameJson(exchange["body"], Json::parse(R"({
      "enabled": true, "user_output_name": "accounts",
      "partition_key": "BillingCountry", "tracking_field": "LastModifiedDate",
      "data_cutoff_timestamp": "2026-01-01T00:00:00Z", "disable_data_cutoff": false,
      "fields": [{"id": "Id", "enabled": true},
                 {"id": "AnnualRevenue", "enabled": true, "obfuscated": true,
                  "user_output_name": "revenue"}],
      "filters": [{"field_id": "Type", "function": "Equality", "value": "Customer"}]})")));
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(response.data().id(), "Account");
  EXPECT_EQ(response.data().output_name(), "account");
  EXPECT_EQ(google::protobuf::util::TimeUtil::ToString(
                response.data().data_cutoff_timestamp()),
            "2026-01-01T00:00:00Z");
  ASSERT_EQ(response.data().filters_size(), 1);
  EXPECT_EQ(response.data().filters(0).function(),
            v1::FILTER_FUNCTION_EQUALITY);
  EXPECT_EQ(response.data().filters(0).value().string_value(), "Customer");

  // What the sandbox holds is what the response said: a full replacement,
  // with only the listed fields enabled.
  Json held = HeldSchema(id, "Account");
  EXPECT_TRUE(testsupport::MatchesUpstreamJson(response.data(), held));
  EXPECT_EQ(held["partition_key"], "BillingCountry");
  EXPECT_EQ(held["user_output_name"], "accounts");
  for (const auto& [field, enabled] : FieldStates(held)) {
    EXPECT_EQ(enabled, field == "Id" || field == "AnnualRevenue") << field;
  }
}

TEST_F(BulkSyncSchemaRpcTest, CancelBulkSyncSchemaCancelsItsRunningPart) {
  std::string id = SeededBulkSync(0);
  auto started =
      upstream().Post("/api/bulk/syncs/" + id + "/executions", Json::object());
  ASSERT_EQ(started.status, 200) << started.body;
  std::string execution_id = started.json["data"]["id"];

  grpc::ClientContext context;
  v1::CancelBulkSyncSchemaRequest request;
  request.set_id(id);
  request.set_schema_id("Contact");
  request.set_idempotency_key("cancel-schema-0001");
  v1::CancelBulkSyncSchemaResponse response;
  ASSERT_GRPC_OK(stub_->CancelBulkSyncSchema(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.schemas.cancel", "POST",
                      SchemaPath(id, "Contact") + "/cancel", response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "cancel-schema-0001");
  EXPECT_TRUE(exchange["body"].is_null()) << exchange["body"].dump();
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(response.data().message(), "cancellation requested");

  // Only Contact stopped; the execution runs on with the other schemas.
  auto held =
      upstream().Get("/api/bulk/syncs/" + id + "/executions/" + execution_id);
  ASSERT_EQ(held.status, 200);
  EXPECT_EQ(held.json["data"]["status"], "running");
  ASSERT_EQ(held.json["data"]["schemas"].size(), 3u);
  for (const auto& schema : held.json["data"]["schemas"]) {
    EXPECT_EQ(schema["status"],
              schema["schema"] == "Contact" ? "canceled" : "running")
        << schema.dump();
  }
}

TEST_F(BulkSyncSchemaRpcTest, CancelBulkSyncSchemaWithNothingRunning) {
  std::string id = SeededBulkSync(0);
  Json before = upstream().State("bulk_syncs", id).json["executions"];
  grpc::ClientContext context;
  v1::CancelBulkSyncSchemaRequest request;
  request.set_id(id);
  request.set_schema_id("Account");
  v1::CancelBulkSyncSchemaResponse response;
  ASSERT_GRPC_OK(stub_->CancelBulkSyncSchema(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.schemas.cancel", "POST",
                      SchemaPath(id, "Account") + "/cancel", response);
  // The caller set no key: the gateway sends its request id as the key.
  auto request_id = context.GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(request_id, context.GetServerInitialMetadata().end());
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"],
            std::string(request_id->second.data(), request_id->second.size()));
  EXPECT_EQ(response.data().message(),
            "no execution of this schema is running");
  EXPECT_EQ(upstream().State("bulk_syncs", id).json["executions"], before);
}

}  // namespace
}  // namespace gateway_test
