// Conformance of update_mask (AIP-134) over Polytomic's full-replacement PUTs,
// part 1: rejected masks on all four resources, then bulk syncs. Part 2
// (schedules, schemas, model syncs) is masked_update_conformance_more_test.cc.
//
// Every case checks (a) the exact PUT body the sandbox received, against the
// sandbox's own GET from before the update modified by hand as the rule says
// (not by the gateway's merge code), (b) the resource afterwards through a
// direct GET, and (c) that the update made exactly one GET and one PUT, or
// no upstream call at all for a rejected mask.
//
// No resource offers two members of one oneof under a path a mask can name:
// the only oneofs (SchemaSelection.selection, FieldSelection.selection) sit
// inside lists (`BulkSync.schemas`, `SchemaConfiguration.fields`), and a
// path through a list is rejected first. The rejected case "OneofThroughList"
// pins that.
#include <string>
#include <vector>

#include "google/protobuf/util/time_util.h"
#include "tests/integration/gateway/masked_update_fixture.h"

namespace gateway_test {
namespace {

using google::protobuf::util::TimeUtil;

// ---------------------------------------------------------------------------
// Rejected masks: INVALID_ARGUMENT, INVALID_UPDATE_MASK, no upstream call.

struct RejectCase {
  const char* name;
  Resource resource;
  std::vector<std::string> paths;
  std::string quoted;  // the path the violation must quote
};

class MaskRejected : public MaskedUpdateTest,
                     public ::testing::WithParamInterface<RejectCase> {};

TEST_P(MaskRejected, BeforeAnyUpstreamCall) {
  const RejectCase& c = GetParam();
  const std::string sync = SeededBulkSync(0);
  google::protobuf::FieldMask mask;
  for (const std::string& path : c.paths) mask.add_paths(path);
  std::string path;
  grpc::Status status;
  switch (c.resource) {
    case Resource::kBulkSync: {
      path = BulkPath(sync);
      Json before = Read(path);
      ForgetRequests();
      v1::UpdateBulkSyncRequest request;
      request.set_id(sync);
      request.mutable_bulk_sync()->set_name("never written");
      *request.mutable_update_mask() = mask;
      v1::UpdateBulkSyncResponse response;
      status = UpdateBulkSync(request, &response);
      ExpectMaskRejected(status, c.quoted);
      EXPECT_TRUE(SameJson(Read(path), before));
      break;
    }
    case Resource::kSchedule: {
      const std::string schedule = AdditionalScheduleId(0);
      path = SchedulePath(sync, schedule);
      Json before = Read(path);
      ForgetRequests();
      v1::UpdateBulkSyncScheduleRequest request;
      request.set_sync_id(sync);
      request.set_schedule_id(schedule);
      request.mutable_schedule()->set_hour("9");
      *request.mutable_update_mask() = mask;
      v1::UpdateBulkSyncScheduleResponse response;
      status = UpdateSchedule(request, &response);
      ExpectMaskRejected(status, c.quoted);
      EXPECT_TRUE(SameJson(Read(path), before));
      break;
    }
    case Resource::kSchema: {
      path = SchemaPath(sync, "Account");
      Json before = Read(path);
      ForgetRequests();
      v1::UpdateBulkSyncSchemaRequest request;
      request.set_id(sync);
      request.set_schema_id("Account");
      request.mutable_schema()->set_partition_key("Id");
      *request.mutable_update_mask() = mask;
      v1::UpdateBulkSyncSchemaResponse response;
      status = UpdateSchema(request, &response);
      ExpectMaskRejected(status, c.quoted);
      EXPECT_TRUE(SameJson(Read(path), before));
      break;
    }
    case Resource::kModelSync: {
      const std::string id = SeededModelSync(0);
      path = ModelPath(id);
      Json before = Read(path);
      ForgetRequests();
      v1::UpdateModelSyncRequest request;
      request.set_id(id);
      request.mutable_model_sync()->set_name("never written");
      *request.mutable_update_mask() = mask;
      v1::UpdateModelSyncResponse response;
      status = UpdateModelSync(request, &response);
      ExpectMaskRejected(status, c.quoted);
      EXPECT_TRUE(SameJson(Read(path), before));
      break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Conformance, MaskRejected,
    ::testing::Values(
        // Unknown paths.
        RejectCase{"BulkUnknownField", Resource::kBulkSync, {"nmae"}, "nmae"},
        RejectCase{"ScheduleWireNameIsNotAPath",
                   Resource::kSchedule,
                   {"dayOfWeek"},
                   "dayOfWeek"},
        RejectCase{"ModelUnknownNestedField",
                   Resource::kModelSync,
                   {"schedule.weekday"},
                   "schedule.weekday"},
        RejectCase{"SchemaUnknownField", Resource::kSchema, {"name"}, "name"},
        RejectCase{"BulkOneBadPathRejectsTheMask",
                   Resource::kBulkSync,
                   {"name", "nmae"},
                   "nmae"},
        // Through a repeated field.
        RejectCase{"BulkThroughList",
                   Resource::kBulkSync,
                   {"additional_schedules.hour"},
                   "additional_schedules.hour"},
        RejectCase{"ModelThroughList",
                   Resource::kModelSync,
                   {"fields.target"},
                   "fields.target"},
        RejectCase{"SchemaThroughList",
                   Resource::kSchema,
                   {"fields.enabled"},
                   "fields.enabled"},
        // Through a map, a Struct (a map too) or a single value.
        RejectCase{"ModelThroughMap",
                   Resource::kModelSync,
                   {"target.create.name"},
                   "target.create.name"},
        RejectCase{"BulkThroughStruct",
                   Resource::kBulkSync,
                   {"destination_configuration.schema"},
                   "destination_configuration.schema"},
        RejectCase{"ModelThroughNestedStruct",
                   Resource::kModelSync,
                   {"target.configuration.bulk_api"},
                   "target.configuration.bulk_api"},
        RejectCase{"SchemaThroughTimestamp",
                   Resource::kSchema,
                   {"data_cutoff_timestamp.seconds"},
                   "data_cutoff_timestamp.seconds"},
        // Numeric indexes.
        RejectCase{"BulkIndexIntoList",
                   Resource::kBulkSync,
                   {"additional_schedules.0.hour"},
                   "additional_schedules.0.hour"},
        RejectCase{"BulkIndexIntoMessage",
                   Resource::kBulkSync,
                   {"default_schedule.0"},
                   "default_schedule.0"},
        RejectCase{"ModelIndexIntoList",
                   Resource::kModelSync,
                   {"policies.1"},
                   "policies.1"},
        // Both members of a oneof: only reachable through a list.
        RejectCase{"OneofThroughList",
                   Resource::kBulkSync,
                   {"schemas.id", "schemas.configuration"},
                   "schemas.id"},
        // Output-only fields.
        RejectCase{"BulkId", Resource::kBulkSync, {"id"}, "id"},
        RejectCase{
            "BulkCreatedAt", Resource::kBulkSync, {"created_at"}, "created_at"},
        RejectCase{"BulkNestedUpdatedAt",
                   Resource::kBulkSync,
                   {"default_schedule.updated_at"},
                   "default_schedule.updated_at"},
        RejectCase{"ScheduleIsDefault",
                   Resource::kSchedule,
                   {"is_default"},
                   "is_default"},
        RejectCase{"ScheduleSyncMode",
                   Resource::kSchedule,
                   {"sync_mode"},
                   "sync_mode"},
        RejectCase{
            "ModelModelIds", Resource::kModelSync, {"model_ids"}, "model_ids"},
        RejectCase{"SchemaOutputName",
                   Resource::kSchema,
                   {"output_name"},
                   "output_name"},
        // Gateway fields.
        RejectCase{"BulkEtag", Resource::kBulkSync, {"etag"}, "etag"},
        RejectCase{"ScheduleEtag", Resource::kSchedule, {"etag"}, "etag"},
        // "*" with another path.
        RejectCase{
            "ScheduleStarWithPath", Resource::kSchedule, {"*", "hour"}, "*"},
        RejectCase{
            "ModelPathWithStar", Resource::kModelSync, {"name", "*"}, "*"},
        // additional_fields must name exactly one member.
        RejectCase{"BulkAdditionalFieldsWhole",
                   Resource::kBulkSync,
                   {"additional_fields"},
                   "additional_fields"},
        RejectCase{"SchemaAdditionalFieldsTooDeep",
                   Resource::kSchema,
                   {"additional_fields.a.b"},
                   "additional_fields.a.b"}),
    [](const ::testing::TestParamInfo<RejectCase>& info) {
      return std::string(info.param.name);
    });

// ---------------------------------------------------------------------------
// Bulk syncs.

class MaskedBulkSyncConformance : public MaskedUpdateTest {
 protected:
  v1::UpdateBulkSyncRequest Request(const std::string& id,
                                    std::initializer_list<std::string> paths) {
    v1::UpdateBulkSyncRequest request;
    request.set_id(id);
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    return request;
  }

  // Update sends `request` and checks the PUT body and the answer.
  void Update(const v1::UpdateBulkSyncRequest& request, const Json& expected) {
    v1::UpdateBulkSyncResponse response;
    grpc::Status status = UpdateBulkSync(request, &response);
    ASSERT_TRUE(status.ok()) << testsupport::Describe(status);
    ExpectUpdated("bulkSync.get", "bulkSync.update", BulkPath(request.id()),
                  expected, response);
  }

  // Prepare writes `doc` (a GET document, changed) directly at the sandbox
  // and returns what it then serves.
  Json Prepare(const std::string& id, const Json& doc) {
    WriteDirectly(BulkPath(id), Writable(Resource::kBulkSync, doc));
    return Read(BulkPath(id));
  }
};

TEST_F(MaskedBulkSyncConformance, NameOnlyKeepsEverythingElse) {
  const std::string id = SeededBulkSync(1);
  Json before = Read(BulkPath(id));
  ForgetRequests();
  auto request = Request(id, {"name"});
  request.mutable_bulk_sync()->set_name("renamed");
  request.set_idempotency_key("mask-bulk-name-0001");
  Json expected = Writable(Resource::kBulkSync, before);
  expected["name"] = "renamed";
  Update(request, expected);
  // Idempotency-Key: the caller's, on the PUT.
  EXPECT_EQ(LastExchangeOf("bulkSync.update")["headers"]["Idempotency-Key"],
            "mask-bulk-name-0001");
  // schemas is request-only and kept when omitted: never re-sent.
  EXPECT_FALSE(PutBody("bulkSync.update").contains("schemas"));
  Json after = Read(BulkPath(id));
  before["name"] = "renamed";
  EXPECT_TRUE(SameJson(WithoutStamps(after), WithoutStamps(before)));
}

TEST_F(MaskedBulkSyncConformance, StarIsAFullReplacement) {
  const std::string id = SeededBulkSync(1);
  Json before = Read(BulkPath(id));
  ForgetRequests();
  auto request = Request(id, {"*"});
  v1::BulkSync* sync = request.mutable_bulk_sync();
  sync->set_name("replaced");
  sync->set_source_connection_id(harness_->Connection("postgresql"));
  sync->set_destination_connection_id(harness_->Connection("snowflake"));
  sync->mutable_default_schedule()->set_frequency(v1::SCHEDULE_FREQUENCY_DAILY);
  sync->mutable_default_schedule()->set_hour("5");
  (*sync->mutable_destination_configuration()->mutable_fields())["schema"]
      .set_string_value("app");
  // Output-only fields the caller sets are ignored.
  sync->set_id("0c0c0c0c-0000-4000-8000-000000000001");
  *sync->mutable_created_at() = TimeUtil::SecondsToTimestamp(0);
  sync->mutable_updated_by()->set_name("someone");
  Update(request,
         Json{{"name", "replaced"},
              {"source_connection_id", harness_->Connection("postgresql")},
              {"destination_connection_id", harness_->Connection("snowflake")},
              {"default_schedule", {{"frequency", "daily"}, {"hour", "5"}}},
              {"destination_configuration", {{"schema", "app"}}}});
  Json after = Read(BulkPath(id));
  // Output-only fields are unchanged; the default schedule keeps its id.
  EXPECT_EQ(after["id"], id);
  EXPECT_EQ(after["created_at"], before["created_at"]);
  EXPECT_EQ(after["created_by"], before["created_by"]);
  EXPECT_EQ(after["default_schedule"]["id"], before["default_schedule"]["id"]);
  // Everything not sent is reset, as the API does.
  EXPECT_FALSE(before["source_configuration"].empty());
  EXPECT_TRUE(after["source_configuration"].empty()) << after.dump();
  EXPECT_TRUE(after["additional_schedules"].empty()) << after.dump();
  EXPECT_FALSE(after.contains("concurrency_limit")) << after.dump();
  EXPECT_EQ(after["active"], false);
  EXPECT_FALSE(after["default_schedule"].contains("minute"));
}

TEST_F(MaskedBulkSyncConformance, NoMaskChangesThePopulatedLeaves) {
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ForgetRequests();
  auto request = Request(id, {});
  request.mutable_bulk_sync()->set_name("implied");
  request.mutable_bulk_sync()->set_active(false);  // set: sent, though false
  request.mutable_bulk_sync()->mutable_default_schedule()->set_hour("7");
  Json expected = Writable(Resource::kBulkSync, before);
  expected["name"] = "implied";
  expected["active"] = false;
  expected["default_schedule"]["hour"] = "7";  // frequency, minute, id kept
  Update(request, expected);
  Json after = Read(BulkPath(id));
  EXPECT_EQ(after["default_schedule"]["hour"], "7");
  EXPECT_EQ(after["default_schedule"]["minute"],
            before["default_schedule"]["minute"]);
  EXPECT_EQ(after["default_schedule"]["frequency"], "daily");
  EXPECT_EQ(after["additional_schedules"].size(), 1u);
}

TEST_F(MaskedBulkSyncConformance, NamedUnsetBoolIsSentAsFalse) {
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ASSERT_EQ(before["active"], true);
  ForgetRequests();
  Json expected = Writable(Resource::kBulkSync, before);
  expected["active"] = false;
  Update(Request(id, {"active"}), expected);
  EXPECT_EQ(Read(BulkPath(id))["active"], false);
}

TEST_F(MaskedBulkSyncConformance, NamedUnsetEnumIsOmittedForTheApiDefault) {
  const std::string id = SeededBulkSync(0);
  Json doc = Read(BulkPath(id));
  doc["normalize_names"] = "disabled";
  doc["automatically_add_new_objects"] = "all";
  Json before = Prepare(id, doc);
  ForgetRequests();
  Json expected = Writable(Resource::kBulkSync, before);
  expected.erase("normalize_names");
  Update(Request(id, {"normalize_names"}), expected);
  Json after = Read(BulkPath(id));
  EXPECT_EQ(after["normalize_names"], "enabled");  // the API's default
  EXPECT_EQ(after["automatically_add_new_objects"], "all");
}

TEST_F(MaskedBulkSyncConformance, NamedMessageIsReplacedWhole) {
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ASSERT_TRUE(before["default_schedule"].contains("hour"));
  ForgetRequests();
  auto request = Request(id, {"default_schedule"});
  request.mutable_bulk_sync()->mutable_default_schedule()->set_frequency(
      v1::SCHEDULE_FREQUENCY_WEEKLY);
  Json expected = Writable(Resource::kBulkSync, before);
  expected["default_schedule"] = Json{{"frequency", "weekly"}};
  Update(request, expected);
  Json schedule = Read(BulkPath(id))["default_schedule"];
  EXPECT_EQ(schedule["frequency"], "weekly");
  EXPECT_FALSE(schedule.contains("hour")) << schedule.dump();
  EXPECT_FALSE(schedule.contains("minute")) << schedule.dump();
  EXPECT_EQ(schedule["id"], before["default_schedule"]["id"]);
}

TEST_F(MaskedBulkSyncConformance, NestedPathChangesOneMember) {
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ForgetRequests();
  auto request = Request(id, {"default_schedule.hour"});
  request.mutable_bulk_sync()->mutable_default_schedule()->set_hour("6");
  // Set but not named: not sent.
  request.mutable_bulk_sync()->mutable_default_schedule()->set_minute("59");
  request.mutable_bulk_sync()->set_name("not named");
  Json expected = Writable(Resource::kBulkSync, before);
  expected["default_schedule"]["hour"] = "6";
  Update(request, expected);
  Json after = Read(BulkPath(id));
  EXPECT_EQ(after["default_schedule"]["hour"], "6");
  EXPECT_EQ(after["default_schedule"]["minute"], "30");
  EXPECT_EQ(after["name"], before["name"]);
}

TEST_F(MaskedBulkSyncConformance, NamedListIsReplacedNotAppended) {
  const std::string id = SeededBulkSync(0);
  Json doc = Read(BulkPath(id));
  doc["policies"] = Json::array({kPolicyA, kPolicyB});
  Json before = Prepare(id, doc);
  ForgetRequests();
  auto request = Request(id, {"policies"});
  request.mutable_bulk_sync()->add_policies(kPolicyB);
  Json expected = Writable(Resource::kBulkSync, before);
  expected["policies"] = Json::array({kPolicyB});
  Update(request, expected);
  EXPECT_EQ(Read(BulkPath(id))["policies"], Json::array({kPolicyB}));
}

TEST_F(MaskedBulkSyncConformance, NamedUnsetListIsSentEmpty) {
  const std::string id = SeededBulkSync(0);
  Json doc = Read(BulkPath(id));
  doc["policies"] = Json::array({kPolicyA});
  Json before = Prepare(id, doc);
  ForgetRequests();
  Json expected = Writable(Resource::kBulkSync, before);
  expected["policies"] = Json::array();
  Update(Request(id, {"policies"}), expected);
  EXPECT_TRUE(Read(BulkPath(id))["policies"].empty());
}

TEST_F(MaskedBulkSyncConformance, NamedListOfMessagesIsReplaced) {
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ASSERT_EQ(before["additional_schedules"].size(), 1u);
  const std::string old_id = before["additional_schedules"][0]["id"];
  ForgetRequests();
  auto request = Request(id, {"additional_schedules"});
  auto* weekly = request.mutable_bulk_sync()->add_additional_schedules();
  weekly->set_frequency(v1::SCHEDULE_FREQUENCY_WEEKLY);
  weekly->set_day_of_week("sunday");
  weekly->set_resync_mode(v1::BULK_SCHEDULE_SYNC_MODE_RESYNC);
  Json expected = Writable(Resource::kBulkSync, before);
  expected["additional_schedules"] = Json::parse(
      R"([{"frequency": "weekly", "day_of_week": "sunday",
           "resync_mode": "resync"}])");
  Update(request, expected);
  Json after = Read(BulkPath(id))["additional_schedules"];
  ASSERT_EQ(after.size(), 1u) << after.dump();
  EXPECT_EQ(after[0]["frequency"], "weekly");
  EXPECT_NE(after[0]["id"], old_id);
}

TEST_F(MaskedBulkSyncConformance, NamedStructIsReplacedWhole) {
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ASSERT_TRUE(before["destination_configuration"].contains("warehouse"));
  ForgetRequests();
  auto request = Request(id, {"destination_configuration"});
  (*request.mutable_bulk_sync()
        ->mutable_destination_configuration()
        ->mutable_fields())["schema"]
      .set_string_value("analytics");
  Json expected = Writable(Resource::kBulkSync, before);
  expected["destination_configuration"] = Json{{"schema", "analytics"}};
  Update(request, expected);
  EXPECT_EQ(Read(BulkPath(id))["destination_configuration"],
            Json({{"schema", "analytics"}}));
}

TEST_F(MaskedBulkSyncConformance, NamedTimestampSetAndCleared) {
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ASSERT_FALSE(before.contains("data_cutoff_timestamp"));
  ForgetRequests();
  auto request = Request(id, {"data_cutoff_timestamp"});
  ASSERT_TRUE(TimeUtil::FromString(
      "2026-01-01T00:00:00Z",
      request.mutable_bulk_sync()->mutable_data_cutoff_timestamp()));
  Json expected = Writable(Resource::kBulkSync, before);
  expected["data_cutoff_timestamp"] = "2026-01-01T00:00:00Z";
  Update(request, expected);
  Json set = Read(BulkPath(id));
  EXPECT_EQ(set["data_cutoff_timestamp"], "2026-01-01T00:00:00Z");

  // Named and unset: a message, so removed; the API then has none.
  ForgetRequests();
  expected = Writable(Resource::kBulkSync, set);
  expected.erase("data_cutoff_timestamp");
  Update(Request(id, {"data_cutoff_timestamp"}), expected);
  EXPECT_FALSE(Read(BulkPath(id)).contains("data_cutoff_timestamp"));
}

TEST_F(MaskedBulkSyncConformance, UnmodelledMemberSurvivesByteForByte) {
  Extend("bulk_sync", "future_flag", Json::object());
  const std::string id = SeededBulkSync(0);
  Json doc = Read(BulkPath(id));
  doc["future_flag"] = Json::parse(
      R"({"tier": "gold", "weights": [1, 2.5, -3e-7], "note": "grüße \"x\""})");
  Json before = Prepare(id, doc);
  ASSERT_EQ(before["future_flag"], doc["future_flag"]);
  ForgetRequests();
  auto request = Request(id, {"name"});
  request.mutable_bulk_sync()->set_name("renamed");
  Json expected = Writable(Resource::kBulkSync, before);
  expected["name"] = "renamed";
  Update(request, expected);
  EXPECT_EQ(PutBody("bulkSync.update")["future_flag"].dump(),
            before["future_flag"].dump());
  EXPECT_EQ(Read(BulkPath(id))["future_flag"].dump(),
            before["future_flag"].dump());
}

TEST_F(MaskedBulkSyncConformance, AdditionalFieldsMemberIsChanged) {
  Extend("bulk_sync", "future_flag", "off");
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ASSERT_EQ(before["future_flag"], "off");
  ForgetRequests();
  auto request = Request(id, {"additional_fields.future_flag"});
  (*request.mutable_bulk_sync()
        ->mutable_additional_fields()
        ->mutable_fields())["future_flag"]
      .set_string_value("on");
  Json expected = Writable(Resource::kBulkSync, before);
  expected["future_flag"] = "on";
  Update(request, expected);
  EXPECT_EQ(Read(BulkPath(id))["future_flag"], "on");
}

TEST_F(MaskedBulkSyncConformance, AdditionalFieldsMemberUnsetIsRemoved) {
  Extend("bulk_sync", "future_flag", "off");
  const std::string id = SeededBulkSync(0);
  Json doc = Read(BulkPath(id));
  doc["future_flag"] = "on";
  Json before = Prepare(id, doc);
  ForgetRequests();
  Json expected = Writable(Resource::kBulkSync, before);
  expected.erase("future_flag");
  Update(Request(id, {"additional_fields.future_flag"}), expected);
  EXPECT_EQ(Read(BulkPath(id))["future_flag"], "off");  // the default
}

TEST_F(MaskedBulkSyncConformance, ResponseOnlyFieldsAreNeverSent) {
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ForgetRequests();
  auto request = Request(id, {"name", "default_schedule"});
  v1::BulkSync* sync = request.mutable_bulk_sync();
  sync->set_name("stamped");
  sync->set_id("0c0c0c0c-0000-4000-8000-000000000001");
  *sync->mutable_created_at() = TimeUtil::SecondsToTimestamp(0);
  sync->mutable_updated_by()->set_name("someone");
  sync->mutable_default_schedule()->set_frequency(v1::SCHEDULE_FREQUENCY_DAILY);
  *sync->mutable_default_schedule()->mutable_created_at() =
      TimeUtil::SecondsToTimestamp(0);
  Json expected = Writable(Resource::kBulkSync, before);
  expected["name"] = "stamped";
  expected["default_schedule"] = Json{{"frequency", "daily"}};
  Update(request, expected);
  Json body = PutBody("bulkSync.update");
  for (const char* member :
       {"id", "created_at", "created_by", "updated_at", "updated_by"}) {
    EXPECT_FALSE(body.contains(member)) << member;
  }
  EXPECT_FALSE(body["default_schedule"].contains("created_at"));
  EXPECT_FALSE(body["additional_schedules"][0].contains("updated_by"));
  Json after = Read(BulkPath(id));
  EXPECT_EQ(after["id"], id);
  EXPECT_EQ(after["created_at"], before["created_at"]);
}

TEST_F(MaskedBulkSyncConformance, ClearingTheNameIsRefused) {
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ForgetRequests();
  auto request = Request(id, {"name"});
  v1::UpdateBulkSyncResponse response;
  ExpectRequiredMissing(UpdateBulkSync(request, &response), "bulk_sync.name");
  ExpectReadOnly("bulkSync.get");
  EXPECT_TRUE(SameJson(Read(BulkPath(id)), before));
}

TEST_F(MaskedBulkSyncConformance, ClearingTheDefaultScheduleIsRefused) {
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ForgetRequests();
  auto request = Request(id, {"default_schedule", "name"});
  request.mutable_bulk_sync()->set_name("never written");
  v1::UpdateBulkSyncResponse response;
  ExpectRequiredMissing(UpdateBulkSync(request, &response),
                        "bulk_sync.default_schedule");
  ExpectReadOnly("bulkSync.get");
  EXPECT_TRUE(SameJson(Read(BulkPath(id)), before));
}

TEST_F(MaskedBulkSyncConformance,
       ClearingTheDestinationConfigurationIsRefused) {
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ForgetRequests();
  auto request = Request(id, {"destination_configuration"});
  v1::UpdateBulkSyncResponse response;
  ExpectRequiredMissing(UpdateBulkSync(request, &response),
                        "bulk_sync.destination_configuration");
  ExpectReadOnly("bulkSync.get");
  EXPECT_TRUE(SameJson(Read(BulkPath(id)), before));
}

TEST_F(MaskedBulkSyncConformance, NamedSchemasAreSent) {
  // Request-only and kept when omitted: sent only when named.
  const std::string id = SeededBulkSync(0);
  Json before = Read(BulkPath(id));
  ForgetRequests();
  auto request = Request(id, {"schemas"});
  request.mutable_bulk_sync()->add_schemas()->set_id("Account");
  Json expected = Writable(Resource::kBulkSync, before);
  expected["schemas"] = Json::array({"Account"});
  Update(request, expected);
  auto enabled = upstream().Get(BulkPath(id) + "/schemas");
  ASSERT_EQ(enabled.status, 200) << enabled.body;
  for (const Json& schema : enabled.json["data"]) {
    EXPECT_EQ(schema["enabled"], schema["id"] == "Account") << schema.dump();
  }
}

}  // namespace
}  // namespace gateway_test
