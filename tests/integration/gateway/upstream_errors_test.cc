// How upstream answers and failures reach callers: every row of the error
// mapping table (after as many attempts as the retry policy makes), unreadable
// bodies, unknown enum values, and caller input rejected before any upstream
// call. Faults here apply to every attempt.

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"
#include "tests/support/temp_files.h"

namespace gateway_test {
namespace {

using polytomic::v1::BulkSyncService;
using ::testing::HasSubstr;
using testsupport::DetailOf;
using testsupport::ErrorInfoOf;
namespace v1 = polytomic::v1;

class UpstreamErrorsTest : public GatewayTest {
 protected:
  grpc::Status GetSync(v1::GetBulkSyncResponse* response = nullptr) {
    v1::GetBulkSyncResponse ignored;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::GetBulkSyncRequest request;
    request.set_id(FirstBulkSync());
    return Stub<BulkSyncService>()->GetBulkSync(&context, request,
                                                response ? response : &ignored);
  }

  void AddFault(const Json& fault) {
    Json spec = fault;
    if (!spec.contains("operation")) spec["operation"] = "bulkSync.get";
    if (!spec.contains("count")) spec["count"] = 0;  // every attempt
    ASSERT_FALSE(upstream().AddFault(spec).empty()) << spec.dump();
  }
};

struct Row {
  int http_status;
  grpc::StatusCode code;
  const char* reason;
  int attempts = 1;  // 3 (upstream.retry.max_attempts) when retried
};

class ErrorTableTest : public UpstreamErrorsTest,
                       public ::testing::WithParamInterface<Row> {};

TEST_P(ErrorTableTest, UpstreamStatusBecomesGrpcCodeWithErrorInfo) {
  const Row& row = GetParam();
  ForgetRequests();
  AddFault({{"kind", "status"}, {"status", row.http_status}});
  grpc::Status status = GetSync();
  EXPECT_EQ(harness_->Count("bulkSync.get"), row.attempts);
  EXPECT_EQ(status.error_code(), row.code) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("bulkSync.get"));
  google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), row.reason);
  EXPECT_EQ(info.domain(), "polytomic-gateway");
  EXPECT_EQ(info.metadata().at("http_status"), std::to_string(row.http_status));
  EXPECT_EQ(info.metadata().at("operation"), "bulkSync.get");
}

INSTANTIATE_TEST_SUITE_P(
    Table, ErrorTableTest,
    ::testing::Values(
        Row{400, grpc::StatusCode::INVALID_ARGUMENT,
            "UPSTREAM_REJECTED_REQUEST"},
        Row{403, grpc::StatusCode::PERMISSION_DENIED,
            "UPSTREAM_PERMISSION_DENIED"},
        Row{404, grpc::StatusCode::NOT_FOUND, "UPSTREAM_NOT_FOUND"},
        Row{408, grpc::StatusCode::DEADLINE_EXCEEDED, "UPSTREAM_TIMEOUT"},
        Row{409, grpc::StatusCode::ABORTED, "UPSTREAM_CONFLICT"},
        Row{413, grpc::StatusCode::INVALID_ARGUMENT,
            "UPSTREAM_REQUEST_TOO_LARGE"},
        Row{422, grpc::StatusCode::INVALID_ARGUMENT,
            "UPSTREAM_REJECTED_REQUEST"},
        Row{429, grpc::StatusCode::RESOURCE_EXHAUSTED, "UPSTREAM_RATE_LIMITED",
            3},
        Row{500, grpc::StatusCode::UNAVAILABLE, "UPSTREAM_UNAVAILABLE"},
        Row{502, grpc::StatusCode::UNAVAILABLE, "UPSTREAM_UNAVAILABLE", 3},
        Row{503, grpc::StatusCode::UNAVAILABLE, "UPSTREAM_UNAVAILABLE", 3},
        Row{504, grpc::StatusCode::DEADLINE_EXCEEDED, "UPSTREAM_TIMEOUT", 3}),
    [](const ::testing::TestParamInfo<Row>& info) {
      return absl::StrCat("Http", info.param.http_status);
    });

TEST_F(UpstreamErrorsTest, RateLimitCarriesRetryInfo) {
  // 25 s would end past the read's fetch deadline (upstream.default_timeout,
  // 20 s in the harness): no retry waits for it.
  AddFault({{"kind", "status"}, {"status", 429}, {"retry_after", "25"}});
  grpc::Status status = GetSync();
  ASSERT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(DetailOf(status, &retry));
  EXPECT_EQ(retry.retry_delay().seconds(), 25);
}

TEST_F(UpstreamErrorsTest, NotFoundFromTheUpstreamItself) {
  grpc::ClientContext context;
  v1::GetBulkSyncRequest request;
  request.set_id("00000000-0000-4000-8000-000000000000");
  v1::GetBulkSyncResponse response;
  grpc::Status status =
      Stub<BulkSyncService>()->GetBulkSync(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ErrorInfoOf(status).reason(), "UPSTREAM_NOT_FOUND");
}

TEST_F(UpstreamErrorsTest, UpstreamValidationErrorBecomesBadRequest) {
  grpc::ClientContext context;
  v1::CreateBulkSyncRequest request;
  auto* sync = request.mutable_bulk_sync();
  sync->set_name("x");
  // A well-formed UUID the upstream does not know: only it can say so.
  sync->set_source_connection_id("00000000-0000-4000-8000-000000000001");
  sync->set_destination_connection_id(harness_->Connection("snowflake"));
  sync->mutable_default_schedule()->set_frequency(
      v1::SCHEDULE_FREQUENCY_MANUAL);
  (*sync->mutable_destination_configuration()->mutable_fields())["schema"]
      .set_string_value("s");
  v1::CreateBulkSyncResponse response;
  grpc::Status status =
      Stub<BulkSyncService>()->CreateBulkSync(&context, request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ErrorInfoOf(status).metadata().at("http_status"), "422");
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(DetailOf(status, &bad_request));
  ASSERT_GE(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(),
            "bulk_sync.source_connection_id");
}

TEST_F(UpstreamErrorsTest, DroppedConnectionIsUnavailable) {
  AddFault({{"kind", "drop"}});
  grpc::Status status = GetSync();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ErrorInfoOf(status).reason(), "UPSTREAM_UNAVAILABLE");
}

TEST_F(UpstreamErrorsTest, UnparseableBodyIsInternalNamingTheOperation) {
  AddFault({{"kind", "malformed"}});
  grpc::Status status = GetSync();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("bulkSync.get"));
  EXPECT_EQ(ErrorInfoOf(status).reason(), "UPSTREAM_BAD_RESPONSE");
}

TEST_F(UpstreamErrorsTest, UnknownEnumValueIsKeptRaw) {
  AddFault({{"kind", "respond"},
            {"status", 200},
            {"body", Json::parse(R"({"data": {"id": "x", "mode": "mirror",
                                              "normalize_names": "enabled"}})")}});
  v1::GetBulkSyncResponse response;
  ASSERT_GRPC_OK(GetSync(&response));
  EXPECT_EQ(response.data().mode(), v1::BULK_SYNC_MODE_UNSPECIFIED);
  EXPECT_EQ(
      response.data().additional_fields().fields().at("mode").string_value(),
      "mirror");
  EXPECT_EQ(response.data().normalize_names(),
            v1::BULK_NORMALIZE_NAMES_ENABLED);
}

TEST_F(UpstreamErrorsTest, MalformedCallerInputNeverReachesUpstream) {
  auto stub = Stub<BulkSyncService>();
  {
    grpc::ClientContext context;
    v1::GetBulkSyncRequest request;
    request.set_id("not-a-uuid");
    v1::GetBulkSyncResponse response;
    grpc::Status status = stub->GetBulkSync(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(ErrorInfoOf(status).reason(), "INVALID_REQUEST");
    google::rpc::BadRequest bad_request;
    ASSERT_TRUE(DetailOf(status, &bad_request));
    EXPECT_EQ(bad_request.field_violations(0).field(), "id");
  }
  {
    grpc::ClientContext context;
    v1::CreateBulkSyncRequest request;
    request.mutable_bulk_sync()->set_name("missing everything else");
    v1::CreateBulkSyncResponse response;
    grpc::Status status = stub->CreateBulkSync(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(),
                HasSubstr("bulk_sync.default_schedule"));
  }
  EXPECT_EQ(harness_->Count("bulkSync.get"), 0);
  EXPECT_EQ(harness_->Count("bulkSync.create"), 0);
}

// A gateway whose Polytomic key the upstream rejects.
class RejectedKeyTest : public UpstreamErrorsTest {
 protected:
  testsupport::GatewayHarness::Options HarnessOptions() override {
    testsupport::GatewayHarness::Options options;
    options.configure = [this](gateway::config::v1::GatewayConfig& config) {
      config.mutable_upstream()->set_api_key_file(wrong_key_.path());
    };
    return options;
  }
  testsupport::TempFile wrong_key_{"sk-wrong-key-that-leaks-nowhere\n"};
};

TEST_F(RejectedKeyTest, CredentialRejectionIsNotTheCallersFault) {
  grpc::Status status = GetSync();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ErrorInfoOf(status).reason(), "UPSTREAM_CREDENTIAL_REJECTED");
  EXPECT_THAT(status.error_message(),
              ::testing::Not(HasSubstr("sk-wrong-key")));
  EXPECT_THAT(status.error_details(),
              ::testing::Not(HasSubstr("sk-wrong-key")));
}

}  // namespace
}  // namespace gateway_test
