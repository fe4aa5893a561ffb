// Tests for client/ctl/request_builder.h: requests from JSON and field flags,
// for every kind of field, and the errors a user sees.
#include "client/ctl/request_builder.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/bulk_sync_schedule.pb.h"
#include "polytomic/v1/bulk_sync_schema.pb.h"

namespace client::ctl {
namespace {

using ::google::protobuf::Message;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// Build builds a T from `json` and `flags`, failing the test on an error.
template <typename T>
T Build(absl::string_view json, const std::vector<FieldFlag>& flags) {
  absl::StatusOr<std::unique_ptr<Message>> built =
      BuildRequest(*T::descriptor(), json, flags);
  T result;
  EXPECT_TRUE(built.ok()) << built.status();
  if (built.ok()) result.CopyFrom(**built);
  return result;
}

// BuildError is the error of building a T, or OK.
template <typename T>
absl::Status BuildError(absl::string_view json,
                        const std::vector<FieldFlag>& flags) {
  return BuildRequest(*T::descriptor(), json, flags).status();
}

FieldFlag Flag(std::string path, std::string value) {
  return FieldFlag{std::move(path), std::move(value)};
}
FieldFlag BareFlag(std::string path) {
  return FieldFlag{std::move(path), std::nullopt};
}

TEST(BuildRequestTest, EmptyInputGivesAnEmptyMessageOfTheType) {
  absl::StatusOr<std::unique_ptr<Message>> built = BuildRequest(
      *polytomic::v1::GetBulkSyncRequest::descriptor(), "  \n", {});
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ((*built)->GetDescriptor(),
            polytomic::v1::GetBulkSyncRequest::descriptor());
  EXPECT_EQ((*built)->ByteSizeLong(), 0);
}

// The well-known wrappers have one `value` field of each scalar type.
TEST(BuildRequestTest, Int32) {
  EXPECT_EQ(
      Build<google::protobuf::Int32Value>("", {Flag("value", "-42")}).value(),
      -42);
  EXPECT_FALSE(BuildError<google::protobuf::Int32Value>(
                   "", {Flag("value", "2147483648")})
                   .ok());
  EXPECT_FALSE(
      BuildError<google::protobuf::Int32Value>("", {Flag("value", "1.5")})
          .ok());
}

TEST(BuildRequestTest, Int64KeepsEveryDigit) {
  EXPECT_EQ(Build<google::protobuf::Int64Value>(
                "", {Flag("value", "9007199254740993")})
                .value(),
            int64_t{9007199254740993});
  EXPECT_FALSE(
      BuildError<google::protobuf::Int64Value>("", {Flag("value", "ten")})
          .ok());
}

TEST(BuildRequestTest, Unsigned) {
  EXPECT_EQ(
      Build<google::protobuf::UInt32Value>("", {Flag("value", "4294967295")})
          .value(),
      4294967295u);
  EXPECT_EQ(Build<google::protobuf::UInt64Value>(
                "", {Flag("value", "18446744073709551615")})
                .value(),
            18446744073709551615u);
  EXPECT_FALSE(
      BuildError<google::protobuf::UInt32Value>("", {Flag("value", "-1")})
          .ok());
  EXPECT_FALSE(
      BuildError<google::protobuf::UInt64Value>("", {Flag("value", "-1")})
          .ok());
}

TEST(BuildRequestTest, FloatingPoint) {
  EXPECT_EQ(Build<google::protobuf::DoubleValue>("", {Flag("value", "2.5e-3")})
                .value(),
            2.5e-3);
  EXPECT_EQ(
      Build<google::protobuf::FloatValue>("", {Flag("value", "0.25")}).value(),
      0.25f);
  EXPECT_FALSE(
      BuildError<google::protobuf::DoubleValue>("", {Flag("value", "x")}).ok());
}

TEST(BuildRequestTest, Bools) {
  for (const char* yes : {"true", "1", "yes", "TRUE"}) {
    EXPECT_TRUE(
        Build<google::protobuf::BoolValue>("", {Flag("value", yes)}).value())
        << yes;
  }
  for (const char* no : {"false", "0", "no"}) {
    EXPECT_FALSE(
        Build<google::protobuf::BoolValue>("", {Flag("value", no)}).value())
        << no;
  }
  absl::Status bad =
      BuildError<google::protobuf::BoolValue>("", {Flag("value", "maybe")});
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("--value: invalid bool 'maybe'"));
}

TEST(BuildRequestTest, BareFlagMeansTrueForABool) {
  EXPECT_TRUE(
      Build<google::protobuf::BoolValue>("", {BareFlag("value")}).value());
  // An optional bool set to false is still set: the API sees `false`.
  const auto request =
      Build<polytomic::v1::ListBulkSyncsRequest>("", {Flag("active", "false")});
  EXPECT_TRUE(request.has_active());
  EXPECT_FALSE(request.active());
}

TEST(BuildRequestTest, StringsAreTakenVerbatim) {
  EXPECT_EQ(Build<google::protobuf::StringValue>(
                "", {Flag("value", " a=b, \"c\" ü ")})
                .value(),
            " a=b, \"c\" ü ");
  EXPECT_EQ(
      Build<google::protobuf::StringValue>("", {Flag("value", "")}).value(),
      "");
}

TEST(BuildRequestTest, BytesAreBase64StandardOrWebSafe) {
  EXPECT_EQ(Build<google::protobuf::BytesValue>("", {Flag("value", "aGVsbG8=")})
                .value(),
            "hello");
  EXPECT_EQ(
      Build<google::protobuf::BytesValue>("", {Flag("value", "-_8")}).value(),
      "\xfb\xff");
  EXPECT_THAT(
      BuildError<google::protobuf::BytesValue>("", {Flag("value", "!!")})
          .message(),
      HasSubstr("invalid base64 bytes"));
}

TEST(BuildRequestTest, EnumsByNameWireValueOrNumber) {
  for (const char* text : {"BULK_SYNC_MODE_REPLICATE", "replicate", "2"}) {
    EXPECT_EQ(Build<polytomic::v1::CreateBulkSyncRequest>(
                  "", {Flag("bulk_sync.mode", text)})
                  .bulk_sync()
                  .mode(),
              polytomic::v1::BULK_SYNC_MODE_REPLICATE)
        << text;
  }
}

TEST(BuildRequestTest, UnknownEnumValueListsTheAcceptedOnes) {
  for (const char* text : {"mirror", "Replicate", "99"}) {
    absl::Status status = BuildError<polytomic::v1::CreateBulkSyncRequest>(
        "", {Flag("bulk_sync.mode", text)});
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(absl::StrCat(
                                      "--bulk_sync.mode: invalid value '", text,
                                      "' for enum "
                                      "polytomic.v1.BulkSyncMode")));
    EXPECT_THAT(status.message(), HasSubstr("snapshot, replicate"));
  }
}

TEST(ParseEnumValueTest, AcceptsTheThreeSpellings) {
  const auto* type = polytomic::v1::BulkDiscover_descriptor();
  for (const char* text :
       {"BULK_DISCOVER_ONLY_INCREMENTAL", "onlyIncremental", "2"}) {
    absl::StatusOr<const google::protobuf::EnumValueDescriptor*> value =
        ParseEnumValue(*type, text);
    ASSERT_TRUE(value.ok()) << text << ": " << value.status();
    EXPECT_EQ((*value)->number(),
              polytomic::v1::BULK_DISCOVER_ONLY_INCREMENTAL);
  }
  EXPECT_FALSE(ParseEnumValue(*type, "onlyincremental").ok());
  EXPECT_FALSE(ParseEnumValue(*type, "").ok());
}

TEST(BuildRequestTest, JsonEnumsByNameOrWireValue) {
  const auto by_name = Build<polytomic::v1::CreateBulkSyncRequest>(
      R"({"bulk_sync": {"mode": "BULK_SYNC_MODE_SNAPSHOT"}})", {});
  EXPECT_EQ(by_name.bulk_sync().mode(), polytomic::v1::BULK_SYNC_MODE_SNAPSHOT);
  // Wire values anywhere in the tree: nested, repeated, camelCase names.
  const auto by_wire = Build<polytomic::v1::CreateBulkSyncRequest>(
      R"({"bulk_sync": {"mode": "snapshot",
                        "additional_schedules": [
                          {"frequency": "hourly",
                           "selective_mode": "incrementalFields"}]}})",
      {});
  EXPECT_EQ(by_wire.bulk_sync().mode(), polytomic::v1::BULK_SYNC_MODE_SNAPSHOT);
  ASSERT_EQ(by_wire.bulk_sync().additional_schedules_size(), 1);
  EXPECT_EQ(by_wire.bulk_sync().additional_schedules(0).frequency(),
            polytomic::v1::SCHEDULE_FREQUENCY_HOURLY);
  EXPECT_EQ(by_wire.bulk_sync().additional_schedules(0).selective_mode(),
            polytomic::v1::BULK_SELECTIVE_MODE_INCREMENTAL_FIELDS);
  const auto camel = Build<polytomic::v1::CreateBulkSyncScheduleRequest>(
      R"({"schedule": {"frequency": "weekly", "dayOfWeek": "monday",
                       "selectiveMode": "none"}})",
      {});
  EXPECT_EQ(camel.schedule().frequency(),
            polytomic::v1::SCHEDULE_FREQUENCY_WEEKLY);
  EXPECT_EQ(camel.schedule().day_of_week(), "monday");
  EXPECT_EQ(camel.schedule().selective_mode(),
            polytomic::v1::BULK_SELECTIVE_MODE_NONE);
}

TEST(BuildRequestTest, JsonWithoutEnumsKeepsLargeIntegersExact) {
  // Only the wire-enum retry goes through Struct (doubles); plain JSON does
  // not, so 2^53 + 1 survives.
  EXPECT_EQ(Build<polytomic::v1::ListBulkSyncsRequest>(
                R"({"limit": 9007199254740993})", {})
                .limit(),
            int64_t{9007199254740993});
}

TEST(BuildRequestTest, FlagsAcceptProtoAndJsonFieldNames) {
  const auto request = Build<polytomic::v1::CreateBulkSyncScheduleRequest>(
      "", {Flag("schedule.dayOfWeek", "friday"),
           Flag("schedule.day_of_month", "3")});
  EXPECT_EQ(request.schedule().day_of_week(), "friday");
  EXPECT_EQ(request.schedule().day_of_month(), "3");
}

TEST(BuildRequestTest, FlagsApplyOnTopOfTheJsonAndTheLastOneWins) {
  const auto request = Build<polytomic::v1::GetBulkSyncRequest>(
      R"({"id": "from-json", "refresh_schemas": true})",
      {Flag("id", "first"), Flag("id", "second")});
  EXPECT_EQ(request.id(), "second");
  EXPECT_TRUE(request.refresh_schemas());
}

TEST(BuildRequestTest, DottedPathsCreateParents) {
  const auto request = Build<polytomic::v1::CreateBulkSyncRequest>(
      "", {Flag("bulk_sync.default_schedule.hour", "7"),
           Flag("bulk_sync.concurrency_limit", "4")});
  EXPECT_TRUE(request.has_bulk_sync());
  EXPECT_EQ(request.bulk_sync().default_schedule().hour(), "7");
  EXPECT_EQ(request.bulk_sync().concurrency_limit(), 4);
}

TEST(BuildRequestTest, RepeatedScalarsReplaceTheJsonThenAppend) {
  const std::string json = R"({"bulk_sync": {"policies": ["a", "b"]}})";
  EXPECT_THAT(Build<polytomic::v1::CreateBulkSyncRequest>(json, {})
                  .bulk_sync()
                  .policies(),
              ElementsAre("a", "b"));
  EXPECT_THAT(
      Build<polytomic::v1::CreateBulkSyncRequest>(
          json, {Flag("bulk_sync.policies", "c"), Flag("bulk_sync.name", "n"),
                 Flag("bulk_sync.policies", "d")})
          .bulk_sync()
          .policies(),
      ElementsAre("c", "d"));
}

TEST(BuildRequestTest, RepeatedEnumsAndMessagesAppendOneElementPerFlag) {
  const auto request = Build<polytomic::v1::CreateBulkSyncRequest>(
      R"({"bulk_sync": {"additional_schedules": [{"frequency": "manual"}]}})",
      {Flag("bulk_sync.additional_schedules",
            R"({"frequency": "daily", "hour": "1"})"),
       Flag("bulk_sync.additional_schedules",
            R"({"frequency": "SCHEDULE_FREQUENCY_WEEKLY"})")});
  ASSERT_EQ(request.bulk_sync().additional_schedules_size(), 2);
  EXPECT_EQ(request.bulk_sync().additional_schedules(0).frequency(),
            polytomic::v1::SCHEDULE_FREQUENCY_DAILY);
  EXPECT_EQ(request.bulk_sync().additional_schedules(0).hour(), "1");
  EXPECT_EQ(request.bulk_sync().additional_schedules(1).frequency(),
            polytomic::v1::SCHEDULE_FREQUENCY_WEEKLY);
}

TEST(BuildRequestTest, MapsTakeJsonObjectsReplacingTheJsonThenMerging) {
  const auto request = Build<polytomic::v1::ListBulkSyncSchemasRequest>(
      R"({"filters": {"old": "1"}})",
      {Flag("filters", R"({"enabled": "true"})"),
       Flag("filters", R"({"name": "x", "enabled": "false"})")});
  EXPECT_THAT(request.filters(), UnorderedElementsAre(Pair("enabled", "false"),
                                                      Pair("name", "x")));
}

TEST(BuildRequestTest, MessageFieldsTakeJsonAndTheLastFlagReplaces) {
  const auto request = Build<polytomic::v1::CreateBulkSyncRequest>(
      "", {Flag("bulk_sync.default_schedule",
                R"({"frequency": "daily", "hour": "2"})"),
           Flag("bulk_sync.default_schedule", R"({"frequency": "hourly"})")});
  EXPECT_EQ(request.bulk_sync().default_schedule().frequency(),
            polytomic::v1::SCHEDULE_FREQUENCY_HOURLY);
  EXPECT_FALSE(request.bulk_sync().default_schedule().has_hour());
}

TEST(BuildRequestTest, StructFieldsTakeAnyJsonObject) {
  const auto request = Build<polytomic::v1::CreateBulkSyncRequest>(
      "", {Flag("bulk_sync.destination_configuration",
                R"({"schema": "raw", "n": 3, "deep": {"list": [true]}})")});
  const google::protobuf::Struct& config =
      request.bulk_sync().destination_configuration();
  EXPECT_EQ(config.fields().at("schema").string_value(), "raw");
  EXPECT_EQ(config.fields().at("n").number_value(), 3);
  EXPECT_TRUE(config.fields()
                  .at("deep")
                  .struct_value()
                  .fields()
                  .at("list")
                  .list_value()
                  .values(0)
                  .bool_value());
}

TEST(BuildRequestTest, TimestampsWorkUnquotedOrQuoted) {
  for (const char* text :
       {"2024-01-31T12:00:00Z", "\"2024-01-31T12:00:00Z\""}) {
    const auto request = Build<polytomic::v1::CreateBulkSyncRequest>(
        "", {Flag("bulk_sync.data_cutoff_timestamp", text)});
    EXPECT_EQ(request.bulk_sync().data_cutoff_timestamp().seconds(), 1706702400)
        << text;
  }
  absl::Status bad = BuildError<polytomic::v1::CreateBulkSyncRequest>(
      "", {Flag("bulk_sync.data_cutoff_timestamp", "yesterday")});
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(),
              HasSubstr("--bulk_sync.data_cutoff_timestamp: invalid JSON for "
                        "google.protobuf.Timestamp"));
}

TEST(BuildRequestTest, ValueFieldsTakeJsonOrABareString) {
  // BuildRequest works for any generated message, not only requests.
  EXPECT_EQ(Build<polytomic::v1::BulkFilter>("", {Flag("value", "abc")})
                .value()
                .string_value(),
            "abc");
  EXPECT_EQ(Build<polytomic::v1::BulkFilter>("", {Flag("value", "42")})
                .value()
                .number_value(),
            42);
  EXPECT_EQ(Build<polytomic::v1::BulkFilter>("", {Flag("value", "\"42\"")})
                .value()
                .string_value(),
            "42");
  EXPECT_EQ(Build<polytomic::v1::BulkFilter>("", {Flag("value", "[1, \"a\"]")})
                .value()
                .list_value()
                .values_size(),
            2);
  // Text that looks like JSON but is not valid is an error, not a string.
  EXPECT_FALSE(
      BuildError<polytomic::v1::BulkFilter>("", {Flag("value", "{oops")}).ok());
}

TEST(BuildRequestTest, UnknownFieldNamesThePathAndTheFields) {
  absl::Status status = BuildError<polytomic::v1::CreateBulkSyncRequest>(
      "", {Flag("bulk_sync.nmae", "x")});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("unknown field 'bulk_sync.nmae'"));
  EXPECT_THAT(status.message(),
              HasSubstr("polytomic.v1.BulkSync has no field 'nmae'"));
  EXPECT_THAT(status.message(), HasSubstr("name, source_connection_id"));
}

TEST(BuildRequestTest, PathThroughAScalarIsAnError) {
  absl::Status status = BuildError<polytomic::v1::CreateBulkSyncRequest>(
      "", {Flag("bulk_sync.name.first", "x")});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("bad field path 'bulk_sync.name.first': 'name' is a "
                        "string, not a message"));
}

TEST(BuildRequestTest, PathThroughARepeatedFieldIsAnError) {
  absl::Status status = BuildError<polytomic::v1::CreateBulkSyncRequest>(
      "", {Flag("bulk_sync.additional_schedules.hour", "1")});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("'additional_schedules' is a repeated field; set it "
                        "whole with --bulk_sync.additional_schedules=JSON"));
}

TEST(BuildRequestTest, MissingValueIsAnErrorForNonBools) {
  for (const char* path : {"page_token", "limit"}) {
    absl::Status status =
        BuildError<polytomic::v1::ListBulkSyncsRequest>("", {BareFlag(path)});
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(),
                HasSubstr(absl::StrCat("--", path, " needs a value")));
  }
  EXPECT_THAT(BuildError<polytomic::v1::CreateBulkSyncRequest>(
                  "", {BareFlag("bulk_sync.default_schedule")})
                  .message(),
              HasSubstr("--bulk_sync.default_schedule needs a value"));
}

TEST(BuildRequestTest, BadJsonIsAnError) {
  absl::Status not_object =
      BuildError<polytomic::v1::GetBulkSyncRequest>("[1]", {});
  EXPECT_EQ(not_object.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(not_object.message(), HasSubstr("must be a JSON object"));
  for (const char* json : {R"({"nope": 1})", R"({"id": )", R"({"id": 5})"}) {
    absl::Status status =
        BuildError<polytomic::v1::GetBulkSyncRequest>(json, {});
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << json;
    EXPECT_THAT(status.message(), HasSubstr("invalid request JSON for "
                                            "polytomic.v1.GetBulkSyncRequest"))
        << json;
  }
}

TEST(MergeJsonObjectTest, MergesIntoWhatIsSet) {
  polytomic::v1::GetBulkSyncRequest request;
  request.set_id("kept");
  ASSERT_TRUE(MergeJsonObject(R"({"refresh_schemas": false})", &request).ok());
  EXPECT_EQ(request.id(), "kept");
  EXPECT_TRUE(request.has_refresh_schemas());
  // A failed merge leaves the message as it was.
  EXPECT_FALSE(MergeJsonObject(R"({"id": "x", "bad": 1})", &request).ok());
  EXPECT_EQ(request.id(), "kept");
}

TEST(ApplyFieldFlagsTest, StopsAtTheFirstError) {
  polytomic::v1::GetBulkSyncRequest request;
  absl::Status status = ApplyFieldFlags(
      {Flag("id", "a"), Flag("refresh_schemas", "maybe"), Flag("id", "b")},
      &request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--refresh_schemas"));
  EXPECT_EQ(request.id(), "a");
}

}  // namespace
}  // namespace client::ctl
