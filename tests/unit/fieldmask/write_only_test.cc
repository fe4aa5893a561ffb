// Unit tests of the sealed store of write-only values (WriteOnlyStore) and of
// keeping partial updates from clearing write-only fields (RememberSent,
// RestoreUnnamed), on the real ModelSync contract.
//
// Not covered: that two stores with different keys cannot open each other's
// sealed values, and tamper detection. Each store holds its own private map
// and the public API never hands out or accepts a sealed value, so neither is
// reachable without opening the class up.
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/common/error_details.h"
#include "gateway/fieldmask/document_merge.h"
#include "gateway/fieldmask/mask_plan.h"
#include "gateway/fieldmask/write_only_fields.h"
#include "gateway/fieldmask/write_only_store.h"
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

constexpr char kKey[] = "polytomic.v1.ModelSync/5d7c3a52-0000-4000-8000-0000";

std::unique_ptr<WriteOnlyStore> NewStore(std::string key = "") {
  absl::StatusOr<std::unique_ptr<WriteOnlyStore>> store =
      WriteOnlyStore::Create(std::move(key));
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// HeldValue is the recalled value as compact JSON, "<absent>" for "known
// absent" and "<unknown>" when the store knows nothing.
std::string HeldValue(const WriteOnlyStore& store, const std::string& resource,
                      const std::string& field_path) {
  std::optional<WriteOnlyStore::Held> held = store.Recall(resource, field_path);
  if (!held.has_value()) return "<unknown>";
  if (!held->value.has_value()) return "<absent>";
  return Dump(*held->value);
}

// --- WriteOnlyStore ---

TEST(WriteOnlyStoreTest, RecallsWhatWasRemembered) {
  auto store = NewStore();
  ASSERT_NE(store, nullptr);
  store->Remember(kKey, "encryption_passphrase", Json("s3cret"));
  store->Remember(kKey, "target.create",
                  Json::parse(R"({"name": "new", "n": [1, 2.5, null]})"));
  EXPECT_EQ(HeldValue(*store, kKey, "encryption_passphrase"), "\"s3cret\"");
  EXPECT_EQ(HeldValue(*store, kKey, "target.create"),
            R"({"name":"new","n":[1,2.5,null]})");
  // Values that are not strings or objects, and the empty string.
  store->Remember("r", "zero", Json(0));
  store->Remember("r", "false", Json(false));
  store->Remember("r", "empty", Json(""));
  EXPECT_EQ(HeldValue(*store, "r", "zero"), "0");
  EXPECT_EQ(HeldValue(*store, "r", "false"), "false");
  EXPECT_EQ(HeldValue(*store, "r", "empty"), "\"\"");
}

TEST(WriteOnlyStoreTest, KnowsNothingOfFieldsNeverRemembered) {
  auto store = NewStore();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->Recall(kKey, "encryption_passphrase").has_value());
  store->Remember(kKey, "encryption_passphrase", Json("p"));
  EXPECT_FALSE(store->Recall(kKey, "target.create").has_value());
  EXPECT_FALSE(store->Recall("other", "encryption_passphrase").has_value());
}

TEST(WriteOnlyStoreTest, KnownAbsentDiffersFromUnknown) {
  auto store = NewStore();
  ASSERT_NE(store, nullptr);
  store->Remember(kKey, "encryption_passphrase", std::nullopt);
  std::optional<WriteOnlyStore::Held> held =
      store->Recall(kKey, "encryption_passphrase");
  ASSERT_TRUE(held.has_value());
  EXPECT_FALSE(held->value.has_value());
  // The JSON string "\u0001absent" is a value, not "known absent".
  store->Remember(kKey, "target.create",
                  Json("\x01"
                       "absent"));
  EXPECT_EQ(HeldValue(*store, kKey, "target.create"), "\"\\u0001absent\"");
}

TEST(WriteOnlyStoreTest, RememberReplacesWhatWasHeld) {
  auto store = NewStore();
  ASSERT_NE(store, nullptr);
  store->Remember(kKey, "encryption_passphrase", Json("one"));
  store->Remember(kKey, "encryption_passphrase", Json("two"));
  EXPECT_EQ(HeldValue(*store, kKey, "encryption_passphrase"), "\"two\"");
  store->Remember(kKey, "encryption_passphrase", std::nullopt);
  EXPECT_EQ(HeldValue(*store, kKey, "encryption_passphrase"), "<absent>");
  store->Remember(kKey, "encryption_passphrase", Json("three"));
  EXPECT_EQ(HeldValue(*store, kKey, "encryption_passphrase"), "\"three\"");
}

TEST(WriteOnlyStoreTest, ForgetDropsOneResourceOnly) {
  auto store = NewStore();
  ASSERT_NE(store, nullptr);
  store->Remember("a/1", "encryption_passphrase", Json("p1"));
  store->Remember("a/1", "target.create", std::nullopt);
  store->Remember("a/10", "encryption_passphrase", Json("p10"));
  store->Remember("a/", "encryption_passphrase", Json("p"));
  store->Remember("a/0", "encryption_passphrase", Json("p0"));
  store->Forget("a/1");
  EXPECT_EQ(HeldValue(*store, "a/1", "encryption_passphrase"), "<unknown>");
  EXPECT_EQ(HeldValue(*store, "a/1", "target.create"), "<unknown>");
  EXPECT_EQ(HeldValue(*store, "a/10", "encryption_passphrase"), "\"p10\"");
  EXPECT_EQ(HeldValue(*store, "a/", "encryption_passphrase"), "\"p\"");
  EXPECT_EQ(HeldValue(*store, "a/0", "encryption_passphrase"), "\"p0\"");
  store->Forget("never/seen");  // a no-op
  EXPECT_EQ(HeldValue(*store, "a/10", "encryption_passphrase"), "\"p10\"");
}

TEST(WriteOnlyStoreTest, AcceptsARandomOrAGiven32ByteKey) {
  auto random = NewStore("");
  ASSERT_NE(random, nullptr);
  random->Remember(kKey, "f", Json("v"));
  EXPECT_EQ(HeldValue(*random, kKey, "f"), "\"v\"");

  auto given = NewStore(std::string(32, '\x07'));
  ASSERT_NE(given, nullptr);
  given->Remember(kKey, "f", Json("w"));
  EXPECT_EQ(HeldValue(*given, kKey, "f"), "\"w\"");

  // Binary keys with NUL bytes are keys like any other.
  auto binary = NewStore(std::string("\0\1\2\3", 4) + std::string(28, '\0'));
  ASSERT_NE(binary, nullptr);
  binary->Remember(kKey, "f", Json("x"));
  EXPECT_EQ(HeldValue(*binary, kKey, "f"), "\"x\"");
}

TEST(WriteOnlyStoreTest, RejectsAKeyOfAnotherLength) {
  for (size_t length : {1u, 16u, 31u, 33u, 64u}) {
    absl::StatusOr<std::unique_ptr<WriteOnlyStore>> store =
        WriteOnlyStore::Create(std::string(length, 'k'));
    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument)
        << length;
    EXPECT_THAT(std::string(store.status().message()), HasSubstr("32 bytes"));
  }
}

TEST(WriteOnlyStoreTest, ConcurrentRememberAndRecallStayCorrect) {
  auto store = NewStore();
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr int kRounds = 4000;
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  std::vector<std::future<int>> wrong;  // per thread: bad recalls
  for (int t = 0; t < kThreads; ++t) {
    wrong.push_back(std::async(std::launch::async, [&store, start, t] {
      const std::string resource =
          "polytomic.v1.ModelSync/" + std::to_string(t);
      const std::string mine = "f" + std::to_string(t);
      const std::string next = std::to_string((t + 1) % kThreads);
      start.wait();
      int bad = 0;
      for (int i = 0; i < kRounds; ++i) {
        const std::string value = std::to_string(t) + ":" + std::to_string(i);
        // A new entry every round, so the threads insert into the store
        // concurrently, not only overwrite.
        const std::string field = "field/" + std::to_string(i);
        store->Remember(resource, field, Json(value));
        store->Remember("shared", mine, Json(value));
        if (HeldValue(*store, resource, field) != Dump(Json(value))) ++bad;
        if (HeldValue(*store, "shared", mine) != Dump(Json(value))) ++bad;
        // Another thread's field: whatever is held must be one of its values.
        std::string other = HeldValue(*store, "shared", "f" + next);
        if (other != "<unknown>" && other.rfind("\"" + next + ":", 0) != 0) {
          ++bad;
        }
        if (i % 50 == 49) {
          store->Forget(resource);
          if (HeldValue(*store, resource, field) != "<unknown>") ++bad;
        }
      }
      return bad;
    }));
  }
  go.set_value();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[t].get(), 0) << t;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(
        HeldValue(*store, "shared", "f" + std::to_string(t)),
        Dump(Json(std::to_string(t) + ":" + std::to_string(kRounds - 1))));
  }
}

// --- RememberSent / RestoreUnnamed ---

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

// The ModelSync document as a GET returns it: no write-only member.
constexpr char kGot[] = R"({"name": "m", "mode": "create",
  "target": {"connection_id": "k", "object": "o"}})";

struct Fixture {
  std::unique_ptr<WireSchema> schema = MakeSchema();
  std::unique_ptr<WriteOnlyStore> store = NewStore();
  std::vector<FieldChain> chains =
      schema == nullptr
          ? std::vector<FieldChain>()
          : WriteOnlyChains(*schema->Message(ModelSync::descriptor()), *schema);
};

TEST(WriteOnlyFieldsTest, ResourceKeyIsTheFullNameAndId) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  EXPECT_EQ(ResourceKey(*f.schema->Message(ModelSync::descriptor()), "5d7c"),
            "polytomic.v1.ModelSync/5d7c");
}

TEST(WriteOnlyFieldsTest, RememberSentHoldsWhatTheBodyCarried) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  ASSERT_EQ(f.chains.size(), 2u);
  RememberSent(WriteOnlyPolicy::kResendHeld, *f.store, kKey, f.chains,
               Json::parse(R"({"name": "m", "encryption_passphrase": "p",
                 "target": {"connection_id": "k", "create": {"a": "b"}}})"));
  EXPECT_EQ(HeldValue(*f.store, kKey, "encryption_passphrase"), "\"p\"");
  EXPECT_EQ(HeldValue(*f.store, kKey, "target.create"), R"({"a":"b"})");
  EXPECT_EQ(HeldValue(*f.store, kKey, "name"), "<unknown>");
}

TEST(WriteOnlyFieldsTest, RememberSentHoldsKnownAbsentForMissingOrNull) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  f.store->Remember(kKey, "encryption_passphrase", Json("old"));
  f.store->Remember(kKey, "target.create", Json::parse(R"({"a": "b"})"));
  RememberSent(WriteOnlyPolicy::kResendHeld, *f.store, kKey, f.chains,
               Json::parse(R"({"encryption_passphrase": null,
                               "target": {"connection_id": "k"}})"));
  EXPECT_EQ(HeldValue(*f.store, kKey, "encryption_passphrase"), "<absent>");
  EXPECT_EQ(HeldValue(*f.store, kKey, "target.create"), "<absent>");
}

TEST(WriteOnlyFieldsTest, RememberSentHoldsNothingUnderRefuse) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  RememberSent(WriteOnlyPolicy::kRefuse, *f.store, kKey, f.chains,
               Json::parse(R"({"encryption_passphrase": "p"})"));
  EXPECT_EQ(HeldValue(*f.store, kKey, "encryption_passphrase"), "<unknown>");
  EXPECT_EQ(HeldValue(*f.store, kKey, "target.create"), "<unknown>");
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedResendsHeldValues) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  RememberSent(WriteOnlyPolicy::kResendHeld, *f.store, kKey, f.chains,
               Json::parse(R"({"encryption_passphrase": "p",
                 "target": {"create": {"a": "b"}}})"));
  Json doc = Json::parse(kGot);
  absl::Status status =
      RestoreUnnamed(WriteOnlyPolicy::kResendHeld, *f.store, kKey, f.chains,
                     Plan(*f.schema, {"name"}), "model_sync", doc);
  ASSERT_TRUE(status.ok()) << status;
  Json expected = Json::parse(kGot);
  expected["target"]["create"] = Json::parse(R"({"a": "b"})");
  expected["encryption_passphrase"] = "p";
  EXPECT_EQ(Dump(doc), Dump(expected));
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedCreatesTheParentOfAHeldValue) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  f.store->Remember(kKey, "encryption_passphrase", std::nullopt);
  f.store->Remember(kKey, "target.create", Json::parse(R"({"a": "b"})"));
  Json doc = Json::parse(R"({"name": "m"})");
  absl::Status status =
      RestoreUnnamed(WriteOnlyPolicy::kResendHeld, *f.store, kKey, f.chains,
                     Plan(*f.schema, {"name"}), "model_sync", doc);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Dump(doc), R"({"name":"m","target":{"create":{"a":"b"}}})");
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedErasesKnownAbsentFields) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  RememberSent(WriteOnlyPolicy::kResendHeld, *f.store, kKey, f.chains,
               Json::parse(R"({"name": "m"})"));
  // Whatever the document says, the API holds nothing: send nothing.
  Json doc = Json::parse(R"({"name": "m", "encryption_passphrase": "stale",
    "target": {"connection_id": "k", "create": {"x": "y"}}})");
  absl::Status status =
      RestoreUnnamed(WriteOnlyPolicy::kResendHeld, *f.store, kKey, f.chains,
                     Plan(*f.schema, {"name"}), "model_sync", doc);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Dump(doc), R"({"name":"m","target":{"connection_id":"k"}})");
}

// ExpectWriteOnlyUnknown checks the refusal names `field`.
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

TEST(WriteOnlyFieldsTest, RestoreUnnamedRefusesWhenNothingIsHeld) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  // target.create is held; the passphrase is not.
  f.store->Remember(kKey, "target.create", std::nullopt);
  Json doc = Json::parse(kGot);
  absl::Status status =
      RestoreUnnamed(WriteOnlyPolicy::kResendHeld, *f.store, kKey, f.chains,
                     Plan(*f.schema, {"name"}), "model_sync", doc);
  ExpectWriteOnlyUnknown(status, "model_sync.encryption_passphrase",
                         "encryption_passphrase");

  // An empty store: the unnamed field is the one refused.
  auto empty = NewStore();
  ASSERT_NE(empty, nullptr);
  doc = Json::parse(kGot);
  status =
      RestoreUnnamed(WriteOnlyPolicy::kResendHeld, *empty, kKey, f.chains,
                     Plan(*f.schema, {"target.create"}), "model_sync", doc);
  ExpectWriteOnlyUnknown(status, "model_sync.encryption_passphrase",
                         "encryption_passphrase");
  status = RestoreUnnamed(WriteOnlyPolicy::kResendHeld, *empty, kKey, f.chains,
                          Plan(*f.schema, {"encryption_passphrase"}),
                          "model_sync", doc);
  ExpectWriteOnlyUnknown(status, "model_sync.target.create", "target.create");
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedRefusesUnderRefuseEvenWhenHeld) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  f.store->Remember(kKey, "encryption_passphrase", Json("p"));
  f.store->Remember(kKey, "target.create", Json::parse(R"({"a": "b"})"));
  Json doc = Json::parse(kGot);
  absl::Status status =
      RestoreUnnamed(WriteOnlyPolicy::kRefuse, *f.store, kKey, f.chains,
                     Plan(*f.schema, {"target"}), "model_sync", doc);
  ExpectWriteOnlyUnknown(status, "model_sync.encryption_passphrase",
                         "encryption_passphrase");
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedNeverTouchesNamedFields) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  f.store->Remember(kKey, "encryption_passphrase", Json("held"));
  f.store->Remember(kKey, "target.create", Json::parse(R"({"held": "1"})"));
  const char* kMerged = R"({"name": "m", "encryption_passphrase": "new",
    "target": {"connection_id": "k", "create": {"new": "2"}}})";
  // Named directly, through a parent, or by `*`: kept as merged, under
  // either policy, whatever the store holds.
  for (const std::vector<std::string>& paths :
       std::vector<std::vector<std::string>>{
           {"encryption_passphrase", "target.create"},
           {"encryption_passphrase", "target"},
           {"*"}}) {
    for (WriteOnlyPolicy policy :
         {WriteOnlyPolicy::kResendHeld, WriteOnlyPolicy::kRefuse}) {
      Json doc = Json::parse(kMerged);
      absl::Status status =
          RestoreUnnamed(policy, *f.store, kKey, f.chains,
                         Plan(*f.schema, paths), "model_sync", doc);
      EXPECT_TRUE(status.ok()) << status;
      EXPECT_EQ(Dump(doc), Dump(Json::parse(kMerged))) << paths[0];
    }
  }
  // Named fields need nothing from an empty store either.
  auto empty = NewStore();
  ASSERT_NE(empty, nullptr);
  Json doc = Json::parse(kMerged);
  EXPECT_TRUE(RestoreUnnamed(
                  WriteOnlyPolicy::kResendHeld, *empty, kKey, f.chains,
                  Plan(*f.schema, {"encryption_passphrase", "target.create"}),
                  "model_sync", doc)
                  .ok());
  EXPECT_EQ(Dump(doc), Dump(Json::parse(kMerged)));
}

TEST(WriteOnlyFieldsTest, RestoreUnnamedRestoresTheUnnamedOneOfTwo) {
  Fixture f;
  ASSERT_NE(f.schema, nullptr);
  f.store->Remember(kKey, "encryption_passphrase", Json("held"));
  f.store->Remember(kKey, "target.create", Json::parse(R"({"held": "1"})"));
  Json doc = Json::parse(R"({"name": "m", "encryption_passphrase": "new"})");
  absl::Status status = RestoreUnnamed(
      WriteOnlyPolicy::kResendHeld, *f.store, kKey, f.chains,
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
  EXPECT_TRUE(RestoreUnnamed(WriteOnlyPolicy::kRefuse, *f.store,
                             "polytomic.v1.BulkSync/1", none, *plan,
                             "bulk_sync", doc)
                  .ok());
  EXPECT_EQ(Dump(doc), R"({"name":"b"})");
}

}  // namespace
}  // namespace gateway::fieldmask
