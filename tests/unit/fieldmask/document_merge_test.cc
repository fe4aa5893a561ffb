// Unit tests of the merge onto the upstream JSON document: dropping
// output-only members, applying a mask plan, write-only chains, member
// access and required-field checks, on the real contract messages.
#include "gateway/fieldmask/document_merge.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/field_mask.pb.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/bulk_sync_schedule.pb.h"
#include "polytomic/v1/bulk_sync_schema.pb.h"
#include "polytomic/v1/model_sync.pb.h"

namespace gateway::fieldmask {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldMask;
using ::google::protobuf::Message;
using ::polytomic::v1::BulkSchema;
using ::polytomic::v1::BulkSync;
using ::polytomic::v1::BulkSyncSchedule;
using ::polytomic::v1::ModelSync;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::unique_ptr<WireSchema> MakeSchema() {
  auto schema =
      WireSchema::Build({BulkSync::descriptor(), BulkSyncSchedule::descriptor(),
                         BulkSchema::descriptor(), ModelSync::descriptor()});
  EXPECT_TRUE(schema.ok()) << schema.status();
  return schema.ok() ? *std::move(schema) : nullptr;
}

// Chain resolves a proto path of `root` to its fields.
FieldChain Chain(const WireSchema& schema, const Descriptor* root,
                 const std::string& proto_path) {
  FieldChain chain;
  const Descriptor* message = root;
  for (absl::string_view segment : absl::StrSplit(proto_path, '.')) {
    const MessageInfo* info =
        message == nullptr ? nullptr : schema.Message(message);
    const FieldInfo* field =
        info == nullptr ? nullptr : info->FindProto(segment);
    if (field == nullptr) {
      ADD_FAILURE() << "no field " << proto_path;
      return {};
    }
    chain.push_back(field);
    message = field->descriptor->message_type();
  }
  return chain;
}

std::vector<std::string> ChainPaths(const std::vector<FieldChain>& chains) {
  std::vector<std::string> paths;
  for (const FieldChain& chain : chains) paths.push_back(ChainPath(chain));
  return paths;
}

// Merge plans `paths` for `resource` and applies the plan to `doc`.
Json Merge(const WireSchema& schema, std::vector<std::string> paths,
           const Message& resource, Json doc) {
  FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  absl::StatusOr<MaskPlan> plan = PlanMask(mask, resource, schema);
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return doc;
  JsonCodec codec(&schema);
  ApplyPlan(*plan, resource, codec, doc);
  return doc;
}

// Compact JSON, member order included: the merge must keep it.
std::string Text(const char* json) { return Dump(Json::parse(json)); }

// --- DropOutputOnly ---

TEST(DropOutputOnlyTest, DropsTopLevelOutputOnlyMembers) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  Json doc = Json::parse(R"({
    "id": "s1", "name": "orders", "created_at": "2024-01-01T00:00:00Z",
    "created_by": {"id": "u1"}, "active": true,
    "updated_at": "2024-01-02T00:00:00Z", "updated_by": {"id": "u2"},
    "brand_new": {"created_at": "kept", "id": 7}})");
  DropOutputOnly(doc, *schema->Message(BulkSync::descriptor()), *schema);
  EXPECT_EQ(Dump(doc), Text(R"({"name": "orders", "active": true,
    "brand_new": {"created_at": "kept", "id": 7}})"));
}

TEST(DropOutputOnlyTest, DropsNestedOutputOnlyMembers) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  // default_schedule.id is not output-only (it is sent back to keep the
  // schedule); its stamps are. A Struct's members are data, never fields.
  Json doc = Json::parse(R"({
    "default_schedule": {"id": "d1", "frequency": "daily",
      "created_at": "2024-01-01T00:00:00Z", "updated_by": {"id": "u"},
      "jitter": 3},
    "destination_configuration": {"created_at": "data", "id": "x"}})");
  DropOutputOnly(doc, *schema->Message(BulkSync::descriptor()), *schema);
  EXPECT_EQ(Dump(doc), Text(R"({
    "default_schedule": {"id": "d1", "frequency": "daily", "jitter": 3},
    "destination_configuration": {"created_at": "data", "id": "x"}})"));
}

TEST(DropOutputOnlyTest, DropsOutputOnlyMembersInsideListsOfMessages) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  Json doc = Json::parse(R"({
    "additional_schedules": [
      {"id": "a", "created_at": "2024-01-01T00:00:00Z", "hour": "1"},
      {"id": "b", "updated_by": {"id": "u"}, "extra": 1},
      "not an object"],
    "policies": ["created_at"]})");
  DropOutputOnly(doc, *schema->Message(BulkSync::descriptor()), *schema);
  EXPECT_EQ(Dump(doc), Text(R"({
    "additional_schedules": [{"id": "a", "hour": "1"},
                             {"id": "b", "extra": 1}, "not an object"],
    "policies": ["created_at"]})"));

  Json schema_doc = Json::parse(R"({"id": "Contact", "output_name": "contact",
    "fields": [{"id": "f1", "output_name": "f_1", "enabled": true}]})");
  DropOutputOnly(schema_doc, *schema->Message(BulkSchema::descriptor()),
                 *schema);
  EXPECT_EQ(
      Dump(schema_doc),
      Text(R"({"id": "Contact", "fields": [{"id": "f1", "enabled": true}]})"));

  Json model_doc = Json::parse(R"({"name": "m", "model_ids": ["a", "b"]})");
  DropOutputOnly(model_doc, *schema->Message(ModelSync::descriptor()), *schema);
  EXPECT_EQ(Dump(model_doc), Text(R"({"name": "m"})"));
}

TEST(DropOutputOnlyTest, LeavesValuesOfAnUnexpectedShapeAlone) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  Json doc = Json::parse(R"({"default_schedule": null, "created_by": null})");
  DropOutputOnly(doc, *schema->Message(BulkSync::descriptor()), *schema);
  EXPECT_EQ(Dump(doc), Text(R"({"default_schedule": null})"));
  Json array = Json::parse(R"([{"id": "x"}])");
  DropOutputOnly(array, *schema->Message(BulkSync::descriptor()), *schema);
  EXPECT_EQ(Dump(array), Text(R"([{"id": "x"}])"));
}

// --- ApplyPlan ---

TEST(ApplyPlanTest, SetsANamedScalarInPlace) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  sync.set_name("new");
  sync.set_active(true);  // not named: not applied
  Json doc = Merge(*schema, {"name"}, sync,
                   Json::parse(R"({"name": "old", "active": false, "z": 1})"));
  EXPECT_EQ(Dump(doc), Text(R"({"name": "new", "active": false, "z": 1})"));
}

TEST(ApplyPlanTest, WritesUnsetNamedScalarsAsExplicitZeroValues) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  Json doc =
      Merge(*schema, {"name", "active", "concurrency_limit", "organization_id"},
            BulkSync(),
            Json::parse(
                R"({"name": "old", "active": true, "concurrency_limit": 5})"));
  EXPECT_EQ(Dump(doc), Text(R"({"name": "", "active": false,
    "concurrency_limit": 0, "organization_id": ""})"));
}

TEST(ApplyPlanTest, RemovesAnUnsetNamedEnumAndWritesASetOne) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  Json doc = Merge(*schema, {"mode"}, BulkSync(),
                   Json::parse(R"({"mode": "snapshot", "name": "n"})"));
  EXPECT_EQ(Dump(doc), Text(R"({"name": "n"})"));

  BulkSync sync;
  sync.set_mode(polytomic::v1::BULK_SYNC_MODE_REPLICATE);
  doc = Merge(*schema, {"mode"}, sync,
              Json::parse(R"({"mode": "snapshot", "name": "n"})"));
  EXPECT_EQ(Dump(doc), Text(R"({"mode": "replicate", "name": "n"})"));
}

TEST(ApplyPlanTest, RemovesUnsetNamedMessages) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  Json doc = Merge(
      *schema,
      {"default_schedule", "data_cutoff_timestamp", "source_configuration"},
      BulkSync(), Json::parse(R"({
        "name": "n", "default_schedule": {"frequency": "daily"},
        "data_cutoff_timestamp": "2024-01-01T00:00:00Z",
        "source_configuration": {"slot": "s"}})"));
  EXPECT_EQ(Dump(doc), Text(R"({"name": "n"})"));
}

TEST(ApplyPlanTest, ReplacesANamedMessageWhole) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  sync.mutable_default_schedule()->set_frequency(
      polytomic::v1::SCHEDULE_FREQUENCY_WEEKLY);
  sync.mutable_default_schedule()->set_day_of_week("monday");
  Json doc = Merge(*schema, {"default_schedule"}, sync, Json::parse(R"({
    "default_schedule": {"id": "d1", "frequency": "daily", "hour": "3",
                         "jitter": 1},
    "name": "n"})"));
  EXPECT_EQ(Dump(doc), Text(R"({
    "default_schedule": {"frequency": "weekly", "day_of_week": "monday"},
    "name": "n"})"));
}

TEST(ApplyPlanTest, ReplacesANamedListInsteadOfAppending) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  sync.add_policies("c");
  sync.add_additional_schedules()->set_hour("9");
  Json doc = Merge(*schema, {"policies", "additional_schedules"}, sync,
                   Json::parse(R"({"policies": ["a", "b"],
      "additional_schedules": [{"id": "x", "hour": "1"}, {"id": "y"}]})"));
  EXPECT_EQ(Dump(doc), Text(R"({"policies": ["c"],
      "additional_schedules": [{"hour": "9"}]})"));

  // An unset named list is sent empty, explicitly.
  doc = Merge(*schema, {"policies"}, BulkSync(),
              Json::parse(R"({"policies": ["a", "b"]})"));
  EXPECT_EQ(Dump(doc), Text(R"({"policies": []})"));
}

TEST(ApplyPlanTest, ReplacesANamedMapOrStructWhole) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  ModelSync model;
  (*model.mutable_target()->mutable_create())["c"] = "3";
  Json doc = Merge(*schema, {"target.create"}, model, Json::parse(R"({
    "target": {"connection_id": "k", "create": {"a": "1", "b": "2"}}})"));
  EXPECT_EQ(Dump(doc), Text(R"({
    "target": {"connection_id": "k", "create": {"c": "3"}}})"));

  doc = Merge(*schema, {"target.create"}, ModelSync(), Json::parse(R"({
    "target": {"connection_id": "k", "create": {"a": "1"}}})"));
  EXPECT_EQ(Dump(doc), Text(R"({
    "target": {"connection_id": "k", "create": {}}})"));

  BulkSync sync;
  (*sync.mutable_destination_configuration()->mutable_fields())["z"]
      .set_bool_value(true);
  doc = Merge(*schema, {"destination_configuration"}, sync, Json::parse(R"({
    "destination_configuration": {"a": 1, "b": {"c": 2}}})"));
  EXPECT_EQ(Dump(doc), Text(R"({"destination_configuration": {"z": true}})"));
}

TEST(ApplyPlanTest, NestedPathCreatesAnAbsentParent) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  sync.mutable_default_schedule()->set_hour("4");
  Json doc = Merge(*schema, {"default_schedule.hour"}, sync,
                   Json::parse(R"({"name": "n"})"));
  EXPECT_EQ(Dump(doc),
            Text(R"({"name": "n", "default_schedule": {"hour": "4"}})"));

  // Two levels: ModelSync.schedule.run_after.sync_ids.
  ModelSync model;
  model.mutable_schedule()->mutable_run_after()->add_sync_ids("s1");
  doc = Merge(*schema, {"schedule.run_after.sync_ids"}, model,
              Json::parse(R"({"name": "m"})"));
  EXPECT_EQ(Dump(doc), Text(R"({"name": "m",
    "schedule": {"run_after": {"sync_ids": ["s1"]}}})"));
}

TEST(ApplyPlanTest, NestedPathReplacesAParentThatIsNotAnObject) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  sync.mutable_default_schedule()->set_hour("4");
  for (const char* parent : {"null", "\"daily\"", "[1]", "7"}) {
    Json doc = Merge(
        *schema, {"default_schedule.hour"}, sync,
        Json::parse(std::string(R"({"default_schedule": )") + parent + "}"));
    EXPECT_EQ(Dump(doc), Text(R"({"default_schedule": {"hour": "4"}})"))
        << parent;
  }
}

TEST(ApplyPlanTest, NestedPathKeepsTheParentsOtherMembers) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  sync.mutable_default_schedule()->set_hour("4");
  sync.mutable_default_schedule()->set_minute("30");  // not named
  Json doc = Merge(*schema, {"default_schedule.hour"}, sync, Json::parse(R"({
    "default_schedule": {"id": "d1", "frequency": "daily", "hour": "3",
                         "minute": "0", "jitter": 1}})"));
  EXPECT_EQ(Dump(doc), Text(R"({
    "default_schedule": {"id": "d1", "frequency": "daily", "hour": "4",
                         "minute": "0", "jitter": 1}})"));
}

TEST(ApplyPlanTest, UnsetNestedEnumUnderAnAbsentParentChangesNothing) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  Json doc = Merge(*schema, {"default_schedule.frequency"}, BulkSync(),
                   Json::parse(R"({"name": "n"})"));
  EXPECT_EQ(Dump(doc), Text(R"({"name": "n"})"));
}

TEST(ApplyPlanTest, UsesCamelCaseWireNamesOfSchedules) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSyncSchedule schedule;
  schedule.set_day_of_week("friday");
  schedule.set_day_of_month("3");
  Json doc = Merge(*schema, {"day_of_week", "selective_mode", "day_of_month"},
                   schedule, Json::parse(R"({
    "id": "s", "syncId": "x", "frequency": "weekly", "dayOfWeek": "monday",
    "selectiveMode": "none", "isDefault": false})"));
  EXPECT_EQ(Dump(doc), Text(R"({
    "id": "s", "syncId": "x", "frequency": "weekly", "dayOfWeek": "friday",
    "isDefault": false, "dayOfMonth": "3"})"));
  EXPECT_FALSE(doc.contains("day_of_week"));
  EXPECT_FALSE(doc.contains("day_of_month"));
}

TEST(ApplyPlanTest, StarMakesTheDocumentTheResourcesJson) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  sync.set_id("5d7c3a52-0000-4000-8000-000000000000");  // output-only
  sync.set_name("orders");
  sync.set_active(false);
  sync.mutable_default_schedule()->set_frequency(
      polytomic::v1::SCHEDULE_FREQUENCY_DAILY);
  (*sync.mutable_additional_fields()->mutable_fields())["brand_new"]
      .set_string_value("v");
  Json doc = Merge(*schema, {"*"}, sync, Json::parse(R"({
    "name": "old", "mode": "snapshot", "unmodeled": 1})"));
  JsonCodec codec(schema.get());
  EXPECT_EQ(Dump(doc), Dump(codec.ToJson(sync)));
  EXPECT_EQ(Dump(doc), Text(R"({"name": "orders", "active": false,
    "default_schedule": {"frequency": "daily"}, "brand_new": "v"})"));
}

TEST(ApplyPlanTest, LeavesUnnamedAndUnmodeledMembersByteForByte) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  const char* kBefore = R"({
    "zeta": {"nested": [1, 2.5, "x", null, {"b": 1, "a": 2}]},
    "name": "old",
    "default_schedule": {"frequency": "daily", "later": true, "hour": "3"},
    "big": 12345678901234567890,
    "alpha": "\u00e9"})";
  BulkSync sync;
  sync.set_name("new");
  Json doc = Merge(*schema, {"name"}, sync, Json::parse(kBefore));
  Json expected = Json::parse(kBefore);
  expected["name"] = "new";
  EXPECT_EQ(Dump(doc), Dump(expected));

  // A plan naming nothing leaves the document exactly as it was.
  absl::StatusOr<MaskPlan> empty = PlanMask(FieldMask(), BulkSync(), *schema);
  ASSERT_TRUE(empty.ok()) << empty.status();
  ASSERT_THAT(empty->paths, IsEmpty());
  Json untouched = Json::parse(kBefore);
  JsonCodec codec(schema.get());
  ApplyPlan(*empty, BulkSync(), codec, untouched);
  EXPECT_EQ(Dump(untouched), Dump(Json::parse(kBefore)));
}

TEST(ApplyPlanTest, SetsAndRemovesANamedAdditionalMember) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  BulkSync sync;
  (*sync.mutable_additional_fields()->mutable_fields())["brand_new"]
      .set_string_value("v2");
  (*sync.mutable_additional_fields()->mutable_fields())["not_named"]
      .set_string_value("no");
  Json doc = Merge(*schema, {"additional_fields.brand_new"}, sync,
                   Json::parse(R"({"brand_new": "v1", "name": "n"})"));
  EXPECT_EQ(Dump(doc), Text(R"({"brand_new": "v2", "name": "n"})"));

  doc = Merge(*schema, {"additional_fields.brand_new"}, BulkSync(),
              Json::parse(R"({"brand_new": "v1", "name": "n"})"));
  EXPECT_EQ(Dump(doc), Text(R"({"name": "n"})"));

  BulkSync nested;
  (*nested.mutable_default_schedule()
        ->mutable_additional_fields()
        ->mutable_fields())["jitter"]
      .set_number_value(5);
  doc = Merge(*schema, {"default_schedule.additional_fields.jitter"}, nested,
              Json::parse(R"({"default_schedule": {"frequency": "daily"}})"));
  EXPECT_EQ(
      Dump(doc),
      Text(R"({"default_schedule": {"frequency": "daily", "jitter": 5}})"));
}

// Removing an unmodeled member under a parent the document does not have
// (or has as null) must leave the document as it is, as removing a typed
// member does (UnsetNestedEnumUnderAnAbsentParentChangesNothing): the plan
// names the member, not its parent. ApplyAdditional creates the parent before
// erasing, so `identity.additional_fields.x` on a model sync without an
// identity puts `"identity": {}` into the PUT body.
TEST(ApplyPlanTest,
     RemovingAnAdditionalMemberUnderAnAbsentParentChangesNothing) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  for (const char* before :
       {R"({"name": "m", "target": {"connection_id": "k"}})",
        R"({"name": "m", "identity": null})"}) {
    Json doc = Merge(*schema, {"identity.additional_fields.x"}, ModelSync(),
                     Json::parse(before));
    EXPECT_EQ(Dump(doc), Text(before));
  }
}

// --- WriteOnlyChains ---

TEST(WriteOnlyChainsTest, ModelSyncHasThePassphraseAndTargetCreate) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  std::vector<FieldChain> chains =
      WriteOnlyChains(*schema->Message(ModelSync::descriptor()), *schema);
  EXPECT_THAT(ChainPaths(chains),
              UnorderedElementsAre("encryption_passphrase", "target.create"));
  for (const FieldChain& chain : chains) {
    EXPECT_EQ(chain, Chain(*schema, ModelSync::descriptor(), ChainPath(chain)));
  }
}

TEST(WriteOnlyChainsTest, BulkSyncHasNoneBecauseSchemasAreKeptWhenOmitted) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  // `schemas` is INPUT_ONLY but kept_when_omitted.
  FieldChain schemas = Chain(*schema, BulkSync::descriptor(), "schemas");
  ASSERT_EQ(schemas.size(), 1u);
  EXPECT_EQ(schemas[0]->rules.behavior(),
            polytomic::v1::FIELD_BEHAVIOR_INPUT_ONLY);
  EXPECT_TRUE(schemas[0]->rules.kept_when_omitted());
  EXPECT_THAT(
      WriteOnlyChains(*schema->Message(BulkSync::descriptor()), *schema),
      IsEmpty());
  EXPECT_THAT(WriteOnlyChains(*schema->Message(BulkSyncSchedule::descriptor()),
                              *schema),
              IsEmpty());
  EXPECT_THAT(
      WriteOnlyChains(*schema->Message(BulkSchema::descriptor()), *schema),
      IsEmpty());
}

// --- Find / Put / Erase / ChainPath ---

TEST(DocumentAccessTest, FindFollowsWireNames) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  Json doc = Json::parse(R"({"target": {"create": {"a": "1"}},
    "encryption_passphrase": "p", "schedule": "not an object"})");
  FieldChain create = Chain(*schema, ModelSync::descriptor(), "target.create");
  ASSERT_NE(Find(doc, create), nullptr);
  EXPECT_EQ(Dump(*Find(doc, create)), Text(R"({"a": "1"})"));
  FieldChain passphrase =
      Chain(*schema, ModelSync::descriptor(), "encryption_passphrase");
  ASSERT_NE(Find(doc, passphrase), nullptr);
  EXPECT_EQ(*Find(doc, passphrase), "p");
  EXPECT_EQ(Find(doc, Chain(*schema, ModelSync::descriptor(), "name")),
            nullptr);
  EXPECT_EQ(Find(doc, Chain(*schema, ModelSync::descriptor(), "target.object")),
            nullptr);
  // Through a member that is not an object.
  EXPECT_EQ(Find(doc, Chain(*schema, ModelSync::descriptor(), "schedule.hour")),
            nullptr);
  // The empty chain is the document itself.
  EXPECT_EQ(Find(doc, {}), &doc);

  Json camel = Json::parse(R"({"dayOfWeek": "monday"})");
  FieldChain day =
      Chain(*schema, BulkSyncSchedule::descriptor(), "day_of_week");
  ASSERT_NE(Find(camel, day), nullptr);
  EXPECT_EQ(*Find(camel, day), "monday");
}

TEST(DocumentAccessTest, PutCreatesParentsAndKeepsSiblings) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  FieldChain create = Chain(*schema, ModelSync::descriptor(), "target.create");
  Json doc = Json::parse(R"({"name": "m"})");
  Put(doc, create, Json::parse(R"({"a": "1"})"));
  EXPECT_EQ(Dump(doc),
            Text(R"({"name": "m", "target": {"create": {"a": "1"}}})"));

  doc = Json::parse(R"({"target": {"connection_id": "k", "create": {"x": "y"},
    "object": "o"}})");
  Put(doc, create, Json::parse(R"({"a": "1"})"));
  EXPECT_EQ(Dump(doc), Text(R"({"target": {"connection_id": "k",
    "create": {"a": "1"}, "object": "o"}})"));

  doc = Json::parse(R"({"target": null})");
  Put(doc, create, "v");
  EXPECT_EQ(Dump(doc), Text(R"({"target": {"create": "v"}})"));

  Json not_object = Json::parse("[1]");
  Put(not_object, Chain(*schema, ModelSync::descriptor(), "name"), "m");
  EXPECT_EQ(Dump(not_object), Text(R"({"name": "m"})"));
}

TEST(DocumentAccessTest, EraseRemovesOnlyThatMemberAndCreatesNothing) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  FieldChain create = Chain(*schema, ModelSync::descriptor(), "target.create");
  Json doc = Json::parse(R"({
    "target": {"connection_id": "k", "create": {"a": "1"}}, "name": "m"})");
  Erase(doc, create);
  EXPECT_EQ(Dump(doc),
            Text(R"({"target": {"connection_id": "k"}, "name": "m"})"));

  const char* kNoTarget = R"({"name": "m", "schedule": 5})";
  doc = Json::parse(kNoTarget);
  Erase(doc, create);
  Erase(doc, Chain(*schema, ModelSync::descriptor(), "schedule.hour"));
  Erase(doc, {});
  EXPECT_EQ(Dump(doc), Text(kNoTarget));
}

TEST(DocumentAccessTest, ChainPathUsesProtoNames) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(ChainPath(Chain(*schema, ModelSync::descriptor(), "target.create")),
            "target.create");
  EXPECT_EQ(ChainPath(Chain(*schema, ModelSync::descriptor(),
                            "schedule.run_after.sync_ids")),
            "schedule.run_after.sync_ids");
  EXPECT_EQ(
      ChainPath(Chain(*schema, BulkSyncSchedule::descriptor(), "day_of_week")),
      "day_of_week");  // not the wire name dayOfWeek
  EXPECT_EQ(ChainPath({}), "");
}

// --- MissingRequired ---

constexpr char kCompleteBulkSync[] = R"({
  "name": "orders",
  "source_connection_id": "5d7c3a52-0000-4000-8000-000000000001",
  "destination_connection_id": "5d7c3a52-0000-4000-8000-000000000002",
  "default_schedule": {"frequency": "daily"},
  "destination_configuration": {"schema": "raw"}})";

TEST(MissingRequiredTest, CompleteDocumentsLackNothing) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  EXPECT_THAT(
      MissingRequired(Json::parse(kCompleteBulkSync),
                      *schema->Message(BulkSync::descriptor()), *schema),
      IsEmpty());
  EXPECT_THAT(
      MissingRequired(Json::parse(R"({"name": "m", "mode": "create",
        "fields": [{"target": "t",
                    "source": {"model_id": "a", "field": "b"}}],
        "schedule": {"frequency": "daily"},
        "target": {"connection_id": "k"}})"),
                      *schema->Message(ModelSync::descriptor()), *schema),
      IsEmpty());
}

TEST(MissingRequiredTest, ReportsTopLevelFieldsInDeclarationOrder) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  EXPECT_THAT(
      MissingRequired(Json::parse(R"({"active": true})"),
                      *schema->Message(BulkSync::descriptor()), *schema),
      ElementsAre("name", "source_connection_id", "destination_connection_id",
                  "default_schedule", "destination_configuration"));
}

TEST(MissingRequiredTest, EmptyValuesCountAsMissing) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  Json doc = Json::parse(kCompleteBulkSync);
  doc["name"] = "";
  doc["source_connection_id"] = nullptr;
  doc["destination_configuration"] = Json::object();
  EXPECT_THAT(
      MissingRequired(doc, *schema->Message(BulkSync::descriptor()), *schema),
      ElementsAre("name", "source_connection_id", "destination_configuration"));
  Json model = Json::parse(R"({"name": "m", "mode": "create", "fields": [],
    "schedule": {}, "target": {"connection_id": "k"}})");
  EXPECT_THAT(MissingRequired(model, *schema->Message(ModelSync::descriptor()),
                              *schema),
              ElementsAre("fields", "schedule"));
}

TEST(MissingRequiredTest, ReportsNestedFieldsWithTheirPath) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  Json doc = Json::parse(kCompleteBulkSync);
  doc["default_schedule"] = Json::parse(R"({"hour": "4"})");
  EXPECT_THAT(
      MissingRequired(doc, *schema->Message(BulkSync::descriptor()), *schema),
      ElementsAre("default_schedule.frequency"));
}

TEST(MissingRequiredTest, ReportsListElementsWithTheirIndex) {
  auto schema = MakeSchema();
  ASSERT_NE(schema, nullptr);
  Json model = Json::parse(R"({"name": "m", "mode": "create",
    "fields": [{"target": "a", "source": {"model_id": "m1"}},
               {"source": {"model_id": "m1", "field": "f"}},
               {"target": ""}],
    "schedule": {"frequency": "daily"},
    "target": {"connection_id": "k"},
    "identity": {"target": "t"}})");
  EXPECT_THAT(
      MissingRequired(model, *schema->Message(ModelSync::descriptor()),
                      *schema),
      ElementsAre("fields[0].source.field", "fields[1].target",
                  "fields[2].target", "identity.source", "identity.function"));
}

}  // namespace
}  // namespace gateway::fieldmask
