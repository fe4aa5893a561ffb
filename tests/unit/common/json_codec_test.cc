// Unit tests of the proto <-> upstream JSON codec, on real contract messages.
#include "gateway/common/json_codec.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/bulk_sync_execution.pb.h"
#include "polytomic/v1/bulk_sync_schedule.pb.h"
#include "polytomic/v1/model_sync.pb.h"

namespace gateway {
namespace {

using polytomic::v1::BulkSync;
using polytomic::v1::BulkSyncDestination;
using polytomic::v1::BulkSyncExecutionLogs;
using polytomic::v1::BulkSyncSchedule;
using polytomic::v1::ModelSync;

// Same compares JSON values ignoring object member order.
::testing::AssertionResult Same(const Json& actual, const Json& expected) {
  if (nlohmann::json::parse(actual.dump()) ==
      nlohmann::json::parse(expected.dump())) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "actual " << actual.dump() << "\nexpected " << expected.dump();
}

class JsonCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto schema = WireSchema::Build(
        {BulkSync::descriptor(), BulkSyncDestination::descriptor(),
         BulkSyncExecutionLogs::descriptor(), BulkSyncSchedule::descriptor(),
         ModelSync::descriptor()});
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = *std::move(schema);
    codec_ = std::make_unique<JsonCodec>(schema_.get());
  }

  std::unique_ptr<WireSchema> schema_;
  std::unique_ptr<JsonCodec> codec_;
};

TEST_F(JsonCodecTest, ToJsonUsesWireNamesAndEnumWireValues) {
  BulkSync sync;
  sync.set_name("orders");
  sync.set_automatically_add_new_fields(
      polytomic::v1::BULK_DISCOVER_ONLY_INCREMENTAL);
  sync.mutable_default_schedule()->set_frequency(
      polytomic::v1::SCHEDULE_FREQUENCY_DAILY);
  sync.mutable_default_schedule()->set_hour("4");
  sync.add_policies("p1");
  EXPECT_TRUE(Same(
      codec_->ToJson(sync),
      Json::parse(
          R"({"name":"orders","default_schedule":{"frequency":"daily","hour":"4"},
                            "automatically_add_new_fields":"onlyIncremental","policies":["p1"]})")));
}

TEST_F(JsonCodecTest, ToJsonSendsSetZeroValuesAndOmitsUnsetOnes) {
  BulkSync sync;
  sync.set_active(false);
  sync.set_concurrency_limit(0);
  sync.set_name("");
  Json json = codec_->ToJson(sync);
  EXPECT_TRUE(
      Same(json,
           Json::parse(R"({"name":"","active":false,"concurrency_limit":0})")));
}

TEST_F(JsonCodecTest, ToJsonLeavesOutOutputOnlyFields) {
  BulkSync sync;
  sync.set_id("5d7c3a52-0000-4000-8000-000000000000");
  sync.mutable_created_at()->set_seconds(1);
  sync.mutable_default_schedule()->mutable_updated_by()->set_name("x");
  sync.set_name("n");
  EXPECT_TRUE(Same(codec_->ToJson(sync),
                   Json::parse(R"({"name":"n","default_schedule":{}})")));
}

TEST_F(JsonCodecTest, TimestampsStructsAndValues) {
  BulkSync sync;
  sync.mutable_data_cutoff_timestamp()->set_seconds(1700000000);
  (*sync.mutable_destination_configuration()->mutable_fields())["schema"]
      .set_string_value("raw");
  (*sync.mutable_destination_configuration()->mutable_fields())["batch"]
      .set_number_value(500);
  Json json = codec_->ToJson(sync);
  EXPECT_EQ(json["data_cutoff_timestamp"], "2023-11-14T22:13:20Z");
  EXPECT_TRUE(Same(json["destination_configuration"],
                   Json::parse(R"({"batch":500,"schema":"raw"})")));
  EXPECT_TRUE(json["destination_configuration"]["batch"].is_number_integer());
}

TEST_F(JsonCodecTest, UnionsAreAStringOrAnObject) {
  BulkSync sync;
  sync.add_schemas()->set_id("Account");
  auto* configured = sync.add_schemas()->mutable_configuration();
  configured->set_id("Contact");
  configured->set_enabled(true);
  configured->add_fields()->set_id("Email");
  EXPECT_TRUE(Same(
      codec_->ToJson(sync)["schemas"],
      Json::parse(
          R"(["Account",{"id":"Contact","enabled":true,"fields":["Email"]}])")));

  BulkSync back;
  ASSERT_TRUE(
      codec_->FromJson(Json::parse(R"({"schemas":["A",{"id":"B"}]})"), &back)
          .ok());
  ASSERT_EQ(back.schemas_size(), 2);
  EXPECT_EQ(back.schemas(0).id(), "A");
  EXPECT_EQ(back.schemas(1).configuration().id(), "B");
}

TEST_F(JsonCodecTest, AdditionalFieldsAreSentButTypedFieldsWin) {
  BulkSync sync;
  sync.set_name("typed");
  auto& extra = *sync.mutable_additional_fields()->mutable_fields();
  extra["future_flag"].set_bool_value(true);
  extra["name"].set_string_value("stale");
  Json json = codec_->ToJson(sync);
  EXPECT_EQ(json["future_flag"], true);
  EXPECT_EQ(json["name"], "typed");
}

TEST_F(JsonCodecTest, FromJsonKeepsUnknownMembersAndUnknownEnumValues) {
  BulkSync sync;
  ASSERT_TRUE(codec_
                  ->FromJson(Json::parse(R"({
      "name": "x", "mode": "mirror", "normalize_names": "legacy",
      "brand_new": {"nested": [1, 2]}, "concurrency_limit": "four"})"),
                             &sync)
                  .ok());
  EXPECT_EQ(sync.name(), "x");
  EXPECT_EQ(sync.mode(), polytomic::v1::BULK_SYNC_MODE_UNSPECIFIED);
  EXPECT_EQ(sync.normalize_names(), polytomic::v1::BULK_NORMALIZE_NAMES_LEGACY);
  EXPECT_FALSE(sync.has_concurrency_limit());
  const auto& extra = sync.additional_fields().fields();
  EXPECT_EQ(extra.at("mode").string_value(), "mirror");
  EXPECT_EQ(extra.at("concurrency_limit").string_value(), "four");
  EXPECT_EQ(extra.at("brand_new")
                .struct_value()
                .fields()
                .at("nested")
                .list_value()
                .values_size(),
            2);
  EXPECT_FALSE(extra.contains("name"));
}

TEST_F(JsonCodecTest, RepeatedEnumWithAnUnknownValueIsKeptWhole) {
  BulkSyncDestination destination;
  ASSERT_TRUE(
      codec_
          ->FromJson(
              Json::parse(
                  R"({"supported_resync_modes": ["resync", "teleport"]})"),
              &destination)
          .ok());
  EXPECT_EQ(destination.supported_resync_modes_size(), 0);
  EXPECT_EQ(destination.additional_fields()
                .fields()
                .at("supported_resync_modes")
                .list_value()
                .values(1)
                .string_value(),
            "teleport");
}

TEST_F(JsonCodecTest, NullReadsAsAbsent) {
  BulkSync sync;
  ASSERT_TRUE(
      codec_
          ->FromJson(
              Json::parse(R"({"data_cutoff_timestamp": null, "name": null})"),
              &sync)
          .ok());
  EXPECT_FALSE(sync.has_data_cutoff_timestamp());
  EXPECT_FALSE(sync.has_name());
  EXPECT_TRUE(sync.additional_fields().fields().empty());
}

TEST_F(JsonCodecTest, UnreadableTimestampIsKeptRaw) {
  BulkSync sync;
  ASSERT_TRUE(
      codec_->FromJson(Json::parse(R"({"created_at": "yesterday"})"), &sync)
          .ok());
  EXPECT_FALSE(sync.has_created_at());
  EXPECT_EQ(sync.additional_fields().fields().at("created_at").string_value(),
            "yesterday");
}

TEST_F(JsonCodecTest, CamelCaseAndCapitalizedWireNames) {
  BulkSyncSchedule schedule;
  ASSERT_TRUE(
      codec_
          ->FromJson(
              Json::parse(
                  R"({"dayOfWeek":"monday","selectiveMode":"incrementalFields",
                                               "isDefault":true})"),
              &schedule)
          .ok());
  EXPECT_EQ(schedule.day_of_week(), "monday");
  EXPECT_EQ(schedule.selective_mode(),
            polytomic::v1::BULK_SELECTIVE_MODE_INCREMENTAL_FIELDS);
  EXPECT_TRUE(schedule.is_default());

  BulkSyncExecutionLogs logs;
  ASSERT_TRUE(
      codec_->FromJson(Json::parse(R"({"URLs":["u"],"Expires":"soon"})"), &logs)
          .ok());
  EXPECT_EQ(logs.urls(0), "u");
  EXPECT_EQ(logs.expires(), "soon");
}

TEST_F(JsonCodecTest, ResponseRoundTripIsLossless) {
  // Everything a GET may answer, including members the contract does not
  // model, comes back out of ToJson (for fields a request may carry).
  Json upstream = Json::parse(R"({
      "name": "n", "active": false, "mode": "replicate",
      "default_schedule": {"id": "s1", "frequency": "weekly", "day_of_week": "friday", "hour": "3",
                           "future_schedule_knob": 7},
      "additional_schedules": [{"id": "s2", "frequency": "daily", "resync_mode": "refetch",
                                "selective_mode": "none", "schemas": ["a", "b"]}],
      "destination_configuration": {"schema": "raw", "nested": {"deep": [true, null, 1.5]}},
      "source_configuration": {},
      "policies": ["p"], "disable_record_timestamps": false, "concurrency_limit": 0,
      "automatically_add_new_objects": "none", "normalize_names": "sometimes",
      "future_top_level": {"x": "y"}})");
  BulkSync sync;
  ASSERT_TRUE(codec_->FromJson(upstream, &sync).ok());
  EXPECT_TRUE(Same(codec_->ToJson(sync), upstream));
}

TEST_F(JsonCodecTest, NotAnObjectIsAnError) {
  BulkSync sync;
  EXPECT_FALSE(codec_->FromJson(Json::parse("[1,2]"), &sync).ok());
}

TEST_F(JsonCodecTest, FieldToJsonGivesZeroValuesForUnsetFields) {
  BulkSync sync;
  const MessageInfo* info = schema_->Message(BulkSync::descriptor());
  EXPECT_EQ(codec_->FieldToJson(sync, *info->FindProto("active")), false);
  EXPECT_EQ(codec_->FieldToJson(sync, *info->FindProto("concurrency_limit")),
            0);
  EXPECT_EQ(codec_->FieldToJson(sync, *info->FindProto("name")), "");
  EXPECT_EQ(codec_->FieldToJson(sync, *info->FindProto("policies")),
            Json::array());
  EXPECT_TRUE(codec_->FieldToJson(sync, *info->FindProto("default_schedule"))
                  .is_null());
  EXPECT_TRUE(codec_->FieldToJson(sync, *info->FindProto("mode")).is_null());
}

TEST_F(JsonCodecTest, WriteOnlyFieldsAreSent) {
  ModelSync sync;
  sync.set_encryption_passphrase("secret-passphrase");
  (*sync.mutable_target()->mutable_create())["name"] = "Audience";
  Json json = codec_->ToJson(sync);
  EXPECT_EQ(json["encryption_passphrase"], "secret-passphrase");
  EXPECT_EQ(json["target"]["create"]["name"], "Audience");
}

}  // namespace
}  // namespace gateway
