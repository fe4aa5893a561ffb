// Pipeline and ReadMergeWriteExchange on partial updates: the GET overlaps
// the audit intent and the PUT waits for it; the PUT body is the GET's
// document with only the masked fields changed and output-only members
// dropped; and every way the exchange ends before or at the PUT.
#include <memory>
#include <string>

#include "absl/strings/str_replace.h"
#include "gateway/common/error_details.h"
#include "gateway/common/json_codec.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/bulk_sync_schema.pb.h"
#include "polytomic/v1/model_sync.pb.h"
#include "tests/unit/server/server_test_stack.h"

namespace gateway::server::testing {
namespace {

using ::polytomic::v1::UpdateBulkSyncRequest;
using ::polytomic::v1::UpdateBulkSyncResponse;
using ::polytomic::v1::UpdateBulkSyncSchemaRequest;
using ::polytomic::v1::UpdateModelSyncRequest;
using Kind = FakeAuditStage::Event::Kind;

std::string WithIds(const std::string& text) {
  return absl::StrReplaceAll(text, {{"$BULK", kBulkSyncId},
                                    {"$SOURCE", kSourceId},
                                    {"$DEST", kDestinationId}});
}

// The bulk sync as upstream holds it, output-only members and a member the
// contract does not model included.
const std::string kBulkSync = WithIds(R"({
  "id": "$BULK", "organization_id": "org-1", "name": "nightly",
  "source_connection_id": "$SOURCE", "destination_connection_id": "$DEST",
  "mode": "replicate", "active": true,
  "default_schedule": {"frequency": "daily", "hour": "3"},
  "destination_configuration": {"schema": "analytics"},
  "policies": ["p1"],
  "created_at": "2024-01-01T00:00:00Z", "created_by": {"id": "u1"},
  "updated_at": "2024-02-01T00:00:00Z", "updated_by": {"id": "u2"},
  "future_member": {"kept": [1, 2.5, "x"]}})");

// kBulkSync as a PUT must send it back: without the output-only members.
const std::string kBulkSyncToPut = WithIds(R"({
  "organization_id": "org-1", "name": "nightly",
  "source_connection_id": "$SOURCE", "destination_connection_id": "$DEST",
  "mode": "replicate", "active": true,
  "default_schedule": {"frequency": "daily", "hour": "3"},
  "destination_configuration": {"schema": "analytics"},
  "policies": ["p1"],
  "future_member": {"kept": [1, 2.5, "x"]}})");

std::string Data(const std::string& document) {
  return R"({"data": )" + document + "}";
}

// Edited is `document` with `member` set to `value` (JSON texts).
std::string Edited(const std::string& document, const std::string& member,
                   const std::string& value) {
  Json json = Json::parse(document);
  json[member] = Json::parse(value);
  return Dump(json);
}

UpdateBulkSyncRequest RenameBulkSync() {
  UpdateBulkSyncRequest request;
  request.set_id(kBulkSyncId);
  request.mutable_bulk_sync()->set_name("renamed");
  request.mutable_update_mask()->add_paths("name");
  return request;
}

bool IsPut(const Recorded& r) { return r.method == "PUT"; }

// Failed checks the call ended once with `code` and `reason`, recorded as
// its one outcome, and that no PUT was sent.
void ExpectFailedWithoutPut(const Stack& s, const CallOutcome& outcome,
                            absl::StatusCode code, const std::string& reason) {
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_EQ(outcome.status.code(), code) << outcome.status;
  EXPECT_EQ(Reason(outcome.status), reason) << outcome.status;
  for (const Recorded& r : s.upstream.requests()) EXPECT_FALSE(IsPut(r));
  auto outcomes = s.audit.outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, outcome.status);
}

TEST(ReadMergeWriteTest, TheGetOverlapsTheIntentAndThePutWaitsForIt) {
  Stack s;
  s.audit.HoldIntents();
  auto call = s.NewCall(RenameBulkSync());
  auto outcome = s.Start(call);
  ASSERT_EQ(s.audit.held_intents(), 1u);
  // The GET goes while the intent is still being written.
  ASSERT_EQ(s.upstream.size(), 1u);
  Recorded get = s.upstream.request(0);
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.target, std::string("/api/bulk/syncs/") + kBulkSyncId);
  EXPECT_EQ(get.operation, "bulkSync.get");
  EXPECT_EQ(get.account, kAccount);
  EXPECT_EQ(get.deadline, kDeadline);
  EXPECT_EQ(get.HeaderCount("Idempotency-Key"), 0u);
  ASSERT_TRUE(s.upstream.Answer(0, Reply(200, Data(kBulkSync))));
  // The merged PUT waits for the intent.
  EXPECT_EQ(s.upstream.size(), 1u);
  EXPECT_FALSE(outcome->finished());

  ASSERT_EQ(s.audit.ReleaseIntents(), 1u);
  ASSERT_EQ(s.upstream.size(), 2u);
  Recorded put = s.upstream.request(1);
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.target, std::string("/api/bulk/syncs/") + kBulkSyncId);
  EXPECT_EQ(put.operation, "bulkSync.update");
  EXPECT_EQ(put.account, kAccount);
  EXPECT_EQ(put.deadline, kDeadline);
  EXPECT_EQ(put.HeaderCount("Idempotency-Key"), 1u);
  EXPECT_EQ(put.Header("Idempotency-Key"), call->idempotency_key());
  EXPECT_TRUE(
      SameJson(put.body, Edited(kBulkSyncToPut, "name", "\"renamed\"")));

  const std::string stored = Edited(kBulkSync, "name", "\"renamed\"");
  ASSERT_TRUE(s.upstream.Answer(1, Reply(200, Data(stored))));
  ASSERT_EQ(outcome->calls, 1);
  ASSERT_TRUE(outcome->status.ok()) << outcome->status;
  UpdateBulkSyncResponse response;
  ASSERT_TRUE(response.ParseFromString(*call->response_bytes()));
  EXPECT_EQ(response.data().name(), "renamed");
  EXPECT_EQ(call->before_body(), Data(kBulkSync));
  EXPECT_EQ(call->answer_body(), Data(stored));
  EXPECT_EQ(s.upstream.size(), 2u);  // exactly one GET and one PUT

  auto events = s.audit.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::kIntent);
  EXPECT_EQ(events[1].kind, Kind::kOutcome);
}

TEST(ReadMergeWriteTest, OnlyTheMaskedFieldsChangeEvenToZeroValues) {
  Stack s;
  UpdateBulkSyncRequest request;
  request.set_id(kBulkSyncId);
  request.mutable_bulk_sync()->set_active(false);  // a zero value, named
  request.mutable_bulk_sync()->mutable_default_schedule()->set_hour("5");
  request.mutable_bulk_sync()->set_name("ignored: not in the mask");
  request.mutable_update_mask()->add_paths("active");
  request.mutable_update_mask()->add_paths("default_schedule.hour");
  request.mutable_update_mask()->add_paths("additional_fields.future_member");
  auto outcome = s.Run(request);
  ASSERT_TRUE(s.upstream.Answer(0, Reply(200, Data(kBulkSync))));
  ASSERT_EQ(s.upstream.size(), 2u);
  std::string expected = Edited(kBulkSyncToPut, "active", "false");
  expected = Edited(expected, "default_schedule",
                    R"({"frequency": "daily", "hour": "5"})");
  // Named but unset in the request: the unmodelled member is removed.
  Json without = Json::parse(expected);
  without.erase("future_member");
  EXPECT_TRUE(SameJson(s.upstream.request(1).body, Dump(without)));
  s.upstream.Answer(1, Reply(200, Data(kBulkSync)));
  EXPECT_TRUE(outcome->status.ok()) << outcome->status;
}

TEST(ReadMergeWriteTest, TheCallersIdempotencyKeyGoesOnThePutOnly) {
  Stack s;
  UpdateBulkSyncRequest request = RenameBulkSync();
  request.set_idempotency_key("caller-key-0002");
  s.Run(request);
  ASSERT_TRUE(s.upstream.Answer(0, Reply(200, Data(kBulkSync))));
  ASSERT_EQ(s.upstream.size(), 2u);
  EXPECT_EQ(s.upstream.request(0).HeaderCount("Idempotency-Key"), 0u);
  EXPECT_EQ(s.upstream.request(1).HeaderCount("Idempotency-Key"), 1u);
  EXPECT_EQ(s.upstream.request(1).Header("Idempotency-Key"), "caller-key-0002");
}

TEST(ReadMergeWriteTest, AMissingResourceIsNotFoundAndNothingIsPut) {
  Stack s;
  auto outcome = s.Run(RenameBulkSync());
  ASSERT_TRUE(s.upstream.Answer(0, Reply(404, R"({"message": "gone"})")));
  ExpectFailedWithoutPut(s, *outcome, absl::StatusCode::kNotFound,
                         "UPSTREAM_NOT_FOUND");
  EXPECT_EQ(s.upstream.size(), 1u);
  // The lock went with the call: the next update reads at once.
  s.Run(RenameBulkSync());
  EXPECT_EQ(s.upstream.size(), 2u);
}

TEST(ReadMergeWriteTest, AGetThatFailsInTransportPutsNothing) {
  Stack s;
  auto outcome = s.Run(RenameBulkSync());
  ASSERT_TRUE(s.upstream.Answer(0, absl::UnavailableError("refused")));
  ExpectFailedWithoutPut(s, *outcome, absl::StatusCode::kUnavailable,
                         "UPSTREAM_UNAVAILABLE");
}

TEST(ReadMergeWriteTest, AGetBodyWithoutDataIsInternal) {
  for (const char* body :
       {R"({"name": "nightly"})", R"({"data": []})", R"({"data": "x"})", ""}) {
    Stack s;
    auto outcome = s.Run(RenameBulkSync());
    ASSERT_TRUE(s.upstream.Answer(0, Reply(200, body)));
    ExpectFailedWithoutPut(s, *outcome, absl::StatusCode::kInternal,
                           "UPSTREAM_BAD_RESPONSE");
    EXPECT_EQ(s.upstream.size(), 1u) << body;
  }
}

TEST(ReadMergeWriteTest, AGetBodyThatIsNotJsonIsInternal) {
  Stack s;
  auto outcome = s.Run(RenameBulkSync());
  ASSERT_TRUE(s.upstream.Answer(0, Reply(200, "{\"data\": ")));
  ExpectFailedWithoutPut(s, *outcome, absl::StatusCode::kInternal,
                         "UPSTREAM_BAD_RESPONSE");
}

TEST(ReadMergeWriteTest, AStaleEtagIsAbortedAndNothingIsPut) {
  Stack s;
  UpdateBulkSyncRequest request = RenameBulkSync();
  request.mutable_bulk_sync()->set_etag(
      JsonCodec::Etag(Edited(kBulkSync, "name", "\"older\"")));
  auto outcome = s.Run(request);
  ASSERT_TRUE(s.upstream.Answer(0, Reply(200, Data(kBulkSync))));
  ExpectFailedWithoutPut(s, *outcome, absl::StatusCode::kAborted,
                         "ETAG_MISMATCH");
  EXPECT_EQ(s.upstream.size(), 1u);
}

TEST(ReadMergeWriteTest, AFreshEtagLetsTheUpdateThrough) {
  Stack s;
  UpdateBulkSyncRequest request = RenameBulkSync();
  // The etag a read of this very document returns.
  request.mutable_bulk_sync()->set_etag(JsonCodec::Etag(kBulkSync));
  auto outcome = s.Run(request);
  ASSERT_TRUE(s.upstream.Answer(0, Reply(200, Data(kBulkSync))));
  ASSERT_EQ(s.upstream.size(), 2u);
  // The etag is the gateway's: never sent.
  EXPECT_FALSE(Json::parse(s.upstream.request(1).body).contains("etag"));
  s.upstream.Answer(1, Reply(200, Data(kBulkSync)));
  EXPECT_TRUE(outcome->status.ok()) << outcome->status;
}

TEST(ReadMergeWriteTest, AMergeLeavingARequiredFieldUnsetPutsNothing) {
  Stack s;
  UpdateBulkSyncRequest request;
  request.set_id(kBulkSyncId);
  request.mutable_bulk_sync();  // default_schedule named, left unset
  request.mutable_update_mask()->add_paths("default_schedule");
  auto outcome = s.Run(request);
  ASSERT_TRUE(s.upstream.Answer(0, Reply(200, Data(kBulkSync))));
  ExpectFailedWithoutPut(s, *outcome, absl::StatusCode::kInvalidArgument,
                         "INVALID_REQUEST");
  google::rpc::BadRequest bad;
  ASSERT_TRUE(GetDetail(outcome->status, &bad)) << outcome->status;
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), "bulk_sync.default_schedule");
}

TEST(ReadMergeWriteTest, ARequiredFieldTheGetLacksFailsTheUpdate) {
  Stack s;
  Json lacking = Json::parse(kBulkSync);
  lacking.erase("destination_configuration");
  auto outcome = s.Run(RenameBulkSync());
  ASSERT_TRUE(s.upstream.Answer(0, Reply(200, Data(Dump(lacking)))));
  ExpectFailedWithoutPut(s, *outcome, absl::StatusCode::kInvalidArgument,
                         "INVALID_REQUEST");
}

TEST(ReadMergeWriteTest, AConflictingPutIsAborted) {
  Stack s;
  auto outcome = s.Run(RenameBulkSync());
  ASSERT_TRUE(s.upstream.Answer(0, Reply(200, Data(kBulkSync))));
  ASSERT_TRUE(s.upstream.AnswerFirst(IsPut, Reply(409, R"({"message": "x"})")));
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Reason(outcome->status), "UPSTREAM_CONFLICT");
  EXPECT_EQ(s.upstream.size(), 2u);  // never re-sent
  ASSERT_EQ(s.audit.outcomes().size(), 1u);
}

TEST(ReadMergeWriteTest, AFailedIntentMayReadButNeverPuts) {
  Stack s;
  s.audit.FailIntents(AuditUnavailable());
  auto outcome = s.Run(RenameBulkSync());
  ASSERT_LE(s.upstream.size(), 1u);
  if (s.upstream.size() == 1u) {
    EXPECT_EQ(s.upstream.request(0).method, "GET");
    s.upstream.Answer(0, Reply(200, Data(kBulkSync)));
  }
  ExpectFailedWithoutPut(s, *outcome, absl::StatusCode::kUnavailable,
                         "AUDIT_UNAVAILABLE");
  EXPECT_LE(s.upstream.size(), 1u);
}

TEST(ReadMergeWriteTest, AnIntentFailingAfterTheGetPutsNothing) {
  Stack s;
  s.audit.HoldIntents();
  auto outcome = s.Run(RenameBulkSync());
  ASSERT_TRUE(s.upstream.Answer(0, Reply(200, Data(kBulkSync))));
  EXPECT_FALSE(outcome->finished());
  s.audit.ReleaseIntents(AuditUnavailable());
  ExpectFailedWithoutPut(s, *outcome, absl::StatusCode::kUnavailable,
                         "AUDIT_UNAVAILABLE");
  EXPECT_EQ(s.upstream.size(), 1u);
}

// The schema of a bulk sync: `id` is a member of the document read, but the
// update's body never carries it (the route's body_omits), whether or not
// the mask names it; output-only members go at every depth.
TEST(ReadMergeWriteTest, TheSchemaUpdatePutNeverCarriesTheId) {
  Stack s;
  UpdateBulkSyncSchemaRequest request;
  request.set_id(kBulkSyncId);
  request.set_schema_id("public.users");
  request.mutable_schema()->set_id("public.users");
  request.mutable_schema()->set_enabled(true);
  request.mutable_update_mask()->add_paths("enabled");
  request.mutable_update_mask()->add_paths("id");
  auto call = s.NewCall(request);
  auto outcome = s.Start(call);
  ASSERT_EQ(s.upstream.size(), 1u);
  const std::string path =
      std::string("/api/bulk/syncs/") + kBulkSyncId + "/schemas/public.users";
  EXPECT_EQ(s.upstream.request(0).target, path);
  EXPECT_EQ(s.upstream.request(0).operation, "bulkSync.schemas.get");
  const std::string got = R"({"id": "public.users", "enabled": false,
    "output_name": "users", "user_output_name": "", "partition_key": "pk",
    "fields": [{"id": "email", "enabled": true, "output_name": "email",
                "obfuscated": false}],
    "filters": [], "extra": 1})";
  ASSERT_TRUE(s.upstream.Answer(0, Reply(200, Data(got))));
  ASSERT_EQ(s.upstream.size(), 2u);
  Recorded put = s.upstream.request(1);
  EXPECT_EQ(put.target, path);
  EXPECT_EQ(put.operation, "bulkSync.schemas.update");
  EXPECT_TRUE(SameJson(put.body, R"({"enabled": true,
    "user_output_name": "", "partition_key": "pk",
    "fields": [{"id": "email", "enabled": true, "obfuscated": false}],
    "filters": [], "extra": 1})"));
  s.upstream.Answer(1, Reply(200, Data(got)));
  EXPECT_TRUE(outcome->status.ok()) << outcome->status;
}

// UpdateLocks that cannot be reached: every Acquire fails with UNAVAILABLE.
class UnreachableLocks final : public UpdateLocks {
 public:
  WaitId Acquire(const std::string&, Acquired acquired) override {
    std::move(acquired)(absl::UnavailableError("lock store unreachable"));
    return 1;
  }
  void Abandon(WaitId) override {}
};

TEST(ReadMergeWriteTest, AnUnreachableLockStoreReadsNothing) {
  UnreachableLocks locks;
  StackOptions options;
  options.locks = &locks;
  Stack s(options);
  auto outcome = s.Run(RenameBulkSync());
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kUnavailable)
      << outcome->status;
  EXPECT_EQ(s.upstream.size(), 0u);
  EXPECT_EQ(s.audit.outcomes().size(), 1u);
}

// WriteOnlyValues whose Recall fails (a store that cannot be reached).
class UnrecallableValues final : public WriteOnlyValues {
 public:
  void Remember(const std::string&, HeldValues, Done done) override {
    std::move(done)(absl::OkStatus());
  }
  void Recall(const std::string&, Recalled done) override {
    std::move(done)(absl::UnavailableError("value store unreachable"));
  }
  void Forget(const std::string&, Done done) override {
    std::move(done)(absl::OkStatus());
  }
};

TEST(ReadMergeWriteTest, HeldValuesThatCannotBeRecalledPutNothing) {
  UnrecallableValues values;
  StackOptions options;
  options.write_only = &values;
  Stack s(options);
  UpdateModelSyncRequest request;
  request.set_id(kModelSyncId);
  request.mutable_model_sync()->set_name("renamed");
  request.mutable_update_mask()->add_paths("name");
  auto outcome = s.Run(request);
  ASSERT_EQ(s.upstream.size(), 1u);
  ASSERT_TRUE(s.upstream.Answer(
      0, Reply(200, Data(R"({"name": "m", "mode": "create"})"))));
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kUnavailable)
      << outcome->status;
  EXPECT_EQ(s.upstream.size(), 1u);
}

}  // namespace
}  // namespace gateway::server::testing
