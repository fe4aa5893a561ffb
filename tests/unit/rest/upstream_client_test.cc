// ComposeUpstream over a fake transport: every request leaves with its
// account's Authorization (Bearer or Basic, from the CredentialStore) and
// X-Polytomic-Version; a request whose account has no credentials is
// refused inline, never reaches the transport, is not counted as an upstream
// request and never shows a key; Cancel reaches the transport. And the
// order of the layers: every attempt of a retried request is signed and
// counted; an open circuit's refusal is not retried; overload is refused
// before the transport and does not open the circuit.
#include "gateway/rest/upstream_client.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/auth/credential_store.h"
#include "gateway/common/error_details.h"
#include "gateway/common/metrics.h"
#include "gmock/gmock.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "tests/support/fake_rest_client.h"
#include "tests/support/manual_time.h"
#include "tests/support/temp_files.h"

namespace gateway::rest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Recorded = testsupport::FakeRestClient::Recorded;
using State = testsupport::FakeRestClient::State;

// Keys that must never show up anywhere but the Authorization header.
constexpr char kBearerKey[] = "sk-live-bearer-0123456789abcdef";
constexpr char kBasicKey[] = "pk-partner-fedcba9876543210";
constexpr char kOrganization[] = "org-42";
constexpr char kVersion[] = "2025-09-18";
const absl::Time kNow = absl::FromUnixSeconds(1714564800);

// Upstream is ComposeUpstream over a fake transport, with two accounts whose
// keys live in temp files: "bearer" and "basic".
class UpstreamClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(bearer_file_.path().empty());
    ASSERT_FALSE(basic_file_.path().empty());
    auth::Accounts accounts;
    auto* bearer = accounts.Add();
    bearer->set_name("bearer");
    bearer->mutable_bearer_key()->set_file(bearer_file_.path());
    auto* basic = accounts.Add();
    basic->set_name("basic");
    basic->mutable_basic()->set_organization_id(kOrganization);
    basic->mutable_basic()->mutable_key()->set_file(basic_file_.path());
    auto store = auth::CredentialStore::Create(accounts);
    ASSERT_TRUE(store.ok()) << store.status();
    credentials_ = *std::move(store);

    auto transport = std::make_unique<testsupport::FakeRestClient>();
    transport_ = transport.get();
    config::v1::Upstream upstream;
    upstream.set_api_version(kVersion);
    upstream.set_max_connections(2);
    upstream.set_max_queued(2);
    upstream.mutable_retry()->set_max_attempts(3);
    upstream.mutable_retry()->mutable_initial_backoff()->set_seconds(1);
    upstream.mutable_retry()->mutable_max_backoff()->set_seconds(4);
    upstream.mutable_retry()->set_budget_ratio(0.2);
    upstream.mutable_circuit_breaker()->set_failure_threshold(2);
    upstream.mutable_circuit_breaker()->mutable_open_duration()->set_seconds(
        10);
    UpstreamEnvironment environment;
    environment.credentials = credentials_.get();
    environment.metrics = &metrics_;
    environment.scheduler = &scheduler_;
    environment.clock = &clock_;
    auto composed =
        ComposeUpstream(std::move(transport), environment, upstream);
    ASSERT_TRUE(composed.ok()) << composed.status();
    ASSERT_NE(composed->breaker, nullptr);
    client_ = std::move(composed->client);
  }

  static HttpRequest Get(const std::string& account) {
    HttpRequest request;
    request.method = "GET";
    request.target = "/api/bulk/syncs";
    request.headers.emplace_back("Accept", "application/json");
    request.account = account;
    request.operation = "bulkSync.list";
    request.deadline = kNow + absl::Minutes(1);
    return request;
  }

  // Answer records what a request's callback got.
  struct Answer {
    int calls = 0;
    absl::StatusOr<HttpResponse> response = absl::UnknownError("none");
  };
  RestClient::Callback Record(Answer* answer) {
    return [answer](absl::StatusOr<HttpResponse> response) {
      ++answer->calls;
      answer->response = std::move(response);
    };
  }

  testsupport::TempFile bearer_file_{absl::StrCat(kBearerKey, "\n")};
  testsupport::TempFile basic_file_{absl::StrCat(kBasicKey, "\n")};
  std::unique_ptr<auth::CredentialStore> credentials_;
  MetricsRegistry metrics_;
  testsupport::ManualClock clock_{kNow};
  testsupport::ManualScheduler scheduler_{&clock_};
  testsupport::FakeRestClient* transport_ = nullptr;  // owned by client_
  std::unique_ptr<RestClient> client_;
};

TEST_F(UpstreamClientTest, ABearerAccountSignsWithItsKeyAndTheVersion) {
  Answer answer;
  client_->Send(Get("bearer"), Record(&answer));
  ASSERT_EQ(transport_->size(), 1u);
  Recorded sent = transport_->request(0);
  EXPECT_EQ(sent.HeaderCount("Authorization"), 1u);
  EXPECT_EQ(sent.Header("Authorization"), absl::StrCat("Bearer ", kBearerKey));
  EXPECT_EQ(sent.HeaderCount("X-Polytomic-Version"), 1u);
  EXPECT_EQ(sent.Header("X-Polytomic-Version"), kVersion);
  // The rest of the request is as it was given.
  EXPECT_EQ(sent.Header("Accept"), "application/json");
  EXPECT_EQ(sent.method, "GET");
  EXPECT_EQ(sent.target, "/api/bulk/syncs");
  EXPECT_EQ(sent.account, "bearer");
  EXPECT_EQ(sent.operation, "bulkSync.list");
  EXPECT_EQ(sent.deadline, kNow + absl::Minutes(1));
  EXPECT_EQ(answer.calls, 0);  // the transport has not answered

  transport_->Answer(0, testsupport::FakeRestClient::Reply(200, "{}"));
  ASSERT_EQ(answer.calls, 1);
  ASSERT_TRUE(answer.response.ok()) << answer.response.status();
  EXPECT_EQ(answer.response->status, 200);
}

TEST_F(UpstreamClientTest, ABasicAccountSignsWithItsOrganizationAndKey) {
  Answer answer;
  client_->Send(Get("basic"), Record(&answer));
  ASSERT_EQ(transport_->size(), 1u);
  Recorded sent = transport_->request(0);
  EXPECT_EQ(sent.Header("Authorization"),
            absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(
                                       kOrganization, ":", kBasicKey))));
  EXPECT_EQ(sent.Header("X-Polytomic-Version"), kVersion);
}

TEST_F(UpstreamClientTest, EachRequestIsSignedAsItsOwnAccount) {
  Answer a, b;
  client_->Send(Get("basic"), Record(&a));
  client_->Send(Get("bearer"), Record(&b));
  ASSERT_EQ(transport_->size(), 2u);
  EXPECT_THAT(transport_->request(0).Header("Authorization"),
              HasSubstr("Basic "));
  EXPECT_EQ(transport_->request(1).Header("Authorization"),
            absl::StrCat("Bearer ", kBearerKey));
}

TEST_F(UpstreamClientTest, AnAccountWithoutCredentialsIsRefusedInline) {
  Answer answer;
  client_->Send(Get("nobody"), Record(&answer));
  // Refused inside Send, before the transport saw anything.
  ASSERT_EQ(answer.calls, 1);
  EXPECT_EQ(transport_->size(), 0u);
  const absl::Status& status = answer.response.status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(status, &info)) << status;
  EXPECT_EQ(info.reason(), "UPSTREAM_CREDENTIALS_MISSING");
  EXPECT_EQ(info.metadata().at("operation"), "bulkSync.list");
  EXPECT_THAT(std::string(status.message()), HasSubstr("bulkSync.list"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("nobody"));
  // No key, of any account, in the message or in any detail.
  std::string everything(status.message());
  for (const google::protobuf::Any& detail : DetailsAsAny(status)) {
    everything += detail.SerializeAsString();
  }
  status.ForEachPayload([&everything](absl::string_view, const absl::Cord& p) {
    everything += std::string(p);
  });
  EXPECT_THAT(everything, Not(HasSubstr(kBearerKey)));
  EXPECT_THAT(everything, Not(HasSubstr(kBasicKey)));
  EXPECT_THAT(everything, Not(HasSubstr(absl::Base64Escape(
                              absl::StrCat(kOrganization, ":", kBasicKey)))));
}

TEST_F(UpstreamClientTest, MetricsCountWhatReachedTheTransportOnly) {
  Answer refused, signed_request;
  client_->Send(Get("nobody"), Record(&refused));  // never leaves
  client_->Send(Get("bearer"), Record(&signed_request));
  transport_->Answer(0, testsupport::FakeRestClient::Reply(200, "{}"));
  ASSERT_EQ(refused.calls, 1);
  ASSERT_EQ(signed_request.calls, 1);
  const std::string text = metrics_.RenderText();
  EXPECT_THAT(text, HasSubstr("polytomic_gateway_upstream_requests_total{"
                              "operation=\"bulkSync.list\",code=\"200\"} 1\n"));
  // The refusal is not an upstream request: no "error" series.
  EXPECT_THAT(text, Not(HasSubstr("code=\"error\"")));
  EXPECT_THAT(text, Not(HasSubstr(kBearerKey)));
  // Accounts label only the breaker's and the retries' series (their names
  // come from the configuration), never one the refused account made up.
  EXPECT_THAT(text, Not(HasSubstr("nobody")));
}

TEST_F(UpstreamClientTest, CancelReachesTheTransport) {
  Answer answer;
  RestClient::RequestId id = client_->Send(Get("bearer"), Record(&answer));
  ASSERT_EQ(transport_->size(), 1u);
  client_->Cancel(id);
  EXPECT_THAT(transport_->cancels(), ElementsAre(transport_->request(0).id));
  EXPECT_EQ(transport_->request(0).state, State::kCancelled);
  ASSERT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.response.status().code(), absl::StatusCode::kCancelled);
}

TEST_F(UpstreamClientTest, CancellingARefusedRequestIsHarmless) {
  Answer answer;
  RestClient::RequestId id = client_->Send(Get("nobody"), Record(&answer));
  client_->Cancel(id);
  EXPECT_EQ(answer.calls, 1);  // answered once, by the refusal
  EXPECT_EQ(transport_->size(), 0u);
}

TEST_F(UpstreamClientTest, AnAnswerTheTransportGivesInsideSendComesBack) {
  transport_->AutoAnswer("GET", "/api/bulk/syncs",
                         testsupport::FakeRestClient::Reply(200, "[]"));
  Answer answer;
  HttpRequest request = Get("bearer");
  request.target = "/api/bulk/syncs?limit=5";  // rules match the path
  client_->Send(std::move(request), Record(&answer));
  ASSERT_EQ(answer.calls, 1);
  ASSERT_TRUE(answer.response.ok()) << answer.response.status();
  EXPECT_EQ(answer.response->body, "[]");
  EXPECT_EQ(transport_->request(0).state, State::kAnswered);
  EXPECT_EQ(transport_->request(0).Header("Authorization"),
            absl::StrCat("Bearer ", kBearerKey));
}

TEST_F(UpstreamClientTest, FailuresNotRetriedPassThroughUnchanged) {
  Answer answer;
  HttpRequest post = Get("bearer");
  post.method = "POST";  // no Idempotency-Key: a reset POST is not re-sent
  client_->Send(std::move(post), Record(&answer));
  transport_->Answer(0, absl::UnavailableError("connection reset"));
  ASSERT_EQ(answer.calls, 1);
  EXPECT_EQ(answer.response.status(),
            absl::UnavailableError("connection reset"));
  EXPECT_EQ(transport_->size(), 1u);
  EXPECT_EQ(scheduler_.size(), 0u);
}

TEST_F(UpstreamClientTest, EveryAttemptIsSignedAndCounted) {
  Answer answer;
  client_->Send(Get("bearer"), Record(&answer));
  transport_->Answer(0, testsupport::FakeRestClient::Reply(503, "{}"));
  EXPECT_EQ(answer.calls, 0);
  ASSERT_TRUE(scheduler_.RunNext());  // the backoff ends
  ASSERT_EQ(transport_->size(), 2u);
  EXPECT_EQ(transport_->request(1).HeaderCount("Authorization"), 1u);
  EXPECT_EQ(transport_->request(1).Header("Authorization"),
            absl::StrCat("Bearer ", kBearerKey));
  transport_->Answer(1, testsupport::FakeRestClient::Reply(200, "{}"));
  ASSERT_EQ(answer.calls, 1);
  ASSERT_TRUE(answer.response.ok()) << answer.response.status();
  std::string text = metrics_.RenderText();
  EXPECT_THAT(text, HasSubstr("polytomic_gateway_upstream_requests_total{"
                              "operation=\"bulkSync.list\",code=\"503\"} 1"));
  EXPECT_THAT(text, HasSubstr("polytomic_gateway_upstream_requests_total{"
                              "operation=\"bulkSync.list\",code=\"200\"} 1"));
  EXPECT_THAT(text, HasSubstr("polytomic_gateway_upstream_retries_total{"
                              "account=\"bearer\",outcome=\"retried\"} 1"));
}

TEST_F(UpstreamClientTest, AnOpenCircuitRefusesWithoutRetrying) {
  // Two failures in a row (threshold 2) open the circuit: a 500 is not
  // retried, so each request is one failure.
  for (int i = 0; i < 2; ++i) {
    Answer failed;
    client_->Send(Get("bearer"), Record(&failed));
    transport_->Answer(i, testsupport::FakeRestClient::Reply(500, "{}"));
    ASSERT_EQ(failed.calls, 1);
  }
  Answer answer;
  client_->Send(Get("bearer"), Record(&answer));
  ASSERT_EQ(answer.calls, 1);  // inline
  EXPECT_EQ(answer.response.status().code(), absl::StatusCode::kUnavailable);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(answer.response.status(), &info));
  EXPECT_EQ(info.reason(), "UPSTREAM_CIRCUIT_OPEN");
  EXPECT_EQ(transport_->size(), 2u);
  EXPECT_EQ(scheduler_.size(), 1u);  // only the half-open re-evaluation
  // Another account's circuit is its own.
  Answer other;
  client_->Send(Get("basic"), Record(&other));
  EXPECT_EQ(transport_->size(), 3u);
}

TEST_F(UpstreamClientTest, OverloadIsRefusedBeforeTheTransport) {
  // max_connections 2 + max_queued 2 = 4 pending at most.
  std::vector<Answer> answers(5);
  for (Answer& answer : answers) {
    HttpRequest post = Get("bearer");
    post.method = "POST";
    client_->Send(std::move(post), Record(&answer));
  }
  EXPECT_EQ(transport_->size(), 4u);
  ASSERT_EQ(answers[4].calls, 1);
  EXPECT_EQ(answers[4].response.status().code(),
            absl::StatusCode::kResourceExhausted);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(answers[4].response.status(), &info));
  EXPECT_EQ(info.reason(), "GATEWAY_OVERLOADED");
  EXPECT_EQ(info.metadata().at("limit"), "4");
  // An answered request makes room again; overload did not open the circuit.
  transport_->Answer(0, testsupport::FakeRestClient::Reply(200, "{}"));
  Answer again;
  client_->Send(Get("bearer"), Record(&again));
  EXPECT_EQ(transport_->size(), 5u);
  EXPECT_THAT(metrics_.RenderText(),
              HasSubstr("polytomic_gateway_overload_rejections_total 1"));
}

}  // namespace
}  // namespace gateway::rest
