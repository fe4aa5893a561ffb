// A start-sync whose answer is lost is re-sent only by the gateway's retry,
// each time with the same Idempotency-Key: the gateway in front of a
// scripted upstream that closes a kept-alive connection after reading the
// POST, answering nothing. libcurl on its own would write the POST again on
// a fresh connection, without the gateway knowing; here every copy the
// upstream reads is one of the gateway's attempts (upstream.retry.
// max_attempts, 3 by default), each carrying one Idempotency-Key, the
// caller's or the call's request id, so a real upstream runs it once. After
// the last attempt the caller gets UNAVAILABLE saying it may have reached
// the upstream.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"
#include "tests/support/scripted_http_server.h"

namespace gateway_test {
namespace {

namespace v1 = ::polytomic::v1;
using Reply = testsupport::ScriptedHttpServer::Reply;
using ::testing::HasSubstr;

// upstream.retry.max_attempts by default.
constexpr int kAttempts = 3;
constexpr char kSyncId[] = "5d7c3a52-0000-4000-8000-000000000001";
constexpr char kStartPath[] =
    "/api/bulk/syncs/5d7c3a52-0000-4000-8000-000000000001/executions";

class NoResendTest : public GatewayTest {
 protected:
  void SetUp() override {
    // Reads are answered on a kept-alive connection; a start is read, then
    // its connection closed without an answer.
    auto server = testsupport::ScriptedHttpServer::Start(
        [](const testsupport::ScriptedHttpServer::Request& request) {
          if (request.method == "POST") return Reply::CloseWithoutAnswer();
          return Reply::Answer(200, R"({"data": {"id": ")" +
                                        std::string(kSyncId) +
                                        R"(", "name": "orders"}})");
        });
    ASSERT_TRUE(server.ok()) << server.status();
    upstream_ = *std::move(server);
    GatewayTest::SetUp();
  }

  testsupport::GatewayHarness::Options HarnessOptions() override {
    testsupport::GatewayHarness::Options options;
    std::string base_url = upstream_->base_url();
    options.configure = [base_url](gateway::config::v1::GatewayConfig& config) {
      config.mutable_upstream()->set_base_url(base_url);
    };
    return options;
  }

  // WarmConnection makes one read, so the start goes out on a reused
  // keep-alive connection (the case libcurl silently retries).
  void WarmConnection() {
    grpc::ClientContext context;
    v1::GetBulkSyncRequest request;
    request.set_id(kSyncId);
    v1::GetBulkSyncResponse response;
    ASSERT_GRPC_OK(
        Stub<v1::BulkSyncService>()->GetBulkSync(&context, request, &response));
  }

  // Start calls StartBulkSync; returns its status and the x-request-id.
  grpc::Status Start(const v1::StartBulkSyncRequest& request,
                     std::string* request_id) {
    grpc::ClientContext context;
    v1::StartBulkSyncResponse response;
    grpc::Status status = Stub<v1::BulkSyncService>()->StartBulkSync(
        &context, request, &response);
    auto id = context.GetServerInitialMetadata().find("x-request-id");
    if (id != context.GetServerInitialMetadata().end()) {
      *request_id = std::string(id->second.data(), id->second.size());
    }
    return status;
  }

  std::unique_ptr<testsupport::ScriptedHttpServer> upstream_;
};

TEST_F(NoResendTest, EveryAttemptOfALostStartCarriesTheCallsRequestId) {
  WarmConnection();
  v1::StartBulkSyncRequest request;
  request.set_id(kSyncId);
  std::string request_id;
  grpc::Status status = Start(request, &request_id);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << testsupport::Describe(status);
  EXPECT_THAT(status.error_message(), HasSubstr("may have reached"));
  EXPECT_EQ(upstream_->CountRequests(kStartPath), kAttempts);
  ASSERT_FALSE(request_id.empty());
  for (const auto& sent : upstream_->requests()) {
    if (sent.target != kStartPath) continue;
    EXPECT_EQ(sent.Header("idempotency-key"), request_id);
    EXPECT_EQ(sent.headers.size(), upstream_->requests().back().headers.size());
  }
}

TEST_F(NoResendTest, TheCallersKeyIsSentInsteadOfTheGatewaysOwn) {
  WarmConnection();
  v1::StartBulkSyncRequest request;
  request.set_id(kSyncId);
  request.set_idempotency_key("nightly-resync-0001");
  std::string request_id;
  EXPECT_EQ(Start(request, &request_id).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(upstream_->CountRequests(kStartPath), kAttempts);
  for (const auto& sent : upstream_->requests()) {
    if (sent.target != kStartPath) continue;
    EXPECT_EQ(sent.Header("idempotency-key"), "nightly-resync-0001");
  }
}

}  // namespace
}  // namespace gateway_test
