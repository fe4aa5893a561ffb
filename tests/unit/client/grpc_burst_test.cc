// Tests for client/bench/grpc_burst.h: TallyBurst on answers made up here,
// and whole bursts against client/bench's EchoService in-process on port 0.
#include "client/bench/grpc_burst.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/bench/echo_service.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"

namespace client::bench {
namespace {

constexpr char kGetBulkSync[] = "/polytomic.v1.BulkSyncService/GetBulkSync";

BurstAnswer Answered(grpc::StatusCode code, std::string metadata_value,
                     std::string response, int64_t sent_nanos,
                     int64_t answered_nanos) {
  BurstAnswer answer;
  answer.code = code;
  answer.metadata_value = std::move(metadata_value);
  answer.response = std::move(response);
  answer.sent_nanos = sent_nanos;
  answer.answered_nanos = answered_nanos;
  return answer;
}

TEST(TallyBurstTest, CountsCodesMetadataAndDistinctResponses) {
  const std::vector<BurstAnswer> answers = {
      Answered(grpc::StatusCode::OK, "miss", "bytes-a", 1000, 51000),
      Answered(grpc::StatusCode::OK, "coalesced", "bytes-a", 2000, 51500),
      Answered(grpc::StatusCode::OK, "coalesced", "bytes-b", 3000, 52000),
      Answered(grpc::StatusCode::UNAVAILABLE, kNoMetadataValue, "", 4000, 9000),
  };
  LatencyHistogram latency;
  Report report;
  TallyBurst(answers, "x-cache-status", &latency, &report);
  EXPECT_EQ(report.mode, "burst");
  EXPECT_EQ(report.concurrency, 4);
  EXPECT_EQ(report.calls, 4);
  EXPECT_EQ(report.ok_calls, 3);
  EXPECT_EQ(report.errors,
            (std::map<std::string, int64_t>{{"UNAVAILABLE", 1}}));
  EXPECT_EQ(report.metadata_key, "x-cache-status");
  EXPECT_EQ(report.metadata_counts,
            (std::map<std::string, int64_t>{
                {"miss", 1}, {"coalesced", 2}, {kNoMetadataValue, 1}}));
  ASSERT_TRUE(report.burst.has_value());
  EXPECT_EQ(report.burst->distinct_responses, 2);
  EXPECT_EQ(report.burst->span, absl::Nanoseconds(52000 - 1000));
  EXPECT_EQ(report.burst->send_span, absl::Nanoseconds(4000 - 1000));
  EXPECT_EQ(report.burst->first_answer, absl::Nanoseconds(9000 - 1000));
  EXPECT_EQ(report.window, report.burst->span);
  EXPECT_EQ(report.latency, &latency);
  EXPECT_EQ(latency.Count(), 4);
  EXPECT_EQ(latency.Max(), absl::Nanoseconds(50000));
}

TEST(TallyBurstTest, WithoutAKeyCountsNoMetadata) {
  LatencyHistogram latency;
  Report report;
  TallyBurst({Answered(grpc::StatusCode::OK, "", "x", 0, 10)}, "", &latency,
             &report);
  EXPECT_TRUE(report.metadata_key.empty());
  EXPECT_TRUE(report.metadata_counts.empty());
  EXPECT_EQ(report.burst->distinct_responses, 1);
}

using Metadata = std::vector<std::pair<std::string, std::string>>;

// EchoServer serves GetBulkSync with the realistic response and
// `initial_metadata` on 127.0.0.1:0 until destroyed.
class EchoServer {
 public:
  explicit EchoServer(Metadata initial_metadata)
      : response_(RealisticGetBulkSyncResponse().SerializeAsString()),
        service_(EchoService::Create(
            kGetBulkSync, polytomic::v1::GetBulkSyncRequest::descriptor(),
            response_, std::move(initial_metadata))) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
  }
  ~EchoServer() {
    if (server_ != nullptr) server_->Shutdown();
  }

  bool started() const { return server_ != nullptr && port_ != 0; }
  std::string target() const { return absl::StrCat("127.0.0.1:", port_); }
  const std::string& response() const { return response_; }

 private:
  const std::string response_;
  std::unique_ptr<EchoService> service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

GrpcBurstOptions Options(const EchoServer& server, int calls) {
  GrpcBurstOptions options;
  options.target = server.target();
  options.method_path = kGetBulkSync;
  polytomic::v1::GetBulkSyncRequest request;
  request.set_id("0b7d8f6e-3c1a-4b2e-9f5d-6a7e8c9d0f1a");
  options.request = request.SerializeAsString();
  options.channels = 3;
  options.calls = calls;
  options.count_metadata = "x-cache-status";
  return options;
}

TEST(GrpcBurstTest, EveryCallIsAnsweredAndCounted) {
  EchoServer server(Metadata{{"x-cache-status", "hit"}});
  ASSERT_TRUE(server.started());
  GrpcBurst burst(Options(server, 200));
  Report report;
  ASSERT_TRUE(burst.Run(nullptr, &report).ok());
  EXPECT_EQ(report.mode, "burst");
  EXPECT_EQ(report.target, server.target());
  EXPECT_EQ(report.connections, 3);
  EXPECT_EQ(report.calls, 200);
  EXPECT_EQ(report.ok_calls, 200);
  EXPECT_TRUE(report.errors.empty());
  EXPECT_EQ(report.metadata_counts,
            (std::map<std::string, int64_t>{{"hit", 200}}));
  ASSERT_TRUE(report.burst.has_value());
  EXPECT_EQ(report.burst->distinct_responses, 1);
  EXPECT_EQ(burst.first_response(), server.response());
}

TEST(GrpcBurstTest, AnswersWithoutTheKeyCountAsNone) {
  EchoServer server(Metadata{});
  ASSERT_TRUE(server.started());
  GrpcBurst burst(Options(server, 10));
  Report report;
  ASSERT_TRUE(burst.Run(nullptr, &report).ok());
  EXPECT_EQ(report.metadata_counts,
            (std::map<std::string, int64_t>{{kNoMetadataValue, 10}}));
}

TEST(GrpcBurstTest, FailedCallsCountByCodeAndHaveNoResponse) {
  EchoServer server(Metadata{});
  ASSERT_TRUE(server.started());
  GrpcBurstOptions options = Options(server, 20);
  options.method_path = "/polytomic.v1.BulkSyncService/NoSuchMethod";
  GrpcBurst burst(options);
  Report report;
  ASSERT_TRUE(burst.Run(nullptr, &report).ok());
  EXPECT_EQ(report.ok_calls, 0);
  EXPECT_EQ(report.errors,
            (std::map<std::string, int64_t>{{"UNIMPLEMENTED", 20}}));
  EXPECT_EQ(report.burst->distinct_responses, 0);
  EXPECT_EQ(burst.first_response(), "");
}

TEST(GrpcBurstTest, RunRefusesNoCalls) {
  EchoServer server(Metadata{});
  GrpcBurstOptions options = Options(server, 0);
  GrpcBurst burst(options);
  Report report;
  EXPECT_EQ(burst.Run(nullptr, &report).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace client::bench
