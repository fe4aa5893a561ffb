// The admin HTTP listener on its own (GET /metrics, 404 otherwise, port 0,
// a taken port, stopping), and a real gateway's /metrics: the calls served
// by method and code, the upstream requests by operation and status, the
// cache, the audit writer, accepted by promtool, with no caller token or API
// key anywhere in it.
#include "gateway/common/metrics.h"

#include <httplib.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/server/admin_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/grpc_status_details.h"
#include "tests/support/promtool.h"

namespace gateway_test {
namespace {

using gateway::Counter;
using gateway::Family;
using gateway::MetricsRegistry;
using gateway::server::AdminServer;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Reply is an HTTP answer, or nothing when no connection could be made.
struct Reply {
  int status = 0;
  std::string content_type;
  std::string body;
};
std::optional<Reply> Fetch(int port, const std::string& method,
                           const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  // Bounds for a broken server, not expectations.
  client.set_connection_timeout(30);
  client.set_read_timeout(30);
  httplib::Result result = method == "POST"
                               ? client.Post(path.c_str(), "", "text/plain")
                               : client.Get(path.c_str());
  if (!result) return std::nullopt;
  return Reply{result->status, result->get_header_value("Content-Type"),
               result->body};
}

gateway::config::v1::Admin AdminAt(const std::string& address) {
  gateway::config::v1::Admin admin;
  admin.set_address(address);
  return admin;
}

TEST(AdminServerTest, ServesTheRegistryAtMetricsAndNothingElse) {
  MetricsRegistry registry;
  Family<Counter>* family =
      *registry.AddCounterFamily("test_events_total", "Events.", {"kind"});
  family->WithLabels({"a"})->Increment();
  auto admin = AdminServer::Start(AdminAt("127.0.0.1:0"), &registry);
  ASSERT_TRUE(admin.ok()) << admin.status();
  const int port = (*admin)->port();
  ASSERT_GT(port, 0);
  EXPECT_EQ((*admin)->address(), absl::StrCat("127.0.0.1:", port));

  std::optional<Reply> metrics = Fetch(port, "GET", "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->content_type, kContentType);
  EXPECT_EQ(metrics->body, registry.RenderText());
  EXPECT_THAT(metrics->body, HasSubstr("test_events_total{kind=\"a\"} 1\n"));

  // Each scrape renders the values of the moment.
  family->WithLabels({"a"})->Increment(2);
  metrics = Fetch(port, "GET", "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_THAT(metrics->body, HasSubstr("test_events_total{kind=\"a\"} 3\n"));

  for (const char* path : {"/", "/metrics/", "/metricsx", "/debug"}) {
    std::optional<Reply> other = Fetch(port, "GET", path);
    ASSERT_TRUE(other.has_value()) << path;
    EXPECT_EQ(other->status, 404) << path;
  }
  std::optional<Reply> post = Fetch(port, "POST", "/metrics");
  ASSERT_TRUE(post.has_value());
  EXPECT_EQ(post->status, 404);
}

TEST(AdminServerTest, ATakenPortIsAnErrorNotASharedPort) {
  MetricsRegistry registry;
  auto first = AdminServer::Start(AdminAt("127.0.0.1:0"), &registry);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = AdminServer::Start(
      AdminAt(absl::StrCat("127.0.0.1:", (*first)->port())), &registry);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("admin.address"));
}

TEST(AdminServerTest, AnAddressThatIsNotHostPortIsInvalid) {
  MetricsRegistry registry;
  for (const char* address :
       {"", "nowhere", ":9464", "127.0.0.1:http", "127.0.0.1:70000"}) {
    auto admin = AdminServer::Start(AdminAt(address), &registry);
    EXPECT_EQ(admin.status().code(), absl::StatusCode::kInvalidArgument)
        << address;
  }
}

TEST(AdminServerTest, StopRightAfterStartThenAgainAndThePortIsClosed) {
  MetricsRegistry registry;
  auto admin = AdminServer::Start(AdminAt("127.0.0.1:0"), &registry);
  ASSERT_TRUE(admin.ok()) << admin.status();
  const int port = (*admin)->port();
  (*admin)->Stop();  // may overtake the accept loop's start
  (*admin)->Stop();
  EXPECT_FALSE(Fetch(port, "GET", "/metrics").has_value());
}

// A gateway (harness: admin.address 127.0.0.1:0) and calls through it.
class GatewayMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    harness_ = testsupport::GatewayHarness::Start();
    ASSERT_NE(harness_, nullptr);
    stub_ = polytomic::v1::BulkSyncService::NewStub(harness_->channel());
  }

  std::unique_ptr<testsupport::GatewayHarness> harness_;
  std::unique_ptr<polytomic::v1::BulkSyncService::Stub> stub_;
};

TEST_F(GatewayMetricsTest, UpstreamRequestsAreCountedByOperationAndStatus) {
  const int port = harness_->gateway().admin_port();
  ASSERT_GT(port, 0);
  EXPECT_EQ(harness_->gateway().admin_address(),
            absl::StrCat("127.0.0.1:", port));
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    polytomic::v1::ListBulkSyncsRequest request;
    polytomic::v1::ListBulkSyncsResponse response;
    ASSERT_GRPC_OK(stub_->ListBulkSyncs(&context, request, &response));
  }
  {
    grpc::ClientContext context;
    polytomic::v1::GetBulkSyncRequest request;
    request.set_id("00000000-0000-4000-8000-000000000000");  // no such sync
    polytomic::v1::GetBulkSyncResponse response;
    grpc::Status status = stub_->GetBulkSync(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
        << status.error_message();
  }
  // The second list is answered from the cache.
  ASSERT_EQ(harness_->Count("bulkSync.list"), 1);
  ASSERT_EQ(harness_->Count("bulkSync.get"), 1);

  std::optional<Reply> metrics = Fetch(port, "GET", "/metrics");
  ASSERT_TRUE(metrics.has_value());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->content_type, kContentType);
  const std::string& text = metrics->body;
  EXPECT_THAT(text,
              HasSubstr("# TYPE polytomic_gateway_upstream_requests_total "
                        "counter\n"));
  EXPECT_THAT(text, HasSubstr("polytomic_gateway_upstream_requests_total{"
                              "operation=\"bulkSync.list\",code=\"200\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("polytomic_gateway_upstream_requests_total{"
                              "operation=\"bulkSync.get\",code=\"404\"} 1\n"));
  // The cache's: a miss then a hit of the list, a miss of the get whose
  // error is not stored.
  const std::string list =
      "method=\"polytomic.v1.BulkSyncService/ListBulkSyncs\"";
  EXPECT_THAT(text, HasSubstr("polytomic_gateway_cache_lookups_total{" + list +
                              ",result=\"miss\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("polytomic_gateway_cache_lookups_total{" + list +
                              ",result=\"hit\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("polytomic_gateway_cache_lookups_total{"
                              "method=\"polytomic.v1.BulkSyncService/"
                              "GetBulkSync\",result=\"miss\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("polytomic_gateway_cache_entries 1\n"));
  EXPECT_THAT(text, HasSubstr("polytomic_gateway_cache_evictions_total 0\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE polytomic_gateway_cache_bytes gauge\n"));
  EXPECT_THAT(text, Not(HasSubstr("polytomic_gateway_cache_bytes 0\n")));
  absl::Status checked = testsupport::PromtoolCheckMetrics(text);
  EXPECT_TRUE(checked.ok()) << checked << "\n" << text;
  // The calls served, by method and code (OpenTelemetry names): what was
  // sent, the failed get included.
  const std::string service = "rpc_service=\"polytomic.v1.BulkSyncService\"";
  EXPECT_THAT(text,
              HasSubstr("rpc_server_call_duration_seconds_count{" + service +
                        ",rpc_method=\"ListBulkSyncs\","
                        "rpc_grpc_status_code=\"0\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("rpc_server_call_duration_seconds_count{" + service +
                        ",rpc_method=\"GetBulkSync\","
                        "rpc_grpc_status_code=\"5\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("rpc_server_call_duration_seconds_bucket{" + service +
                        ",rpc_method=\"ListBulkSyncs\","
                        "rpc_grpc_status_code=\"0\",le=\"+Inf\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("http_client_request_duration_seconds_count{"
                              "operation=\"bulkSync.list\","
                              "http_request_method=\"GET\","
                              "http_response_status_code=\"200\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("http_client_request_duration_seconds_count{"
                              "operation=\"bulkSync.get\","
                              "http_request_method=\"GET\","
                              "http_response_status_code=\"404\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("rpc_server_active_calls 0\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE polytomic_gateway_audit_queue_depth "
                              "gauge\n"));
  EXPECT_THAT(text, HasSubstr("polytomic_gateway_audit_write_duration_seconds_"
                              "count{synced=\"false\"}"));
  // No credential of either side, in a label or anywhere else.
  EXPECT_THAT(text, Not(HasSubstr(harness_->caller_token())));
  EXPECT_THAT(text, Not(HasSubstr(harness_->api_key())));
  EXPECT_THAT(text, Not(HasSubstr("Bearer")));
}

TEST_F(GatewayMetricsTest, ShutdownStopsTheAdminListener) {
  const int port = harness_->gateway().admin_port();
  ASSERT_GT(port, 0);
  ASSERT_TRUE(Fetch(port, "GET", "/metrics").has_value());
  harness_->gateway().Shutdown(absl::Now());
  EXPECT_FALSE(Fetch(port, "GET", "/metrics").has_value());
}

TEST(GatewayAdminConfigTest, AnEmptyAdminAddressDisablesTheListener) {
  testsupport::GatewayHarness::Options options;
  options.configure = [](gateway::config::v1::GatewayConfig& config) {
    config.mutable_admin()->set_address("");
  };
  auto harness = testsupport::GatewayHarness::Start(std::move(options));
  ASSERT_NE(harness, nullptr);
  EXPECT_EQ(harness->gateway().admin_port(), 0);
  EXPECT_EQ(harness->gateway().admin_address(), "");
}

}  // namespace
}  // namespace gateway_test
