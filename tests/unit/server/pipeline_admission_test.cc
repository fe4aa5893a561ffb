// Pipeline: the stages before anything goes upstream. Callers that cannot
// be authenticated or may not call the method, and requests that fail
// validation (including update_mask planning), end with the right code and
// ErrorInfo reason, exactly one audit outcome, no intent and no upstream
// request.
#include <memory>
#include <string>

#include "gateway/common/error_details.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/model_sync.pb.h"
#include "tests/unit/server/server_test_stack.h"

namespace gateway::server::testing {
namespace {

using ::polytomic::v1::GetBulkSyncRequest;
using ::polytomic::v1::StartBulkSyncRequest;
using ::polytomic::v1::UpdateBulkSyncRequest;
using ::testing::HasSubstr;
using ::testing::Not;
using Kind = FakeAuditStage::Event::Kind;

GetBulkSyncRequest GetBulkSync(const std::string& id = kBulkSyncId) {
  GetBulkSyncRequest request;
  request.set_id(id);
  return request;
}

UpdateBulkSyncRequest RenameBulkSync(const std::string& id = kBulkSyncId) {
  UpdateBulkSyncRequest request;
  request.set_id(id);
  request.mutable_bulk_sync()->set_name("renamed");
  request.mutable_update_mask()->add_paths("name");
  return request;
}

// ExpectRefusedBeforeUpstream checks the call ended once with `code` and
// `reason`, with one outcome record carrying that status, no intent and no
// upstream request.
void ExpectRefusedBeforeUpstream(const Stack& s, const CallOutcome& outcome,
                                 absl::StatusCode code,
                                 const std::string& reason) {
  ASSERT_EQ(outcome.calls, 1);
  EXPECT_EQ(outcome.status.code(), code) << outcome.status;
  EXPECT_EQ(Reason(outcome.status), reason) << outcome.status;
  EXPECT_EQ(s.upstream.size(), 0u);
  EXPECT_EQ(s.audit.intents(), 0u);
  auto outcomes = s.audit.outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, outcome.status);
}

TEST(PipelineAdmissionTest, ACallWithoutATokenIsUnauthenticated) {
  Stack s;
  auto outcome = s.Run(GetBulkSync(), /*token=*/"");
  ExpectRefusedBeforeUpstream(s, *outcome, absl::StatusCode::kUnauthenticated,
                              "CALLER_UNAUTHENTICATED");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(outcome->status, &info));
  EXPECT_EQ(info.metadata().at("method"),
            "/polytomic.v1.BulkSyncService/GetBulkSync");
  EXPECT_EQ(s.audit.outcomes()[0].principal, "");
}

TEST(PipelineAdmissionTest, AnUnknownTokenIsUnauthenticatedAndNeverRepeated) {
  Stack s;
  const std::string token = "not-a-known-token-4f2a";
  auto outcome = s.Run(RenameBulkSync(), token);
  ExpectRefusedBeforeUpstream(s, *outcome, absl::StatusCode::kUnauthenticated,
                              "CALLER_UNAUTHENTICATED");
  EXPECT_THAT(std::string(outcome->status.message()), Not(HasSubstr(token)));
  EXPECT_EQ(s.upstream.size(), 0u);
}

TEST(PipelineAdmissionTest, AMethodThePolicyDoesNotAllowIsPermissionDenied) {
  Stack s;
  // "reader" may call Get* only.
  auto outcome = s.Run(RenameBulkSync(), kReaderToken);
  ExpectRefusedBeforeUpstream(s, *outcome, absl::StatusCode::kPermissionDenied,
                              "METHOD_NOT_ALLOWED");
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(outcome->status, &info));
  EXPECT_EQ(info.metadata().at("principal"), "reader");
  // The outcome record names who was refused.
  EXPECT_EQ(s.audit.outcomes()[0].principal, "reader");
}

TEST(PipelineAdmissionTest, AnAllowedReaderGoesUpstreamAsItsAccount) {
  Stack s;
  auto outcome = s.Run(GetBulkSync(), kReaderToken);
  ASSERT_EQ(s.upstream.size(), 1u);
  EXPECT_EQ(s.upstream.request(0).account, "acct-b");
  s.upstream.Answer(0, Reply(200, R"({"data": {"name": "n"}})"));
  ASSERT_EQ(outcome->calls, 1);
  EXPECT_TRUE(outcome->status.ok()) << outcome->status;
}

TEST(PipelineAdmissionTest, ABadUuidFailsValidation) {
  Stack s;
  auto outcome = s.Run(GetBulkSync("not-a-uuid"));
  ExpectRefusedBeforeUpstream(s, *outcome, absl::StatusCode::kInvalidArgument,
                              "INVALID_REQUEST");
  google::rpc::BadRequest bad;
  ASSERT_TRUE(GetDetail(outcome->status, &bad)) << outcome->status;
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), "id");
}

TEST(PipelineAdmissionTest, AMutationFailingValidationWritesNoIntent) {
  Stack s;
  StartBulkSyncRequest start;
  start.set_id("5d7c");
  auto outcome = s.Run(start);
  ExpectRefusedBeforeUpstream(s, *outcome, absl::StatusCode::kInvalidArgument,
                              "INVALID_REQUEST");
}

TEST(PipelineAdmissionTest, AnUpdateWithABadUuidFailsValidation) {
  Stack s;
  auto outcome = s.Run(RenameBulkSync("not-a-uuid"));
  ExpectRefusedBeforeUpstream(s, *outcome, absl::StatusCode::kInvalidArgument,
                              "INVALID_REQUEST");
}

TEST(PipelineAdmissionTest, AnUnknownMaskPathIsAnInvalidUpdateMask) {
  Stack s;
  UpdateBulkSyncRequest request = RenameBulkSync();
  request.mutable_update_mask()->add_paths("no_such_field");
  auto outcome = s.Run(request);
  ExpectRefusedBeforeUpstream(s, *outcome, absl::StatusCode::kInvalidArgument,
                              "INVALID_UPDATE_MASK");
  google::rpc::BadRequest bad;
  ASSERT_TRUE(GetDetail(outcome->status, &bad)) << outcome->status;
  ASSERT_GE(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), "update_mask");
}

TEST(PipelineAdmissionTest, AnOutputOnlyMaskPathIsAnInvalidUpdateMask) {
  Stack s;
  UpdateBulkSyncRequest request = RenameBulkSync();
  request.mutable_update_mask()->add_paths("created_at");
  auto outcome = s.Run(request);
  ExpectRefusedBeforeUpstream(s, *outcome, absl::StatusCode::kInvalidArgument,
                              "INVALID_UPDATE_MASK");
}

TEST(PipelineAdmissionTest, ABadValueInAMaskedFieldFailsValidation) {
  Stack s;
  UpdateBulkSyncRequest request = RenameBulkSync();
  request.mutable_bulk_sync()->set_source_connection_id("not-a-uuid");
  request.mutable_update_mask()->add_paths("source_connection_id");
  auto outcome = s.Run(request);
  ExpectRefusedBeforeUpstream(s, *outcome, absl::StatusCode::kInvalidArgument,
                              "INVALID_REQUEST");
}

TEST(PipelineAdmissionTest, AnUpdateNeedNotCarryRequiredFieldsItDoesNotName) {
  // Required fields are checked on the merged document, not on the request:
  // renaming alone passes validation and goes upstream.
  Stack s;
  auto outcome = s.Run(RenameBulkSync());
  EXPECT_FALSE(outcome->finished());
  ASSERT_EQ(s.upstream.size(), 1u);
  EXPECT_EQ(s.upstream.request(0).method, "GET");
}

TEST(PipelineAdmissionTest, EveryRefusalIsRecordedOnceInOrder) {
  Stack s;
  s.Run(GetBulkSync(), "");
  s.Run(RenameBulkSync(), kReaderToken);
  s.Run(GetBulkSync("bad"));
  auto events = s.audit.events();
  ASSERT_EQ(events.size(), 3u);
  for (const auto& event : events) EXPECT_EQ(event.kind, Kind::kOutcome);
  EXPECT_EQ(events[0].status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(events[1].status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(events[2].status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.upstream.size(), 0u);
}

}  // namespace
}  // namespace gateway::server::testing
