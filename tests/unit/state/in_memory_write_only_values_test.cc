// Unit tests of InMemoryWriteOnlyValues: what is remembered is recalled,
// "sent unset" differs from unknown, Forget drops one resource, callbacks
// run inline, the seal key comes from the configuration, and concurrent use
// stays correct. (Sealing itself is sealer_test.cc's.)
#include "gateway/state/in_memory_write_only_values.h"

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_files.h"

namespace gateway::state {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kId[] = "5d7c3a52-0000-4000-8000-000000000001";

std::unique_ptr<InMemoryWriteOnlyValues> NewValues(
    const config::v1::Updates& updates = {}) {
  absl::StatusOr<std::unique_ptr<InMemoryWriteOnlyValues>> values =
      InMemoryWriteOnlyValues::Create(updates);
  EXPECT_TRUE(values.ok()) << values.status();
  return values.ok() ? *std::move(values) : nullptr;
}

// Remember, Recall and Forget below check that the callback ran exactly once
// before the method returned (the class promises inline callbacks).
void Remember(WriteOnlyValues& values, const std::string& resource,
              HeldValues held) {
  int calls = 0;
  values.Remember(resource, std::move(held), [&calls](absl::Status status) {
    EXPECT_TRUE(status.ok()) << status;
    ++calls;
  });
  EXPECT_EQ(calls, 1);
}

HeldValues Recall(WriteOnlyValues& values, const std::string& resource) {
  int calls = 0;
  HeldValues held;
  values.Recall(resource, [&](absl::StatusOr<HeldValues> recalled) {
    ++calls;
    ASSERT_TRUE(recalled.ok()) << recalled.status();
    held = *std::move(recalled);
  });
  EXPECT_EQ(calls, 1);
  return held;
}

void Forget(WriteOnlyValues& values, const std::string& resource) {
  int calls = 0;
  values.Forget(resource, [&calls](absl::Status status) {
    EXPECT_TRUE(status.ok()) << status;
    ++calls;
  });
  EXPECT_EQ(calls, 1);
}

// Held renders what is held for `path` as compact JSON, "<unset>" for "sent
// unset" and "<unknown>" when nothing is held.
std::string Held(WriteOnlyValues& values, const std::string& resource,
                 const std::string& path) {
  HeldValues held = Recall(values, resource);
  auto it = held.find(path);
  if (it == held.end()) return "<unknown>";
  if (!it->second.has_value()) return "<unset>";
  return Dump(*it->second);
}

std::vector<std::string> Paths(const HeldValues& held) {
  std::vector<std::string> paths;
  for (const auto& [path, value] : held) paths.push_back(path);
  return paths;
}

TEST(InMemoryWriteOnlyValuesTest, RecallsWhatWasRemembered) {
  auto values = NewValues();
  ASSERT_NE(values, nullptr);
  Remember(*values, kId,
           {{"encryption_passphrase", Json("s3cret")},
            {"target.create",
             Json::parse(R"({"name": "new", "n": [1, 2.5, null]})")}});
  EXPECT_EQ(Held(*values, kId, "encryption_passphrase"), "\"s3cret\"");
  EXPECT_EQ(Held(*values, kId, "target.create"),
            R"({"name":"new","n":[1,2.5,null]})");
  // Values that are not strings or objects, and the empty string.
  Remember(*values, "r",
           {{"zero", Json(0)}, {"false", Json(false)}, {"empty", Json("")}});
  EXPECT_EQ(Held(*values, "r", "zero"), "0");
  EXPECT_EQ(Held(*values, "r", "false"), "false");
  EXPECT_EQ(Held(*values, "r", "empty"), "\"\"");
  EXPECT_THAT(Paths(Recall(*values, "r")),
              UnorderedElementsAre("zero", "false", "empty"));
}

TEST(InMemoryWriteOnlyValuesTest, KnowsNothingOfWhatWasNeverRemembered) {
  auto values = NewValues();
  ASSERT_NE(values, nullptr);
  EXPECT_THAT(Recall(*values, kId), IsEmpty());
  Remember(*values, kId, {{"encryption_passphrase", Json("p")}});
  EXPECT_EQ(Held(*values, kId, "target.create"), "<unknown>");
  EXPECT_THAT(Recall(*values, "other"), IsEmpty());
  EXPECT_EQ(values->resources(), 1u);
}

TEST(InMemoryWriteOnlyValuesTest, SentUnsetDiffersFromUnknown) {
  auto values = NewValues();
  ASSERT_NE(values, nullptr);
  Remember(*values, kId, {{"encryption_passphrase", std::nullopt}});
  HeldValues held = Recall(*values, kId);
  ASSERT_EQ(held.count("encryption_passphrase"), 1u);
  EXPECT_FALSE(held.at("encryption_passphrase").has_value());
  // A JSON string that looks like the store's own "unset" mark is a value.
  Remember(*values, kId, {{"target.create", Json("\x01unset")}});
  EXPECT_EQ(Held(*values, kId, "target.create"), "\"\\u0001unset\"");
  EXPECT_EQ(Held(*values, kId, "encryption_passphrase"), "<unset>");
}

TEST(InMemoryWriteOnlyValuesTest, RememberReplacesOnlyThePathsItNames) {
  auto values = NewValues();
  ASSERT_NE(values, nullptr);
  Remember(*values, kId,
           {{"encryption_passphrase", Json("one")},
            {"target.create", Json::parse(R"({"a": "b"})")}});
  Remember(*values, kId, {{"encryption_passphrase", Json("two")}});
  EXPECT_EQ(Held(*values, kId, "encryption_passphrase"), "\"two\"");
  EXPECT_EQ(Held(*values, kId, "target.create"), R"({"a":"b"})");
  Remember(*values, kId, {{"encryption_passphrase", std::nullopt}});
  EXPECT_EQ(Held(*values, kId, "encryption_passphrase"), "<unset>");
  Remember(*values, kId, {{"encryption_passphrase", Json("three")}});
  EXPECT_EQ(Held(*values, kId, "encryption_passphrase"), "\"three\"");
  Remember(*values, kId, {});  // nothing named: nothing changes
  EXPECT_EQ(Held(*values, kId, "encryption_passphrase"), "\"three\"");
  EXPECT_EQ(Held(*values, kId, "target.create"), R"({"a":"b"})");
}

TEST(InMemoryWriteOnlyValuesTest, ForgetDropsOneResourceOnly) {
  auto values = NewValues();
  ASSERT_NE(values, nullptr);
  Remember(
      *values, "a/1",
      {{"encryption_passphrase", Json("p1")}, {"target.create", std::nullopt}});
  Remember(*values, "a/10", {{"encryption_passphrase", Json("p10")}});
  Remember(*values, "a/", {{"encryption_passphrase", Json("p")}});
  Remember(*values, "a/0", {{"encryption_passphrase", Json("p0")}});
  ASSERT_EQ(values->resources(), 4u);
  Forget(*values, "a/1");
  EXPECT_THAT(Recall(*values, "a/1"), IsEmpty());
  EXPECT_EQ(Held(*values, "a/10", "encryption_passphrase"), "\"p10\"");
  EXPECT_EQ(Held(*values, "a/", "encryption_passphrase"), "\"p\"");
  EXPECT_EQ(Held(*values, "a/0", "encryption_passphrase"), "\"p0\"");
  EXPECT_EQ(values->resources(), 3u);
  Forget(*values, "never/seen");  // a no-op
  EXPECT_EQ(values->resources(), 3u);
  // A forgotten resource can be remembered again.
  Remember(*values, "a/1", {{"encryption_passphrase", Json("again")}});
  EXPECT_EQ(Held(*values, "a/1", "encryption_passphrase"), "\"again\"");
}

// The constructor takes the Sealer to hold values with.
TEST(InMemoryWriteOnlyValuesTest, WorksWithAGivenSealer) {
  absl::StatusOr<std::unique_ptr<Sealer>> sealer =
      Sealer::Create(std::string(32, '\x07'));
  ASSERT_TRUE(sealer.ok()) << sealer.status();
  InMemoryWriteOnlyValues values(*std::move(sealer));
  Remember(values, kId, {{"encryption_passphrase", Json("w")}});
  EXPECT_EQ(Held(values, kId, "encryption_passphrase"), "\"w\"");
}

TEST(InMemoryWriteOnlyValuesTest, CreateReadsTheSealKeyFile) {
  testsupport::TempFile key(std::string(64, 'a'));
  config::v1::Updates updates;
  updates.set_seal_key_file(key.path());
  auto values = NewValues(updates);
  ASSERT_NE(values, nullptr);
  Remember(*values, kId, {{"encryption_passphrase", Json("k")}});
  EXPECT_EQ(Held(*values, kId, "encryption_passphrase"), "\"k\"");

  updates.set_seal_key_file("/nonexistent/seal.key");
  absl::StatusOr<std::unique_ptr<InMemoryWriteOnlyValues>> refused =
      InMemoryWriteOnlyValues::Create(updates);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("updates.seal_key_file"));
}

TEST(InMemoryWriteOnlyValuesTest, ConcurrentRememberAndRecallStayCorrect) {
  auto values = NewValues();
  ASSERT_NE(values, nullptr);
  constexpr int kThreads = 8;
  constexpr int kRounds = 2000;
  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  std::vector<std::future<int>> wrong;  // per thread: bad recalls
  for (int t = 0; t < kThreads; ++t) {
    wrong.push_back(std::async(std::launch::async, [&values, start, t] {
      const std::string resource = "model/" + std::to_string(t);
      const std::string mine = "f" + std::to_string(t);
      const std::string next = std::to_string((t + 1) % kThreads);
      start.wait();
      int bad = 0;
      for (int i = 0; i < kRounds; ++i) {
        const std::string value = std::to_string(t) + ":" + std::to_string(i);
        // A new path every round, so threads insert, not only overwrite.
        const std::string field = "field/" + std::to_string(i);
        Remember(*values, resource, {{field, Json(value)}});
        Remember(*values, "shared", {{mine, Json(value)}});
        if (Held(*values, resource, field) != Dump(Json(value))) ++bad;
        if (Held(*values, "shared", mine) != Dump(Json(value))) ++bad;
        // Another thread's path: whatever is held is one of its values.
        std::string other = Held(*values, "shared", "f" + next);
        if (other != "<unknown>" && other.rfind("\"" + next + ":", 0) != 0) {
          ++bad;
        }
        if (i % 50 == 49) {
          Forget(*values, resource);
          if (Held(*values, resource, field) != "<unknown>") ++bad;
        }
      }
      return bad;
    }));
  }
  go.set_value();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[t].get(), 0) << t;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(
        Held(*values, "shared", "f" + std::to_string(t)),
        Dump(Json(std::to_string(t) + ":" + std::to_string(kRounds - 1))));
  }
}

}  // namespace
}  // namespace gateway::state
