// Unit tests of the proto <-> upstream JSON codec, on real contract messages.
#include "gateway/common/json_codec.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/common/json_cursor.h"
#include "gateway/common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/bulk_sync_execution.pb.h"
#include "polytomic/v1/bulk_sync_schedule.pb.h"
#include "polytomic/v1/common.pb.h"
#include "polytomic/v1/model_sync.pb.h"

namespace gateway {
namespace {

using polytomic::v1::BulkFilter;
using polytomic::v1::BulkSync;
using polytomic::v1::BulkSyncDestination;
using polytomic::v1::BulkSyncExecutionLogs;
using polytomic::v1::BulkSyncSchedule;
using polytomic::v1::GetBulkSyncResponse;
using polytomic::v1::ListBulkSyncsResponse;
using polytomic::v1::ModelSync;
using polytomic::v1::SchemaSelection;
using polytomic::v1::StringList;
using polytomic::v1::SyncSourceMeta;
using ::testing::HasSubstr;

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
         ModelSync::descriptor(), GetBulkSyncResponse::descriptor(),
         ListBulkSyncsResponse::descriptor(), SyncSourceMeta::descriptor(),
         StringList::descriptor()});
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
  ASSERT_TRUE(codec_->FromJson(R"({"schemas":["A",{"id":"B"}]})", &back).ok());
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
                  ->FromJson(R"({
      "name": "x", "mode": "mirror", "normalize_names": "legacy",
      "brand_new": {"nested": [1, 2]}, "concurrency_limit": "four"})",
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
          ->FromJson(R"({"supported_resync_modes": ["resync", "teleport"]})",
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
          ->FromJson(R"({"data_cutoff_timestamp": null, "name": null})", &sync)
          .ok());
  EXPECT_FALSE(sync.has_data_cutoff_timestamp());
  EXPECT_FALSE(sync.has_name());
  EXPECT_TRUE(sync.additional_fields().fields().empty());
}

TEST_F(JsonCodecTest, UnreadableTimestampIsKeptRaw) {
  BulkSync sync;
  ASSERT_TRUE(codec_->FromJson(R"({"created_at": "yesterday"})", &sync).ok());
  EXPECT_FALSE(sync.has_created_at());
  EXPECT_EQ(sync.additional_fields().fields().at("created_at").string_value(),
            "yesterday");
}

TEST_F(JsonCodecTest, CamelCaseAndCapitalizedWireNames) {
  BulkSyncSchedule schedule;
  ASSERT_TRUE(
      codec_
          ->FromJson(
              R"({"dayOfWeek":"monday","selectiveMode":"incrementalFields",
                                               "isDefault":true})",
              &schedule)
          .ok());
  EXPECT_EQ(schedule.day_of_week(), "monday");
  EXPECT_EQ(schedule.selective_mode(),
            polytomic::v1::BULK_SELECTIVE_MODE_INCREMENTAL_FIELDS);
  EXPECT_TRUE(schedule.is_default());

  BulkSyncExecutionLogs logs;
  ASSERT_TRUE(
      codec_->FromJson(R"({"URLs":["u"],"Expires":"soon"})", &logs).ok());
  EXPECT_EQ(logs.urls(0), "u");
  EXPECT_EQ(logs.expires(), "soon");
}

TEST_F(JsonCodecTest, ResponseRoundTripIsLossless) {
  // Everything a GET may answer, including members the contract does not
  // model, comes back out of ToJson (for fields a request may carry).
  constexpr absl::string_view kUpstream = R"({
      "name": "n", "active": false, "mode": "replicate",
      "default_schedule": {"id": "s1", "frequency": "weekly", "day_of_week": "friday", "hour": "3",
                           "future_schedule_knob": 7},
      "additional_schedules": [{"id": "s2", "frequency": "daily", "resync_mode": "refetch",
                                "selective_mode": "none", "schemas": ["a", "b"]}],
      "destination_configuration": {"schema": "raw", "nested": {"deep": [true, null, 1.5]}},
      "source_configuration": {},
      "policies": ["p"], "disable_record_timestamps": false, "concurrency_limit": 0,
      "automatically_add_new_objects": "none", "normalize_names": "sometimes",
      "future_top_level": {"x": "y"}})";
  BulkSync sync;
  ASSERT_TRUE(codec_->FromJson(kUpstream, &sync).ok());
  EXPECT_TRUE(Same(codec_->ToJson(sync), Json::parse(kUpstream)));
}

TEST_F(JsonCodecTest, NotAnObjectIsAnError) {
  BulkSync sync;
  EXPECT_FALSE(codec_->FromJson("[1,2]", &sync).ok());
}

TEST_F(JsonCodecTest, GatewayOnlyMembersAreKeptRawAndTheEtagIsComputed) {
  BulkSync sync;
  ASSERT_TRUE(
      codec_->FromJson(R"({"etag": "forged", "name": "n"})", &sync).ok());
  EXPECT_EQ(sync.additional_fields().fields().at("etag").string_value(),
            "forged");
  EXPECT_EQ(sync.etag(), JsonCodec::Etag(R"({"etag":"forged","name":"n"})"));
}

TEST_F(JsonCodecTest, NullIsAValueForGoogleProtobufValue) {
  BulkFilter filter;
  ASSERT_TRUE(codec_->FromJson(R"({"value": null})", &filter).ok());
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(filter.value().kind_case(), google::protobuf::Value::kNullValue);
}

TEST_F(JsonCodecTest, AMapIsAllOrNothing) {
  SyncSourceMeta meta;
  ASSERT_TRUE(
      codec_
          ->FromJson(
              R"({"configuration": {"a": {"type": "x"}, "b": 5}, "items": {}})",
              &meta)
          .ok());
  EXPECT_TRUE(meta.configuration().empty());
  const auto& kept = meta.additional_fields().fields().at("configuration");
  EXPECT_EQ(kept.struct_value().fields().at("b").number_value(), 5);
  EXPECT_FALSE(meta.additional_fields().fields().contains("items"));
}

TEST_F(JsonCodecTest, RepeatedNamesKeepTheLastValueLikeADocument) {
  // nlohmann::ordered_json keeps the last value of a repeated member name, so
  // the decoder does too, whatever the earlier values were.
  BulkSync sync;
  ASSERT_TRUE(codec_
                  ->FromJson(R"({"name": "a", "concurrency_limit": "x",
                                 "policies": ["p"], "mode": "mirror",
                                 "zzz": 1, "active": true,
                                 "destination_configuration": {"a": 1},
                                 "name": "b", "concurrency_limit": 5,
                                 "policies": ["q", "r"], "mode": "replicate",
                                 "zzz": 2, "active": null,
                                 "destination_configuration": {"b": 2}})",
                             &sync)
                  .ok());
  EXPECT_EQ(sync.name(), "b");
  EXPECT_EQ(sync.concurrency_limit(), 5);
  EXPECT_THAT(sync.policies(), ::testing::ElementsAre("q", "r"));
  EXPECT_EQ(sync.mode(), polytomic::v1::BULK_SYNC_MODE_REPLICATE);
  EXPECT_FALSE(sync.has_active());
  EXPECT_EQ(sync.destination_configuration().fields().size(), 1u);
  EXPECT_TRUE(sync.destination_configuration().fields().contains("b"));
  const auto& extra = sync.additional_fields().fields();
  EXPECT_EQ(extra.size(), 1u);
  EXPECT_EQ(extra.at("zzz").number_value(), 2);

  SyncSourceMeta meta;
  ASSERT_TRUE(
      codec_
          ->FromJson(R"({"configuration": {"a": 5, "a": {"type": "t"}}})",
                     &meta)
          .ok());
  EXPECT_EQ(meta.configuration().at("a").type(), "t");
  EXPECT_TRUE(meta.additional_fields().fields().empty());
}

TEST_F(JsonCodecTest, TextThatIsNotJsonFailsAndLeavesTheMessageEmpty) {
  for (const char* text :
       {R"({"name": "x", "policies": ["p", )", R"({"name": "x"} {)",
        R"({"name": "x", "future": [1, 2,]})", "", "{\"name\": \"\x80\"}"}) {
    BulkSync sync;
    absl::Status status = codec_->FromJson(text, &sync);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(status.message()), HasSubstr("not JSON")) << text;
    EXPECT_EQ(sync.ByteSizeLong(), 0u) << text;
  }
}

TEST_F(JsonCodecTest, ABrokenTextIsReportedBeforeItsShape) {
  // Parsing the whole text first used to report these as "not JSON", not as
  // the shape problem a reader meets first; so does the decoder.
  BulkSync sync;
  EXPECT_THAT(std::string(codec_->FromJson("[1, 2", &sync).message()),
              HasSubstr("not JSON"));
  StringList list;
  EXPECT_THAT(std::string(codec_->FromJson(R"(["a", 1, {)", &list).message()),
              HasSubstr("not JSON"));
}

TEST_F(JsonCodecTest, ShapesThatCannotBeKeptFailAndLeaveTheMessageEmpty) {
  StringList list;  // json_list: no additional_fields
  absl::Status status = codec_->FromJson(R"(["a", 1])", &list);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("expected strings"));
  EXPECT_EQ(list.values_size(), 0);
  ASSERT_TRUE(codec_->FromJson(R"(["a", "b"])", &list).ok());
  EXPECT_EQ(list.values_size(), 2);

  SchemaSelection selection;  // json_union
  EXPECT_FALSE(codec_->FromJson("5", &selection).ok());
  ASSERT_TRUE(codec_->FromJson(R"("Account")", &selection).ok());
  EXPECT_EQ(selection.id(), "Account");

  BulkSync sync;
  EXPECT_EQ(codec_->FromJson(R"("x")", &sync).message(),
            "expected a JSON object");
}

TEST_F(JsonCodecTest, NestingBeyondTheLimitIsRefused) {
  std::string deep = R"({"destination_configuration": )";
  for (int i = 0; i < 200; ++i) deep += R"({"a": )";
  deep += "1" + std::string(200, '}') + "}";
  BulkSync sync;
  absl::Status status = codec_->FromJson(deep, &sync);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("deep"));
}

TEST_F(JsonCodecTest, EtagIgnoresWhitespaceOutsideStrings) {
  const std::string compact = R"({"a":[1,2],"b":"x y","c":{"d":null}})";
  EXPECT_EQ(JsonCodec::Etag(compact), Sha256Hex(compact));
  EXPECT_EQ(JsonCodec::Etag(" {\n  \"a\": [ 1,\t2 ],\r\n  \"b\": \"x y\",\n"
                            "  \"c\": { \"d\" : null }\n} "),
            Sha256Hex(compact));
  // Inside strings whitespace counts, escaped quotes and backslashes too.
  EXPECT_NE(JsonCodec::Etag(R"({"b":"x  y"})"),
            JsonCodec::Etag(R"({"b":"x y"})"));
  EXPECT_NE(JsonCodec::Etag(R"({"b":"q\" y"})"),
            JsonCodec::Etag(R"({"b":"q\"y"})"));
  EXPECT_EQ(JsonCodec::Etag(R"({"b":"\\", "c":1})"),
            Sha256Hex(R"({"b":"\\","c":1})"));
}

TEST_F(JsonCodecTest, EtagDiffersWhenTheTextDiffers) {
  const std::string base = JsonCodec::Etag(R"({"name":"a","active":true})");
  EXPECT_NE(JsonCodec::Etag(R"({"name":"b","active":true})"), base);
  EXPECT_NE(JsonCodec::Etag(R"({"name":"a","active":false})"), base);
  EXPECT_NE(JsonCodec::Etag(R"({"active":true,"name":"a"})"), base);
  EXPECT_NE(JsonCodec::Etag(R"({"name":"\u0061","active":true})"), base);
}

TEST_F(JsonCodecTest, AnObjectHasTheEtagOfItsTextAtAnyDepth) {
  constexpr absl::string_view kData =
      R"({"id": "s1", "name": "orders",
          "schemas": ["a", {"id": "b"}],
          "destination_configuration": {"schema": "raw"}})";
  const std::string body =
      absl::StrCat("{\n  \"job\": 1,\n  \"data\":   ", kData, "\n}\n");
  GetBulkSyncResponse response;
  ASSERT_TRUE(codec_->FromJson(body, &response).ok());
  BulkSync top_level;
  ASSERT_TRUE(codec_->FromJson(kData, &top_level).ok());
  EXPECT_EQ(response.data().etag(), top_level.etag());
  EXPECT_EQ(response.data().etag(), JsonCodec::Etag(kData));
  absl::StatusOr<absl::string_view> data = JsonCursor::FindMember(body, "data");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(JsonCodec::Etag(*data), response.data().etag());
  // The compact form of the same text has the same etag.
  EXPECT_EQ(JsonCodec::Etag(Dump(Json::parse(kData))), top_level.etag());

  ListBulkSyncsResponse list;
  ASSERT_TRUE(
      codec_
          ->FromJson(absl::StrCat(R"({"data": [{"name": "x"}, )", kData, "]}"),
                     &list)
          .ok());
  ASSERT_EQ(list.data_size(), 2);
  EXPECT_EQ(list.data(0).etag(), JsonCodec::Etag(R"({"name":"x"})"));
  EXPECT_EQ(list.data(1).etag(), top_level.etag());
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

// NestsDeeperThan guards every parse of outside text into a document.
TEST(NestsDeeperThanTest, CountsBracketsOutsideStrings) {
  EXPECT_FALSE(NestsDeeperThan("", 0));
  EXPECT_FALSE(NestsDeeperThan("5", 0));
  EXPECT_TRUE(NestsDeeperThan("[]", 0));
  EXPECT_FALSE(NestsDeeperThan(R"({"a": [1, {"b": []}], "c": {}})", 4));
  EXPECT_TRUE(NestsDeeperThan(R"({"a": [1, {"b": []}], "c": {}})", 3));
  // Brackets inside strings, escaped quotes included, do not count.
  EXPECT_FALSE(NestsDeeperThan(R"(["[[[{{{", "\"[[[", "\\"])", 1));
  EXPECT_TRUE(NestsDeeperThan(R"(["\\", ["x"]])", 1));
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_TRUE(NestsDeeperThan(deep, JsonCursor::kMaxDepth));
  EXPECT_FALSE(NestsDeeperThan(deep, 100000));
}

}  // namespace
}  // namespace gateway
