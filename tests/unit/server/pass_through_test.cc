// Pipeline, PassThroughExchange and Upstream on mutations that are one
// upstream request: nothing is sent before the audit intent is durable, a
// failed intent sends nothing ever, every write carries one Idempotency-Key
// (the caller's, else the call's request id), and what a write's answer
// turns into.
#include <memory>
#include <string>

#include "gateway/common/error_details.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/bulk_sync_schema.pb.h"
#include "polytomic/v1/model_sync.pb.h"
#include "tests/unit/server/server_test_stack.h"

namespace gateway::server::testing {
namespace {

using ::polytomic::v1::ActivateBulkSyncRequest;
using ::polytomic::v1::DeleteModelSyncRequest;
using ::polytomic::v1::StartBulkSyncRequest;
using ::polytomic::v1::StartBulkSyncResponse;
using ::polytomic::v1::UpdateBulkSyncSchemaRequest;
using ::testing::ElementsAre;
using Kind = FakeAuditStage::Event::Kind;

StartBulkSyncRequest StartBulkSync() {
  StartBulkSyncRequest request;
  request.set_id(kBulkSyncId);
  request.set_test(false);
  return request;
}

constexpr char kStarted[] =
    R"({"data": {"id": "exec-1", "status": "created"}})";

TEST(PassThroughTest, NothingIsSentUntilTheIntentIsDurable) {
  Stack s;
  s.audit.HoldIntents();
  auto call = s.NewCall(StartBulkSync());
  auto outcome = s.Start(call);
  EXPECT_EQ(s.audit.intents(), 1u);
  EXPECT_EQ(s.upstream.size(), 0u);  // the intent is not durable yet
  EXPECT_FALSE(outcome->finished());

  ASSERT_EQ(s.audit.ReleaseIntents(), 1u);
  ASSERT_EQ(s.upstream.size(), 1u);
  Recorded post = s.upstream.request(0);
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.target,
            std::string("/api/bulk/syncs/") + kBulkSyncId + "/executions");
  EXPECT_EQ(post.account, kAccount);
  EXPECT_EQ(post.operation, "bulkSync.start");
  EXPECT_EQ(post.deadline, kDeadline);
  EXPECT_TRUE(SameJson(post.body, R"({"test": false})"));

  s.upstream.Answer(0, Reply(201, kStarted));
  ASSERT_EQ(outcome->calls, 1);
  ASSERT_TRUE(outcome->status.ok()) << outcome->status;
  StartBulkSyncResponse response;
  ASSERT_TRUE(response.ParseFromString(*call->response_bytes()));
  EXPECT_EQ(response.data().id(), "exec-1");
  EXPECT_EQ(call->answer_body(), kStarted);
  EXPECT_EQ(call->upstream_status(), 201);

  // Intent, then outcome, once each.
  auto events = s.audit.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::kIntent);
  EXPECT_EQ(events[1].kind, Kind::kOutcome);
  EXPECT_TRUE(events[1].status.ok());
  EXPECT_EQ(events[0].request_id, events[1].request_id);
}

TEST(PassThroughTest, AFailedIntentSendsNothingEver) {
  Stack s;
  s.audit.FailIntents(AuditUnavailable());
  auto outcome = s.Run(StartBulkSync());
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Reason(outcome->status), "AUDIT_UNAVAILABLE");
  EXPECT_EQ(s.upstream.size(), 0u);
  auto outcomes = s.audit.outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status.code(), absl::StatusCode::kUnavailable);
}

TEST(PassThroughTest, AnIntentThatFailsLaterSendsNothingEither) {
  Stack s;
  s.audit.HoldIntents();
  auto outcome = s.Run(StartBulkSync());
  EXPECT_FALSE(outcome->finished());
  s.audit.ReleaseIntents(AuditUnavailable());
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_EQ(Reason(outcome->status), "AUDIT_UNAVAILABLE");
  EXPECT_EQ(s.upstream.size(), 0u);
}

TEST(PassThroughTest, TheCallsRequestIdIsTheIdempotencyKey) {
  Stack s;
  auto call = s.NewCall(StartBulkSync());
  auto outcome = s.Start(call);
  ASSERT_EQ(s.upstream.size(), 1u);
  Recorded post = s.upstream.request(0);
  EXPECT_EQ(post.HeaderCount("Idempotency-Key"), 1u);
  EXPECT_EQ(post.Header("Idempotency-Key"), call->idempotency_key());
  EXPECT_EQ(call->idempotency_key(), call->origin().request_id);
  EXPECT_FALSE(call->idempotency_key().empty());
}

TEST(PassThroughTest, TheCallersIdempotencyKeyWins) {
  Stack s;
  StartBulkSyncRequest request = StartBulkSync();
  request.set_idempotency_key("caller-key-0001");
  auto call = s.NewCall(request);
  s.Start(call);
  ASSERT_EQ(s.upstream.size(), 1u);
  Recorded post = s.upstream.request(0);
  EXPECT_EQ(post.HeaderCount("Idempotency-Key"), 1u);
  EXPECT_EQ(post.Header("Idempotency-Key"), "caller-key-0001");
  // The key is a header, never a body member.
  EXPECT_TRUE(SameJson(post.body, R"({"test": false})"));
}

TEST(PassThroughTest, EachCallHasItsOwnKey) {
  Stack s;
  s.Run(StartBulkSync());
  s.Run(StartBulkSync());
  ASSERT_EQ(s.upstream.size(), 2u);
  EXPECT_NE(s.upstream.request(0).Header("Idempotency-Key"),
            s.upstream.request(1).Header("Idempotency-Key"));
}

TEST(PassThroughTest, EveryWriteOfTheContractCarriesAnIdempotencyKey) {
  // Each operation that accepts the header gets it when the caller sets
  // none: a POST with a "*" body, and a DELETE.
  Stack s;
  ActivateBulkSyncRequest activate;
  activate.set_id(kBulkSyncId);
  activate.set_active(true);
  auto activating = s.NewCall(activate);
  s.Start(activating);
  DeleteModelSyncRequest remove;
  remove.set_id(kModelSyncId);
  auto deleting = s.NewCall(remove);
  s.Start(deleting);
  ASSERT_EQ(s.upstream.size(), 2u);
  EXPECT_EQ(s.upstream.request(0).method, "POST");
  EXPECT_EQ(s.upstream.request(0).Header("Idempotency-Key"),
            activating->idempotency_key());
  EXPECT_TRUE(SameJson(s.upstream.request(0).body, R"({"active": true})"));
  EXPECT_EQ(s.upstream.request(1).method, "DELETE");
  EXPECT_EQ(s.upstream.request(1).Header("Idempotency-Key"),
            deleting->idempotency_key());
}

TEST(PassThroughTest, AWriteCancelledWhileItsIntentIsPendingSendsNothing) {
  Stack s;
  s.audit.HoldIntents();
  auto call = s.NewCall(StartBulkSync());
  auto outcome = s.Start(call);
  call->Cancel();
  EXPECT_FALSE(outcome->finished());  // nothing to cancel yet
  s.audit.ReleaseIntents();
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(s.upstream.size(), 0u);
}

TEST(PassThroughTest, AWriteCancelledBeforeItRunsSendsNothing) {
  Stack s;
  auto call = s.NewCall(StartBulkSync());
  call->Cancel();
  auto outcome = s.Start(call);
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(s.upstream.size(), 0u);
  EXPECT_EQ(s.audit.outcomes().size(), 1u);
}

TEST(PassThroughTest, CancellingWhileThePostIsPendingCancelsIt) {
  Stack s;
  auto call = s.NewCall(StartBulkSync());
  auto outcome = s.Start(call);
  ASSERT_EQ(s.upstream.size(), 1u);
  call->Cancel();
  EXPECT_THAT(s.upstream.cancels(), ElementsAre(s.upstream.request(0).id));
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(s.audit.outcomes().size(), 1u);
}

TEST(PassThroughTest, AnUpstreamErrorIsMappedAndTheCacheHearsNothing) {
  ScriptedCache cache;
  StackOptions options;
  options.cache = &cache;
  Stack s(options);
  auto outcome = s.Run(StartBulkSync());
  s.upstream.Answer(0, Reply(409, R"({"message": "already running"})"));
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Reason(outcome->status), "UPSTREAM_CONFLICT");
  EXPECT_EQ(cache.written, 0);
}

TEST(PassThroughTest, ASuccessfulWriteIsHeardByTheCacheOnce) {
  ScriptedCache cache;
  StackOptions options;
  options.cache = &cache;
  Stack s(options);
  auto outcome = s.Run(StartBulkSync());
  s.upstream.Answer(0, Reply(201, kStarted));
  ASSERT_TRUE(outcome->status.ok()) << outcome->status;
  EXPECT_EQ(cache.written, 1);
  EXPECT_EQ(cache.reads, 0);  // writes never read through the cache
}

// The cache must hear of "a write through the gateway that may have changed
// upstream state" (cache_stage.h). A 2xx answer did change it, even when its
// body cannot be read; otherwise a read cache would go on serving what was
// there before.
TEST(PassThroughTest, TheCacheHearsOfAWriteWhoseAnswerCannotBeRead) {
  ScriptedCache cache;
  StackOptions options;
  options.cache = &cache;
  Stack s(options);
  auto outcome = s.Run(StartBulkSync());
  s.upstream.Answer(0, Reply(201, "not json"));
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(cache.written, 1);
}

TEST(PassThroughTest, AWriteAnswerThatIsNotJsonIsInternal) {
  Stack s;
  auto call = s.NewCall(StartBulkSync());
  auto outcome = s.Start(call);
  s.upstream.Answer(0, Reply(200, "not json"));
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Reason(outcome->status), "UPSTREAM_BAD_RESPONSE");
  EXPECT_EQ(call->response_bytes(), nullptr);
}

TEST(PassThroughTest, ATransportFailureOfAWriteIsUnavailable) {
  Stack s;
  auto outcome = s.Run(StartBulkSync());
  s.upstream.Answer(0, absl::UnavailableError("reset after sending"));
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_EQ(outcome->status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Reason(outcome->status), "UPSTREAM_UNAVAILABLE");
  EXPECT_EQ(s.upstream.size(), 1u);  // never re-sent
}

TEST(PassThroughTest, ADeleteAnsweredWithNoBodySucceeds) {
  Stack s;
  DeleteModelSyncRequest remove;
  remove.set_id(kModelSyncId);
  auto call = s.NewCall(remove);
  auto outcome = s.Start(call);
  ASSERT_EQ(s.upstream.size(), 1u);
  EXPECT_EQ(s.upstream.request(0).target,
            std::string("/api/syncs/") + kModelSyncId);
  s.upstream.Answer(0, Reply(204, ""));
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_TRUE(outcome->status.ok()) << outcome->status;
  ASSERT_NE(call->response_bytes(), nullptr);
  EXPECT_EQ(*call->response_bytes(), "");  // an empty response message
}

// The schema update's PUT never sends the schema's `id` (the route's
// body_omits), also when the request goes through the pass-through
// exchange with the id set.
TEST(PassThroughTest, TheSchemaUpdateBodyNeverCarriesTheId) {
  Stack s;
  UpdateBulkSyncSchemaRequest request;
  request.set_id(kBulkSyncId);
  request.set_schema_id("public.users");
  request.mutable_schema()->set_id("public.users");
  request.mutable_schema()->set_enabled(true);
  request.mutable_schema()->set_partition_key("created_at");
  auto call = s.NewCall(request);
  auto outcome = s.StartPassThrough(call);
  ASSERT_EQ(s.upstream.size(), 1u);
  Recorded put = s.upstream.request(0);
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.target, std::string("/api/bulk/syncs/") + kBulkSyncId +
                            "/schemas/public.users");
  EXPECT_EQ(put.operation, "bulkSync.schemas.update");
  EXPECT_TRUE(SameJson(put.body,
                       R"({"enabled": true, "partition_key": "created_at"})"));
  EXPECT_EQ(put.Header("Idempotency-Key"), call->idempotency_key());
  s.upstream.Answer(0, Reply(200, R"({"data": {"id": "public.users"}})"));
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_TRUE(outcome->status.ok()) << outcome->status;
}

}  // namespace
}  // namespace gateway::server::testing
