// RetryingClient over a fake transport, with a manual clock and scheduler:
// what is retried and what is not, when (backoff with full jitter,
// Retry-After, never past the deadline), the retry budget, the same
// Idempotency-Key on every attempt, 409 for a key in use, a DELETE whose
// retry finds nothing, and cancellation between attempts.
#include "gateway/rest/retrying_client.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/error_details.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_rest_client.h"
#include "tests/support/manual_time.h"

namespace gateway::rest {
namespace {

using ::testing::HasSubstr;
using testsupport::FakeRestClient;

const absl::Time kNow = absl::FromUnixSeconds(1714564800);

class RetryingClientTest : public ::testing::Test {
 protected:
  void Build(int max_attempts = 3, double budget_ratio = 0.2) {
    config::v1::Retry retry;
    retry.set_max_attempts(max_attempts);
    retry.mutable_initial_backoff()->set_seconds(1);
    retry.mutable_max_backoff()->set_seconds(3);
    retry.set_budget_ratio(budget_ratio);
    auto transport = std::make_unique<FakeRestClient>();
    transport_ = transport.get();
    auto client = RetryingClient::Create(std::move(transport), &scheduler_,
                                         &clock_, &metrics_, retry);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }
  void SetUp() override { Build(); }

  static HttpRequest Request(std::string method, std::string key = "") {
    HttpRequest request;
    request.method = std::move(method);
    request.target = "/api/bulk/syncs/s1/executions";
    if (!key.empty()) request.headers.emplace_back("Idempotency-Key", key);
    request.account = "production";
    request.operation = "bulkSync.executions.start";
    request.deadline = kNow + absl::Seconds(30);
    return request;
  }

  struct Answer {
    int calls = 0;
    absl::StatusOr<HttpResponse> response = absl::UnknownError("none");
  };
  RestClient::RequestId Send(HttpRequest request, Answer* answer) {
    return client_->Send(std::move(request),
                         [answer](absl::StatusOr<HttpResponse> response) {
                           ++answer->calls;
                           answer->response = std::move(response);
                         });
  }

  // Fail answers the last request sent with `result` and runs the backoff
  // that follows, if any; true if a new attempt was sent.
  bool FailLast(FakeRestClient::Result result) {
    size_t before = transport_->size();
    transport_->Answer(before - 1, std::move(result));
    if (!scheduler_.RunNext()) return false;
    return transport_->size() == before + 1;
  }

  std::string Metrics() const { return metrics_.RenderText(); }

  testsupport::ManualClock clock_{kNow};
  testsupport::ManualScheduler scheduler_{&clock_};
  MetricsRegistry metrics_;
  FakeRestClient* transport_ = nullptr;  // owned by client_
  std::unique_ptr<RetryingClient> client_;
};

TEST_F(RetryingClientTest, UnavailableAnswersAreRetriedUntilOneSucceeds) {
  Answer answer;
  Send(Request("GET"), &answer);
  EXPECT_TRUE(FailLast(FakeRestClient::Reply(503, "{}")));
  EXPECT_TRUE(FailLast(FakeRestClient::Reply(502, "{}")));
  transport_->Answer(2, FakeRestClient::Reply(200, "ok"));
  ASSERT_EQ(answer.calls, 1);
  ASSERT_TRUE(answer.response.ok());
  EXPECT_EQ(answer.response->body, "ok");
  EXPECT_EQ(transport_->size(), 3u);
}

TEST_F(RetryingClientTest, APersistentFailureEndsAfterMaxAttempts) {
  Answer answer;
  Send(Request("PUT"), &answer);
  EXPECT_TRUE(FailLast(FakeRestClient::Reply(504, "{}")));
  EXPECT_TRUE(FailLast(FakeRestClient::Reply(504, "{}")));
  EXPECT_FALSE(FailLast(FakeRestClient::Reply(504, "{}")));
  ASSERT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.response->status, 504);
  EXPECT_EQ(transport_->size(), 3u);
  EXPECT_THAT(Metrics(), HasSubstr("account=\"production\",outcome=\"attempts\""
                                   "} 1"));
}

TEST_F(RetryingClientTest, WhatAnotherAttemptCannotFixIsNotRetried) {
  for (int status : {500, 400, 404, 409, 422}) {
    Answer answer;
    Send(Request("GET"), &answer);
    transport_->Answer(transport_->size() - 1,
                       FakeRestClient::Reply(status, "{}"));
    ASSERT_EQ(answer.calls, 1) << status;
    EXPECT_EQ(answer.response->status, status);
  }
  Answer timeout;
  Send(Request("GET"), &timeout);
  transport_->Answer(transport_->size() - 1,
                     absl::DeadlineExceededError("deadline"));
  EXPECT_EQ(timeout.calls, 1);
  Answer refused;
  Send(Request("GET"), &refused);
  transport_->Answer(transport_->size() - 1,
                     ErrorWithInfo(absl::StatusCode::kUnavailable, "open",
                                   "UPSTREAM_CIRCUIT_OPEN", {}));
  EXPECT_EQ(refused.calls, 1);
  EXPECT_EQ(scheduler_.size(), 0u);
  EXPECT_EQ(transport_->size(), 7u);
}

TEST_F(RetryingClientTest, BackoffIsFullJitterUnderADoublingCap) {
  Answer answer;
  Send(Request("GET"), &answer);
  // Caps: 1 s, then 2 s, then (max_backoff) 3 s.
  for (absl::Duration cap : {absl::Seconds(1), absl::Seconds(2)}) {
    absl::Time failed_at = clock_.Now();
    transport_->Answer(transport_->size() - 1,
                       absl::UnavailableError("connection reset"));
    ASSERT_EQ(scheduler_.size(), 1u);
    EXPECT_GE(scheduler_.NextTime(), failed_at);
    EXPECT_LE(scheduler_.NextTime(), failed_at + cap);
    scheduler_.RunNext();
  }
  EXPECT_EQ(transport_->size(), 3u);
}

TEST_F(RetryingClientTest, RetryAfterIsWaitedOutExactly) {
  Answer answer;
  Send(Request("GET"), &answer);
  transport_->Answer(0,
                     FakeRestClient::Reply(429, "{}", {{"retry-after", "7"}}));
  EXPECT_EQ(scheduler_.NextTime(), kNow + absl::Seconds(7));
  scheduler_.RunNext();
  transport_->Answer(1, FakeRestClient::Reply(200, "{}"));
  EXPECT_EQ(answer.calls, 1);
  EXPECT_TRUE(answer.response.ok());
}

TEST_F(RetryingClientTest, NoWaitEndsPastTheDeadline) {
  Answer answer;
  Send(Request("GET"), &answer);  // deadline in 30 s
  transport_->Answer(0,
                     FakeRestClient::Reply(429, "{}", {{"retry-after", "31"}}));
  ASSERT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.response->status, 429);  // at once, not after 31 s
  EXPECT_EQ(scheduler_.size(), 0u);
  EXPECT_THAT(Metrics(), HasSubstr("outcome=\"deadline\"} 1"));
}

TEST_F(RetryingClientTest, APostIsRetriedOnlyWithAKeyOrWhenNeverSent) {
  Answer unkeyed;
  Send(Request("POST"), &unkeyed);
  transport_->Answer(0, absl::UnavailableError("reset after sending"));
  EXPECT_EQ(unkeyed.calls, 1);  // it may have started a sync
  Answer unkeyed_503;
  Send(Request("POST"), &unkeyed_503);
  transport_->Answer(1, FakeRestClient::Reply(503, "{}"));
  EXPECT_EQ(unkeyed_503.calls, 1);
  EXPECT_EQ(scheduler_.size(), 0u);

  Answer not_sent;
  Send(Request("POST"), &not_sent);
  EXPECT_TRUE(
      FailLast(MarkNotSent(absl::UnavailableError("connection refused"))));

  Answer keyed;
  Send(Request("POST", "key-123456789"), &keyed);
  EXPECT_TRUE(FailLast(absl::UnavailableError("reset after sending")));
  size_t last = transport_->size() - 1;
  EXPECT_EQ(transport_->request(last).Header("Idempotency-Key"),
            "key-123456789");
  EXPECT_EQ(transport_->request(last - 1).Header("Idempotency-Key"),
            "key-123456789");
  EXPECT_EQ(transport_->request(last).HeaderCount("Idempotency-Key"), 1u);
}

TEST_F(RetryingClientTest, AConflictForAKeyInUseIsRetried) {
  // After an attempt of unknown outcome, the key may still be in use.
  Answer after_loss;
  Send(Request("POST", "key-123456789"), &after_loss);
  EXPECT_TRUE(FailLast(absl::UnavailableError("reset after sending")));
  EXPECT_TRUE(FailLast(FakeRestClient::Reply(409, R"({"message":"busy"})")));
  transport_->Answer(2, FakeRestClient::Reply(200, "{}"));
  EXPECT_TRUE(after_loss.response.ok());

  // The upstream says so.
  Answer said;
  Send(Request("POST", "key-abcdefghij"), &said);
  EXPECT_TRUE(FailLast(FakeRestClient::Reply(
      409, R"({"message":"a request with this Idempotency-Key is still in )"
           R"(progress"})")));

  // Any other conflict is the caller's to see.
  Answer running;
  Send(Request("POST", "key-zyxwvutsrq"), &running);
  size_t before = transport_->size();
  transport_->Answer(
      before - 1,
      FakeRestClient::Reply(409, R"({"message":"an execution is running"})"));
  EXPECT_EQ(running.calls, 1);
  EXPECT_EQ(running.response->status, 409);
  EXPECT_EQ(transport_->size(), before);
}

TEST_F(RetryingClientTest, ADeleteWhoseRetryFindsNothingSucceeded) {
  Answer answer;
  Send(Request("DELETE"), &answer);
  EXPECT_TRUE(FailLast(absl::UnavailableError("reset after sending")));
  transport_->Answer(1, FakeRestClient::Reply(404, "{}"));
  ASSERT_EQ(answer.calls, 1);
  ASSERT_TRUE(answer.response.ok());
  EXPECT_EQ(answer.response->status, 204);
  EXPECT_EQ(answer.response->Header("x-gateway-retry"),
            "deleted-by-earlier-attempt");

  // Without an attempt of unknown outcome, 404 is the answer.
  Answer plain;
  Send(Request("DELETE"), &plain);
  EXPECT_TRUE(FailLast(FakeRestClient::Reply(503, "{}")));
  transport_->Answer(3, FakeRestClient::Reply(404, "{}"));
  EXPECT_EQ(plain.response->status, 404);
}

TEST_F(RetryingClientTest, TheBudgetBoundsRetriesAndSuccessesRefillIt) {
  Build(/*max_attempts=*/2, /*budget_ratio=*/0.5);
  // A full bucket: 10 retries.
  for (int i = 0; i < 10; ++i) {
    Answer answer;
    Send(Request("GET"), &answer);
    ASSERT_TRUE(FailLast(FakeRestClient::Reply(503, "{}"))) << i;
    transport_->Answer(transport_->size() - 1,
                       FakeRestClient::Reply(503, "{}"));
  }
  Answer spent;
  Send(Request("GET"), &spent);
  transport_->Answer(transport_->size() - 1, FakeRestClient::Reply(503, "{}"));
  EXPECT_EQ(spent.calls, 1);
  EXPECT_EQ(scheduler_.size(), 0u);
  EXPECT_THAT(Metrics(), HasSubstr("outcome=\"budget\"} 1"));
  // Two successes (0.5 each) buy one retry.
  for (int i = 0; i < 2; ++i) {
    Answer ok;
    Send(Request("GET"), &ok);
    transport_->Answer(transport_->size() - 1, FakeRestClient::Reply(200, ""));
  }
  Answer refilled;
  Send(Request("GET"), &refilled);
  EXPECT_TRUE(FailLast(FakeRestClient::Reply(503, "{}")));
}

TEST_F(RetryingClientTest, CancelWhileWaitingEndsTheCall) {
  Answer answer;
  RestClient::RequestId id = Send(Request("GET"), &answer);
  transport_->Answer(0, FakeRestClient::Reply(503, "{}"));
  ASSERT_EQ(scheduler_.size(), 1u);
  client_->Cancel(id);
  ASSERT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.response.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(scheduler_.size(), 0u);
  EXPECT_EQ(transport_->size(), 1u);

  // Cancelling an attempt in flight cancels it at the transport.
  Answer in_flight;
  RestClient::RequestId second = Send(Request("GET"), &in_flight);
  client_->Cancel(second);
  EXPECT_EQ(in_flight.response.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(transport_->request(1).state, FakeRestClient::State::kCancelled);
  EXPECT_EQ(scheduler_.size(), 0u);
}

TEST_F(RetryingClientTest, OneAttemptMeansNoRetry) {
  Build(/*max_attempts=*/1);
  Answer answer;
  Send(Request("GET"), &answer);
  transport_->Answer(0, FakeRestClient::Reply(503, "{}"));
  EXPECT_EQ(answer.calls, 1);
  EXPECT_EQ(scheduler_.size(), 0u);
}

}  // namespace
}  // namespace gateway::rest
