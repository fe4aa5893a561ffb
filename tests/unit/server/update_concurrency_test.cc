// Partial updates of one resource one at a time, and cancellation at every
// step of a read-merge-write: queued for the lock, reading, waiting for the
// intent, writing. Driven on the test thread; each test is one interleaving
// chosen by the order in which it answers the fake upstream.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "gateway/common/json_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/model_sync.pb.h"
#include "tests/unit/server/server_test_stack.h"

namespace gateway::server::testing {
namespace {

using ::polytomic::v1::UpdateBulkSyncRequest;
using ::polytomic::v1::UpdateModelSyncRequest;
using ::testing::Contains;
using State = testsupport::FakeRestClient::State;

const std::string kBulkSync = absl::StrReplaceAll(
    R"({"id": "$BULK", "name": "nightly",
        "source_connection_id": "$SOURCE", "destination_connection_id": "$DEST",
        "default_schedule": {"frequency": "daily"},
        "destination_configuration": {"schema": "s"}})",
    {{"$BULK", kBulkSyncId},
     {"$SOURCE", kSourceId},
     {"$DEST", kDestinationId}});

std::string Data(const std::string& document) {
  return R"({"data": )" + document + "}";
}

UpdateBulkSyncRequest Rename(const std::string& name,
                             const std::string& id = kBulkSyncId) {
  UpdateBulkSyncRequest request;
  request.set_id(id);
  request.mutable_bulk_sync()->set_name(name);
  request.mutable_update_mask()->add_paths("name");
  return request;
}

void ExpectCancelled(const CallOutcome& outcome) {
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kCancelled)
      << outcome.status;
}

TEST(UpdateConcurrencyTest, TheSecondUpdateReadsOnlyAfterTheFirstsPut) {
  Stack s;
  auto first = s.Run(Rename("first"));
  auto second = s.Run(Rename("second"));
  ASSERT_EQ(s.upstream.size(), 1u);  // the second waits for the lock
  s.upstream.Answer(0, Reply(200, Data(kBulkSync)));
  ASSERT_EQ(s.upstream.size(), 2u);
  EXPECT_EQ(s.upstream.request(1).method, "PUT");  // the first's PUT
  EXPECT_FALSE(second->finished());

  s.upstream.Answer(1, Reply(200, Data(kBulkSync)));
  ASSERT_TRUE(first->status.ok()) << first->status;
  // Only now does the second read, and it reads fresh.
  ASSERT_EQ(s.upstream.size(), 3u);
  EXPECT_EQ(s.upstream.request(2).method, "GET");
  s.upstream.Answer(2, Reply(200, Data(kBulkSync)));
  ASSERT_EQ(s.upstream.size(), 4u);
  EXPECT_EQ(Json::parse(s.upstream.request(3).body).value("name", ""),
            "second");
  s.upstream.Answer(3, Reply(200, Data(kBulkSync)));
  ASSERT_TRUE(second->status.ok()) << second->status;
  EXPECT_EQ(first->calls, 1);
  EXPECT_EQ(second->calls, 1);
}

TEST(UpdateConcurrencyTest, TheSecondUpdateAlsoWaitsForAFailedFirst) {
  Stack s;
  auto first = s.Run(Rename("first"));
  auto second = s.Run(Rename("second"));
  s.upstream.Answer(0, Reply(200, Data(kBulkSync)));
  ASSERT_EQ(s.upstream.size(), 2u);  // the first's PUT; the second waits
  s.upstream.Answer(1, Reply(409, "{}"));
  EXPECT_EQ(first->status.code(), absl::StatusCode::kAborted);
  ASSERT_EQ(s.upstream.size(), 3u);
  EXPECT_EQ(s.upstream.request(2).method, "GET");
}

TEST(UpdateConcurrencyTest, UpdatesOfDifferentResourcesDoNotWait) {
  Stack s;
  const std::string other = "5d7c3a52-0000-4000-8000-0000000000ff";
  s.Run(Rename("a"));
  s.Run(Rename("b", other));
  ASSERT_EQ(s.upstream.size(), 2u);
  EXPECT_EQ(s.upstream.request(0).method, "GET");
  EXPECT_EQ(s.upstream.request(1).method, "GET");
  EXPECT_EQ(s.upstream.request(1).target, "/api/bulk/syncs/" + other);
}

// UUIDs are case-insensitive (RFC 4122) and the validator accepts either
// case, so "5D7C3A52-..." and "5d7c3a52-..." name one bulk sync: two
// updates of it, spelled differently, must still take turns, or both would
// read the same document and the second PUT would undo the first's change.
TEST(UpdateConcurrencyTest,
     OneResourceSpelledInAnotherCaseStillWaitsForTheLock) {
  Stack s;
  auto first = s.Run(Rename("first"));
  auto second = s.Run(Rename("second", absl::AsciiStrToUpper(kBulkSyncId)));
  ASSERT_FALSE(second->finished()) << second->status;  // it passed validation
  EXPECT_EQ(s.upstream.size(), 1u)
      << "the second update read while the first held the resource";
}

TEST(UpdateConcurrencyTest, CancellingAQueuedUpdateSendsNothingForIt) {
  Stack s;
  auto first = s.Run(Rename("first"));
  auto queued_call = s.NewCall(Rename("second"));
  auto queued = s.Start(queued_call);
  ASSERT_EQ(s.upstream.size(), 1u);
  queued_call->Cancel();
  ExpectCancelled(*queued);  // at once: it was only waiting
  EXPECT_EQ(s.upstream.size(), 1u);

  // The first completes normally, and the cancelled one never reads.
  s.upstream.Answer(0, Reply(200, Data(kBulkSync)));
  s.upstream.Answer(1, Reply(200, Data(kBulkSync)));
  ASSERT_EQ(first->calls, 1);
  EXPECT_TRUE(first->status.ok()) << first->status;
  EXPECT_EQ(s.upstream.size(), 2u);
  EXPECT_EQ(queued->calls, 1);
  // Both calls have their one outcome record.
  EXPECT_EQ(s.audit.outcomes().size(), 2u);
  // The key is free again.
  s.Run(Rename("third"));
  EXPECT_EQ(s.upstream.size(), 3u);
}

TEST(UpdateConcurrencyTest, CancellingWhileTheGetIsPendingCancelsTheGet) {
  Stack s;
  auto call = s.NewCall(Rename("first"));
  auto outcome = s.Start(call);
  ASSERT_EQ(s.upstream.size(), 1u);
  call->Cancel();
  EXPECT_THAT(s.upstream.cancels(), Contains(s.upstream.request(0).id));
  EXPECT_EQ(s.upstream.request(0).state, State::kCancelled);
  ExpectCancelled(*outcome);
  EXPECT_EQ(s.upstream.size(), 1u);  // no PUT
  // The lock went with the call.
  s.Run(Rename("next"));
  EXPECT_EQ(s.upstream.size(), 2u);
}

TEST(UpdateConcurrencyTest, CancellingWhileThePutIsPendingCancelsThePut) {
  Stack s;
  auto call = s.NewCall(Rename("first"));
  auto outcome = s.Start(call);
  s.upstream.Answer(0, Reply(200, Data(kBulkSync)));
  ASSERT_EQ(s.upstream.size(), 2u);
  call->Cancel();
  EXPECT_THAT(s.upstream.cancels(), Contains(s.upstream.request(1).id));
  EXPECT_EQ(s.upstream.request(1).state, State::kCancelled);
  ExpectCancelled(*outcome);
  EXPECT_EQ(s.audit.outcomes().size(), 1u);
  s.Run(Rename("next"));
  EXPECT_EQ(s.upstream.size(), 3u);
}

TEST(UpdateConcurrencyTest, CancellingWhileThePutWaitsForTheIntentPutsNothing) {
  Stack s;
  s.audit.HoldIntents();
  auto call = s.NewCall(Rename("first"));
  auto outcome = s.Start(call);
  s.upstream.Answer(0, Reply(200, Data(kBulkSync)));
  ASSERT_EQ(s.upstream.size(), 1u);
  call->Cancel();
  s.audit.ReleaseIntents();
  ExpectCancelled(*outcome);
  EXPECT_EQ(s.upstream.size(), 1u);  // the PUT was never sent
}

TEST(UpdateConcurrencyTest, AnUpdateCancelledBeforeItRunsSendsNothing) {
  Stack s;
  auto call = s.NewCall(Rename("first"));
  call->Cancel();
  auto outcome = s.Start(call);
  ExpectCancelled(*outcome);
  EXPECT_EQ(s.upstream.size(), 0u);
  // It held the lock for no longer than the call.
  s.Run(Rename("next"));
  EXPECT_EQ(s.upstream.size(), 1u);
}

// DeferredValues is InMemoryWriteOnlyValues whose Remember waits until the
// test calls FinishRemembering (as a store across the network would).
class DeferredValues final : public WriteOnlyValues {
 public:
  explicit DeferredValues(WriteOnlyValues* inner) : inner_(inner) {}

  void Remember(const std::string& resource, HeldValues values,
                Done done) override {
    pending_.push_back({resource, std::move(values), std::move(done)});
  }
  void Recall(const std::string& resource, Recalled done) override {
    inner_->Recall(resource, std::move(done));
  }
  void Forget(const std::string& resource, Done done) override {
    inner_->Forget(resource, std::move(done));
  }

  size_t remembering() const { return pending_.size(); }
  void FinishRemembering() {
    std::vector<Pending> pending;
    pending.swap(pending_);
    for (Pending& p : pending) {
      inner_->Remember(p.resource, std::move(p.values), std::move(p.done));
    }
  }

 private:
  struct Pending {
    std::string resource;
    HeldValues values;
    Done done;
  };
  WriteOnlyValues* const inner_;
  std::vector<Pending> pending_;  // the test thread's only
};

constexpr char kModelSync[] = R"({"id": "$ID", "name": "contacts",
  "mode": "create", "fields": [{"target": "Email"}],
  "schedule": {"frequency": "hourly"},
  "target": {"connection_id": "$DEST", "object": "Contact"}})";

TEST(UpdateConcurrencyTest, TheLockIsReleasedOnlyOnceTheValuesAreRemembered) {
  auto inner = state::InMemoryWriteOnlyValues::Create({});
  ASSERT_TRUE(inner.ok()) << inner.status();
  DeferredValues values(inner->get());
  StackOptions options;
  options.write_only = &values;
  Stack s(options);
  const std::string doc = absl::StrReplaceAll(
      kModelSync, {{"$ID", kModelSyncId}, {"$DEST", kDestinationId}});
  // Held from an earlier write through this gateway.
  (*inner)->Remember(
      kModelSyncId,
      {{"encryption_passphrase", Json("old")}, {"target.create", std::nullopt}},
      [](absl::Status) {});

  UpdateModelSyncRequest change;
  change.set_id(kModelSyncId);
  change.mutable_model_sync()->set_encryption_passphrase("new");
  change.mutable_update_mask()->add_paths("encryption_passphrase");
  UpdateModelSyncRequest rename;
  rename.set_id(kModelSyncId);
  rename.mutable_model_sync()->set_name("renamed");
  rename.mutable_update_mask()->add_paths("name");

  auto first = s.Run(change);
  auto second = s.Run(rename);
  s.upstream.Answer(0, Reply(200, Data(doc)));
  ASSERT_EQ(s.upstream.size(), 2u);
  EXPECT_EQ(Json::parse(s.upstream.request(1).body)
                .value("encryption_passphrase", ""),
            "new");
  s.upstream.Answer(1, Reply(200, Data(doc)));
  // The first's PUT is answered, but what it sent is not remembered yet:
  // the second must not read (it would re-send "old").
  ASSERT_EQ(values.remembering(), 1u);
  EXPECT_FALSE(first->finished());
  EXPECT_EQ(s.upstream.size(), 2u);

  values.FinishRemembering();
  ASSERT_EQ(first->calls, 1);
  EXPECT_TRUE(first->status.ok()) << first->status;
  ASSERT_EQ(s.upstream.size(), 3u);
  EXPECT_EQ(s.upstream.request(2).method, "GET");
  s.upstream.Answer(2, Reply(200, Data(doc)));
  ASSERT_EQ(s.upstream.size(), 4u);
  EXPECT_EQ(Json::parse(s.upstream.request(3).body)
                .value("encryption_passphrase", ""),
            "new");
  s.upstream.Answer(3, Reply(200, Data(doc)));
  values.FinishRemembering();
  EXPECT_TRUE(second->status.ok()) << second->status;
}

}  // namespace
}  // namespace gateway::server::testing
