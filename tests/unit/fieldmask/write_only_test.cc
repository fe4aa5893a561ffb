// Unit tests of keeping partial updates from clearing write-only fields:
// what a sent document carries (SentValues) and putting back what is held
// (RestoreUnnamed), on the real ModelSync contract. The stores that hold
// the values are tests/unit/state's.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/common/error_details.h"
#include "gateway/common/write_only_values.h"
#include "gateway/fieldmask/document_merge.h"
#include "gateway/fieldmask/mask_plan.h"
#include "gateway/fieldmask/write_only_fields.h"
#include "gmock/gmock.h"
#include "google/protobuf/field_mask.pb.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/model_sync.pb.h"

namespace gateway::fieldmask {
namespace {

using ::google::protobuf::FieldMask;
using ::polytomic::v1::BulkSync;
using ::polytomic::v1::ModelSync;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::unique_ptr<WireSchema> MakeSchema() {
  auto schema =
      WireSchema::Build({BulkSync::descriptor(), ModelSync::descriptor()});
  EXPECT_TRUE(schema.ok()) << schema.status();
  return schema.ok() ? *std::move(schema) : nullptr;
}

MaskPlan Plan(const WireSchema& schema, std::vector<std::string> paths,
              const ModelSync& resource = ModelSync()) {
  FieldMask mask;
  for (const std::string& path : paths) mask.add_paths(path);
  absl::StatusOr<MaskPlan> plan = PlanMask(mask, resource, schema);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *std::move(plan) : MaskPlan();
}

// Rendered is what `held` holds for `path` as compact JSON, "<unset>" for
// "sent unset" and "<unknown>" when it holds nothing.
std::string Rendered(const HeldValues& held, const std::string& path) {
  auto it = held.find(path);
  if (it == held.end()) return "<unknown>";
  if (!it->second.has_value()) return "<unset>";
  return Dump(*it->second);
}

// The ModelSync document as a GET returns it: no write-only member.
constexpr char kGot[] = R"({"name": "m", "mode": "create",
  "target": {"connection_id": "k", "object": "o"}})";

struct Fixture {
  std::unique_ptr<WireSchema> schema = MakeSchema();
  std::vector<FieldChain> chains =
      schema == nullptr
          ? std::vector<FieldChain>()
          : WriteOnlyChains(*schema->Message(ModelSync::descriptor()), *schema);
};

TEST(WriteOnlyFieldsTest, ModelSyncHasTwoWriteOnlyChains) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  std::vector<std::string> paths;
  for (const FieldChain& chain : f.chains) paths.push_back(ChainPath(chain));
  EXPECT_THAT(paths,
              UnorderedElementsAre("encryption_passphrase", "target.create"));
}

TEST(WriteOnlyFieldsTest, SentValuesHoldsWhatTheBodyCarried) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  HeldValues sent = SentValues(
      f.chains, Json::parse(R"({"name": "m", "encryption_passphrase": "p",
                 "target": {"connection_id": "k", "create": {"a": "b"}}})"));
  EXPECT_EQ(sent.size(), 2u);  // one entry per chain, nothing else
  EXPECT_EQ(Rendered(sent, "encryption_passphrase"), "\"p\"");
  EXPECT_EQ(Rendered(sent, "target.create"), R"({"a":"b"})");
  EXPECT_EQ(Rendered(sent, "name"), "<unknown>");
}

TEST(WriteOnlyFieldsTest, SentValuesHoldsUnsetForMissingOrNull) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  HeldValues sent =
      SentValues(f.chains, Json::parse(R"({"encryption_passphrase": null,
                                         "target": {"connection_id": "k"}})"));
  EXPECT_EQ(Rendered(sent, "encryption_passphrase"), "<unset>");
  EXPECT_EQ(Rendered(sent, "target.create"), "<unset>");
  // No parent at all.
  sent = SentValues(f.chains, Json::parse(R"({"name": "m"})"));
  EXPECT_EQ(Rendered(sent, "target.create"), "<unset>");
}

TEST(WriteOnlyFieldsTest, SentValuesKeepsZeroValues) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  HeldValues sent = SentValues(
      f.chains,
      Json::parse(
          R"({"encryption_passphrase": "", "target": {"create": {}}})"));
  EXPECT_EQ(Rendered(sent, "encryption_passphrase"), "\"\"");
  EXPECT_EQ(Rendered(sent, "target.create"), "{}");
}

TEST(WriteOnlyFieldsTest, SentValuesOfNoChainsIsEmpty) {
  EXPECT_THAT(SentValues({}, Json::parse(R"({"encryption_passphrase": "p"})")),
              IsEmpty());
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedResendsHeldValues) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  HeldValues held =
      SentValues(f.chains, Json::parse(R"({"encryption_passphrase": "p",
                 "target": {"create": {"a": "b"}}})"));
  Json doc = Json::parse(kGot);
  absl::Status status = RestoreUnnamed(
      held, f.chains, Plan(*f.schema, {"name"}), "model_sync", doc);
  ASSERT_TRUE(status.ok()) << status;
  Json expected = Json::parse(kGot);
  expected["target"]["create"] = Json::parse(R"({"a": "b"})");
  expected["encryption_passphrase"] = "p";
  EXPECT_EQ(Dump(doc), Dump(expected));
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedCreatesTheParentOfAHeldValue) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  HeldValues held = {{"encryption_passphrase", std::nullopt},
                     {"target.create", Json::parse(R"({"a": "b"})")}};
  Json doc = Json::parse(R"({"name": "m"})");
  absl::Status status = RestoreUnnamed(
      held, f.chains, Plan(*f.schema, {"name"}), "model_sync", doc);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Dump(doc), R"({"name":"m","target":{"create":{"a":"b"}}})");
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedErasesFieldsSentUnset) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  HeldValues held = SentValues(f.chains, Json::parse(R"({"name": "m"})"));
  // Whatever the document says, the API holds nothing: send nothing.
  Json doc = Json::parse(R"({"name": "m", "encryption_passphrase": "stale",
    "target": {"connection_id": "k", "create": {"x": "y"}}})");
  absl::Status status = RestoreUnnamed(
      held, f.chains, Plan(*f.schema, {"name"}), "model_sync", doc);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Dump(doc), R"({"name":"m","target":{"connection_id":"k"}})");
}

// ExpectWriteOnlyUnknown checks the refusal names `field`, and only it.
void ExpectWriteOnlyUnknown(const absl::Status& status,
                            const std::string& field, const std::string& path) {
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(field + " is write-only"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("add \"" + path + "\" to update_mask"));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(status, &info)) << status;
  EXPECT_EQ(info.reason(), "WRITE_ONLY_FIELD_UNKNOWN");
  EXPECT_EQ(info.domain(), "polytomic-gateway");
  EXPECT_EQ(info.metadata().at("fields"), field);
  google::rpc::PreconditionFailure failure;
  ASSERT_TRUE(GetDetail(status, &failure)) << status;
  ASSERT_EQ(failure.violations_size(), 1);
  EXPECT_EQ(failure.violations(0).type(), "WRITE_ONLY_FIELD");
  EXPECT_EQ(failure.violations(0).subject(), field);
  EXPECT_FALSE(failure.violations(0).description().empty());
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedRefusesWhatIsNotHeld) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  // target.create is held; the passphrase is not.
  HeldValues held = {{"target.create", std::nullopt}};
  Json doc = Json::parse(kGot);
  absl::Status status = RestoreUnnamed(
      held, f.chains, Plan(*f.schema, {"name"}), "model_sync", doc);
  ExpectWriteOnlyUnknown(status, "model_sync.encryption_passphrase",
                         "encryption_passphrase");
  EXPECT_EQ(Dump(doc), Dump(Json::parse(kGot)));  // untouched

  // Nothing held (as under write_only_policy REFUSE): the unnamed one is the
  // one refused.
  status = RestoreUnnamed({}, f.chains, Plan(*f.schema, {"target.create"}),
                          "model_sync", doc);
  ExpectWriteOnlyUnknown(status, "model_sync.encryption_passphrase",
                         "encryption_passphrase");
  status =
      RestoreUnnamed({}, f.chains, Plan(*f.schema, {"encryption_passphrase"}),
                     "model_sync", doc);
  ExpectWriteOnlyUnknown(status, "model_sync.target.create", "target.create");
  EXPECT_EQ(Dump(doc), Dump(Json::parse(kGot)));
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedNamesEveryUnknownFieldAtOnce) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  Json doc = Json::parse(kGot);
  absl::Status status = RestoreUnnamed({}, f.chains, Plan(*f.schema, {"name"}),
                                       "model_sync", doc);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(" are write-only"));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(status, &info)) << status;
  EXPECT_THAT(info.metadata().at("fields"),
              HasSubstr("model_sync.encryption_passphrase"));
  EXPECT_THAT(info.metadata().at("fields"),
              HasSubstr("model_sync.target.create"));
  google::rpc::PreconditionFailure failure;
  ASSERT_TRUE(GetDetail(status, &failure)) << status;
  EXPECT_EQ(failure.violations_size(), 2);
  EXPECT_EQ(Dump(doc), Dump(Json::parse(kGot)));
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedNeverTouchesNamedFields) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  const HeldValues held = {{"encryption_passphrase", Json("held")},
                           {"target.create", Json::parse(R"({"held": "1"})")}};
  const char* kMerged = R"({"name": "m", "encryption_passphrase": "new",
    "target": {"connection_id": "k", "create": {"new": "2"}}})";
  // Named directly, through a parent, or by `*`: kept as merged, whatever is
  // held, and nothing needs to be held.
  for (const std::vector<std::string>& paths :
       std::vector<std::vector<std::string>>{
           {"encryption_passphrase", "target.create"},
           {"encryption_passphrase", "target"},
           {"*"}}) {
    for (const HeldValues& some : {held, HeldValues()}) {
      Json doc = Json::parse(kMerged);
      absl::Status status = RestoreUnnamed(
          some, f.chains, Plan(*f.schema, paths), "model_sync", doc);
      EXPECT_TRUE(status.ok()) << status;
      EXPECT_EQ(Dump(doc), Dump(Json::parse(kMerged))) << paths[0];
    }
  }
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedRestoresTheUnnamedOneOfTwo) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  HeldValues held = {{"encryption_passphrase", Json("held")},
                     {"target.create", Json::parse(R"({"held": "1"})")}};
  Json doc = Json::parse(R"({"name": "m", "encryption_passphrase": "new"})");
  absl::Status status = RestoreUnnamed(
      held, f.chains,
      Plan(*f.schema, {"encryption_passphrase", "target.object"}), "model_sync",
      doc);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Dump(doc), R"({"name":"m","encryption_passphrase":"new",)"
                       R"("target":{"create":{"held":"1"}}})");
}

TEST(WriteOnlyFieldsTest, NoChainsMeansNothingToRestore) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  std::vector<FieldChain> none =
      WriteOnlyChains(*f.schema->Message(BulkSync::descriptor()), *f.schema);
  ASSERT_THAT(none, IsEmpty());
  Json doc = Json::parse(R"({"name": "b"})");
  FieldMask mask;
  mask.add_paths("name");
  absl::StatusOr<MaskPlan> plan = PlanMask(mask, BulkSync(), *f.schema);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(RestoreUnnamed({}, none, *plan, "bulk_sync", doc).ok());
  EXPECT_EQ(Dump(doc), R"({"name":"b"})");
}

}  // namespace
}  // namespace gateway::fieldmask
