// Resilience against the sandbox's fault injection: one test per kind of
// fault (latency past the deadline, 503 then success, 429 with Retry-After,
// a dropped connection, a body over the limit; 500, 503, 429, 502, 504 and
// malformed JSON are rows of upstream_errors_test), each ending with the
// expected status within its deadline and the sandbox's counters saying how
// many attempts were made. Then: a start-sync whose response is lost runs
// once; the circuit breaker; overload; rate limits; the request size limit;
// and the drain.
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {
namespace {

namespace v1 = ::polytomic::v1;
using polytomic::v1::BulkSyncService;
using ::testing::HasSubstr;
using testsupport::DetailOf;
using testsupport::ErrorInfoOf;

// A second caller, rate limited, for RateLimitTest.
constexpr char kLimitedToken[] = "limited-caller-token-0001";

std::chrono::system_clock::time_point In(std::chrono::milliseconds ms) {
  return std::chrono::system_clock::now() + ms;
}

class ResilienceTest : public GatewayTest {
 protected:
  testsupport::GatewayHarness::Options HarnessOptions() override {
    testsupport::GatewayHarness::Options options;
    options.configure = [](gateway::config::v1::GatewayConfig& config) {
      config.mutable_upstream()->set_max_response_bytes(64 * 1024);
      config.mutable_listener()->set_max_request_bytes(4096);
      auto* breaker = config.mutable_upstream()->mutable_circuit_breaker();
      breaker->set_failure_threshold(4);
      breaker->mutable_open_duration()->set_seconds(3600);
      AddCaller(config, "limited", kLimitedToken, "default", {"*"});
      auto* limit = config.mutable_callers()
                        ->mutable_policies(config.callers().policies_size() - 1)
                        ->mutable_rate_limit();
      limit->set_requests_per_second(0.001);  // no refill within a test
      limit->set_burst(2);
    };
    return options;
  }

  void AddFault(Json fault) {
    if (!fault.contains("operation")) fault["operation"] = "bulkSync.get";
    ASSERT_FALSE(upstream().AddFault(fault).empty()) << fault.dump();
  }

  grpc::Status GetSync(
      std::chrono::milliseconds deadline = std::chrono::seconds(10),
      const std::string& id = "") {
    grpc::ClientContext context;
    context.set_deadline(In(deadline));
    context.AddMetadata("cache-control", "no-cache");
    v1::GetBulkSyncRequest request;
    request.set_id(id.empty() ? FirstBulkSync() : id);
    v1::GetBulkSyncResponse response;
    return Stub<BulkSyncService>()->GetBulkSync(&context, request, &response);
  }

  int Attempts() { return harness_->Count("bulkSync.get"); }
};

TEST_F(ResilienceTest, LatencyPastTheDeadlineEndsAtTheDeadline) {
  ForgetRequests();
  AddFault({{"kind", "latency"}, {"latency_ms", 3000}, {"count", 0}});
  auto started = std::chrono::steady_clock::now();
  grpc::Status status = GetSync(std::chrono::milliseconds(300));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << testsupport::Describe(status);
  // Not a timing assertion: "did not wait for the upstream's 3 s".
  EXPECT_LT(std::chrono::steady_clock::now() - started,
            std::chrono::seconds(3));
  EXPECT_EQ(Attempts(), 1);  // a deadline is not retried
}

TEST_F(ResilienceTest, A503ThenSuccessSucceeds) {
  ForgetRequests();
  AddFault({{"kind", "status"}, {"status", 503}, {"count", 1}});
  ASSERT_GRPC_OK(GetSync());
  EXPECT_EQ(Attempts(), 2);
}

TEST_F(ResilienceTest, A429IsRetriedAfterItsRetryAfter) {
  ForgetRequests();
  AddFault({{"kind", "status"},
            {"status", 429},
            {"retry_after", "1"},
            {"count", 1}});
  ASSERT_GRPC_OK(GetSync());
  EXPECT_EQ(Attempts(), 2);
}

TEST_F(ResilienceTest, ADroppedConnectionIsRetried) {
  ForgetRequests();
  AddFault({{"kind", "drop"}, {"count", 1}});
  ASSERT_GRPC_OK(GetSync());
  EXPECT_EQ(Attempts(), 2);
}

TEST_F(ResilienceTest, ABodyOverTheLimitIsRefusedNamingIt) {
  ForgetRequests();
  Json big = {
      {"data",
       {{"id", FirstBulkSync()}, {"name", std::string(100 * 1024, 'x')}}}};
  AddFault({{"kind", "respond"}, {"status", 200}, {"body", big}});
  grpc::Status status = GetSync();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(),
              HasSubstr("upstream.max_response_bytes (65536 bytes)"));
  EXPECT_EQ(ErrorInfoOf(status).reason(), "UPSTREAM_RESPONSE_TOO_LARGE");
  EXPECT_EQ(Attempts(), 1);
}

TEST_F(ResilienceTest, AStartWhoseResponseIsLostRunsOnce) {
  const std::string id = FirstBulkSync();
  auto executions = [&] {
    return upstream().Get("/api/bulk/syncs/" + id + "/executions").json;
  };
  const size_t before = executions()["data"].size();
  ForgetRequests();
  // The sandbox starts the execution, then loses the response.
  AddFault(
      {{"operation", "bulkSync.start"}, {"kind", "drop"}, {"when", "after"}});
  grpc::ClientContext context;
  context.set_deadline(In(std::chrono::seconds(10)));
  v1::StartBulkSyncRequest request;
  request.set_id(id);
  v1::StartBulkSyncResponse response;
  ASSERT_GRPC_OK(
      Stub<BulkSyncService>()->StartBulkSync(&context, request, &response));
  EXPECT_EQ(harness_->Count("bulkSync.start"), 2);
  Json after = executions();
  ASSERT_EQ(after["data"].size(), before + 1);
  int running = 0;
  for (const Json& execution : after["data"]) {
    if (execution["status"] == "running") ++running;
  }
  EXPECT_EQ(running, 1);
  // Both attempts carried the call's key, which the audit record keeps.
  auto id_header = context.GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(id_header, context.GetServerInitialMetadata().end());
  std::string request_id(id_header->second.data(), id_header->second.size());
  Json log = upstream().Get("/_sandbox/requests?operation=bulkSync.start").json;
  ASSERT_EQ(log["requests"].size(), 2u);
  for (const Json& sent : log["requests"]) {
    EXPECT_EQ(sent["headers"]["Idempotency-Key"], request_id);
  }
  EXPECT_EQ(log["requests"][1]["replayed"], true);
  harness_->gateway().FlushAudit();
  std::ifstream file(harness_->audit_dir() + "/audit.jsonl");
  int keyed = 0;
  for (std::string line; std::getline(file, line);) {
    Json record = Json::parse(line);
    if (record["request_id"] == request_id) {
      EXPECT_EQ(record["idempotency_key"], request_id);
      ++keyed;
    }
  }
  EXPECT_GE(keyed, 1);
}

TEST_F(ResilienceTest, ADeleteWhoseResponseIsLostSucceeds) {
  const std::string id = SeededBulkSync(2);
  ForgetRequests();
  // The sandbox deletes, then loses the response; the retry finds nothing.
  AddFault(
      {{"operation", "bulkSync.delete"}, {"kind", "drop"}, {"when", "after"}});
  grpc::ClientContext context;
  context.set_deadline(In(std::chrono::seconds(10)));
  v1::DeleteBulkSyncRequest request;
  request.set_id(id);
  v1::DeleteBulkSyncResponse response;
  ASSERT_GRPC_OK(
      Stub<BulkSyncService>()->DeleteBulkSync(&context, request, &response));
  EXPECT_EQ(harness_->Count("bulkSync.delete"), 2);
  EXPECT_EQ(upstream().Get("/api/bulk/syncs/" + id).status, 404);
}

TEST_F(ResilienceTest, AMaskedUpdateRetriesItsOwnPutNotTheWholeUpdate) {
  const std::string id = FirstBulkSync();
  ForgetRequests();
  AddFault({{"operation", "bulkSync.update"},
            {"kind", "status"},
            {"status", 503},
            {"count", 1}});
  grpc::ClientContext context;
  context.set_deadline(In(std::chrono::seconds(10)));
  v1::UpdateBulkSyncRequest request;
  request.set_id(id);
  request.mutable_bulk_sync()->set_name("renamed through a 503");
  request.mutable_update_mask()->add_paths("name");
  v1::UpdateBulkSyncResponse response;
  ASSERT_GRPC_OK(
      Stub<BulkSyncService>()->UpdateBulkSync(&context, request, &response));
  EXPECT_EQ(response.data().name(), "renamed through a 503");
  EXPECT_EQ(harness_->Count("bulkSync.get"), 1);
  EXPECT_EQ(harness_->Count("bulkSync.update"), 2);
}

TEST_F(ResilienceTest, RepeatedFailuresOpenTheCircuitAndHealthSaysSo) {
  ForgetRequests();
  AddFault({{"kind", "status"}, {"status", 500}, {"count", 0}});
  for (int i = 0; i < 4; ++i) {  // 500 is not retried: one failure each
    EXPECT_EQ(GetSync().error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_EQ(Attempts(), 4);
  grpc::Status open = GetSync();
  EXPECT_EQ(open.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ErrorInfoOf(open).reason(), "UPSTREAM_CIRCUIT_OPEN");
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(DetailOf(open, &retry));
  EXPECT_GT(retry.retry_delay().seconds(), 3000);
  EXPECT_EQ(Attempts(), 4);  // refused without going upstream
  // The harness's one account is every account: health says NOT_SERVING.
  EXPECT_EQ(HealthOf(harness_->channel(), ""), kNotServing);
  EXPECT_EQ(HealthOf(harness_->channel(), "polytomic.v1.BulkSyncService"),
            kNotServing);
}

TEST_F(ResilienceTest, ARateLimitedCallerGetsQuotaFailure) {
  auto stub = BulkSyncService::NewStub(harness_->ChannelAs(kLimitedToken));
  auto call = [&] {
    grpc::ClientContext context;
    v1::GetBulkSyncRequest request;
    request.set_id(FirstBulkSync());
    v1::GetBulkSyncResponse response;
    return stub->GetBulkSync(&context, request, &response);
  };
  ASSERT_GRPC_OK(call());  // burst 2
  ASSERT_GRPC_OK(call());
  ForgetRequests();
  grpc::Status limited = call();
  EXPECT_EQ(limited.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ErrorInfoOf(limited).reason(), "RATE_LIMITED");
  google::rpc::QuotaFailure quota;
  ASSERT_TRUE(DetailOf(limited, &quota));
  ASSERT_EQ(quota.violations_size(), 1);
  EXPECT_EQ(quota.violations(0).subject(), "principal:limited");
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(DetailOf(limited, &retry));
  EXPECT_GT(retry.retry_delay().seconds(), 0);
  EXPECT_EQ(Attempts(), 0);
  // Other callers are not limited.
  ASSERT_GRPC_OK(GetSync());
}

TEST_F(ResilienceTest, ARequestOverTheLimitIsRefusedNamingIt) {
  ForgetRequests();
  grpc::ClientContext context;
  v1::CreateBulkSyncRequest request;
  request.mutable_bulk_sync()->set_name(std::string(5000, 'n'));
  v1::CreateBulkSyncResponse response;
  grpc::Status status =
      Stub<BulkSyncService>()->CreateBulkSync(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(),
              HasSubstr("listener.max_request_bytes (4096)"));
  EXPECT_EQ(ErrorInfoOf(status).reason(), "REQUEST_TOO_LARGE");
  EXPECT_EQ(harness_->Count("bulkSync.create"), 0);
}

// Overload: 2 connections and 3 queued requests at most.
class OverloadTest : public GatewayTest {
 protected:
  testsupport::GatewayHarness::Options HarnessOptions() override {
    testsupport::GatewayHarness::Options options;
    options.configure = [](gateway::config::v1::GatewayConfig& config) {
      config.mutable_upstream()->set_max_connections(2);
      config.mutable_upstream()->set_max_queued(3);
    };
    return options;
  }
};

TEST_F(OverloadTest, ABurstPastTheBoundsIsRefusedAtOnce) {
  ASSERT_FALSE(
      upstream()
          .AddFault(
              {{"operation", "bulkSync.get"}, {"kind", "hold"}, {"count", 0}})
          .empty());
  constexpr int kCalls = 60;
  constexpr int kAdmitted = 5;
  auto stub = Stub<BulkSyncService>();
  struct Call {
    grpc::ClientContext context;
    v1::GetBulkSyncRequest request;
    v1::GetBulkSyncResponse response;
    grpc::Status status;
  };
  std::vector<Call> calls(kCalls);
  Completion done;
  for (int i = 0; i < kCalls; ++i) {
    Call& call = calls[i];
    call.context.set_deadline(In(std::chrono::seconds(30)));
    // Distinct ids: nothing is coalesced.
    call.request.set_id(absl::StrFormat("00000000-0000-4000-8000-%012d", i));
    stub->async()->GetBulkSync(&call.context, &call.request, &call.response,
                               [&call, &done](grpc::Status status) {
                                 call.status = std::move(status);
                                 done.Done();
                               });
  }
  // The excess is answered while the admitted ones are still held: refused
  // at once, not after waiting in a queue.
  done.WaitFor(kCalls - kAdmitted);
  ASSERT_TRUE(upstream().WaitHeld("bulkSync.get", 2));
  int overloaded = 0;
  for (Call& call : calls) {
    if (call.status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) {
      continue;
    }
    EXPECT_EQ(ErrorInfoOf(call.status).reason(), "GATEWAY_OVERLOADED");
    EXPECT_THAT(call.status.error_message(), HasSubstr("max_queued"));
    ++overloaded;
  }
  EXPECT_EQ(overloaded, kCalls - kAdmitted);
  upstream().ClearFaults();  // releases the held requests
  done.WaitFor(kCalls);
  int not_found = 0;
  for (Call& call : calls) {
    if (call.status.error_code() == grpc::StatusCode::NOT_FOUND) ++not_found;
  }
  EXPECT_EQ(not_found, kAdmitted);  // the admitted ones went upstream
  EXPECT_EQ(harness_->Count("bulkSync.get"), kAdmitted);
}

class DrainTest : public GatewayTest {};

TEST_F(DrainTest, CallsInFlightFinishNewOnesAreRefusedAllAreAudited) {
  ASSERT_FALSE(
      upstream()
          .AddFault(
              {{"operation", "bulkSync.get"}, {"kind", "hold"}, {"count", 0}})
          .empty());
  constexpr int kCalls = 20;
  auto stub = Stub<BulkSyncService>();
  struct Call {
    grpc::ClientContext context;
    v1::GetBulkSyncRequest request;
    v1::GetBulkSyncResponse response;
    grpc::Status status;
  };
  std::vector<Call> calls(kCalls);
  Completion done;
  for (Call& call : calls) {
    call.request.set_id(FirstBulkSync());
    call.context.AddMetadata("cache-control", "no-cache");
    stub->async()->GetBulkSync(&call.context, &call.request, &call.response,
                               [&call, &done](grpc::Status status) {
                                 call.status = std::move(status);
                                 done.Done();
                               });
  }
  ASSERT_TRUE(upstream().WaitHeld("bulkSync.get", kCalls));
  std::thread drain([this] {
    harness_->gateway().Shutdown(absl::Now() + absl::Seconds(60));
  });
  // Health turns at once; no sleep: each probe is a round trip.
  bool not_serving = false;
  for (int probe = 0; probe < 100000 && !not_serving; ++probe) {
    not_serving = HealthOf(harness_->channel(), "") == kNotServing;
  }
  ASSERT_TRUE(not_serving);
  grpc::ClientContext late;
  v1::GetBulkSyncRequest request;
  request.set_id(FirstBulkSync());
  v1::GetBulkSyncResponse response;
  grpc::Status refused = stub->GetBulkSync(&late, request, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ErrorInfoOf(refused).reason(), "GATEWAY_DRAINING");

  upstream().Release("bulkSync.get");
  done.WaitFor(kCalls);
  drain.join();
  for (Call& call : calls) {
    EXPECT_TRUE(call.status.ok()) << call.status.error_message();
  }
  // Shutdown flushed the audit trail: every call is in it.
  std::ifstream file(harness_->audit_dir() + "/audit.jsonl");
  int records = 0;
  for (std::string line; std::getline(file, line);) {
    Json record = Json::parse(line);
    if (record["method"] == "/polytomic.v1.BulkSyncService/GetBulkSync" &&
        record["code"] == "OK") {
      ++records;
    }
  }
  EXPECT_EQ(records, kCalls);
}

TEST_F(DrainTest, WhatTheGraceLeavesIsCancelledAndAudited) {
  ASSERT_FALSE(upstream()
                   .AddFault({{"operation", "bulkSync.get"}, {"kind", "hold"}})
                   .empty());
  grpc::ClientContext context;
  v1::GetBulkSyncRequest request;
  request.set_id(FirstBulkSync());
  v1::GetBulkSyncResponse response;
  grpc::Status status;
  Completion done;
  Stub<BulkSyncService>()->async()->GetBulkSync(&context, &request, &response,
                                                [&](grpc::Status s) {
                                                  status = std::move(s);
                                                  done.Done();
                                                });
  ASSERT_TRUE(upstream().WaitHeld("bulkSync.get", 1));
  harness_->gateway().Shutdown(absl::Now());  // no grace left
  done.WaitFor(1);
  EXPECT_FALSE(status.ok());
  upstream().Release("bulkSync.get");
  std::ifstream file(harness_->audit_dir() + "/audit.jsonl");
  std::vector<std::string> codes;
  for (std::string line; std::getline(file, line);) {
    Json record = Json::parse(line);
    if (record["method"] == "/polytomic.v1.BulkSyncService/GetBulkSync") {
      codes.push_back(record["code"].get<std::string>());
    }
  }
  EXPECT_THAT(codes, ::testing::ElementsAre("CANCELLED"));
}

}  // namespace
}  // namespace gateway_test
