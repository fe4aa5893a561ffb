// Tracing and structured logs: a caller's W3C `traceparent` is continued (its
// trace id reaches the upstream request, the response metadata, the audit
// record and the call's log line, with the gateway's own span id as the
// parent upstream), and a call without one starts a trace.
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {
namespace {

namespace v1 = ::polytomic::v1;
using ::testing::MatchesRegex;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kCallerSpan[] = "00f067aa0ba902b7";

class TracingTest : public GatewayTest {
 protected:
  testsupport::GatewayHarness::Options HarnessOptions() override {
    testsupport::GatewayHarness::Options options;
    options.configure = [](gateway::config::v1::GatewayConfig& config) {
      config.mutable_log()->set_level("debug");
    };
    options.log_sink = [this](absl::string_view line) {
      absl::MutexLock lock(&mu_);
      lines_.emplace_back(line);
    };
    return options;
  }

  // GetSync calls GetBulkSync with `traceparent` (none if empty); returns
  // the response metadata's traceparent and x-request-id.
  std::pair<std::string, std::string> GetSync(const std::string& traceparent) {
    grpc::ClientContext context;
    if (!traceparent.empty()) context.AddMetadata("traceparent", traceparent);
    // Each call its own upstream request (not a cache hit).
    context.AddMetadata("cache-control", "no-cache");
    v1::GetBulkSyncRequest request;
    request.set_id(FirstBulkSync());
    v1::GetBulkSyncResponse response;
    grpc::Status status =
        Stub<v1::BulkSyncService>()->GetBulkSync(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    const auto& metadata = context.GetServerInitialMetadata();
    auto value = [&](const char* key) {
      auto it = metadata.find(key);
      return it == metadata.end()
                 ? std::string()
                 : std::string(it->second.data(), it->second.size());
    };
    return {value("traceparent"), value("x-request-id")};
  }

  std::vector<Json> LogLines() {
    absl::MutexLock lock(&mu_);
    std::vector<Json> parsed;
    for (const std::string& line : lines_) parsed.push_back(Json::parse(line));
    return parsed;
  }

  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

TEST_F(TracingTest, ACallersTraceReachesUpstreamMetadataAuditAndLogs) {
  auto [traceparent, request_id] =
      GetSync(std::string("00-") + kTraceId + "-" + kCallerSpan + "-01");
  // Response metadata: the same trace, the gateway's span.
  std::smatch parts;
  ASSERT_TRUE(std::regex_match(
      traceparent, parts, std::regex("00-([0-9a-f]{32})-([0-9a-f]{16})-01")))
      << traceparent;
  EXPECT_EQ(parts[1], kTraceId);
  const std::string gateway_span = parts[2];
  EXPECT_NE(gateway_span, kCallerSpan);
  // Upstream: the same header, the gateway's span as the parent.
  Json exchange = harness_->LastExchange("bulkSync.get");
  EXPECT_EQ(exchange["headers"]["traceparent"], traceparent);
  // The audit record.
  harness_->gateway().FlushAudit();
  std::ifstream file(harness_->audit_dir() + "/audit.jsonl");
  int records = 0;
  for (std::string line; std::getline(file, line);) {
    Json record = Json::parse(line);
    if (record["request_id"] != request_id) continue;
    EXPECT_EQ(record["trace_id"], kTraceId);
    ++records;
  }
  EXPECT_EQ(records, 1);
  // The call's log line (JSON, at debug here).
  int logged = 0;
  for (const Json& line : LogLines()) {
    if (line.value("request_id", "") != request_id) continue;
    EXPECT_EQ(line["trace_id"], kTraceId);
    EXPECT_EQ(line["level"], "debug");
    EXPECT_EQ(line["method"], "/polytomic.v1.BulkSyncService/GetBulkSync");
    EXPECT_EQ(line["code"], "0");
    EXPECT_THAT(line["time"].get<std::string>(),
                MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z"));
    ++logged;
  }
  EXPECT_EQ(logged, 1);
  // Never a credential in a log line.
  for (const Json& line : LogLines()) {
    EXPECT_EQ(line.dump().find(harness_->caller_token()), std::string::npos);
    EXPECT_EQ(line.dump().find(harness_->api_key()), std::string::npos);
  }
}

TEST_F(TracingTest, ACallWithoutATraceStartsOne) {
  for (const std::string& sent :
       {std::string(), std::string("garbage"),
        std::string("00-00000000000000000000000000000000-") + kCallerSpan +
            "-01"}) {
    auto [traceparent, request_id] = GetSync(sent);
    std::smatch parts;
    ASSERT_TRUE(std::regex_match(
        traceparent, parts, std::regex("00-([0-9a-f]{32})-([0-9a-f]{16})-01")))
        << sent << " -> " << traceparent;
    EXPECT_NE(parts[1], "00000000000000000000000000000000");
    EXPECT_EQ(harness_->LastExchange("bulkSync.get")["headers"]["traceparent"],
              traceparent);
  }
}

}  // namespace
}  // namespace gateway_test
