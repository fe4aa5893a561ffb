// Tests for client/ctl/printer.h: how responses and failed calls, with their
// google.rpc error details, are shown.
#include "client/ctl/printer.h"

#include <string>

#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync_schedule.pb.h"

namespace client::ctl {
namespace {

using ::testing::HasSubstr;

// Details serializes a google.rpc.Status holding `details`, as the server
// puts it in the grpc-status-details-bin trailer.
template <typename... Ts>
std::string Details(const Ts&... details) {
  google::rpc::Status status;
  status.set_code(3);
  status.set_message("ignored: the grpc::Status message is shown");
  (status.add_details()->PackFrom(details), ...);
  return status.SerializeAsString();
}

TEST(StatusCodeNameTest, CanonicalNamesAndOutOfRange) {
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::INVALID_ARGUMENT),
            "INVALID_ARGUMENT");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::UNAUTHENTICATED),
            "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(17)), "CODE_17");
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(-1)), "CODE_-1");
}

TEST(FormatErrorDetailsTest, EmptyTrailerPrintsNothing) {
  EXPECT_EQ(FormatErrorDetails(""), "");
  EXPECT_EQ(FormatErrorDetails(Details()), "");
}

TEST(FormatErrorDetailsTest, ErrorInfoWithSortedMetadata) {
  google::rpc::ErrorInfo info;
  info.set_reason("UPSTREAM_NOT_FOUND");
  info.set_domain("polytomic-gateway");
  (*info.mutable_metadata())["operation"] = "bulkSync.get";
  (*info.mutable_metadata())["http_status"] = "404";
  EXPECT_EQ(FormatErrorDetails(Details(info)),
            "  ErrorInfo: reason=UPSTREAM_NOT_FOUND domain=polytomic-gateway\n"
            "    http_status: 404\n"
            "    operation: bulkSync.get\n");
}

TEST(FormatErrorDetailsTest, BadRequestListsEveryViolation) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("id");
  violation->set_description("must be a UUID");
  violation = bad_request.add_field_violations();
  violation->set_field("bulk_sync.name");
  violation->set_description("is required");
  EXPECT_EQ(FormatErrorDetails(Details(bad_request)),
            "  BadRequest:\n"
            "    id: must be a UUID\n"
            "    bulk_sync.name: is required\n");
}

TEST(FormatErrorDetailsTest, RetryInfoAsADuration) {
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(2);
  retry.mutable_retry_delay()->set_nanos(500000000);
  EXPECT_EQ(FormatErrorDetails(Details(retry)),
            "  RetryInfo: retry after 2.5s\n");
}

TEST(FormatErrorDetailsTest, OtherLinkedTypesAsJson) {
  google::rpc::ResourceInfo resource;
  resource.set_resource_type("bulk_sync");
  resource.set_resource_name("abc");
  EXPECT_EQ(FormatErrorDetails(Details(resource)),
            "  ResourceInfo: {\"resourceType\":\"bulk_sync\","
            "\"resourceName\":\"abc\"}\n");
}

TEST(FormatErrorDetailsTest, UnknownTypeByItsUrl) {
  google::rpc::Status status;
  google::protobuf::Any* any = status.add_details();
  any->set_type_url("type.example.com/acme.v9.Mystery");
  any->set_value("12345");
  EXPECT_EQ(FormatErrorDetails(status.SerializeAsString()),
            "  type.example.com/acme.v9.Mystery (5 bytes)\n");
}

TEST(FormatErrorDetailsTest, KnownTypeWithBrokenBytesByItsUrl) {
  google::rpc::Status status;
  google::protobuf::Any* any = status.add_details();
  any->set_type_url("type.googleapis.com/google.rpc.ResourceInfo");
  any->set_value("\x0a\x09short");  // A string field claiming 9 bytes.
  EXPECT_EQ(FormatErrorDetails(status.SerializeAsString()),
            "  type.googleapis.com/google.rpc.ResourceInfo (7 bytes)\n");
}

TEST(FormatErrorDetailsTest, EveryDetailInOrder) {
  google::rpc::ErrorInfo info;
  info.set_reason("R");
  info.set_domain("D");
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(1);
  const std::string text = FormatErrorDetails(Details(retry, info));
  EXPECT_EQ(text,
            "  RetryInfo: retry after 1s\n"
            "  ErrorInfo: reason=R domain=D\n");
}

TEST(FormatErrorDetailsTest, UnparseableTrailer) {
  EXPECT_EQ(FormatErrorDetails(std::string("\x0a\x05xy", 4)),
            "  (unparseable grpc-status-details-bin, 4 bytes)\n");
}

TEST(FormatGrpcErrorTest, CodeMessageAndDetails) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("id");
  violation->set_description("must be a UUID");
  const grpc::Status status(grpc::StatusCode::INVALID_ARGUMENT,
                            "id must be a UUID", Details(bad_request));
  EXPECT_EQ(FormatGrpcError(status),
            "ERROR INVALID_ARGUMENT: id must be a UUID\n"
            "  BadRequest:\n"
            "    id: must be a UUID\n");
}

TEST(FormatGrpcErrorTest, WithoutDetails) {
  EXPECT_EQ(FormatGrpcError(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                         "failed to connect")),
            "ERROR UNAVAILABLE: failed to connect\n");
}

TEST(FormatGrpcErrorTest, RequestIdComesLast) {
  google::rpc::ErrorInfo info;
  info.set_reason("UNKNOWN_TOKEN");
  info.set_domain("polytomic-gateway");
  const grpc::Status status(grpc::StatusCode::UNAUTHENTICATED, "no caller",
                            Details(info));
  EXPECT_EQ(FormatGrpcError(status, "4f1c0de"),
            "ERROR UNAUTHENTICATED: no caller\n"
            "  ErrorInfo: reason=UNKNOWN_TOKEN domain=polytomic-gateway\n"
            "  x-request-id: 4f1c0de\n");
  EXPECT_EQ(FormatGrpcError(status, ""), FormatGrpcError(status));
}

TEST(FormatResponseTest, IndentedJsonWithWireNames) {
  polytomic::v1::GetBulkSyncScheduleResponse response;
  response.mutable_data()->set_day_of_week("monday");
  response.mutable_data()->set_frequency(
      polytomic::v1::SCHEDULE_FREQUENCY_WEEKLY);
  absl::StatusOr<std::string> text = FormatResponse(response);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("\"dayOfWeek\": \"monday\""));
  EXPECT_THAT(*text, HasSubstr("\"frequency\": \"SCHEDULE_FREQUENCY_WEEKLY\""));
  EXPECT_THAT(*text, HasSubstr("\n \"data\": {\n"));
  EXPECT_EQ(text->back(), '\n');
}

TEST(FormatResponseTest, EmptyMessage) {
  absl::StatusOr<std::string> text =
      FormatResponse(polytomic::v1::GetBulkSyncScheduleResponse());
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "{}\n");
}

}  // namespace
}  // namespace client::ctl
