// The audit trail through the real gateway: one record per call (refused
// ones included), a mutation's intent on disk before its upstream call,
// redaction, and failing closed when the trail cannot be written.
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gateway/audit/audit_log.h"
#include "gmock/gmock.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "polytomic/v1/model_sync.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {
namespace {

namespace v1 = polytomic::v1;

class AuditTrailTest : public GatewayTest {
 protected:
  void TearDown() override {
    if (harness_ != nullptr) upstream().ClearFaults();
    GatewayTest::TearDown();
  }

  // Records reads every record of the current audit file, once everything
  // answered is written.
  std::vector<Json> Records() {
    harness_->gateway().FlushAudit();
    std::ifstream file(harness_->audit_dir() + "/audit.jsonl");
    std::vector<Json> records;
    std::string line;
    while (std::getline(file, line)) records.push_back(Json::parse(line));
    return records;
  }

  // RecordsOf keeps the records of one request id.
  std::vector<Json> RecordsOf(const std::string& request_id) {
    std::vector<Json> mine;
    for (Json& record : Records()) {
      if (record["request_id"] == request_id) mine.push_back(std::move(record));
    }
    return mine;
  }

  static std::string RequestId(const grpc::ClientContext& context) {
    auto it = context.GetServerInitialMetadata().find("x-request-id");
    if (it == context.GetServerInitialMetadata().end()) return "";
    return std::string(it->second.data(), it->second.size());
  }
};

TEST_F(AuditTrailTest, AReadLeavesOneCompleteRecord) {
  grpc::ClientContext context;
  v1::GetBulkSyncRequest request;
  request.set_id(FirstBulkSync());
  v1::GetBulkSyncResponse response;
  ASSERT_GRPC_OK(
      Stub<v1::BulkSyncService>()->GetBulkSync(&context, request, &response));
  std::vector<Json> records = RecordsOf(RequestId(context));
  ASSERT_EQ(records.size(), 1u);
  const Json& record = records[0];
  EXPECT_EQ(record["event"], "call");
  EXPECT_EQ(record["principal"], "harness");
  EXPECT_THAT(record["peer"].get<std::string>(),
              ::testing::HasSubstr("127.0.0.1"));
  EXPECT_EQ(record["method"], "/polytomic.v1.BulkSyncService/GetBulkSync");
  EXPECT_EQ(record["resource"], Json({{"id", FirstBulkSync()}}));
  EXPECT_EQ(record["account"], "default");
  EXPECT_EQ(record["code"], "OK");
  EXPECT_EQ(record["upstream_status"], 200);
  EXPECT_GE(record["latency_us"].get<int64_t>(), 0);
  EXPECT_EQ(record["cache"], "miss");
  EXPECT_FALSE(record["time"].get<std::string>().empty());
  EXPECT_EQ(record["hash"].get<std::string>().size(), 64u);
  EXPECT_FALSE(record.contains("changes"));
}

TEST_F(AuditTrailTest, RefusedCallsAreRecordedToo) {
  std::vector<std::pair<std::string, std::string>> expected;  // id, code
  {
    grpc::ClientContext context;  // no token
    v1::ListBulkSyncsRequest request;
    v1::ListBulkSyncsResponse response;
    ASSERT_FALSE(v1::BulkSyncService::NewStub(harness_->ChannelAs(""))
                     ->ListBulkSyncs(&context, request, &response)
                     .ok());
    expected.emplace_back(RequestId(context), "UNAUTHENTICATED");
  }
  {
    grpc::ClientContext context;  // invalid: not a UUID
    v1::GetBulkSyncRequest request;
    request.set_id("not-a-uuid");
    v1::GetBulkSyncResponse response;
    ASSERT_FALSE(Stub<v1::BulkSyncService>()
                     ->GetBulkSync(&context, request, &response)
                     .ok());
    expected.emplace_back(RequestId(context), "INVALID_ARGUMENT");
  }
  for (const auto& [id, code] : expected) {
    ASSERT_FALSE(id.empty());
    std::vector<Json> records = RecordsOf(id);
    ASSERT_EQ(records.size(), 1u) << id;
    EXPECT_EQ(records[0]["code"], code);
    EXPECT_EQ(records[0]["upstream_status"], nullptr);
    EXPECT_FALSE(records[0]["message"].get<std::string>().empty());
  }
  EXPECT_EQ(RecordsOf(expected[0].first)[0]["principal"], "");
  EXPECT_EQ(RecordsOf(expected[1].first)[0]["principal"], "harness");
}

TEST_F(AuditTrailTest, AnUpdateRecordsIntentThenOutcomeWithItsChanges) {
  const std::string id = FirstBulkSync();
  const std::string old_name =
      upstream().Get("/api/bulk/syncs/" + id).json["data"]["name"];
  grpc::ClientContext context;
  v1::UpdateBulkSyncRequest request;
  request.set_id(id);
  request.mutable_bulk_sync()->set_name("audited name");
  request.mutable_update_mask()->add_paths("name");
  v1::UpdateBulkSyncResponse response;
  ASSERT_GRPC_OK(Stub<v1::BulkSyncService>()->UpdateBulkSync(&context, request,
                                                             &response));
  std::vector<Json> records = RecordsOf(RequestId(context));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["event"], "intent");
  EXPECT_EQ(records[0]["update_mask"], Json::array({"name"}));
  // The caller set no key: both records name the one the PUT carried.
  EXPECT_EQ(records[0]["idempotency_key"], RequestId(context));
  EXPECT_EQ(records[1]["idempotency_key"], RequestId(context));
  EXPECT_EQ(
      harness_->LastExchange("bulkSync.update")["headers"]["Idempotency-Key"],
      RequestId(context));
  EXPECT_EQ(records[1]["event"], "call");
  EXPECT_EQ(records[1]["seq"].get<int64_t>(),
            records[0]["seq"].get<int64_t>() + 1);
  EXPECT_EQ(records[1]["code"], "OK");
  EXPECT_EQ(records[1]["upstream_status"], 200);
  const Json& changes = records[1]["changes"];
  EXPECT_EQ(changes["before"]["name"], old_name);
  EXPECT_EQ(changes["after"]["name"], "audited name");
  // Only what changed (and the server's own stamps) is recorded.
  EXPECT_FALSE(changes["after"].contains("destination_connection_id"));
  gateway::audit::VerifyReport report =
      gateway::audit::VerifyAuditTrail(harness_->audit_dir());
  EXPECT_TRUE(report.ok) << report.first_problem;
}

TEST_F(AuditTrailTest, TheIntentIsOnDiskBeforeTheUpstreamWrite) {
  ASSERT_FALSE(upstream()
                   .AddFault({{"operation", "bulkSync.update"},
                              {"kind", "hold"},
                              {"count", 1}})
                   .empty());
  grpc::ClientContext context;
  v1::UpdateBulkSyncRequest request;
  request.set_id(FirstBulkSync());
  request.mutable_bulk_sync()->set_name("held");
  request.mutable_update_mask()->add_paths("name");
  v1::UpdateBulkSyncResponse response;
  grpc::Status status;
  std::thread caller([&] {
    status = Stub<v1::BulkSyncService>()->UpdateBulkSync(&context, request,
                                                         &response);
  });
  ASSERT_TRUE(upstream().WaitHeld("bulkSync.update", 1));
  // The PUT is at the upstream: its intent is written, its outcome is not.
  std::vector<Json> intents;
  for (const Json& record : Records()) {
    if (record["method"] == "/polytomic.v1.BulkSyncService/UpdateBulkSync") {
      intents.push_back(record);
    }
  }
  ASSERT_EQ(intents.size(), 1u);
  EXPECT_EQ(intents[0]["event"], "intent");
  upstream().Release("bulkSync.update");
  caller.join();
  ASSERT_GRPC_OK(status);
  EXPECT_EQ(RecordsOf(intents[0]["request_id"]).size(), 2u);
}

TEST_F(AuditTrailTest, SecretsAreRedacted) {
  auto model = v1::ModelSyncService::NewStub(harness_->channel());
  grpc::ClientContext read_context;
  v1::GetModelSyncRequest read;
  read.set_id(harness_->seed()["model_syncs"][0].get<std::string>());
  v1::GetModelSyncResponse current;
  ASSERT_GRPC_OK(model->GetModelSync(&read_context, read, &current));

  grpc::ClientContext context;
  v1::UpdateModelSyncRequest request;
  request.set_id(read.id());
  request.mutable_model_sync()->set_encryption_passphrase("hunter2-passphrase");
  *request.mutable_model_sync()->mutable_target() = current.data().target();
  (*request.mutable_model_sync()
        ->mutable_target()
        ->mutable_configuration()
        ->mutable_fields())["api_password"]
      .set_string_value("hunter2-config-password");
  request.mutable_update_mask()->add_paths("encryption_passphrase");
  request.mutable_update_mask()->add_paths("target.configuration");
  request.mutable_update_mask()->add_paths("target.create");
  v1::UpdateModelSyncResponse response;
  grpc::Status status = model->UpdateModelSync(&context, request, &response);
  std::vector<Json> records = RecordsOf(RequestId(context));
  ASSERT_GRPC_OK(status);
  ASSERT_EQ(records.size(), 2u);
  // The configuration change is recorded, its secret value is not.
  EXPECT_EQ(
      records[1]["changes"]["after"]["target"]["configuration"]["api_password"],
      "[REDACTED]");
  for (const Json& record : Records()) {
    EXPECT_EQ(record.dump().find("hunter2"), std::string::npos)
        << record.dump();
  }
}

// When the trail cannot be written: mutations fail closed with no upstream
// call; reads follow audit.reads_fail_closed.
class BrokenAuditTest : public AuditTrailTest {
 protected:
  testsupport::GatewayHarness::Options HarnessOptions() override {
    testsupport::GatewayHarness::Options options;
    options.configure = [this](gateway::config::v1::GatewayConfig& config) {
      config.mutable_audit()->set_reads_fail_closed(reads_fail_closed_);
    };
    return options;
  }

  // BreakTheTrail replaces the audit directory by a file, so nothing in it
  // can be written or created again.
  void BreakTheTrail() {
    std::filesystem::remove_all(harness_->audit_dir());
    std::ofstream(harness_->audit_dir()) << "not a directory\n";
  }

  grpc::Status Rename() {
    grpc::ClientContext context;
    v1::UpdateBulkSyncRequest request;
    request.set_id(FirstBulkSync());
    request.mutable_bulk_sync()->set_name("unaudited");
    request.mutable_update_mask()->add_paths("name");
    v1::UpdateBulkSyncResponse response;
    return Stub<v1::BulkSyncService>()->UpdateBulkSync(&context, request,
                                                       &response);
  }

  grpc::Status Read() {
    grpc::ClientContext context;
    v1::GetBulkSyncRequest request;
    request.set_id(FirstBulkSync());
    v1::GetBulkSyncResponse response;
    return Stub<v1::BulkSyncService>()->GetBulkSync(&context, request,
                                                    &response);
  }

  bool reads_fail_closed_ = false;
};

TEST_F(BrokenAuditTest, MutationsFailClosedAndReadsAreServed) {
  BreakTheTrail();
  grpc::Status rename = Rename();
  EXPECT_EQ(rename.error_code(), grpc::StatusCode::UNAVAILABLE)
      << testsupport::Describe(rename);
  EXPECT_EQ(testsupport::ErrorInfoOf(rename).reason(), "AUDIT_UNAVAILABLE");
  // The update's GET runs while its intent is being written (a read); its
  // PUT, a write, never goes.
  EXPECT_EQ(harness_->Count("bulkSync.update"), 0);
  ASSERT_GRPC_OK(Read());
}

class ReadsFailClosedTest : public BrokenAuditTest {
 protected:
  void SetUp() override {
    reads_fail_closed_ = true;
    BrokenAuditTest::SetUp();
  }
};

TEST_F(ReadsFailClosedTest, ReadsFailClosedToo) {
  BreakTheTrail();
  // The failed intent is how the gateway learns the trail is broken.
  EXPECT_EQ(Rename().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(harness_->Count("bulkSync.update"), 0);
  const int reads = harness_->Count("bulkSync.get");
  grpc::Status read = Read();
  EXPECT_EQ(read.error_code(), grpc::StatusCode::UNAVAILABLE)
      << testsupport::Describe(read);
  // From then on nothing reads upstream, not even an update's GET.
  EXPECT_EQ(Rename().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(harness_->Count("bulkSync.get"), reads);
  EXPECT_EQ(harness_->Count("bulkSync.update"), 0);
}

}  // namespace
}  // namespace gateway_test
