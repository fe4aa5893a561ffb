// Pipeline and Upstream on reads: the audit's admission, the one GET a read
// sends (account, operation, deadline), the response bytes it answers with,
// every way the upstream can fail, cancellation, and the cache's bytes fast
// path.
#include <memory>
#include <ostream>
#include <string>

#include "gateway/common/error_details.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "tests/unit/server/server_test_stack.h"

namespace gateway::server::testing {
namespace {

using ::polytomic::v1::GetBulkSyncRequest;
using ::polytomic::v1::GetBulkSyncResponse;
using ::polytomic::v1::ListBulkSyncsRequest;
using ::polytomic::v1::ListBulkSyncsResponse;
using State = testsupport::FakeRestClient::State;

GetBulkSyncRequest GetBulkSync() {
  GetBulkSyncRequest request;
  request.set_id(kBulkSyncId);
  return request;
}

constexpr char kGot[] = R"({"data": {
  "id": "5d7c3a52-0000-4000-8000-000000000001", "name": "nightly",
  "mode": "replicate", "active": true,
  "default_schedule": {"frequency": "daily", "hour": "3"},
  "future_member": [1, 2]}})";

// ExpectFailed checks the call ended once with `code` and `reason` and
// the audit heard exactly that.
void ExpectFailed(const Stack& s, const CallOutcome& outcome,
                  absl::StatusCode code, const std::string& reason) {
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_EQ(outcome.status.code(), code) << outcome.status;
  EXPECT_EQ(Reason(outcome.status), reason) << outcome.status;
  auto outcomes = s.audit.outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, outcome.status);
  EXPECT_EQ(s.audit.intents(), 0u);  // reads write no intent
}

TEST(PipelineReadTest, AReadTheAuditRefusesSendsNothing) {
  Stack s;
  s.audit.RefuseReads(AuditUnavailable());
  auto call = s.NewCall(GetBulkSync());
  auto outcome = s.Start(call);
  ExpectFailed(s, *outcome, absl::StatusCode::kUnavailable,
               "AUDIT_UNAVAILABLE");
  EXPECT_EQ(s.upstream.size(), 0u);
  EXPECT_EQ(call->principal(), "team-a");  // admitted before the audit
}

TEST(PipelineReadTest, AReadSendsOneGetAsTheCallsAccountOperationDeadline) {
  Stack s;
  auto call = s.NewCall(GetBulkSync());
  auto outcome = s.Start(call);
  EXPECT_FALSE(outcome->finished());
  ASSERT_EQ(s.upstream.size(), 1u);
  Recorded get = s.upstream.request(0);
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.target, std::string("/api/bulk/syncs/") + kBulkSyncId);
  EXPECT_EQ(get.account, kAccount);
  EXPECT_EQ(get.operation, "bulkSync.get");
  EXPECT_EQ(get.deadline, kDeadline);
  EXPECT_EQ(get.body, "");
  // Credentials are the decorator's, below this stage; reads carry no
  // Idempotency-Key.
  EXPECT_EQ(get.HeaderCount("Authorization"), 0u);
  EXPECT_EQ(get.HeaderCount("Idempotency-Key"), 0u);

  ASSERT_TRUE(s.upstream.Answer(0, Reply(200, kGot)));
  ASSERT_EQ(outcome->calls, 1);
  ASSERT_TRUE(outcome->status.ok()) << outcome->status;
  EXPECT_EQ(s.upstream.size(), 1u);
  EXPECT_EQ(call->upstream_status(), 200);
  ASSERT_NE(call->response_bytes(), nullptr);
  GetBulkSyncResponse response;
  ASSERT_TRUE(response.ParseFromString(*call->response_bytes()));
  EXPECT_EQ(response.data().id(), kBulkSyncId);
  EXPECT_EQ(response.data().name(), "nightly");
  EXPECT_EQ(response.data().mode(), polytomic::v1::BULK_SYNC_MODE_REPLICATE);
  EXPECT_TRUE(response.data().active());
  EXPECT_EQ(response.data().default_schedule().hour(), "3");
  // Members the contract does not model are kept.
  EXPECT_TRUE(
      response.data().additional_fields().fields().contains("future_member"));
  // The etag is that of the document read.
  EXPECT_FALSE(response.data().etag().empty());

  auto outcomes = s.audit.outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].status.ok());
  EXPECT_EQ(call->cache_status(), "miss");
}

TEST(PipelineReadTest, QueryFieldsGoInTheTarget) {
  Stack s;
  ListBulkSyncsRequest list;
  list.set_active(true);
  list.set_limit(5);
  auto call = s.NewCall(list);
  auto outcome = s.Start(call);
  ASSERT_EQ(s.upstream.size(), 1u);
  EXPECT_EQ(s.upstream.request(0).target,
            "/api/bulk/syncs?active=true&limit=5");
  EXPECT_EQ(s.upstream.request(0).operation, "bulkSync.list");
  s.upstream.Answer(0,
                    Reply(200, R"({"data": [{"name": "a"}, {"name": "b"}]})"));
  ASSERT_TRUE(outcome->status.ok()) << outcome->status;
  ListBulkSyncsResponse response;
  ASSERT_TRUE(response.ParseFromString(*call->response_bytes()));
  ASSERT_EQ(response.data_size(), 2);
  EXPECT_EQ(response.data(1).name(), "b");
}

struct UpstreamFailure {
  const char* name;
  testsupport::FakeRestClient::Result answer;
  absl::StatusCode code;
  const char* reason;
  int recorded_status;  // the call's upstream_status afterwards
};

void PrintTo(const UpstreamFailure& failure, std::ostream* os) {
  *os << failure.name;
}

class PipelineReadFailureTest
    : public ::testing::TestWithParam<UpstreamFailure> {};

TEST_P(PipelineReadFailureTest, MapsTheFailure) {
  Stack s;
  auto call = s.NewCall(GetBulkSync());
  auto outcome = s.Start(call);
  ASSERT_EQ(s.upstream.size(), 1u);
  ASSERT_TRUE(s.upstream.Answer(0, GetParam().answer));
  ExpectFailed(s, *outcome, GetParam().code, GetParam().reason);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(outcome->status, &info));
  EXPECT_EQ(info.metadata().at("operation"), "bulkSync.get");
  EXPECT_EQ(call->upstream_status(), GetParam().recorded_status);
  EXPECT_EQ(call->response_bytes(), nullptr);
  EXPECT_EQ(s.upstream.size(), 1u);  // never re-sent
}

INSTANTIATE_TEST_SUITE_P(
    Failures, PipelineReadFailureTest,
    ::testing::Values(
        UpstreamFailure{"NotFound",
                        Reply(404, R"({"message": "no such sync"})"),
                        absl::StatusCode::kNotFound, "UPSTREAM_NOT_FOUND", 404},
        UpstreamFailure{"ServerError", Reply(500, "oops"),
                        absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE",
                        500},
        UpstreamFailure{"RateLimited", Reply(429, "{}"),
                        absl::StatusCode::kResourceExhausted,
                        "UPSTREAM_RATE_LIMITED", 429},
        UpstreamFailure{
            "TransportUnavailable", absl::UnavailableError("connection reset"),
            absl::StatusCode::kUnavailable, "UPSTREAM_UNAVAILABLE", 0},
        UpstreamFailure{"TransportTimeout",
                        absl::DeadlineExceededError("no answer in time"),
                        absl::StatusCode::kDeadlineExceeded, "UPSTREAM_TIMEOUT",
                        0},
        UpstreamFailure{"NotJson", Reply(200, "<html>hello</html>"),
                        absl::StatusCode::kInternal, "UPSTREAM_BAD_RESPONSE",
                        200},
        UpstreamFailure{"NotAnObject", Reply(200, "[1, 2]"),
                        absl::StatusCode::kInternal, "UPSTREAM_BAD_RESPONSE",
                        200}),
    [](const ::testing::TestParamInfo<UpstreamFailure>& info) {
      return std::string(info.param.name);
    });

TEST(PipelineReadTest, RateLimitingCarriesTheRetryDelay) {
  Stack s;
  auto outcome = s.Run(GetBulkSync());
  ASSERT_EQ(s.upstream.size(), 1u);
  HttpResponse limited = Reply(429, "{}");
  limited.headers.emplace_back("retry-after", "7");
  s.upstream.Answer(0, limited);
  ASSERT_EQ(outcome->status.code(), absl::StatusCode::kResourceExhausted);
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(GetDetail(outcome->status, &retry)) << outcome->status;
  EXPECT_EQ(retry.retry_delay().seconds(), 7);
}

TEST(PipelineReadTest, CancellingWhileTheGetIsPendingCancelsIt) {
  Stack s;
  auto call = s.NewCall(GetBulkSync());
  auto outcome = s.Start(call);
  ASSERT_EQ(s.upstream.size(), 1u);
  call->Cancel();
  EXPECT_THAT(s.upstream.cancels(),
              ::testing::ElementsAre(s.upstream.request(0).id));
  EXPECT_EQ(s.upstream.request(0).state, State::kCancelled);
  ExpectFailed(s, *outcome, absl::StatusCode::kCancelled, "CANCELLED");
  call->Cancel();  // again: nothing more happens
  EXPECT_EQ(outcome->calls, 1);
}

TEST(PipelineReadTest, AReadCancelledBeforeItRunsSendsNothing) {
  Stack s;
  auto call = s.NewCall(GetBulkSync());
  call->Cancel();
  auto outcome = s.Start(call);
  ExpectFailed(s, *outcome, absl::StatusCode::kCancelled, "CANCELLED");
  EXPECT_EQ(s.upstream.size(), 0u);
}

TEST(PipelineReadTest, ACachedAnswerIsTheCallsBytesAndNothingGoesUpstream) {
  ScriptedCache cache;
  cache.prepared = std::make_shared<const std::string>("prepared bytes");
  StackOptions options;
  options.cache = &cache;
  Stack s(options);
  auto call = s.NewCall(GetBulkSync());
  auto outcome = s.Start(call);
  ASSERT_EQ(outcome->calls, 1);
  ASSERT_TRUE(outcome->status.ok()) << outcome->status;
  EXPECT_EQ(call->response_bytes().get(), cache.prepared.get());  // no copy
  EXPECT_EQ(call->cache_status(), "hit");
  EXPECT_EQ(s.upstream.size(), 0u);
  EXPECT_EQ(cache.reads, 1);
  EXPECT_EQ(cache.fetches, 0);
  ASSERT_EQ(s.audit.outcomes().size(), 1u);
}

TEST(PipelineReadTest, TheCacheIsAskedOnlyAfterAdmissionAndValidation) {
  ScriptedCache cache;
  cache.prepared = std::make_shared<const std::string>("prepared bytes");
  StackOptions options;
  options.cache = &cache;
  Stack s(options);
  auto refused = s.Run(GetBulkSync(), "unknown-token");
  EXPECT_EQ(refused->status.code(), absl::StatusCode::kUnauthenticated);
  GetBulkSyncRequest bad;
  bad.set_id("bad");
  auto invalid = s.Run(bad);
  EXPECT_EQ(invalid->status.code(), absl::StatusCode::kInvalidArgument);
  s.audit.RefuseReads(AuditUnavailable());
  auto unaudited = s.Run(GetBulkSync());
  EXPECT_EQ(unaudited->status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(cache.reads, 0);
}

TEST(PipelineReadTest, ACacheMissFetchesThroughTheExchange) {
  ScriptedCache cache;
  StackOptions options;
  options.cache = &cache;
  Stack s(options);
  auto call = s.NewCall(GetBulkSync());
  auto outcome = s.Start(call);
  EXPECT_EQ(cache.fetches, 1);
  ASSERT_EQ(s.upstream.size(), 1u);
  s.upstream.Answer(0, Reply(200, kGot));
  ASSERT_TRUE(outcome->status.ok()) << outcome->status;
  GetBulkSyncResponse response;
  ASSERT_TRUE(response.ParseFromString(*call->response_bytes()));
  EXPECT_EQ(response.data().name(), "nightly");
  EXPECT_EQ(cache.written, 0);  // reads are not writes
}

}  // namespace
}  // namespace gateway::server::testing
