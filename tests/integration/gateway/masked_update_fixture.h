// masked_update_fixture.h: what the partial-update (update_mask) tests share:
// stubs for the four updatable services, direct reads of the upstream
// documents, the response-only members of each resource and the checks on
// how many upstream calls an update made.
//
//   class MaskedBulkSyncTest : public MaskedUpdateTest {};
//   TEST_F(MaskedBulkSyncTest, Name) {
//     Json before = Read(BulkPath(id));
//     ForgetRequests();
//     ...UpdateBulkSync with update_mask {"name"}...
//     Json expected = Writable(Resource::kBulkSync, before);
//     expected["name"] = "renamed";
//     EXPECT_TRUE(SameJson(PutBody("bulkSync.update"), expected));
//     ExpectOneReadOneWrite("bulkSync.get", "bulkSync.update");
//   }
//
// The response-only members are listed here by hand, from the API reference
// and the proto's field behaviours, so that an expected PUT body is built
// from the upstream document without the gateway's merge code.
#ifndef TESTS_INTEGRATION_GATEWAY_MASKED_UPDATE_FIXTURE_H_
#define TESTS_INTEGRATION_GATEWAY_MASKED_UPDATE_FIXTURE_H_

#include <initializer_list>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/field_mask.pb.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "polytomic/v1/bulk_sync_schedule.grpc.pb.h"
#include "polytomic/v1/bulk_sync_schema.grpc.pb.h"
#include "polytomic/v1/model_sync.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {

namespace v1 = polytomic::v1;

// kMaskModel is the model id of the model syncs the tests create.
inline constexpr char kMaskModel[] = "5f0c2f9e-8d4b-4c1a-9e3f-7a6b5c4d3e21";
inline constexpr char kPolicyA[] = "c6a3f0a4-4c1e-4d8b-9b3f-2b7d4e1a9c55";
inline constexpr char kPolicyB[] = "0b1d7e55-2f4a-4c3b-8e9d-6a5f4e3d2c1b";
inline constexpr char kPassphrase[] = "correct-horse-battery";

// Resource is one of the four resources an update_mask applies to.
enum class Resource { kBulkSync, kSchedule, kSchema, kModelSync };

// Mask builds a FieldMask from its paths.
inline google::protobuf::FieldMask Mask(
    std::initializer_list<std::string> paths) {
  google::protobuf::FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  return mask;
}

// Writable is `doc`, an upstream GET document, without the members the API
// only ever returns (what a PUT built from it must not carry).
inline Json Writable(Resource resource, Json doc) {
  auto erase = [](Json& object, std::initializer_list<const char*> keys) {
    if (!object.is_object()) return;
    for (const char* key : keys) object.erase(key);
  };
  switch (resource) {
    case Resource::kBulkSync:
      erase(doc,
            {"id", "created_at", "created_by", "updated_at", "updated_by"});
      if (doc.contains("default_schedule")) {
        erase(doc["default_schedule"],
              {"created_at", "created_by", "updated_at", "updated_by"});
      }
      if (doc.contains("additional_schedules")) {
        for (Json& schedule : doc["additional_schedules"]) {
          erase(schedule,
                {"created_at", "created_by", "updated_at", "updated_by"});
        }
      }
      break;
    case Resource::kSchedule:
      erase(doc,
            {"id", "syncId", "isDefault", "syncMode", "schemas", "createdAt",
             "createdBy", "updatedAt", "updatedBy", "deletedAt", "deletedBy"});
      break;
    case Resource::kSchema:
      // `id` is read but not written: the PUT's request schema has no `id`.
      erase(doc, {"id", "output_name"});
      if (doc.contains("fields")) {
        for (Json& field : doc["fields"]) erase(field, {"output_name"});
      }
      break;
    case Resource::kModelSync:
      erase(doc, {"id", "model_ids", "created_at", "created_by", "updated_at",
                  "updated_by"});
      break;
  }
  return doc;
}

// WithoutStamps is `doc` without the members every write changes.
inline Json WithoutStamps(Json doc) {
  doc.erase("updated_at");
  doc.erase("updated_by");
  doc.erase("updatedAt");
  doc.erase("updatedBy");
  return doc;
}

class MaskedUpdateTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    if (harness_ == nullptr) return;
    bulk_ = Stub<v1::BulkSyncService>();
    schedules_ = Stub<v1::BulkSyncScheduleService>();
    schemas_ = Stub<v1::BulkSyncSchemaService>();
    models_ = Stub<v1::ModelSyncService>();
  }

  static std::string BulkPath(const std::string& id) {
    return "/api/bulk/syncs/" + id;
  }
  static std::string SchedulePath(const std::string& sync_id,
                                  const std::string& schedule_id) {
    return "/api/bulk/syncs/" + sync_id + "/schedules/" + schedule_id;
  }
  static std::string SchemaPath(const std::string& sync_id,
                                const std::string& schema_id) {
    return "/api/bulk/syncs/" + sync_id + "/schemas/" + schema_id;
  }
  static std::string ModelPath(const std::string& id) {
    return "/api/syncs/" + id;
  }

  // Read is the `data` of a direct GET of `path` at the sandbox.
  Json Read(const std::string& path) {
    auto reply = upstream().Get(path);
    EXPECT_EQ(reply.status, 200) << path << ": " << reply.body;
    return reply.json["data"];
  }

  // WriteDirectly PUTs `body` at the sandbox, bypassing the gateway; returns
  // the stored document.
  Json WriteDirectly(const std::string& path, const Json& body) {
    auto reply = upstream().Put(path, body);
    EXPECT_EQ(reply.status, 200) << path << ": " << reply.body;
    return reply.json["data"];
  }

  // HeldState is the sandbox's stored model sync, write-only fields included.
  Json HeldState(const std::string& model_sync_id) {
    auto reply = upstream().State("model_syncs", model_sync_id);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json;
  }

  void Extend(const std::string& resource, const std::string& field,
              const Json& default_value) {
    auto reply = upstream().AddExtension(resource, field, default_value);
    ASSERT_EQ(reply.status, 200) << reply.body;
  }

  // LastExchangeOf is the sandbox's log entry of the latest `operation`.
  Json LastExchangeOf(const std::string& operation) {
    Json requests = upstream().Requests(operation);
    EXPECT_FALSE(requests.empty()) << "no " << operation << " request";
    return requests.empty() ? Json() : requests.back();
  }

  // PutBody is the body the sandbox received with the latest `operation`.
  Json PutBody(const std::string& operation) {
    return LastExchangeOf(operation)["body"];
  }

  // UpstreamCalls is the number of requests the sandbox saw since the last
  // ForgetRequests(), all operations together.
  int UpstreamCalls() {
    int total = 0;
    const Json counters = upstream().Counters();
    for (const auto& count : counters) {
      if (count.is_number_integer()) total += count.get<int>();
    }
    return total;
  }

  // ExpectOneReadOneWrite: the update made exactly one GET and one PUT, and
  // nothing else.
  void ExpectOneReadOneWrite(const std::string& get_operation,
                             const std::string& put_operation) {
    EXPECT_EQ(upstream().Counter(get_operation), 1) << get_operation;
    EXPECT_EQ(upstream().Counter(put_operation), 1) << put_operation;
    EXPECT_EQ(UpstreamCalls(), 2) << upstream().Counters().dump();
  }

  // ExpectReadOnly: the update read the resource once and wrote nothing.
  void ExpectReadOnly(const std::string& get_operation) {
    EXPECT_EQ(upstream().Counter(get_operation), 1) << get_operation;
    EXPECT_EQ(UpstreamCalls(), 1) << upstream().Counters().dump();
  }

  // ExpectUpdated checks a successful update: the sandbox received exactly
  // `expected_body` with the one PUT (`put_operation` on `path`), after
  // exactly one GET and nothing else; and `response` is what that PUT
  // answered, field by field, with the etag of the answered document.
  void ExpectUpdated(const std::string& get_operation,
                     const std::string& put_operation, const std::string& path,
                     const Json& expected_body,
                     const google::protobuf::Message& response) {
    EXPECT_TRUE(SameJson(PutBody(put_operation), expected_body));
    ExpectOneReadOneWrite(get_operation, put_operation);
    ExpectForwarded(put_operation, "PUT", path, response);
    const auto* data = response.GetDescriptor()->FindFieldByName("data");
    const auto& resource = response.GetReflection()->GetMessage(response, data);
    const auto* etag = resource.GetDescriptor()->FindFieldByName("etag");
    EXPECT_FALSE(resource.GetReflection()->GetString(resource, etag).empty())
        << "no etag on the update's answer";
  }

  // ExpectMaskRejected: INVALID_ARGUMENT, reason INVALID_UPDATE_MASK, with a
  // BadRequest violation on `update_mask` quoting `path`, and no upstream
  // call at all.
  void ExpectMaskRejected(const grpc::Status& status, const std::string& path) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << testsupport::Describe(status);
    EXPECT_EQ(testsupport::ErrorInfoOf(status).reason(), "INVALID_UPDATE_MASK");
    google::rpc::BadRequest bad_request;
    ASSERT_TRUE(testsupport::DetailOf(status, &bad_request))
        << testsupport::Describe(status);
    bool found = false;
    for (const auto& violation : bad_request.field_violations()) {
      EXPECT_EQ(violation.field(), "update_mask");
      found |= absl::StrContains(violation.description(),
                                 absl::StrCat("\"", path, "\""));
    }
    EXPECT_TRUE(found) << "no violation quotes \"" << path
                       << "\": " << bad_request.ShortDebugString();
    EXPECT_EQ(UpstreamCalls(), 0) << upstream().Counters().dump();
  }

  // ExpectRequiredMissing: INVALID_ARGUMENT with a BadRequest violation on
  // `field` (e.g. "bulk_sync.name").
  static void ExpectRequiredMissing(const grpc::Status& status,
                                    const std::string& field) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << testsupport::Describe(status);
    google::rpc::BadRequest bad_request;
    ASSERT_TRUE(testsupport::DetailOf(status, &bad_request))
        << testsupport::Describe(status);
    std::vector<std::string> fields;
    for (const auto& violation : bad_request.field_violations()) {
      fields.push_back(violation.field());
    }
    EXPECT_NE(std::find(fields.begin(), fields.end(), field), fields.end())
        << field << " not among " << absl::StrJoin(fields, ", ");
  }

  // WriteOnlyNamed lists the fields a failed update names: its ErrorInfo's
  // "fields" (comma-separated) and its PreconditionFailure subjects.
  static std::set<std::string> WriteOnlyNamed(const grpc::Status& status) {
    std::set<std::string> named;
    google::rpc::ErrorInfo info;
    if (testsupport::DetailOf(status, &info) &&
        info.metadata().count("fields")) {
      for (absl::string_view field :
           absl::StrSplit(info.metadata().at("fields"), ',')) {
        named.insert(std::string(field));
      }
    }
    google::rpc::PreconditionFailure failure;
    if (testsupport::DetailOf(status, &failure)) {
      for (const auto& violation : failure.violations()) {
        named.insert(violation.subject());
      }
    }
    return named;
  }

  // ExpectWriteOnlyUnknown: FAILED_PRECONDITION, reason
  // WRITE_ONLY_FIELD_UNKNOWN, naming `field` (e.g.
  // "model_sync.encryption_passphrase") in its details and its message.
  static void ExpectWriteOnlyUnknown(const grpc::Status& status,
                                     const std::string& field) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
        << testsupport::Describe(status);
    EXPECT_EQ(testsupport::ErrorInfoOf(status).reason(),
              "WRITE_ONLY_FIELD_UNKNOWN");
    std::set<std::string> named = WriteOnlyNamed(status);
    EXPECT_EQ(named.count(field), 1u)
        << field << " not among " << absl::StrJoin(named, ", ") << ": "
        << testsupport::Describe(status);
    EXPECT_TRUE(absl::StrContains(status.error_message(), field))
        << testsupport::Describe(status);
  }

  grpc::Status UpdateBulkSync(const v1::UpdateBulkSyncRequest& request,
                              v1::UpdateBulkSyncResponse* response) {
    grpc::ClientContext context;
    return bulk_->UpdateBulkSync(&context, request, response);
  }
  grpc::Status UpdateSchedule(const v1::UpdateBulkSyncScheduleRequest& request,
                              v1::UpdateBulkSyncScheduleResponse* response) {
    grpc::ClientContext context;
    return schedules_->UpdateBulkSyncSchedule(&context, request, response);
  }
  grpc::Status UpdateSchema(const v1::UpdateBulkSyncSchemaRequest& request,
                            v1::UpdateBulkSyncSchemaResponse* response) {
    grpc::ClientContext context;
    return schemas_->UpdateBulkSyncSchema(&context, request, response);
  }
  grpc::Status UpdateModelSync(const v1::UpdateModelSyncRequest& request,
                               v1::UpdateModelSyncResponse* response) {
    grpc::ClientContext context;
    return models_->UpdateModelSync(&context, request, response);
  }

  static void SetSource(v1::SourceField* source, const std::string& field) {
    source->set_model_id(kMaskModel);
    source->set_field(field);
  }

  // NewModelSync is a model sync of app users to Salesforce contacts, with
  // every optional part filled and an encryption passphrase (write-only).
  // Its fields, identity and filters exist on Lead too; its
  // override field (Phone) does not.
  v1::ModelSync NewModelSync() {
    v1::ModelSync sync;
    sync.set_name("App users to Salesforce");
    sync.set_active(false);
    sync.set_mode(v1::MODEL_SYNC_MODE_UPDATE_OR_CREATE);
    auto* email = sync.add_fields();
    SetSource(email->mutable_source(), "email");
    email->set_target("Email");
    email->set_encryption_enabled(true);
    auto* first = sync.add_fields();
    SetSource(first->mutable_source(), "first_name");
    first->set_target("FirstName");
    auto* last = sync.add_fields();
    SetSource(last->mutable_source(), "last_name");
    last->set_target("LastName");
    last->set_sync_mode("create");
    auto* phone = sync.add_override_fields();
    phone->set_target("Phone");
    phone->set_override_value("n/a");
    auto* override_ = sync.add_overrides();
    SetSource(override_->mutable_field(), "plan");
    override_->set_function(v1::FILTER_FUNCTION_EQUALITY);
    override_->mutable_value()->set_string_value("free");
    override_->mutable_override()->set_string_value("trial");
    auto* active_only = sync.add_filters();
    SetSource(active_only->mutable_field(), "is_active");
    active_only->set_function(v1::FILTER_FUNCTION_TRUE);
    auto* has_email = sync.add_filters();
    has_email->set_field_id("Email");
    has_email->set_field_type(v1::FILTER_FIELD_REFERENCE_TYPE_TARGET);
    has_email->set_function(v1::FILTER_FUNCTION_IS_NOT_NULL);
    sync.set_filter_logic("1 AND 2");
    SetSource(sync.mutable_identity()->mutable_source(), "email");
    sync.mutable_identity()->set_target("Email");
    sync.mutable_identity()->set_function(v1::IDENTITY_FUNCTION_TYPE_EQUALITY);
    sync.add_policies(kPolicyA);
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
    sync.set_encryption_passphrase(kPassphrase);
    sync.set_skip_initial_backfill(true);
    return sync;
  }

  // CreateModelSync creates `sync` through the gateway (so the gateway holds
  // its write-only fields) and returns its id.
  std::string CreateModelSync(const v1::ModelSync& sync) {
    grpc::ClientContext context;
    v1::CreateModelSyncRequest request;
    *request.mutable_model_sync() = sync;
    v1::CreateModelSyncResponse response;
    grpc::Status status =
        models_->CreateModelSync(&context, request, &response);
    EXPECT_TRUE(status.ok()) << testsupport::Describe(status);
    return response.data().id();
  }

  // AdditionalScheduleId is the id of the only additional schedule of the
  // seeded bulk sync `i` (0: hourly, incremental fields only, Opportunity;
  // 1: weekly refetch on sunday).
  std::string AdditionalScheduleId(int i) {
    Json sync = Read(BulkPath(SeededBulkSync(i)));
    EXPECT_EQ(sync["additional_schedules"].size(), 1u) << sync.dump();
    return sync["additional_schedules"][0].value("id", "");
  }

  std::unique_ptr<v1::BulkSyncService::Stub> bulk_;
  std::unique_ptr<v1::BulkSyncScheduleService::Stub> schedules_;
  std::unique_ptr<v1::BulkSyncSchemaService::Stub> schemas_;
  std::unique_ptr<v1::ModelSyncService::Stub> models_;
};

}  // namespace gateway_test

#endif  // TESTS_INTEGRATION_GATEWAY_MASKED_UPDATE_FIXTURE_H_
