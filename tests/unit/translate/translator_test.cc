// Unit tests of the descriptor-driven translator: routes, request building,
// validation and the upstream error mapping table.
#include "gateway/translate/translator.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/common/error_details.h"
#include "gateway/translate/error_mapping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/bulk_sync_execution.pb.h"
#include "polytomic/v1/bulk_sync_schedule.pb.h"
#include "polytomic/v1/bulk_sync_schema.pb.h"
#include "polytomic/v1/model_sync.pb.h"
#include "polytomic/v1/model_sync_execution.pb.h"

namespace gateway::translate {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr char kSyncId[] = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b";

class TranslatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto services = ContractServices();
    ASSERT_TRUE(services.ok()) << services.status();
    auto translator = Translator::Create(*services);
    ASSERT_TRUE(translator.ok()) << translator.status();
    translator_ = *std::move(translator);
  }

  const Route& RouteOf(absl::string_view service, absl::string_view method) {
    const Route* route = translator_->routes().Find(
        absl::StrCat("/polytomic.v1.", service, "/", method));
    EXPECT_NE(route, nullptr) << method;
    return *route;
  }

  HttpRequest Build(const Route& route,
                    const google::protobuf::Message& request,
                    absl::string_view idempotency_key = "") {
    EXPECT_TRUE(translator_->Validate(route, request).ok())
        << translator_->Validate(route, request);
    auto http = translator_->ToHttp(route, request, idempotency_key);
    EXPECT_TRUE(http.ok()) << http.status();
    return http.ok() ? *http : HttpRequest{};
  }

  // Violations returns the BadRequest field paths of a validation failure.
  std::vector<std::string> Violations(
      const Route& route, const google::protobuf::Message& request) {
    absl::Status status = translator_->Validate(route, request);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    google::rpc::BadRequest bad_request;
    EXPECT_TRUE(GetDetail(status, &bad_request));
    std::vector<std::string> fields;
    for (const auto& v : bad_request.field_violations())
      fields.push_back(v.field());
    return fields;
  }

  std::unique_ptr<Translator> translator_;
};

TEST_F(TranslatorTest, EveryContractRpcHasARoute) {
  EXPECT_EQ(translator_->routes().routes().size(), 50u);
}

TEST_F(TranslatorTest, PathVariablesAreFilledAndEncoded) {
  polytomic::v1::GetBulkSyncSchemaRequest request;
  request.set_id(kSyncId);
  request.set_schema_id("public.users/x y");
  HttpRequest http =
      Build(RouteOf("BulkSyncSchemaService", "GetBulkSyncSchema"), request);
  EXPECT_EQ(http.method, "GET");
  EXPECT_EQ(http.target, absl::StrCat("/api/bulk/syncs/", kSyncId,
                                      "/schemas/public.users%2Fx%20y"));
  EXPECT_TRUE(http.body.empty());
}

TEST_F(TranslatorTest, EnumPathVariableUsesItsWireValue) {
  polytomic::v1::GetModelSyncExecutionLogUrlsRequest request;
  request.set_sync_id(kSyncId);
  request.set_id(kSyncId);
  request.set_type(polytomic::v1::EXECUTION_LOG_TYPE_WARNINGS);
  HttpRequest http = Build(
      RouteOf("ModelSyncExecutionService", "GetModelSyncExecutionLogUrls"),
      request);
  EXPECT_EQ(http.target, absl::StrCat("/api/syncs/", kSyncId, "/executions/",
                                      kSyncId, "/warnings"));
}

TEST_F(TranslatorTest, QueryParametersForSetFieldsOnly) {
  polytomic::v1::ListModelSyncsRequest request;
  request.set_active(false);
  request.add_mode(polytomic::v1::MODEL_SYNC_MODE_UPDATE_OR_CREATE);
  request.add_mode(polytomic::v1::MODEL_SYNC_MODE_CREATE);
  request.set_limit(10);
  HttpRequest http =
      Build(RouteOf("ModelSyncService", "ListModelSyncs"), request);
  EXPECT_EQ(http.target,
            "/api/syncs?active=false&mode=updateOrCreate&mode=create&limit=10");
}

TEST_F(TranslatorTest, RepeatedQueryParameter) {
  polytomic::v1::ListBulkSyncExecutionStatusesRequest request;
  request.add_sync_id(kSyncId);
  request.add_sync_id(kSyncId);
  HttpRequest http = Build(
      RouteOf("BulkSyncExecutionService", "ListBulkSyncExecutionStatuses"),
      request);
  EXPECT_EQ(http.target, absl::StrCat("/api/bulk/syncs/status?sync_id=",
                                      kSyncId, "&sync_id=", kSyncId));
}

TEST_F(TranslatorTest, JsonEncodedQueryParameter) {
  polytomic::v1::ListBulkSyncSchemasRequest request;
  request.set_id(kSyncId);
  (*request.mutable_filters())["enabled"] = "true";
  HttpRequest http =
      Build(RouteOf("BulkSyncSchemaService", "ListBulkSyncSchemas"), request);
  EXPECT_EQ(http.target,
            absl::StrCat("/api/bulk/syncs/", kSyncId,
                         "/schemas?filters=%7B%22enabled%22%3A%22true%22%7D"));
}

TEST_F(TranslatorTest, BodyOfRemainingFieldsSendsExplicitFalse) {
  polytomic::v1::ActivateBulkSyncRequest request;
  request.set_id(kSyncId);
  request.set_active(false);
  request.set_idempotency_key("key-12345678");
  HttpRequest http =
      Build(RouteOf("BulkSyncService", "ActivateBulkSync"), request);
  EXPECT_EQ(http.method, "POST");
  EXPECT_EQ(http.target,
            absl::StrCat("/api/bulk/syncs/", kSyncId, "/activate"));
  EXPECT_EQ(http.body, R"({"active":false})");
  EXPECT_THAT(http.headers, UnorderedElementsAre(
                                std::make_pair(std::string("Idempotency-Key"),
                                               std::string("key-12345678"))));
}

TEST_F(TranslatorTest, GeneratedIdempotencyKeyWhenTheCallerSetsNone) {
  polytomic::v1::ActivateBulkSyncRequest request;
  request.set_id(kSyncId);
  request.set_active(true);
  HttpRequest http = Build(RouteOf("BulkSyncService", "ActivateBulkSync"),
                           request, "0123456789abcdef0123456789abcdef");
  EXPECT_THAT(http.headers,
              UnorderedElementsAre(std::make_pair(
                  std::string("Idempotency-Key"),
                  std::string("0123456789abcdef0123456789abcdef"))));
  request.set_idempotency_key("caller-key-1");
  http = Build(RouteOf("BulkSyncService", "ActivateBulkSync"), request,
               "0123456789abcdef0123456789abcdef");
  EXPECT_THAT(http.headers, UnorderedElementsAre(
                                std::make_pair(std::string("Idempotency-Key"),
                                               std::string("caller-key-1"))));
}

TEST_F(TranslatorTest, EveryMutationThatTakesAKeyGetsOneAndReadsNever) {
  int with_key = 0;
  for (const auto& route : translator_->routes().routes()) {
    if (route->IsRead()) {
      EXPECT_EQ(route->idempotency_key, nullptr) << route->full_method;
      continue;
    }
    if (route->http_method == "POST") {
      EXPECT_NE(route->idempotency_key, nullptr) << route->full_method;
    }
    if (route->idempotency_key != nullptr) ++with_key;
  }
  EXPECT_GT(with_key, 0);
}

TEST_F(TranslatorTest, SchemaUpdateBodyOmitsTheSchemaId) {
  polytomic::v1::UpdateBulkSyncSchemaRequest request;
  request.set_id(kSyncId);
  request.set_schema_id("Contact");
  request.mutable_schema()->set_id("Contact");
  request.mutable_schema()->set_enabled(true);
  const Route& route = RouteOf("BulkSyncSchemaService", "UpdateBulkSyncSchema");
  EXPECT_EQ(Build(route, request).body, R"({"enabled":true})");
  absl::StatusOr<HttpRequest> merged = translator_->ToHttpWith(
      route, request, "", Json{{"id", "Contact"}, {"enabled", false}});
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->body, R"({"enabled":false})");
}

TEST_F(TranslatorTest, BodyFieldIsTheResourceWithoutOutputOnlyFields) {
  polytomic::v1::CreateBulkSyncScheduleRequest request;
  request.set_sync_id(kSyncId);
  auto* schedule = request.mutable_schedule();
  schedule->set_id("ignored");
  schedule->set_frequency(polytomic::v1::SCHEDULE_FREQUENCY_WEEKLY);
  schedule->set_day_of_week("monday");
  schedule->set_is_default(true);
  HttpRequest http = Build(
      RouteOf("BulkSyncScheduleService", "CreateBulkSyncSchedule"), request);
  EXPECT_EQ(http.body,
            R"({"schedule":{"frequency":"weekly","dayOfWeek":"monday"}})");
}

TEST_F(TranslatorTest, DeleteHasNoBody) {
  polytomic::v1::DeleteModelSyncRequest request;
  request.set_id(kSyncId);
  HttpRequest http =
      Build(RouteOf("ModelSyncService", "DeleteModelSync"), request);
  EXPECT_EQ(http.method, "DELETE");
  EXPECT_TRUE(http.body.empty());
}

TEST_F(TranslatorTest, ValidationNamesEveryProblem) {
  polytomic::v1::CreateBulkSyncRequest request;
  auto* sync = request.mutable_bulk_sync();
  sync->set_name("n");
  sync->set_source_connection_id("not-a-uuid");
  sync->mutable_default_schedule();  // frequency missing
  sync->add_additional_schedules()->set_frequency(
      polytomic::v1::SCHEDULE_FREQUENCY_DAILY);
  sync->add_additional_schedules();  // frequency missing
  sync->add_schemas();               // union with no member
  request.set_idempotency_key("short");
  EXPECT_THAT(
      Violations(RouteOf("BulkSyncService", "CreateBulkSync"), request),
      UnorderedElementsAre("bulk_sync.source_connection_id",
                           "bulk_sync.destination_connection_id",
                           "bulk_sync.default_schedule.frequency",
                           "bulk_sync.additional_schedules[1].frequency",
                           "bulk_sync.destination_configuration",
                           "bulk_sync.schemas[0]", "idempotency_key"));
}

TEST_F(TranslatorTest, ValidationRejectsBadPathValuesAndUnknownEnumNumbers) {
  polytomic::v1::GetBulkSyncRequest missing;
  EXPECT_THAT(Violations(RouteOf("BulkSyncService", "GetBulkSync"), missing),
              UnorderedElementsAre("id"));
  polytomic::v1::StartBulkSyncRequest start;
  start.set_id(kSyncId);
  start.set_resync_mode(static_cast<polytomic::v1::BulkResyncMode>(42));
  EXPECT_THAT(Violations(RouteOf("BulkSyncService", "StartBulkSync"), start),
              UnorderedElementsAre("resync_mode"));
}

TEST_F(TranslatorTest, ValidationCanLeaveTheBodyToTheMergedDocument) {
  polytomic::v1::UpdateBulkSyncRequest request;
  request.set_id(kSyncId);
  request.mutable_bulk_sync()->set_source_connection_id("bad");
  ValidationOptions relaxed;
  relaxed.skip_required_in_body = true;
  absl::Status status = translator_->Validate(
      RouteOf("BulkSyncService", "UpdateBulkSync"), request, relaxed);
  // Required members are not checked, formats still are.
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("source_connection_id"));
  EXPECT_THAT(std::string(status.message()), ::testing::Not(HasSubstr("name")));
}

TEST_F(TranslatorTest, SuccessBodyFillsTheEnvelope) {
  const Route& route = RouteOf("BulkSyncService", "GetBulkSync");
  HttpResponse answer{
      200,
      {},
      R"({"data":{"id":"x","name":"n","mode":"replicate"},"extra":1})"};
  polytomic::v1::GetBulkSyncResponse response;
  ASSERT_TRUE(translator_->FromHttp(route, answer, &response).ok());
  EXPECT_EQ(response.data().name(), "n");
  EXPECT_EQ(response.additional_fields().fields().at("extra").number_value(),
            1);
}

TEST_F(TranslatorTest, EmptySuccessBodyIsAnEmptyResponse) {
  polytomic::v1::DeleteBulkSyncResponse response;
  EXPECT_TRUE(translator_
                  ->FromHttp(RouteOf("BulkSyncService", "DeleteBulkSync"),
                             HttpResponse{200, {}, ""}, &response)
                  .ok());
}

TEST_F(TranslatorTest, UnparseableSuccessBodyIsInternalNamingTheOperation) {
  polytomic::v1::GetBulkSyncResponse response;
  for (const char* body : {R"({"data": {)", "[1]", "<html>"}) {
    absl::Status status =
        translator_->FromHttp(RouteOf("BulkSyncService", "GetBulkSync"),
                              HttpResponse{200, {}, body}, &response);
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << body;
    EXPECT_THAT(std::string(status.message()), HasSubstr("bulkSync.get"))
        << body;
    google::rpc::ErrorInfo info;
    ASSERT_TRUE(GetDetail(status, &info));
    EXPECT_EQ(info.reason(), "UPSTREAM_BAD_RESPONSE");
  }
}

struct MappingCase {
  int http_status;
  absl::StatusCode code;
  const char* reason;
};

class ErrorMappingTest : public TranslatorTest,
                         public ::testing::WithParamInterface<MappingCase> {};

TEST_P(ErrorMappingTest, MapsStatusCodeAndReason) {
  const MappingCase& c = GetParam();
  HttpResponse answer{
      c.http_status, {}, R"({"status":0,"message":"upstream says no"})"};
  absl::Status status =
      UpstreamHttpError(RouteOf("BulkSyncService", "GetBulkSync"),
                        translator_->routes().schema(), answer, absl::Now());
  EXPECT_EQ(status.code(), c.code);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(status, &info));
  EXPECT_EQ(info.reason(), c.reason);
  EXPECT_EQ(info.domain(), "polytomic-gateway");
  EXPECT_EQ(info.metadata().at("http_status"), std::to_string(c.http_status));
  EXPECT_EQ(info.metadata().at("operation"), "bulkSync.get");
}

INSTANTIATE_TEST_SUITE_P(
    Table, ErrorMappingTest,
    ::testing::Values(
        MappingCase{400, absl::StatusCode::kInvalidArgument,
                    "UPSTREAM_REJECTED_REQUEST"},
        MappingCase{422, absl::StatusCode::kInvalidArgument,
                    "UPSTREAM_REJECTED_REQUEST"},
        MappingCase{401, absl::StatusCode::kUnavailable,
                    "UPSTREAM_CREDENTIAL_REJECTED"},
        MappingCase{403, absl::StatusCode::kPermissionDenied,
                    "UPSTREAM_PERMISSION_DENIED"},
        MappingCase{404, absl::StatusCode::kNotFound, "UPSTREAM_NOT_FOUND"},
        MappingCase{408, absl::StatusCode::kDeadlineExceeded,
                    "UPSTREAM_TIMEOUT"},
        MappingCase{409, absl::StatusCode::kAborted, "UPSTREAM_CONFLICT"},
        MappingCase{413, absl::StatusCode::kInvalidArgument,
                    "UPSTREAM_REQUEST_TOO_LARGE"},
        MappingCase{429, absl::StatusCode::kResourceExhausted,
                    "UPSTREAM_RATE_LIMITED"},
        MappingCase{500, absl::StatusCode::kUnavailable,
                    "UPSTREAM_UNAVAILABLE"},
        MappingCase{503, absl::StatusCode::kUnavailable,
                    "UPSTREAM_UNAVAILABLE"},
        MappingCase{504, absl::StatusCode::kDeadlineExceeded,
                    "UPSTREAM_TIMEOUT"},
        MappingCase{302, absl::StatusCode::kInternal,
                    "UPSTREAM_UNEXPECTED_STATUS"},
        MappingCase{418, absl::StatusCode::kInternal,
                    "UPSTREAM_UNEXPECTED_STATUS"}),
    [](const ::testing::TestParamInfo<MappingCase>& info) {
      return absl::StrCat("Http", info.param.http_status);
    });

TEST_F(TranslatorTest, ValidationErrorBecomesBadRequestOnProtoPaths) {
  HttpResponse answer{
      422, {}, R"({"status":422,"key":"validation_error","message":"bad",
      "metadata":{"fields":{"default_schedule.frequency":"is required","name":"is required"}}})"};
  absl::Status status =
      UpstreamHttpError(RouteOf("BulkSyncService", "CreateBulkSync"),
                        translator_->routes().schema(), answer, absl::Now());
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(GetDetail(status, &bad_request));
  std::vector<std::string> fields;
  for (const auto& v : bad_request.field_violations())
    fields.push_back(v.field());
  EXPECT_THAT(fields,
              UnorderedElementsAre("bulk_sync.default_schedule.frequency",
                                   "bulk_sync.name"));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(status, &info));
  EXPECT_EQ(info.metadata().at("upstream_key"), "validation_error");
}

TEST_F(TranslatorTest, CamelCaseWirePathsMapToProtoNames) {
  HttpResponse answer{
      400, {}, R"({"metadata":{"fields":{"schedule.dayOfWeek":"bad day"}}})"};
  absl::Status status = UpstreamHttpError(
      RouteOf("BulkSyncScheduleService", "UpdateBulkSyncSchedule"),
      translator_->routes().schema(), answer, absl::Now());
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(GetDetail(status, &bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "schedule.day_of_week");
  EXPECT_EQ(bad_request.field_violations(0).description(), "bad day");
}

TEST_F(TranslatorTest, RateLimitCarriesRetryInfo) {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  for (const auto& [header, seconds] : std::vector<std::pair<std::string, int>>{
           {"7", 7}, {"Tue, 14 Nov 2023 22:13:50 GMT", 30}}) {
    HttpResponse answer{429, {{"retry-after", header}}, "{}"};
    absl::Status status =
        UpstreamHttpError(RouteOf("BulkSyncService", "GetBulkSync"),
                          translator_->routes().schema(), answer, now);
    EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
    google::rpc::RetryInfo retry;
    ASSERT_TRUE(GetDetail(status, &retry)) << header;
    EXPECT_EQ(retry.retry_delay().seconds(), seconds) << header;
  }
}

TEST_F(TranslatorTest, CredentialRejectionDoesNotRepeatTheUpstreamText) {
  HttpResponse answer{401, {}, R"({"message":"key sk-live-123 is revoked"})"};
  absl::Status status =
      UpstreamHttpError(RouteOf("BulkSyncService", "GetBulkSync"),
                        translator_->routes().schema(), answer, absl::Now());
  EXPECT_THAT(std::string(status.message()),
              ::testing::Not(HasSubstr("sk-live-123")));
  EXPECT_THAT(std::string(status.message()), HasSubstr("not the caller's"));
}

TEST_F(TranslatorTest, TransportFailures) {
  const Route& route = RouteOf("BulkSyncService", "GetBulkSync");
  EXPECT_EQ(translator_
                ->FromTransportError(route, absl::DeadlineExceededError("slow"))
                .code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(
      translator_->FromTransportError(route, absl::UnavailableError("reset"))
          .code(),
      absl::StatusCode::kUnavailable);
  EXPECT_EQ(translator_->FromTransportError(route, absl::CancelledError("gone"))
                .code(),
            absl::StatusCode::kCancelled);
}

// Found by tests/fuzz: a document nested 100,000 deep (200 KB) overflowed
// the stack when it was copied or printed.
TEST_F(TranslatorTest, DeeplyNestedBodiesAreRefusedNotRecursedInto) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const Route& get = RouteOf("BulkSyncService", "GetBulkSync");
  absl::StatusOr<Json> body = translator_->ParseBody(
      get,
      HttpResponse{200, {}, absl::StrCat(R"({"data": {"x": )", deep, "}}")});
  EXPECT_EQ(body.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(body.status().message()),
              HasSubstr("nests more than 128 levels deep"));
  EXPECT_TRUE(translator_->ParseBody(get, HttpResponse{200, {}, "[[1]]"}).ok());

  absl::Status error = translator_->FromHttpError(
      get,
      HttpResponse{400,
                   {},
                   absl::StrCat(R"({"message": "no", "metadata": {"fields":)",
                                R"( {"name": )", deep, "}}}")},
      absl::Now());
  EXPECT_EQ(error.code(), absl::StatusCode::kInvalidArgument);
  google::rpc::BadRequest bad_request;
  EXPECT_FALSE(GetDetail(error, &bad_request));
}

}  // namespace
}  // namespace gateway::translate
