// MetricsClient over a fake transport: each request is counted once, when
// its answer arrives, by operation and HTTP status or "error"; requests,
// answers and Cancel pass through untouched; an answer given inline inside
// Send is counted before the caller's callback runs, which may send again.
#include "gateway/rest/metrics_client.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_rest_client.h"

namespace gateway::rest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testsupport::FakeRestClient;

class MetricsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto transport = std::make_unique<FakeRestClient>();
    transport_ = transport.get();
    auto client = MetricsClient::Create(std::move(transport), &registry_);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  static HttpRequest Get(absl::string_view operation,
                         std::string target = "/api/bulk/syncs") {
    HttpRequest request;
    request.method = "GET";
    request.target = std::move(target);
    request.operation = operation;
    request.account = "default";
    return request;
  }

  // Count is the counter of {operation, code} as GET /metrics shows it; -1
  // when it has no series.
  int64_t Count(absl::string_view operation, absl::string_view code) const {
    const std::string text = registry_.RenderText();
    const std::string series =
        absl::StrCat("polytomic_gateway_upstream_requests_total{operation=\"",
                     operation, "\",code=\"", code, "\"} ");
    size_t at = text.find(series);
    if (at == std::string::npos) return -1;
    at += series.size();
    int64_t value = -1;
    EXPECT_TRUE(absl::SimpleAtoi(
        absl::string_view(text).substr(at, text.find('\n', at) - at), &value));
    return value;
  }

  // Answer records what a request's callback got.
  struct Answer {
    int calls = 0;
    absl::StatusOr<HttpResponse> response = absl::UnknownError("none");
  };
  static RestClient::Callback Record(Answer* answer) {
    return [answer](absl::StatusOr<HttpResponse> response) {
      ++answer->calls;
      answer->response = std::move(response);
    };
  }

  MetricsRegistry registry_;
  FakeRestClient* transport_ = nullptr;  // owned by client_
  std::unique_ptr<MetricsClient> client_;
};

TEST_F(MetricsClientTest, EachAnswerIsCountedByOperationAndStatus) {
  Answer a, b, c;
  client_->Send(Get("bulkSync.get"), Record(&a));
  client_->Send(Get("bulkSync.get"), Record(&b));
  client_->Send(Get("bulkSync.list"), Record(&c));
  // Nothing is counted before its answer.
  EXPECT_EQ(Count("bulkSync.get", "200"), -1);
  transport_->Answer(0, FakeRestClient::Reply(200, "{}"));
  transport_->Answer(1, FakeRestClient::Reply(404, "{}"));
  transport_->Answer(2, FakeRestClient::Reply(200, "[]"));
  EXPECT_EQ(Count("bulkSync.get", "200"), 1);
  EXPECT_EQ(Count("bulkSync.get", "404"), 1);
  EXPECT_EQ(Count("bulkSync.list", "200"), 1);
  client_->Send(Get("bulkSync.get"), Record(&a));
  transport_->Answer(3, FakeRestClient::Reply(200, "{}"));
  EXPECT_EQ(Count("bulkSync.get", "200"), 2);
  // The callers got their answers, untouched.
  ASSERT_EQ(b.calls, 1);
  ASSERT_TRUE(b.response.ok());
  EXPECT_EQ(b.response->status, 404);
  ASSERT_EQ(c.calls, 1);
  EXPECT_EQ(c.response->body, "[]");
}

TEST_F(MetricsClientTest, NoHttpAnswerCountsAsErrorAndPassesThrough) {
  Answer answer;
  client_->Send(Get("bulkSync.get"), Record(&answer));
  transport_->Answer(0, absl::UnavailableError("connection reset"));
  EXPECT_EQ(Count("bulkSync.get", "error"), 1);
  ASSERT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.response.status(),
            absl::UnavailableError("connection reset"));
}

TEST_F(MetricsClientTest, TheRequestReachesTheTransportOnceAndUnchanged) {
  HttpRequest request = Get("bulkSync.update", "/api/bulk/syncs/42");
  request.method = "PUT";
  request.headers.emplace_back("Authorization", "Bearer k");
  request.body = R"({"name":"x"})";
  request.deadline = absl::FromUnixSeconds(1714564800);
  Answer answer;
  RestClient::RequestId id = client_->Send(request, Record(&answer));
  ASSERT_EQ(transport_->size(), 1u);
  FakeRestClient::Recorded sent = transport_->request(0);
  EXPECT_EQ(sent.id, id);
  EXPECT_EQ(sent.method, "PUT");
  EXPECT_EQ(sent.target, "/api/bulk/syncs/42");
  EXPECT_EQ(sent.body, R"({"name":"x"})");
  EXPECT_EQ(sent.Header("Authorization"), "Bearer k");
  EXPECT_EQ(sent.HeaderCount("Authorization"), 1u);
  EXPECT_EQ(sent.operation, "bulkSync.update");
  EXPECT_EQ(sent.account, "default");
  EXPECT_EQ(sent.deadline, absl::FromUnixSeconds(1714564800));
  transport_->Answer(0, absl::UnavailableError("may have reached upstream"));
  // A failure is not re-sent.
  EXPECT_EQ(transport_->size(), 1u);
  EXPECT_EQ(answer.calls, 1);
  // Labels hold the operation and code only: no target, id or header.
  const std::string text = registry_.RenderText();
  EXPECT_THAT(text, Not(HasSubstr("/api/bulk")));
  EXPECT_THAT(text, Not(HasSubstr("Bearer")));
}

TEST_F(MetricsClientTest, CancelReachesTheTransportAndCountsAsError) {
  Answer answer;
  RestClient::RequestId id =
      client_->Send(Get("bulkSync.get"), Record(&answer));
  client_->Cancel(id);
  EXPECT_THAT(transport_->cancels(), ElementsAre(id));
  ASSERT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.response.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Count("bulkSync.get", "error"), 1);
}

TEST_F(MetricsClientTest, AnInlineAnswerIsCountedFirstAndItsCallbackMaySend) {
  transport_->AutoAnswer("GET", "/api/bulk/syncs",
                         FakeRestClient::Reply(200, "[]"));
  int64_t seen_in_callback = -2;
  Answer second;
  bool first_done = false;
  client_->Send(Get("bulkSync.list"),
                [&](absl::StatusOr<HttpResponse> response) {
                  ASSERT_TRUE(response.ok());
                  // Counted before the caller's callback runs, and no lock
                  // is held: it can render, and send again from here.
                  seen_in_callback = Count("bulkSync.list", "200");
                  client_->Send(Get("bulkSync.list"), Record(&second));
                  first_done = true;
                });
  // Both answered inside Send, on this thread.
  EXPECT_TRUE(first_done);
  EXPECT_EQ(seen_in_callback, 1);
  ASSERT_EQ(second.calls, 1);
  EXPECT_EQ(Count("bulkSync.list", "200"), 2);
  EXPECT_EQ(transport_->size(), 2u);
}

TEST_F(MetricsClientTest, TwoClientsOnOneRegistryShareTheCounter) {
  auto other_transport = std::make_unique<FakeRestClient>();
  FakeRestClient* other_fake = other_transport.get();
  auto other = MetricsClient::Create(std::move(other_transport), &registry_);
  ASSERT_TRUE(other.ok()) << other.status();
  Answer a, b;
  client_->Send(Get("bulkSync.get"), Record(&a));
  (*other)->Send(Get("bulkSync.get"), Record(&b));
  transport_->Answer(0, FakeRestClient::Reply(200, "{}"));
  other_fake->Answer(0, FakeRestClient::Reply(200, "{}"));
  EXPECT_EQ(Count("bulkSync.get", "200"), 2);
}

TEST_F(MetricsClientTest, AClashingMetricIsAnError) {
  MetricsRegistry registry;
  ASSERT_TRUE(registry
                  .AddGaugeFamily("polytomic_gateway_upstream_requests_total",
                                  "Not a counter.", {})
                  .ok());
  auto client =
      MetricsClient::Create(std::make_unique<FakeRestClient>(), &registry);
  EXPECT_EQ(client.status().code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace gateway::rest
