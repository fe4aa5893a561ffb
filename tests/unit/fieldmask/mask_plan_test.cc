// Unit tests of update-mask validation and resolution (PlanMask, MaskPlan),
// on the real contract messages.
#include "gateway/fieldmask/mask_plan.h"

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "gateway/common/error_details.h"
#include "gmock/gmock.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/bulk_sync_schedule.pb.h"
#include "polytomic/v1/bulk_sync_schema.pb.h"
#include "polytomic/v1/model_sync.pb.h"

namespace gateway::fieldmask {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldMask;
using ::polytomic::v1::BulkSchema;
using ::polytomic::v1::BulkSync;
using ::polytomic::v1::BulkSyncDefaultSchedule;
using ::polytomic::v1::BulkSyncSchedule;
using ::polytomic::v1::ModelSync;
using ::polytomic::v1::ModelSyncSchedule;
using ::polytomic::v1::RunAfter;
using ::polytomic::v1::SchemaConfiguration;
using ::polytomic::v1::SchemaSelection;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

std::unique_ptr<WireSchema> MakeSchema() {
  auto schema =
      WireSchema::Build({BulkSync::descriptor(), BulkSyncSchedule::descriptor(),
                         BulkSchema::descriptor(), ModelSync::descriptor()});
  EXPECT_TRUE(schema.ok()) << schema.status();
  return schema.ok() ? *std::move(schema) : nullptr;
}

FieldMask Mask(std::initializer_list<std::string> paths) {
  FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  return mask;
}

// Field is the FieldInfo of `proto_name` in `message`.
const FieldInfo* Field(const WireSchema& schema, const Descriptor* message,
                       const std::string& proto_name) {
  const MessageInfo* info = schema.Message(message);
  EXPECT_NE(info, nullptr) << message->full_name();
  return info == nullptr ? nullptr : info->FindProto(proto_name);
}

std::vector<std::string> ProtoPaths(const MaskPlan& plan) {
  std::vector<std::string> paths;
  for (const MaskPath& path : plan.paths) paths.push_back(path.proto_path);
  return paths;
}

// MaskViolations checks `status` is an update-mask rejection (INVALID_ARGUMENT,
// ErrorInfo reason INVALID_UPDATE_MASK, every BadRequest violation on
// `update_mask`) and returns the violation descriptions.
std::vector<std::string> MaskViolations(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  google::rpc::ErrorInfo info;
  EXPECT_TRUE(GetDetail(status, &info)) << status;
  EXPECT_EQ(info.reason(), "INVALID_UPDATE_MASK");
  EXPECT_EQ(info.domain(), "polytomic-gateway");
  google::rpc::BadRequest bad_request;
  EXPECT_TRUE(GetDetail(status, &bad_request)) << status;
  std::vector<std::string> descriptions;
  for (const auto& violation : bad_request.field_violations()) {
    EXPECT_EQ(violation.field(), "update_mask");
    descriptions.push_back(violation.description());
  }
  return descriptions;
}

// Rejection runs PlanMask and returns its violations (empty if it succeeded).
std::vector<std::string> Rejection(const FieldMask& mask,
                                   const google::protobuf::Message& resource,
                                   const WireSchema& schema) {
  absl::StatusOr<MaskPlan> plan = PlanMask(mask, resource, schema);
  if (plan.ok()) {
    ADD_FAILURE() << "accepted: " << plan->Describe();
    return {};
  }
  return MaskViolations(plan.status());
}

// --- rejections: one rule each, with its exact violation ---

TEST(PlanMaskTest, RejectsUnknownField) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  EXPECT_THAT(Rejection(Mask({"nmae"}), BulkSync(), *schema),
              ElementsAre("\"nmae\" names no field: polytomic.v1.BulkSync has "
                          "no field \"nmae\""));
  EXPECT_THAT(Rejection(Mask({"default_schedule.hours"}), BulkSync(), *schema),
              ElementsAre("\"default_schedule.hours\" names no field: "
                          "polytomic.v1.BulkSyncDefaultSchedule has no field "
                          "\"hours\""));
}

TEST(PlanMaskTest, RejectsJsonNamesInsteadOfProtoNames) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  // BulkSyncSchedule's wire name is camelCase; masks use proto names.
  EXPECT_THAT(Rejection(Mask({"dayOfWeek"}), BulkSyncSchedule(), *schema),
              ElementsAre("\"dayOfWeek\" names no field: "
                          "polytomic.v1.BulkSyncSchedule has no field "
                          "\"dayOfWeek\""));
}

TEST(PlanMaskTest, RejectsPathThroughRepeatedField) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  EXPECT_THAT(
      Rejection(Mask({"additional_schedules.hour"}), BulkSync(), *schema),
      ElementsAre("\"additional_schedules.hour\" goes through the list "
                  "\"additional_schedules\"; name the whole list"));
  EXPECT_THAT(Rejection(Mask({"fields.target"}), ModelSync(), *schema),
              ElementsAre("\"fields.target\" goes through the list "
                          "\"fields\"; name the whole list"));
}

TEST(PlanMaskTest, RejectsPathThroughMap) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  EXPECT_THAT(Rejection(Mask({"target.create.x"}), ModelSync(), *schema),
              ElementsAre("\"target.create.x\" goes through the map "
                          "\"create\"; name the whole map"));
}

TEST(PlanMaskTest, RejectsPathThroughStruct) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  EXPECT_THAT(
      Rejection(Mask({"destination_configuration.schema"}), BulkSync(),
                *schema),
      ElementsAre("\"destination_configuration.schema\" goes inside "
                  "\"destination_configuration\", which is a single value; "
                  "name it whole"));
  EXPECT_THAT(
      Rejection(Mask({"target.configuration.x"}), ModelSync(), *schema),
      ElementsAre("\"target.configuration.x\" goes inside \"configuration\", "
                  "which is a single value; name it whole"));
}

TEST(PlanMaskTest, RejectsPathInsideTimestamp) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  EXPECT_THAT(
      Rejection(Mask({"data_cutoff_timestamp.seconds"}), BulkSync(), *schema),
      ElementsAre("\"data_cutoff_timestamp.seconds\" goes inside "
                  "\"data_cutoff_timestamp\", which is a single value; name "
                  "it whole"));
}

TEST(PlanMaskTest, RejectsPathInsideScalar) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  EXPECT_THAT(Rejection(Mask({"name.first"}), BulkSync(), *schema),
              ElementsAre("\"name.first\" goes inside \"name\", which is a "
                          "single value; name it whole"));
}

TEST(PlanMaskTest, RejectsNumericIndex) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  EXPECT_THAT(Rejection(Mask({"0"}), BulkSync(), *schema),
              ElementsAre("\"0\" uses a numeric index; name the whole list"));
  EXPECT_THAT(Rejection(Mask({"default_schedule.12"}), BulkSync(), *schema),
              ElementsAre("\"default_schedule.12\" uses a numeric index; "
                          "name the whole list"));
  // After a list the list rule speaks first; still rejected.
  EXPECT_THAT(Rejection(Mask({"additional_schedules.0"}), BulkSync(), *schema),
              ElementsAre("\"additional_schedules.0\" goes through the list "
                          "\"additional_schedules\"; name the whole list"));
}

TEST(PlanMaskTest, RejectsOutputOnlyFields) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  EXPECT_THAT(Rejection(Mask({"id"}), BulkSync(), *schema),
              ElementsAre("\"id\" names an output-only field"));
  EXPECT_THAT(Rejection(Mask({"created_at"}), BulkSync(), *schema),
              ElementsAre("\"created_at\" names an output-only field"));
  EXPECT_THAT(
      Rejection(Mask({"default_schedule.created_at"}), BulkSync(), *schema),
      ElementsAre("\"default_schedule.created_at\" names an output-only "
                  "field"));
  // Inside an output-only message: the output-only rule, not "names no field".
  EXPECT_THAT(Rejection(Mask({"created_by.name"}), BulkSync(), *schema),
              ElementsAre("\"created_by.name\" names an output-only field"));
  EXPECT_THAT(Rejection(Mask({"model_ids"}), ModelSync(), *schema),
              ElementsAre("\"model_ids\" names an output-only field"));
  EXPECT_THAT(Rejection(Mask({"sync_mode"}), BulkSyncSchedule(), *schema),
              ElementsAre("\"sync_mode\" names an output-only field"));
  EXPECT_THAT(Rejection(Mask({"output_name"}), BulkSchema(), *schema),
              ElementsAre("\"output_name\" names an output-only field"));
}

TEST(PlanMaskTest, RejectsGatewayOnlyField) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  for (const google::protobuf::Message* resource :
       std::vector<const google::protobuf::Message*>{
           &BulkSync::default_instance(), &BulkSyncSchedule::default_instance(),
           &BulkSchema::default_instance(), &ModelSync::default_instance()}) {
    EXPECT_THAT(Rejection(Mask({"etag"}), *resource, *schema),
                ElementsAre("\"etag\" names a field of the gateway, not of "
                            "the resource"))
        << resource->GetDescriptor()->full_name();
  }
}

TEST(PlanMaskTest, RejectsStarWithAnotherPath) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  const std::string kWhy =
      "\"*\" must be the only path: it replaces everything";
  EXPECT_THAT(Rejection(Mask({"*", "name"}), BulkSync(), *schema),
              ElementsAre(kWhy));
  EXPECT_THAT(Rejection(Mask({"name", "*"}), BulkSync(), *schema),
              ElementsAre(kWhy));
}

TEST(PlanMaskTest, ReportsEveryBadPathInOneStatus) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  absl::StatusOr<MaskPlan> plan =
      PlanMask(Mask({"name", "nope", "id", "etag", "policies.0",
                     "destination_configuration.x", "default_schedule.hour"}),
               BulkSync(), *schema);
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(
      MaskViolations(plan.status()),
      ElementsAre(
          "\"nope\" names no field: polytomic.v1.BulkSync has no field "
          "\"nope\"",
          "\"id\" names an output-only field",
          "\"etag\" names a field of the gateway, not of the resource",
          "\"policies.0\" goes through the list \"policies\"; name the "
          "whole list",
          "\"destination_configuration.x\" goes inside "
          "\"destination_configuration\", which is a single value; name it "
          "whole"));
  // The message lists them too, in order.
  EXPECT_EQ(
      plan.status().message(),
      "invalid update_mask: \"nope\" names no field: polytomic.v1.BulkSync has "
      "no field \"nope\"; \"id\" names an output-only field; \"etag\" names a "
      "field of the gateway, not of the resource; \"policies.0\" goes through "
      "the list \"policies\"; name the whole list; "
      "\"destination_configuration.x\" goes inside "
      "\"destination_configuration\", which is a single value; name it whole");
}

// --- additional_fields.<member> ---

TEST(PlanMaskTest, AcceptsOneAdditionalMember) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  absl::StatusOr<MaskPlan> plan =
      PlanMask(Mask({"additional_fields.brand_new",
                     "default_schedule.additional_fields.jitter"}),
               BulkSync(), *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->paths.size(), 2u);
  EXPECT_THAT(plan->paths[0].fields, IsEmpty());
  EXPECT_EQ(plan->paths[0].additional_member, "brand_new");
  EXPECT_EQ(plan->paths[0].proto_path, "additional_fields.brand_new");
  EXPECT_THAT(
      plan->paths[1].fields,
      ElementsAre(Field(*schema, BulkSync::descriptor(), "default_schedule")));
  EXPECT_EQ(plan->paths[1].additional_member, "jitter");
  EXPECT_EQ(plan->paths[1].proto_path,
            "default_schedule.additional_fields.jitter");
  // The member is a wire name, so camelCase is fine on the schedules.
  plan = PlanMask(Mask({"additional_fields.newCamelMember"}),
                  BulkSyncSchedule(), *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->paths[0].additional_member, "newCamelMember");
}

TEST(PlanMaskTest, RejectsAdditionalFieldsWithoutExactlyOneMember) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  EXPECT_THAT(Rejection(Mask({"additional_fields"}), BulkSync(), *schema),
              ElementsAre("\"additional_fields\" must name exactly one "
                          "member: additional_fields.<wire name>"));
  EXPECT_THAT(Rejection(Mask({"additional_fields.a.b"}), BulkSync(), *schema),
              ElementsAre("\"additional_fields.a.b\" must name exactly one "
                          "member: additional_fields.<wire name>"));
  EXPECT_THAT(Rejection(Mask({"additional_fields."}), BulkSync(), *schema),
              ElementsAre("\"additional_fields.\" must name exactly one "
                          "member: additional_fields.<wire name>"));
  EXPECT_THAT(
      Rejection(Mask({"default_schedule.additional_fields"}), BulkSync(),
                *schema),
      ElementsAre("\"default_schedule.additional_fields\" must name exactly "
                  "one member: additional_fields.<wire name>"));
}

// --- resolution ---

TEST(PlanMaskTest, ResolvesNestedPathsToTheirFieldChain) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  absl::StatusOr<MaskPlan> plan =
      PlanMask(Mask({"default_schedule.hour", "name",
                     "destination_configuration", "additional_schedules"}),
               BulkSync(), *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->full_replacement);
  ASSERT_EQ(plan->paths.size(), 4u);
  EXPECT_THAT(
      plan->paths[0].fields,
      ElementsAre(
          Field(*schema, BulkSync::descriptor(), "default_schedule"),
          Field(*schema, BulkSyncDefaultSchedule::descriptor(), "hour")));
  EXPECT_EQ(plan->paths[0].fields[1]->wire_name, "hour");
  EXPECT_THAT(plan->paths[1].fields,
              ElementsAre(Field(*schema, BulkSync::descriptor(), "name")));
  EXPECT_THAT(plan->paths[2].fields,
              ElementsAre(Field(*schema, BulkSync::descriptor(),
                                "destination_configuration")));
  EXPECT_THAT(plan->paths[3].fields,
              ElementsAre(Field(*schema, BulkSync::descriptor(),
                                "additional_schedules")));
  for (const MaskPath& path : plan->paths) {
    EXPECT_THAT(path.additional_member, IsEmpty());
  }
  EXPECT_THAT(ProtoPaths(*plan),
              ElementsAre("default_schedule.hour", "name",
                          "destination_configuration", "additional_schedules"));
  EXPECT_EQ(plan->Describe(),
            "default_schedule.hour,name,destination_configuration,"
            "additional_schedules");
}

TEST(PlanMaskTest, ResolvesTwoLevelsDownAndWholeMaps) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  absl::StatusOr<MaskPlan> plan =
      PlanMask(Mask({"schedule.run_after.sync_ids", "target.create"}),
               ModelSync(), *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->paths.size(), 2u);
  EXPECT_THAT(
      plan->paths[0].fields,
      ElementsAre(Field(*schema, ModelSync::descriptor(), "schedule"),
                  Field(*schema, ModelSyncSchedule::descriptor(), "run_after"),
                  Field(*schema, RunAfter::descriptor(), "sync_ids")));
  EXPECT_THAT(
      plan->paths[1].fields,
      ElementsAre(Field(*schema, ModelSync::descriptor(), "target"),
                  Field(*schema, polytomic::v1::ModelSyncTarget::descriptor(),
                        "create")));
}

TEST(PlanMaskTest, StarIsFullReplacement) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  sync.set_name("ignored by the plan");
  absl::StatusOr<MaskPlan> plan = PlanMask(Mask({"*"}), sync, *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->full_replacement);
  EXPECT_THAT(plan->paths, IsEmpty());
  EXPECT_EQ(plan->Describe(), "*");
}

// --- the implied mask of an empty update_mask ---

TEST(PlanMaskTest, EmptyMaskNamesPopulatedLeaves) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  sync.set_name("orders");
  sync.set_active(false);  // set to its zero value: still populated
  sync.set_mode(polytomic::v1::BULK_SYNC_MODE_SNAPSHOT);
  sync.mutable_default_schedule()->set_hour("4");
  sync.mutable_default_schedule()->set_frequency(
      polytomic::v1::SCHEDULE_FREQUENCY_DAILY);
  sync.add_additional_schedules()->set_hour("5");  // a list: whole
  sync.add_policies("p1");
  (*sync.mutable_destination_configuration()->mutable_fields())["schema"]
      .set_string_value("raw");                          // a Struct: whole
  sync.mutable_data_cutoff_timestamp()->set_seconds(1);  // a Timestamp: whole
  // Output-only and gateway fields are ignored, nested ones too.
  sync.set_id("5d7c3a52-0000-4000-8000-000000000000");
  sync.mutable_created_at()->set_seconds(2);
  sync.mutable_updated_by()->set_name("someone");
  sync.set_etag("abc");
  sync.mutable_default_schedule()->mutable_created_at()->set_seconds(3);

  absl::StatusOr<MaskPlan> plan = PlanMask(FieldMask(), sync, *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->full_replacement);
  EXPECT_THAT(
      ProtoPaths(*plan),
      UnorderedElementsAre("name", "active", "mode", "default_schedule.hour",
                           "default_schedule.frequency", "additional_schedules",
                           "policies", "destination_configuration",
                           "data_cutoff_timestamp"));
  // The implied paths carry their field chains.
  for (const MaskPath& path : plan->paths) {
    if (path.proto_path == "default_schedule.hour") {
      EXPECT_THAT(
          path.fields,
          ElementsAre(
              Field(*schema, BulkSync::descriptor(), "default_schedule"),
              Field(*schema, BulkSyncDefaultSchedule::descriptor(), "hour")));
    }
  }
}

TEST(PlanMaskTest, EmptyMaskOnEmptyResourceNamesNothing) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  sync.set_id("x");      // output-only
  sync.set_etag("abc");  // gateway-only
  absl::StatusOr<MaskPlan> plan = PlanMask(FieldMask(), sync, *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->full_replacement);
  EXPECT_THAT(plan->paths, IsEmpty());
}

TEST(PlanMaskTest, EmptyMaskNamesAnEmptyButSetMessageItself) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  ModelSync sync;
  sync.mutable_schedule();                       // set, nothing inside
  sync.mutable_identity()->mutable_source();     // set, only an empty child
  sync.mutable_target()->set_object("Contact");  // a populated leaf
  (*sync.mutable_target()->mutable_create())["name"] = "new";  // a map: whole
  absl::StatusOr<MaskPlan> plan = PlanMask(FieldMask(), sync, *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(ProtoPaths(*plan),
              UnorderedElementsAre("schedule", "identity.source",
                                   "target.object", "target.create"));
  for (const MaskPath& path : plan->paths) {
    if (path.proto_path == "schedule") {
      EXPECT_THAT(
          path.fields,
          ElementsAre(Field(*schema, ModelSync::descriptor(), "schedule")));
    }
  }
}

TEST(PlanMaskTest, EmptyMaskNamesAdditionalMembers) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  (*sync.mutable_additional_fields()->mutable_fields())["brand_new"]
      .set_number_value(1);
  (*sync.mutable_default_schedule()
        ->mutable_additional_fields()
        ->mutable_fields())["jitter"]
      .set_bool_value(true);
  absl::StatusOr<MaskPlan> plan = PlanMask(FieldMask(), sync, *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(
      ProtoPaths(*plan),
      UnorderedElementsAre("additional_fields.brand_new",
                           "default_schedule.additional_fields.jitter"));
  for (const MaskPath& path : plan->paths) {
    if (path.proto_path == "additional_fields.brand_new") {
      EXPECT_EQ(path.additional_member, "brand_new");
      EXPECT_THAT(path.fields, IsEmpty());
    } else {
      EXPECT_EQ(path.additional_member, "jitter");
      EXPECT_THAT(path.fields,
                  ElementsAre(Field(*schema, BulkSync::descriptor(),
                                    "default_schedule")));
    }
  }
}

// Found by tests/fuzz/update_mask_fuzzer: a member named "" became a path
// naming no field, and ApplyPlan read the last of its (no) fields.
TEST(PlanMaskTest, EmptyMaskLeavesAnAdditionalMemberNamedEmptyAlone) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  (*sync.mutable_additional_fields()->mutable_fields())[""].set_number_value(1);
  (*sync.mutable_default_schedule()
        ->mutable_additional_fields()
        ->mutable_fields())[""]
      .set_bool_value(true);
  sync.set_name("orders");
  absl::StatusOr<MaskPlan> plan = PlanMask(FieldMask(), sync, *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // default_schedule is set and holds nothing else a path can name, so it
  // is named whole, as any set but empty message is.
  EXPECT_THAT(ProtoPaths(*plan), ElementsAre("name", "default_schedule"));
  for (const MaskPath& path : plan->paths) {
    EXPECT_THAT(path.fields, Not(IsEmpty())) << path.proto_path;
    EXPECT_EQ(path.additional_member, "") << path.proto_path;
  }
}

// --- MaskPlan::Names ---

TEST(MaskPlanTest, NamesChainsAtOrBelowANamedField) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  const FieldInfo* target = Field(*schema, ModelSync::descriptor(), "target");
  const FieldInfo* create =
      Field(*schema, polytomic::v1::ModelSyncTarget::descriptor(), "create");
  const FieldInfo* object =
      Field(*schema, polytomic::v1::ModelSyncTarget::descriptor(), "object");
  const FieldInfo* passphrase =
      Field(*schema, ModelSync::descriptor(), "encryption_passphrase");
  const FieldInfo* name = Field(*schema, ModelSync::descriptor(), "name");

  absl::StatusOr<MaskPlan> plan =
      PlanMask(Mask({"target", "name"}), ModelSync(), *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->Names({target}));
  EXPECT_TRUE(plan->Names({target, create}));
  EXPECT_TRUE(plan->Names({name}));
  EXPECT_FALSE(plan->Names({passphrase}));
  EXPECT_FALSE(plan->Names({}));

  plan = PlanMask(Mask({"target.object"}), ModelSync(), *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->Names({target, object}));
  EXPECT_FALSE(plan->Names({target, create}));  // a sibling
  EXPECT_FALSE(plan->Names({target}));          // the parent of a named leaf
}

TEST(MaskPlanTest, FullReplacementNamesEverything) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  const FieldInfo* passphrase =
      Field(*schema, ModelSync::descriptor(), "encryption_passphrase");
  absl::StatusOr<MaskPlan> plan = PlanMask(Mask({"*"}), ModelSync(), *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->Names({passphrase}));
  EXPECT_TRUE(plan->Names({}));
}

TEST(MaskPlanTest, AdditionalMemberPathsNameNoTypedField) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  const FieldInfo* schedule =
      Field(*schema, BulkSync::descriptor(), "default_schedule");
  const FieldInfo* hour =
      Field(*schema, BulkSyncDefaultSchedule::descriptor(), "hour");
  absl::StatusOr<MaskPlan> plan = PlanMask(
      Mask({"default_schedule.additional_fields.x"}), BulkSync(), *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->Names({schedule}));
  EXPECT_FALSE(plan->Names({schedule, hour}));
}

// --- oneofs ---
//
// No path of the four resources can reach a real oneof: the only ones
// (SchemaSelection, FieldSelection) sit behind the list BulkSync.schemas,
// which a path cannot go through. PlanMask accepts any message of the schema,
// so the rule is checked against the union message itself.

TEST(PlanMaskTest, RejectsTwoMembersOfOneOneof) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  ASSERT_NE(schema->Message(SchemaSelection::descriptor()), nullptr);
  EXPECT_THAT(
      Rejection(Mask({"id", "configuration"}), SchemaSelection(), *schema),
      ElementsAre("\"configuration\" names a second member of the oneof "
                  "\"selection\""));
  EXPECT_THAT(Rejection(Mask({"configuration.enabled", "id"}),
                        SchemaSelection(), *schema),
              ElementsAre("\"id\" names a second member of the oneof "
                          "\"selection\""));
}

TEST(PlanMaskTest, AcceptsOneOneofMemberNamedTwiceOrDeeper) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  absl::StatusOr<MaskPlan> plan =
      PlanMask(Mask({"configuration.enabled", "configuration.partition_key"}),
               SchemaSelection(), *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(ProtoPaths(*plan), ElementsAre("configuration.enabled",
                                             "configuration.partition_key"));
  EXPECT_THAT(
      plan->paths[0].fields,
      ElementsAre(
          Field(*schema, SchemaSelection::descriptor(), "configuration"),
          Field(*schema, SchemaConfiguration::descriptor(), "enabled")));
}

TEST(PlanMaskTest, ProtoOptionalScalarsAreNotAOneofClash) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  // Each proto3 `optional` has a synthetic oneof of its own; naming several
  // of them, or one twice, is fine.
  absl::StatusOr<MaskPlan> plan =
      PlanMask(Mask({"name", "active", "default_schedule.hour",
                     "default_schedule.minute", "name"}),
               BulkSync(), *schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->paths.size(), 5u);
}

}  // namespace
}  // namespace gateway::fieldmask
