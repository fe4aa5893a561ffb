// Conformance of update_mask, part 2: bulk sync schedules (camelCase on the
// wire), bulk sync schemas and model syncs (see
// masked_update_conformance_test.cc for what every case checks).
//
// Model syncs are created through the gateway here, so that it holds their
// write-only fields (`encryption_passphrase`, `target.create`): a partial
// update puts them back into the PUT body, which the expectations include.
#include <string>

#include "google/protobuf/util/time_util.h"
#include "tests/integration/gateway/masked_update_fixture.h"

namespace gateway_test {
namespace {

using google::protobuf::util::TimeUtil;

// ---------------------------------------------------------------------------
// Bulk sync schedules: camelCase members, the body wraps the schedule.

class MaskedScheduleConformance : public MaskedUpdateTest {
 protected:
  void SetUp() override {
    MaskedUpdateTest::SetUp();
    if (harness_ == nullptr) return;
    sync_ = SeededBulkSync(1);
    schedule_ = AdditionalScheduleId(1);  // weekly refetch, sunday 03:00
    path_ = SchedulePath(sync_, schedule_);
  }

  v1::UpdateBulkSyncScheduleRequest Request(
      std::initializer_list<std::string> paths) {
    v1::UpdateBulkSyncScheduleRequest request;
    request.set_sync_id(sync_);
    request.set_schedule_id(schedule_);
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    return request;
  }

  void Update(v1::UpdateBulkSyncScheduleRequest request,
              const Json& expected_schedule) {
    v1::UpdateBulkSyncScheduleResponse response;
    grpc::Status status = UpdateSchedule(request, &response);
    ASSERT_TRUE(status.ok()) << testsupport::Describe(status);
    ExpectUpdated("bulkSync.schedules.get", "bulkSync.schedules.update",
                  SchedulePath(request.sync_id(), request.schedule_id()),
                  Json{{"schedule", expected_schedule}}, response);
  }

  std::string sync_;
  std::string schedule_;
  std::string path_;
};

TEST_F(MaskedScheduleConformance, NestedScalarKeepsCamelCaseMembers) {
  Json before = Read(path_);
  ASSERT_EQ(before["dayOfWeek"], "sunday");
  ForgetRequests();
  auto request = Request({"hour"});
  request.mutable_schedule()->set_hour("5");
  request.set_idempotency_key("mask-schedule-hour-0001");
  Json expected = Writable(Resource::kSchedule, before);
  expected["hour"] = "5";
  Update(request, expected);
  EXPECT_EQ(
      LastExchangeOf("bulkSync.schedules.update")["headers"]["Idempotency-Key"],
      "mask-schedule-hour-0001");
  Json after = Read(path_);
  before["hour"] = "5";
  EXPECT_TRUE(SameJson(WithoutStamps(after), WithoutStamps(before)));
  EXPECT_EQ(Read(BulkPath(sync_))["additional_schedules"][0]["hour"], "5");
}

TEST_F(MaskedScheduleConformance, StarReplacesTheWritableMembers) {
  // Seeded sync 0's extra schedule: hourly, incremental fields, Opportunity.
  sync_ = SeededBulkSync(0);
  schedule_ = AdditionalScheduleId(0);
  path_ = SchedulePath(sync_, schedule_);
  Json before = Read(path_);
  ASSERT_EQ(before["selectiveMode"], "incrementalFields");
  ForgetRequests();
  auto request = Request({"*"});
  request.mutable_schedule()->set_frequency(v1::SCHEDULE_FREQUENCY_DAILY);
  request.mutable_schedule()->set_hour("1");
  request.mutable_schedule()->set_is_default(true);  // output-only: ignored
  request.mutable_schedule()->set_sync_mode(
      v1::BULK_SCHEDULE_SYNC_MODE_REBUILD);
  Update(request, Json{{"frequency", "daily"}, {"hour", "1"}});
  Json after = Read(path_);
  EXPECT_EQ(after["frequency"], "daily");
  EXPECT_FALSE(after.contains("minute")) << after.dump();
  EXPECT_EQ(after["selectiveMode"], "none");  // reset by the replacement
  // Output-only members are unchanged.
  EXPECT_EQ(after["id"], before["id"]);
  EXPECT_EQ(after["isDefault"], false);
  EXPECT_EQ(after["syncMode"], before["syncMode"]);
  EXPECT_EQ(after["schemas"], before["schemas"]);
  EXPECT_EQ(after["createdAt"], before["createdAt"]);
}

TEST_F(MaskedScheduleConformance, NoMaskChangesThePopulatedFields) {
  Json before = Read(path_);
  ForgetRequests();
  auto request = Request({});
  request.mutable_schedule()->set_minute("45");
  Json expected = Writable(Resource::kSchedule, before);
  expected["minute"] = "45";
  Update(request, expected);
  Json after = Read(path_);
  EXPECT_EQ(after["minute"], "45");
  EXPECT_EQ(after["hour"], "3");
  EXPECT_EQ(after["dayOfWeek"], "sunday");
}

TEST_F(MaskedScheduleConformance, NamedUnsetStringIsSentEmpty) {
  Json before = Read(path_);
  ForgetRequests();
  Json expected = Writable(Resource::kSchedule, before);
  expected["dayOfWeek"] = "";
  Update(Request({"day_of_week"}), expected);
  Json after = Read(path_);
  EXPECT_EQ(after["dayOfWeek"], "");
  EXPECT_EQ(after["hour"], "3");
}

TEST_F(MaskedScheduleConformance, NamedUnsetEnumIsOmittedForTheApiDefault) {
  sync_ = SeededBulkSync(0);
  schedule_ = AdditionalScheduleId(0);
  path_ = SchedulePath(sync_, schedule_);
  Json before = Read(path_);
  ASSERT_EQ(before["selectiveMode"], "incrementalFields");
  ForgetRequests();
  Json expected = Writable(Resource::kSchedule, before);
  expected.erase("selectiveMode");
  Update(Request({"selective_mode"}), expected);
  Json after = Read(path_);
  EXPECT_EQ(after["selectiveMode"], "none");
  EXPECT_EQ(after["minute"], "15");
}

TEST_F(MaskedScheduleConformance, NamedEnumOnTheDefaultSchedule) {
  schedule_ =
      Read(BulkPath(sync_))["default_schedule"]["id"].get<std::string>();
  path_ = SchedulePath(sync_, schedule_);
  Json before = Read(path_);
  ASSERT_EQ(before["isDefault"], true);
  ForgetRequests();
  auto request = Request({"frequency"});
  request.mutable_schedule()->set_frequency(v1::SCHEDULE_FREQUENCY_DAILY);
  Json expected = Writable(Resource::kSchedule, before);
  expected["frequency"] = "daily";
  Update(request, expected);
  Json body = PutBody("bulkSync.schedules.update")["schedule"];
  for (const char* member :
       {"id", "syncId", "isDefault", "syncMode", "schemas", "createdAt",
        "createdBy", "updatedAt", "updatedBy"}) {
    EXPECT_FALSE(body.contains(member)) << member;
  }
  Json after = Read(path_);
  EXPECT_EQ(after["frequency"], "daily");
  EXPECT_EQ(after["minute"], before["minute"]);
  EXPECT_EQ(after["isDefault"], true);
  EXPECT_EQ(Read(BulkPath(sync_))["default_schedule"]["frequency"], "daily");
}

TEST_F(MaskedScheduleConformance, ClearingTheFrequencyIsRefused) {
  Json before = Read(path_);
  ForgetRequests();
  auto request = Request({"frequency", "hour"});
  request.mutable_schedule()->set_hour("1");
  v1::UpdateBulkSyncScheduleResponse response;
  ExpectRequiredMissing(UpdateSchedule(request, &response),
                        "schedule.frequency");
  // Refused before the read or on the merged document: either way unwritten.
  EXPECT_EQ(upstream().Counter("bulkSync.schedules.update"), 0);
  EXPECT_LE(UpstreamCalls(), 1) << upstream().Counters().dump();
  EXPECT_TRUE(SameJson(Read(path_), before));
}

TEST_F(MaskedScheduleConformance, AdditionalFieldsMemberIsChanged) {
  Extend("bulk_sync_schedule", "jitterSeconds", 0);
  Json before = Read(path_);
  ASSERT_EQ(before["jitterSeconds"], 0);
  ForgetRequests();
  auto request = Request({"additional_fields.jitterSeconds"});
  (*request.mutable_schedule()
        ->mutable_additional_fields()
        ->mutable_fields())["jitterSeconds"]
      .set_number_value(30);
  Json expected = Writable(Resource::kSchedule, before);
  expected["jitterSeconds"] = 30;
  Update(request, expected);
  EXPECT_EQ(Read(path_)["jitterSeconds"], 30);
}

TEST_F(MaskedScheduleConformance, UnmodelledMemberIsKept) {
  Extend("bulk_sync_schedule", "jitterSeconds", 0);
  Json doc = Writable(Resource::kSchedule, Read(path_));
  doc["jitterSeconds"] = 45;
  WriteDirectly(path_, Json{{"schedule", doc}});
  Json before = Read(path_);
  ASSERT_EQ(before["jitterSeconds"], 45);
  ForgetRequests();
  auto request = Request({"minute"});
  request.mutable_schedule()->set_minute("5");
  Json expected = Writable(Resource::kSchedule, before);
  expected["minute"] = "5";
  Update(request, expected);
  EXPECT_EQ(Read(path_)["jitterSeconds"], 45);
}

// ---------------------------------------------------------------------------
// Bulk sync schemas: seeded sync 0's Account (every field enabled, tracking
// SystemModstamp, no filters).

class MaskedSchemaConformance : public MaskedUpdateTest {
 protected:
  void SetUp() override {
    MaskedUpdateTest::SetUp();
    if (harness_ == nullptr) return;
    sync_ = SeededBulkSync(0);
    path_ = SchemaPath(sync_, "Account");
  }

  v1::UpdateBulkSyncSchemaRequest Request(
      std::initializer_list<std::string> paths) {
    v1::UpdateBulkSyncSchemaRequest request;
    request.set_id(sync_);
    request.set_schema_id("Account");
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    return request;
  }

  void Update(const v1::UpdateBulkSyncSchemaRequest& request,
              const Json& expected) {
    v1::UpdateBulkSyncSchemaResponse response;
    grpc::Status status = UpdateSchema(request, &response);
    ASSERT_TRUE(status.ok()) << testsupport::Describe(status);
    ExpectUpdated("bulkSync.schemas.get", "bulkSync.schemas.update", path_,
                  expected, response);
  }

  // Prepare gives the schema non-default values, directly at the sandbox:
  // two fields, one filter, a partition key, a user name, a tracking field
  // and a cutoff. Returns what the sandbox then serves.
  Json Prepare() {
    WriteDirectly(path_, Json::parse(R"({
        "enabled": true, "user_output_name": "accounts",
        "partition_key": "BillingCountry", "tracking_field": "LastModifiedDate",
        "data_cutoff_timestamp": "2025-06-01T00:00:00Z",
        "fields": [{"id": "Id", "enabled": true},
                   {"id": "Name", "enabled": true, "obfuscated": true}],
        "filters": [{"field_id": "Type", "function": "Equality",
                     "value": "Customer"}]})"));
    return Read(path_);
  }

  std::string sync_;
  std::string path_;
};

TEST_F(MaskedSchemaConformance, NamedStringChangesOnlyIt) {
  Json before = Prepare();
  ForgetRequests();
  auto request = Request({"user_output_name"});
  request.mutable_schema()->set_user_output_name("accounts_v2");
  request.set_idempotency_key("mask-schema-name-0001");
  Json expected = Writable(Resource::kSchema, before);
  expected["user_output_name"] = "accounts_v2";
  Update(request, expected);
  EXPECT_EQ(
      LastExchangeOf("bulkSync.schemas.update")["headers"]["Idempotency-Key"],
      "mask-schema-name-0001");
  Json after = Read(path_);
  EXPECT_EQ(after["user_output_name"], "accounts_v2");
  EXPECT_EQ(after["fields"], before["fields"]);
  EXPECT_EQ(after["filters"], before["filters"]);
  EXPECT_EQ(after["data_cutoff_timestamp"], before["data_cutoff_timestamp"]);
}

TEST_F(MaskedSchemaConformance, StarIsAFullReplacement) {
  Json before = Prepare();
  ForgetRequests();
  auto request = Request({"*"});
  request.mutable_schema()->set_enabled(true);
  request.mutable_schema()->set_partition_key("Id");
  request.mutable_schema()->set_output_name("ignored");  // output-only
  Update(request, Json{{"enabled", true}, {"partition_key", "Id"}});
  Json after = Read(path_);
  EXPECT_EQ(after["partition_key"], "Id");
  EXPECT_EQ(after["user_output_name"], "");
  EXPECT_EQ(after["tracking_field"], "SystemModstamp");  // catalog default
  EXPECT_TRUE(after["filters"].empty());
  EXPECT_FALSE(after.contains("data_cutoff_timestamp"));
  EXPECT_EQ(after["fields"].size(), 12u);
  for (const Json& field : after["fields"]) EXPECT_EQ(field["enabled"], true);
}

TEST_F(MaskedSchemaConformance, NoMaskChangesThePopulatedFields) {
  Json before = Prepare();
  ForgetRequests();
  auto request = Request({});
  request.mutable_schema()->set_partition_key("Id");
  request.mutable_schema()->set_enabled(false);
  Json expected = Writable(Resource::kSchema, before);
  expected["partition_key"] = "Id";
  expected["enabled"] = false;
  Update(request, expected);
  Json after = Read(path_);
  EXPECT_EQ(after["enabled"], false);
  EXPECT_EQ(after["partition_key"], "Id");
  EXPECT_EQ(after["fields"], before["fields"]);
}

TEST_F(MaskedSchemaConformance, NamedUnsetStringIsSentEmpty) {
  Json before = Prepare();
  ForgetRequests();
  Json expected = Writable(Resource::kSchema, before);
  expected["user_output_name"] = "";
  Update(Request({"user_output_name"}), expected);
  Json after = Read(path_);
  EXPECT_EQ(after["user_output_name"], "");
  EXPECT_EQ(after["partition_key"], "BillingCountry");
}

TEST_F(MaskedSchemaConformance, NamedUnsetBoolIsSentAsFalse) {
  Json before = Prepare();
  ForgetRequests();
  Json expected = Writable(Resource::kSchema, before);
  expected["enabled"] = false;
  Update(Request({"enabled"}), expected);
  EXPECT_EQ(Read(path_)["enabled"], false);
}

TEST_F(MaskedSchemaConformance, NamedFieldListIsReplaced) {
  Json before = Prepare();
  ForgetRequests();
  auto request = Request({"fields"});
  auto* type = request.mutable_schema()->add_fields();
  type->set_id("Type");
  type->set_enabled(true);
  auto* industry = request.mutable_schema()->add_fields();
  industry->set_id("Industry");
  industry->set_enabled(true);
  industry->set_obfuscated(false);
  Json expected = Writable(Resource::kSchema, before);
  expected["fields"] = Json::parse(R"([{"id": "Type", "enabled": true},
      {"id": "Industry", "enabled": true, "obfuscated": false}])");
  Update(request, expected);
  for (const Json& field : Read(path_)["fields"]) {
    EXPECT_EQ(field["enabled"],
              field["id"] == "Type" || field["id"] == "Industry")
        << field.dump();
  }
}

TEST_F(MaskedSchemaConformance, NamedFilterListIsReplaced) {
  Json before = Prepare();
  ForgetRequests();
  auto request = Request({"filters"});
  auto* filter = request.mutable_schema()->add_filters();
  filter->set_field_id("Industry");
  filter->set_function(v1::FILTER_FUNCTION_IS_NOT_NULL);
  Json expected = Writable(Resource::kSchema, before);
  expected["filters"] =
      Json::parse(R"([{"field_id": "Industry", "function": "IsNotNull"}])");
  Update(request, expected);
  Json filters = Read(path_)["filters"];
  ASSERT_EQ(filters.size(), 1u) << filters.dump();
  EXPECT_EQ(filters[0]["field_id"], "Industry");
}

TEST_F(MaskedSchemaConformance, NamedUnsetTimestampIsRemoved) {
  Json before = Prepare();
  ASSERT_TRUE(before.contains("data_cutoff_timestamp"));
  ForgetRequests();
  Json expected = Writable(Resource::kSchema, before);
  expected.erase("data_cutoff_timestamp");
  Update(Request({"data_cutoff_timestamp"}), expected);
  Json after = Read(path_);
  EXPECT_FALSE(after.contains("data_cutoff_timestamp")) << after.dump();
  EXPECT_EQ(after["tracking_field"], "LastModifiedDate");
}

TEST_F(MaskedSchemaConformance, AdditionalFieldsMemberIsChangedAndKept) {
  Extend("bulk_sync_schema", "compression", "none");
  Json before = Prepare();
  ASSERT_EQ(before["compression"], "none");
  ForgetRequests();
  auto request = Request({"additional_fields.compression"});
  (*request.mutable_schema()
        ->mutable_additional_fields()
        ->mutable_fields())["compression"]
      .set_string_value("zstd");
  Json expected = Writable(Resource::kSchema, before);
  expected["compression"] = "zstd";
  Update(request, expected);
  EXPECT_EQ(Read(path_)["compression"], "zstd");

  // Not named afterwards: sent back as it is.
  Json changed = Read(path_);
  ForgetRequests();
  auto rename = Request({"partition_key"});
  rename.mutable_schema()->set_partition_key("Id");
  expected = Writable(Resource::kSchema, changed);
  expected["partition_key"] = "Id";
  Update(rename, expected);
  EXPECT_EQ(Read(path_)["compression"], "zstd");
}

// ---------------------------------------------------------------------------
// Model syncs, created through the gateway.

class MaskedModelSyncConformance : public MaskedUpdateTest {
 protected:
  v1::UpdateModelSyncRequest Request(const std::string& id,
                                     std::initializer_list<std::string> paths) {
    v1::UpdateModelSyncRequest request;
    request.set_id(id);
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    return request;
  }

  void Update(const v1::UpdateModelSyncRequest& request, const Json& expected) {
    v1::UpdateModelSyncResponse response;
    grpc::Status status = UpdateModelSync(request, &response);
    ASSERT_TRUE(status.ok()) << testsupport::Describe(status);
    ExpectUpdated("modelSync.get", "modelSync.update", ModelPath(request.id()),
                  expected, response);
    EXPECT_FALSE(response.data().has_encryption_passphrase());
  }

  // Expected is the PUT body of an update that changes nothing: the
  // upstream document without response-only members, plus the passphrase
  // the gateway sent when it created the sync.
  static Json Expected(const Json& before) {
    Json expected = Writable(Resource::kModelSync, before);
    expected["encryption_passphrase"] = kPassphrase;
    return expected;
  }
};

TEST_F(MaskedModelSyncConformance, NameOnlyResendsTheHeldPassphrase) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ForgetRequests();
  auto request = Request(id, {"name"});
  request.mutable_model_sync()->set_name("renamed");
  request.set_idempotency_key("mask-model-name-0001");
  Json expected = Expected(before);
  expected["name"] = "renamed";
  Update(request, expected);
  EXPECT_EQ(LastExchangeOf("modelSync.update")["headers"]["Idempotency-Key"],
            "mask-model-name-0001");
  Json after = Read(ModelPath(id));
  before["name"] = "renamed";
  EXPECT_TRUE(SameJson(WithoutStamps(after), WithoutStamps(before)));
  EXPECT_EQ(HeldState(id)["encryption_passphrase"], kPassphrase);
}

TEST_F(MaskedModelSyncConformance, StarIsAFullReplacement) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ForgetRequests();
  auto request = Request(id, {"*"});
  v1::ModelSync* sync = request.mutable_model_sync();
  sync->set_name("replaced");
  sync->set_mode(v1::MODEL_SYNC_MODE_CREATE);
  auto* email = sync->add_fields();
  SetSource(email->mutable_source(), "email");
  email->set_target("Email");
  sync->mutable_schedule()->set_frequency(v1::SCHEDULE_FREQUENCY_MANUAL);
  sync->mutable_target()->set_connection_id(harness_->Connection("salesforce"));
  sync->mutable_target()->set_object("Contact");
  sync->add_model_ids(kMaskModel);  // output-only: ignored
  Update(request, Json::parse(absl::StrCat(R"({
      "name": "replaced", "mode": "create",
      "fields": [{"source": {"model_id": ")",
                                           kMaskModel, R"(", "field": "email"},
                  "target": "Email"}],
      "schedule": {"frequency": "manual"},
      "target": {"connection_id": ")",
                                           harness_->Connection("salesforce"),
                                           R"(", "object": "Contact"}})")));
  Json after = Read(ModelPath(id));
  EXPECT_EQ(after["id"], id);
  EXPECT_EQ(after["created_at"], before["created_at"]);
  EXPECT_TRUE(after["filters"].empty());
  EXPECT_TRUE(after["overrides"].empty());
  EXPECT_TRUE(after["override_fields"].empty());
  EXPECT_TRUE(after["policies"].empty());
  EXPECT_FALSE(after.contains("identity"));
  EXPECT_FALSE(after.contains("filter_logic"));
  EXPECT_EQ(after["skip_initial_backfill"], false);
  // "*" names the write-only fields too: not sent, so cleared.
  EXPECT_FALSE(HeldState(id).contains("encryption_passphrase"));
}

TEST_F(MaskedModelSyncConformance, NoMaskChangesThePopulatedLeaves) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ForgetRequests();
  auto request = Request(id, {});
  request.mutable_model_sync()->mutable_schedule()->set_minute("45");
  request.mutable_model_sync()->set_skip_initial_backfill(false);
  Json expected = Expected(before);
  expected["schedule"]["minute"] = "45";
  expected["skip_initial_backfill"] = false;
  Update(request, expected);
  Json after = Read(ModelPath(id));
  EXPECT_EQ(after["schedule"], Json::parse(R"({"frequency": "daily",
      "hour": "4", "minute": "45"})"));
  EXPECT_EQ(after["skip_initial_backfill"], false);
}

TEST_F(MaskedModelSyncConformance, NamedUnsetIntegerIsSentAsZero) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ForgetRequests();
  Json expected = Expected(before);
  expected["schedule"]["job_id"] = 0;
  Update(Request(id, {"schedule.job_id"}), expected);
  Json schedule = Read(ModelPath(id))["schedule"];
  EXPECT_EQ(schedule["job_id"], 0);
  EXPECT_EQ(schedule["hour"], "4");
}

TEST_F(MaskedModelSyncConformance, NamedUnsetBoolIsSentAsFalse) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ASSERT_EQ(before["skip_initial_backfill"], true);
  ForgetRequests();
  Json expected = Expected(before);
  expected["skip_initial_backfill"] = false;
  Update(Request(id, {"skip_initial_backfill"}), expected);
  EXPECT_EQ(Read(ModelPath(id))["skip_initial_backfill"], false);
}

TEST_F(MaskedModelSyncConformance, NamedMessageIsReplacedWhole) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ForgetRequests();
  auto request = Request(id, {"schedule"});
  auto* schedule = request.mutable_model_sync()->mutable_schedule();
  schedule->set_frequency(v1::SCHEDULE_FREQUENCY_WEEKLY);
  schedule->set_day_of_week("monday");
  Json expected = Expected(before);
  expected["schedule"] =
      Json{{"frequency", "weekly"}, {"day_of_week", "monday"}};
  Update(request, expected);
  EXPECT_EQ(Read(ModelPath(id))["schedule"],
            Json({{"frequency", "weekly"}, {"day_of_week", "monday"}}));
}

TEST_F(MaskedModelSyncConformance, NestedPathKeepsItsSiblings) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ForgetRequests();
  auto request = Request(id, {"schedule.frequency"});
  request.mutable_model_sync()->mutable_schedule()->set_frequency(
      v1::SCHEDULE_FREQUENCY_HOURLY);
  Json expected = Expected(before);
  expected["schedule"]["frequency"] = "hourly";
  Update(request, expected);
  Json schedule = Read(ModelPath(id))["schedule"];
  EXPECT_EQ(schedule["frequency"], "hourly");
  EXPECT_EQ(schedule["minute"], "30");
  EXPECT_EQ(schedule["hour"], "4");
}

TEST_F(MaskedModelSyncConformance, NestedTargetObject) {
  v1::ModelSync sync = NewModelSync();
  sync.clear_override_fields();  // Phone is not a Lead field
  const std::string id = CreateModelSync(sync);
  Json before = Read(ModelPath(id));
  ForgetRequests();
  auto request = Request(id, {"target.object"});
  request.mutable_model_sync()->mutable_target()->set_object("Lead");
  Json expected = Expected(before);
  expected["target"]["object"] = "Lead";
  Update(request, expected);
  Json target = Read(ModelPath(id))["target"];
  EXPECT_EQ(target["object"], "Lead");
  EXPECT_EQ(target["connection_id"], harness_->Connection("salesforce"));
  EXPECT_EQ(target["configuration"], Json({{"bulk_api", true}}));
}

TEST_F(MaskedModelSyncConformance, MissingParentIsCreated) {
  v1::ModelSync sync = NewModelSync();
  sync.set_mode(v1::MODEL_SYNC_MODE_CREATE);  // needs no identity
  sync.clear_identity();
  const std::string id = CreateModelSync(sync);
  Json before = Read(ModelPath(id));
  ASSERT_FALSE(before.contains("identity")) << before.dump();
  ForgetRequests();
  auto request =
      Request(id, {"identity.source", "identity.target", "identity.function"});
  v1::Identity* identity = request.mutable_model_sync()->mutable_identity();
  SetSource(identity->mutable_source(), "email");
  identity->set_target("Email");
  identity->set_function(v1::IDENTITY_FUNCTION_TYPE_EQUALITY);
  Json expected = Expected(before);
  expected["identity"] = Json::parse(absl::StrCat(
      R"({"source": {"model_id": ")", kMaskModel,
      R"(", "field": "email"}, "target": "Email", "function": "Equality"})"));
  Update(request, expected);
  Json after = Read(ModelPath(id));
  ASSERT_TRUE(after.contains("identity")) << after.dump();
  EXPECT_EQ(after["identity"]["target"], "Email");
  EXPECT_EQ(after["identity"]["function"], "Equality");
}

TEST_F(MaskedModelSyncConformance, NamedListIsReplacedNotAppended) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ASSERT_EQ(before["fields"].size(), 3u);
  ForgetRequests();
  auto request = Request(id, {"fields", "policies"});
  auto* email = request.mutable_model_sync()->add_fields();
  SetSource(email->mutable_source(), "email");
  email->set_target("Email");
  request.mutable_model_sync()->add_policies(kPolicyB);
  Json expected = Expected(before);
  expected["fields"] =
      Json::parse(absl::StrCat(R"([{"source": {"model_id": ")", kMaskModel,
                               R"(", "field": "email"}, "target": "Email"}])"));
  expected["policies"] = Json::array({kPolicyB});
  Update(request, expected);
  Json after = Read(ModelPath(id));
  ASSERT_EQ(after["fields"].size(), 1u) << after.dump();
  EXPECT_EQ(after["fields"][0]["target"], "Email");
  EXPECT_EQ(after["policies"], Json::array({kPolicyB}));
  EXPECT_EQ(after["filters"], before["filters"]);
}

TEST_F(MaskedModelSyncConformance, NamedNestedStructIsReplacedWhole) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ForgetRequests();
  auto request = Request(id, {"target.configuration"});
  (*request.mutable_model_sync()
        ->mutable_target()
        ->mutable_configuration()
        ->mutable_fields())["batch_size"]
      .set_number_value(200);
  Json expected = Expected(before);
  expected["target"]["configuration"] = Json{{"batch_size", 200}};
  Update(request, expected);
  EXPECT_EQ(Read(ModelPath(id))["target"]["configuration"],
            Json({{"batch_size", 200}}));
}

TEST_F(MaskedModelSyncConformance, ClearingTheModeIsRefused) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ForgetRequests();
  v1::UpdateModelSyncResponse response;
  ExpectRequiredMissing(UpdateModelSync(Request(id, {"mode"}), &response),
                        "model_sync.mode");
  ExpectReadOnly("modelSync.get");
  EXPECT_TRUE(SameJson(Read(ModelPath(id)), before));
}

TEST_F(MaskedModelSyncConformance, ClearingTheFieldsIsRefused) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ForgetRequests();
  v1::UpdateModelSyncResponse response;
  ExpectRequiredMissing(UpdateModelSync(Request(id, {"fields"}), &response),
                        "model_sync.fields");
  ExpectReadOnly("modelSync.get");
  EXPECT_TRUE(SameJson(Read(ModelPath(id)), before));
}

TEST_F(MaskedModelSyncConformance, AdditionalFieldsMemberIsChanged) {
  Extend("model_sync", "priority", "normal");
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ASSERT_EQ(before["priority"], "normal");
  ForgetRequests();
  auto request = Request(id, {"additional_fields.priority"});
  (*request.mutable_model_sync()
        ->mutable_additional_fields()
        ->mutable_fields())["priority"]
      .set_string_value("high");
  Json expected = Expected(before);
  expected["priority"] = "high";
  Update(request, expected);
  EXPECT_EQ(Read(ModelPath(id))["priority"], "high");
}

TEST_F(MaskedModelSyncConformance, NoMaskImpliesSetAdditionalMembers) {
  Extend("model_sync", "priority", "normal");
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ForgetRequests();
  auto request = Request(id, {});
  (*request.mutable_model_sync()
        ->mutable_additional_fields()
        ->mutable_fields())["priority"]
      .set_string_value("low");
  Json expected = Expected(before);
  expected["priority"] = "low";
  Update(request, expected);
  EXPECT_EQ(Read(ModelPath(id))["priority"], "low");
}

TEST_F(MaskedModelSyncConformance, UnmodelledMemberIsKept) {
  Extend("model_sync", "priority", "normal");
  v1::ModelSync sync = NewModelSync();
  (*sync.mutable_additional_fields()->mutable_fields())["priority"]
      .set_string_value("urgent");
  const std::string id = CreateModelSync(sync);
  Json before = Read(ModelPath(id));
  ASSERT_EQ(before["priority"], "urgent");
  ForgetRequests();
  auto request = Request(id, {"filter_logic"});
  request.mutable_model_sync()->set_filter_logic("1 OR 2");
  Json expected = Expected(before);
  expected["filter_logic"] = "1 OR 2";
  Update(request, expected);
  Json after = Read(ModelPath(id));
  EXPECT_EQ(after["priority"], "urgent");
  EXPECT_EQ(after["filter_logic"], "1 OR 2");
}

TEST_F(MaskedModelSyncConformance, ResponseOnlyFieldsAreNeverSent) {
  const std::string id = CreateModelSync(NewModelSync());
  Json before = Read(ModelPath(id));
  ForgetRequests();
  auto request = Request(id, {"active"});
  request.mutable_model_sync()->set_active(true);
  request.mutable_model_sync()->set_id("0c0c0c0c-0000-4000-8000-000000000001");
  request.mutable_model_sync()->add_model_ids(kMaskModel);
  *request.mutable_model_sync()->mutable_created_at() =
      TimeUtil::SecondsToTimestamp(0);
  Json expected = Expected(before);
  expected["active"] = true;
  Update(request, expected);
  Json body = PutBody("modelSync.update");
  for (const char* member : {"id", "model_ids", "created_at", "created_by",
                             "updated_at", "updated_by"}) {
    EXPECT_FALSE(body.contains(member)) << member;
  }
  Json after = Read(ModelPath(id));
  EXPECT_EQ(after["active"], true);
  EXPECT_EQ(after["model_ids"], before["model_ids"]);
}

}  // namespace
}  // namespace gateway_test
