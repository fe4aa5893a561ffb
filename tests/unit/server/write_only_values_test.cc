// Pipeline and ReadMergeWriteExchange with write-only fields (a model
// sync's `encryption_passphrase` and `target.create`): what a write sent is
// remembered, a masked update that does not name them re-sends it, REFUSE
// refuses instead, and a delete forgets.
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_replace.h"
#include "gateway/common/error_details.h"
#include "gateway/common/json_codec.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "polytomic/v1/model_sync.pb.h"
#include "tests/unit/server/server_test_stack.h"

namespace gateway::server::testing {
namespace {

using ::polytomic::v1::CreateModelSyncRequest;
using ::polytomic::v1::DeleteModelSyncRequest;
using ::polytomic::v1::ModelSync;
using ::polytomic::v1::UpdateModelSyncRequest;

std::string WithIds(const std::string& text) {
  return absl::StrReplaceAll(
      text, {{"$ID", kModelSyncId}, {"$DEST", kDestinationId}});
}

// The model sync as upstream holds it: never a write-only member.
const std::string kModelSync = WithIds(R"({
  "id": "$ID", "name": "contacts", "active": true, "mode": "updateOrCreate",
  "fields": [{"source": {"model_id": "m1", "field": "email"},
              "target": "Email"}],
  "schedule": {"frequency": "hourly"},
  "target": {"connection_id": "$DEST", "object": "Contact"},
  "model_ids": ["m1"], "created_at": "2024-01-01T00:00:00Z"})");

std::string Data(const std::string& document) {
  return R"({"data": )" + document + "}";
}

ModelSync NewModelSync(const std::string& passphrase) {
  ModelSync sync;
  sync.set_name("contacts");
  sync.set_mode(polytomic::v1::MODEL_SYNC_MODE_UPDATE_OR_CREATE);
  auto* field = sync.add_fields();
  field->mutable_source()->set_model_id("m1");
  field->mutable_source()->set_field("email");
  field->set_target("Email");
  sync.mutable_schedule()->set_frequency(
      polytomic::v1::SCHEDULE_FREQUENCY_HOURLY);
  sync.mutable_target()->set_connection_id(kDestinationId);
  sync.mutable_target()->set_object("Contact");
  if (!passphrase.empty()) sync.set_encryption_passphrase(passphrase);
  return sync;
}

UpdateModelSyncRequest Masked(const std::string& path, const ModelSync& sync) {
  UpdateModelSyncRequest request;
  request.set_id(kModelSyncId);
  *request.mutable_model_sync() = sync;
  request.mutable_update_mask()->add_paths(path);
  return request;
}

UpdateModelSyncRequest Rename() {
  ModelSync sync;
  sync.set_name("renamed");
  return Masked("name", sync);
}

// Create creates the model sync with `passphrase` through `s` and answers
// it; the call must succeed.
void Create(Stack& s, const std::string& passphrase) {
  CreateModelSyncRequest request;
  *request.mutable_model_sync() = NewModelSync(passphrase);
  size_t before = s.upstream.size();
  auto outcome = s.Run(request);
  ASSERT_EQ(s.upstream.size(), before + 1);
  Recorded post = s.upstream.request(before);
  ASSERT_EQ(post.method, "POST");
  if (!passphrase.empty()) {
    EXPECT_EQ(Json::parse(post.body).value("encryption_passphrase", ""),
              passphrase);
  }
  ASSERT_TRUE(s.upstream.Answer(before, Reply(201, Data(kModelSync))));
  ASSERT_EQ(outcome->calls, 1);
  ASSERT_TRUE(outcome->status.ok()) << outcome->status;
}

// Update runs `request` through `s`, answers its GET with kModelSync and
// returns the PUT's body ("" if there was no PUT), answering the PUT with
// `put_answer`.
struct Updated {
  std::shared_ptr<CallOutcome> outcome;
  std::string put_body;
};
Updated Update(Stack& s, const UpdateModelSyncRequest& request,
               const std::string& put_answer = Data(kModelSync)) {
  Updated updated;
  size_t before = s.upstream.size();
  updated.outcome = s.Run(request);
  if (s.upstream.size() != before + 1) {
    ADD_FAILURE() << "no GET";
    return updated;
  }
  EXPECT_EQ(s.upstream.request(before).method, "GET");
  s.upstream.Answer(before, Reply(200, Data(kModelSync)));
  if (s.upstream.size() == before + 2) {
    updated.put_body = s.upstream.request(before + 1).body;
    s.upstream.Answer(before + 1, Reply(200, put_answer));
  }
  return updated;
}

void ExpectRefusedAsUnknown(const Updated& updated, const std::string& fields) {
  ASSERT_EQ(updated.outcome->calls, 1);
  EXPECT_EQ(updated.outcome->status.code(),
            absl::StatusCode::kFailedPrecondition)
      << updated.outcome->status;
  EXPECT_EQ(Reason(updated.outcome->status), "WRITE_ONLY_FIELD_UNKNOWN");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(updated.outcome->status, &info));
  EXPECT_EQ(info.metadata().at("fields"), fields);
  EXPECT_EQ(updated.put_body, "");  // nothing was put
}

TEST(WriteOnlyValuesTest, AMaskedUpdateResendsWhatTheCreateSent) {
  Stack s;
  Create(s, "pass-1");
  Updated updated = Update(s, Rename());
  ASSERT_TRUE(updated.outcome->status.ok()) << updated.outcome->status;
  Json put = Json::parse(updated.put_body);
  EXPECT_EQ(put.value("name", ""), "renamed");
  EXPECT_EQ(put.value("encryption_passphrase", ""), "pass-1");
  // target.create was sent unset: it stays unset.
  EXPECT_FALSE(put["target"].contains("create"));
  EXPECT_FALSE(put.contains("model_ids"));  // output-only
  EXPECT_FALSE(put.contains("id"));
}

TEST(WriteOnlyValuesTest, AnUpdateThatNamesAValueIsRememberedForTheNext) {
  Stack s;
  Create(s, "pass-1");
  ModelSync changed;
  changed.set_encryption_passphrase("pass-2");
  Updated first = Update(s, Masked("encryption_passphrase", changed));
  ASSERT_TRUE(first.outcome->status.ok()) << first.outcome->status;
  EXPECT_EQ(Json::parse(first.put_body).value("encryption_passphrase", ""),
            "pass-2");
  Updated second = Update(s, Rename());
  ASSERT_TRUE(second.outcome->status.ok()) << second.outcome->status;
  EXPECT_EQ(Json::parse(second.put_body).value("encryption_passphrase", ""),
            "pass-2");
}

TEST(WriteOnlyValuesTest, WhatAClearingUpdateSentIsWhatIsResent) {
  Stack s;
  Create(s, "pass-1");
  // Named and left unset: sent as its zero value, and remembered so.
  Updated cleared = Update(s, Masked("encryption_passphrase", ModelSync()));
  ASSERT_TRUE(cleared.outcome->status.ok()) << cleared.outcome->status;
  EXPECT_EQ(Json::parse(cleared.put_body).value("encryption_passphrase", "x"),
            "");
  Updated next = Update(s, Rename());
  ASSERT_TRUE(next.outcome->status.ok()) << next.outcome->status;
  EXPECT_EQ(Json::parse(next.put_body).value("encryption_passphrase", "x"), "");
}

TEST(WriteOnlyValuesTest, AMapSentUnsetIsResentUnset) {
  Stack s;
  Create(s, "pass-1");
  // The create sent no target.create: every later update sends none.
  Updated first = Update(s, Rename());
  ASSERT_TRUE(first.outcome->status.ok()) << first.outcome->status;
  EXPECT_FALSE(Json::parse(first.put_body)["target"].contains("create"));
  // A named target.create is sent and then held.
  ModelSync created;
  (*created.mutable_target()->mutable_create())["name"] = "contacts_v2";
  Updated named = Update(s, Masked("target.create", created));
  ASSERT_TRUE(named.outcome->status.ok()) << named.outcome->status;
  Updated next = Update(s, Rename());
  ASSERT_TRUE(next.outcome->status.ok()) << next.outcome->status;
  EXPECT_TRUE(SameJson(Dump(Json::parse(next.put_body)["target"]["create"]),
                       R"({"name": "contacts_v2"})"));
  EXPECT_EQ(Json::parse(next.put_body).value("encryption_passphrase", ""),
            "pass-1");
}

TEST(WriteOnlyValuesTest, NothingHeldRefusesTheUpdate) {
  Stack s;  // the sync was created elsewhere: nothing is held
  Updated updated = Update(s, Rename());
  ExpectRefusedAsUnknown(
      updated, "model_sync.target.create,model_sync.encryption_passphrase");
  EXPECT_EQ(s.upstream.size(), 1u);  // the GET only
}

TEST(WriteOnlyValuesTest, UnderRefuseTheUpdateIsRefusedEvenAfterACreate) {
  StackOptions options;
  options.updates.set_write_only_policy(
      config::v1::Updates::WRITE_ONLY_POLICY_REFUSE);
  Stack s(options);
  Create(s, "pass-1");
  Updated updated = Update(s, Rename());
  ExpectRefusedAsUnknown(
      updated, "model_sync.target.create,model_sync.encryption_passphrase");
  // Naming both lets it through.
  UpdateModelSyncRequest both =
      Masked("encryption_passphrase", NewModelSync("pass-3"));
  both.mutable_update_mask()->add_paths("target.create");
  Updated named = Update(s, both);
  ASSERT_TRUE(named.outcome->status.ok()) << named.outcome->status;
  EXPECT_EQ(Json::parse(named.put_body).value("encryption_passphrase", ""),
            "pass-3");
}

TEST(WriteOnlyValuesTest, ADeleteForgetsWhatWasHeld) {
  Stack s;
  Create(s, "pass-1");
  DeleteModelSyncRequest remove;
  remove.set_id(kModelSyncId);
  auto deleted = s.Run(remove);
  ASSERT_EQ(s.upstream.request(1).method, "DELETE");
  s.upstream.Answer(1, Reply(204, ""));
  ASSERT_TRUE(deleted->status.ok()) << deleted->status;
  Updated updated = Update(s, Rename());
  ExpectRefusedAsUnknown(
      updated, "model_sync.target.create,model_sync.encryption_passphrase");
}

TEST(WriteOnlyValuesTest, AFailedDeleteForgetsNothing) {
  Stack s;
  Create(s, "pass-1");
  DeleteModelSyncRequest remove;
  remove.set_id(kModelSyncId);
  auto deleted = s.Run(remove);
  s.upstream.Answer(1, Reply(500, ""));
  ASSERT_EQ(deleted->status.code(), absl::StatusCode::kUnavailable);
  Updated updated = Update(s, Rename());
  ASSERT_TRUE(updated.outcome->status.ok()) << updated.outcome->status;
  EXPECT_EQ(Json::parse(updated.put_body).value("encryption_passphrase", ""),
            "pass-1");
}

TEST(WriteOnlyValuesTest, AFailedPutRemembersNothing) {
  Stack s;
  Create(s, "pass-1");
  ModelSync changed;
  changed.set_encryption_passphrase("pass-2");
  size_t before = s.upstream.size();
  auto outcome = s.Run(Masked("encryption_passphrase", changed));
  s.upstream.Answer(before, Reply(200, Data(kModelSync)));
  s.upstream.Answer(before + 1, Reply(400, R"({"message": "bad"})"));
  ASSERT_EQ(outcome->status.code(), absl::StatusCode::kInvalidArgument);
  Updated next = Update(s, Rename());
  ASSERT_TRUE(next.outcome->status.ok()) << next.outcome->status;
  EXPECT_EQ(Json::parse(next.put_body).value("encryption_passphrase", ""),
            "pass-1");
}

// WriteOnlyValues that can neither remember nor forget (a store that cannot
// be reached) and holds nothing.
class UnwritableValues final : public WriteOnlyValues {
 public:
  int remembers = 0;
  int forgets = 0;
  void Remember(const std::string&, HeldValues, Done done) override {
    ++remembers;
    std::move(done)(absl::UnavailableError("value store unreachable"));
  }
  void Recall(const std::string&, Recalled done) override {
    std::move(done)(HeldValues());
  }
  void Forget(const std::string&, Done done) override {
    ++forgets;
    std::move(done)(absl::UnavailableError("value store unreachable"));
  }
};

TEST(WriteOnlyValuesTest, AStoreThatCannotRememberDoesNotFailTheWrite) {
  UnwritableValues values;
  StackOptions options;
  options.write_only = &values;
  Stack s(options);
  // The create and the delete happened upstream: their callers hear so.
  Create(s, "pass-1");
  EXPECT_EQ(values.remembers, 1);
  DeleteModelSyncRequest remove;
  remove.set_id(kModelSyncId);
  auto deleted = s.Run(remove);
  s.upstream.Answer(1, Reply(204, ""));
  ASSERT_EQ(deleted->calls, 1);
  EXPECT_TRUE(deleted->status.ok()) << deleted->status;
  EXPECT_EQ(values.forgets, 1);
  // Nothing held: a later partial update refuses rather than guesses.
  ExpectRefusedAsUnknown(
      Update(s, Rename()),
      "model_sync.target.create,model_sync.encryption_passphrase");
}

// The resource an update wrote is the one its path names, whatever its
// answer holds: an answer without `data.id` must not leave the value held
// from before, or the next masked update would silently re-send the old
// passphrase (reverting the change) where it should send the new one or
// refuse.
TEST(WriteOnlyValuesTest,
     AnUpdateIsRememberedUnderItsPathEvenIfTheAnswerOmitsTheId) {
  Stack s;
  Create(s, "pass-1");
  ModelSync changed;
  changed.set_encryption_passphrase("pass-2");
  Json without_id = Json::parse(kModelSync);
  without_id.erase("id");
  Updated first = Update(s, Masked("encryption_passphrase", changed),
                         Data(Dump(without_id)));
  ASSERT_TRUE(first.outcome->status.ok()) << first.outcome->status;
  Updated next = Update(s, Rename());
  if (next.outcome->status.ok()) {
    EXPECT_EQ(Json::parse(next.put_body).value("encryption_passphrase", ""),
              "pass-2")
        << "re-sent a passphrase the gateway replaced";
  } else {
    EXPECT_EQ(Reason(next.outcome->status), "WRITE_ONLY_FIELD_UNKNOWN");
  }
}

// An update that changed the passphrase and got a 2xx whose body the
// gateway cannot read did change it upstream: the next masked update must
// send "pass-2" or refuse, never put "pass-1" back (unknown is better than
// wrong).
TEST(WriteOnlyValuesTest, AWriteWhoseAnswerCannotBeReadLeavesNoStaleValueHeld) {
  Stack s;
  Create(s, "pass-1");
  ModelSync changed;
  changed.set_encryption_passphrase("pass-2");
  Updated first =
      Update(s, Masked("encryption_passphrase", changed), "not json");
  ASSERT_EQ(first.outcome->status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Json::parse(first.put_body).value("encryption_passphrase", ""),
            "pass-2");
  Updated next = Update(s, Rename());
  if (next.outcome->status.ok()) {
    EXPECT_EQ(Json::parse(next.put_body).value("encryption_passphrase", ""),
              "pass-2")
        << "re-sent a passphrase the upstream no longer has";
  } else {
    EXPECT_EQ(Reason(next.outcome->status), "WRITE_ONLY_FIELD_UNKNOWN");
  }
}

}  // namespace
}  // namespace gateway::server::testing
