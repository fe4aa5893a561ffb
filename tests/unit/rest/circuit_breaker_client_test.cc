// CircuitBreakerClient over a fake transport, with a manual clock and
// scheduler: what counts as a failure, opening after the threshold, the
// refusal (UNAVAILABLE, UPSTREAM_CIRCUIT_OPEN, RetryInfo), one probe when
// half-open, and the "every circuit open" signal health listens to.
#include "gateway/rest/circuit_breaker_client.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gateway/common/error_details.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_rest_client.h"
#include "tests/support/manual_time.h"

namespace gateway::rest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testsupport::FakeRestClient;

const absl::Time kNow = absl::FromUnixSeconds(1714564800);

class CircuitBreakerClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::v1::CircuitBreaker breaker;
    breaker.set_failure_threshold(3);
    breaker.mutable_open_duration()->set_seconds(10);
    auto transport = std::make_unique<FakeRestClient>();
    transport_ = transport.get();
    auto client = CircuitBreakerClient::Create(
        std::move(transport), &scheduler_, &clock_, &metrics_, breaker);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    client_->SetAccounts({"a", "b"});
    client_->OnAllOpenChange(
        [this](bool all_open) { all_open_.push_back(all_open); });
  }

  // Got is what a caller got.
  struct Got {
    absl::StatusOr<HttpResponse> result = absl::UnknownError("no answer");
  };
  // Call sends a GET as `account` and, if it reached the transport, answers
  // it with `result`.
  Got Call(const std::string& account, FakeRestClient::Result result) {
    HttpRequest request;
    request.method = "GET";
    request.target = "/api/syncs";
    request.account = account;
    request.operation = "modelSync.list";
    request.deadline = kNow + absl::Minutes(1);
    Got got;
    size_t before = transport_->size();
    client_->Send(std::move(request), [&got](absl::StatusOr<HttpResponse> r) {
      got.result = std::move(r);
    });
    if (transport_->size() > before) transport_->Answer(before, result);
    return got;
  }

  static std::string ReasonOf(const Got& got) {
    google::rpc::ErrorInfo info;
    if (got.result.ok() || !GetDetail(got.result.status(), &info)) return "";
    return info.reason();
  }

  void Open(const std::string& account) {
    for (int i = 0; i < 3; ++i) Call(account, FakeRestClient::Reply(500, ""));
  }

  testsupport::ManualClock clock_{kNow};
  testsupport::ManualScheduler scheduler_{&clock_};
  MetricsRegistry metrics_;
  FakeRestClient* transport_ = nullptr;  // owned by client_
  std::unique_ptr<CircuitBreakerClient> client_;
  std::vector<bool> all_open_;
};

TEST_F(CircuitBreakerClientTest, OpensAfterTheThresholdOfFailuresInARow) {
  Call("a", FakeRestClient::Reply(503, ""));
  Call("a", absl::UnavailableError("connection reset"));
  Call("a", FakeRestClient::Reply(200, ""));  // a success resets the count
  Call("a", absl::DeadlineExceededError("timeout"));
  Call("a", FakeRestClient::Reply(502, ""));
  EXPECT_EQ(transport_->size(), 5u);
  EXPECT_TRUE(
      Call("a", FakeRestClient::Reply(500, "")).result.ok());  // 3rd: opens
  absl::StatusOr<HttpResponse> refused =
      Call("a", FakeRestClient::Reply(200, "")).result;
  EXPECT_EQ(transport_->size(), 6u);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf({refused}), "UPSTREAM_CIRCUIT_OPEN");
  EXPECT_THAT(refused.status().message(), HasSubstr("\"a\""));
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(GetDetail(refused.status(), &retry));
  EXPECT_EQ(retry.retry_delay().seconds(), 10);
  EXPECT_THAT(metrics_.RenderText(),
              HasSubstr("polytomic_gateway_upstream_circuit_open{account=\"a\"}"
                        " 1"));
  // Account b is not affected.
  EXPECT_TRUE(Call("b", FakeRestClient::Reply(200, "")).result.ok());
}

TEST_F(CircuitBreakerClientTest, ClientErrorsAndCancellationsAreNoFailures) {
  for (int status : {400, 404, 409, 422, 429}) {
    Call("a", FakeRestClient::Reply(status, ""));
  }
  Call("a", absl::CancelledError("cancelled"));
  Call("a", MarkNotSent(absl::DeadlineExceededError("deadline passed")));
  Call("a", ErrorWithInfo(absl::StatusCode::kResourceExhausted, "overloaded",
                          "GATEWAY_OVERLOADED", {}));
  Call("a", FakeRestClient::Reply(500, ""));
  Call("a", FakeRestClient::Reply(500, ""));
  EXPECT_TRUE(
      Call("a", FakeRestClient::Reply(200, "")).result.ok());  // still closed
}

TEST_F(CircuitBreakerClientTest, HalfOpenLetsOneProbeDecide) {
  Open("a");
  clock_.Advance(absl::Seconds(10));
  // The probe: held at the transport while another request comes.
  HttpRequest probe;
  probe.method = "GET";
  probe.account = "a";
  probe.operation = "modelSync.list";
  absl::StatusOr<HttpResponse> probed = absl::UnknownError("none");
  client_->Send(probe, [&](absl::StatusOr<HttpResponse> r) { probed = r; });
  size_t probe_index = transport_->size() - 1;
  EXPECT_EQ(transport_->size(), 4u);
  Got second = Call("a", FakeRestClient::Reply(200, ""));
  EXPECT_EQ(ReasonOf(second), "UPSTREAM_CIRCUIT_OPEN");
  EXPECT_EQ(transport_->size(), 4u);
  // The probe fails: open again for the whole duration.
  transport_->Answer(probe_index, FakeRestClient::Reply(503, ""));
  EXPECT_EQ(ReasonOf(Call("a", FakeRestClient::Reply(200, ""))),
            "UPSTREAM_CIRCUIT_OPEN");
  clock_.Advance(absl::Seconds(10));
  // The next probe succeeds: closed.
  EXPECT_TRUE(Call("a", FakeRestClient::Reply(200, "")).result.ok());
  EXPECT_TRUE(Call("a", FakeRestClient::Reply(200, "")).result.ok());
  EXPECT_EQ(transport_->size(), 6u);
}

TEST_F(CircuitBreakerClientTest, ACancelledProbeLetsTheNextRequestProbe) {
  Open("a");
  clock_.Advance(absl::Seconds(10));
  Call("a", absl::CancelledError("caller left"));
  EXPECT_TRUE(Call("a", FakeRestClient::Reply(200, "")).result.ok());
}

TEST_F(CircuitBreakerClientTest, ListenerHearsWhenEveryCircuitIsOpen) {
  Open("a");
  EXPECT_TRUE(all_open_.empty());  // b is still closed
  Open("b");
  EXPECT_THAT(all_open_, ElementsAre(true));
  // When the first circuit turns half-open, not every circuit is open.
  ASSERT_EQ(scheduler_.size(), 2u);
  scheduler_.RunNext();
  EXPECT_THAT(all_open_, ElementsAre(true, false));
  // b's turn changes nothing more.
  scheduler_.RunNext();
  EXPECT_THAT(all_open_, ElementsAre(true, false));
}

}  // namespace
}  // namespace gateway::rest
