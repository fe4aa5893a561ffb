// Deadlines, cancellation, health and reflection of the running gateway.
// Synchronisation uses the sandbox's `hold` fault (WaitHeld/Release), never
// sleeps.
#include <grpcpp/generic/generic_stub.h>

#include <future>

#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {
namespace {

using polytomic::v1::BulkSyncService;
using testsupport::ErrorInfoOf;
namespace v1 = polytomic::v1;

// One upstream connection and a 20 s default timeout: a transfer that is not
// aborted when its call ends keeps the only connection busy for 20 s, longer
// than ExpectListStillWorks waits.
class CallLifecycleTest : public GatewayTest {
 protected:
  testsupport::GatewayHarness::Options HarnessOptions() override {
    testsupport::GatewayHarness::Options options;
    options.configure = [this](gateway::config::v1::GatewayConfig& config) {
      config.mutable_upstream()->set_max_connections(1);
      config.mutable_upstream()->mutable_default_timeout()->set_seconds(20);
      Configure(config);
    };
    return options;
  }
  virtual void Configure(gateway::config::v1::GatewayConfig&) {}

  void TearDown() override {
    if (harness_ != nullptr)
      upstream().ClearFaults();  // releases held requests
    GatewayTest::TearDown();
  }

  void HoldGets() {
    ASSERT_FALSE(
        upstream()
            .AddFault(
                {{"operation", "bulkSync.get"}, {"kind", "hold"}, {"count", 1}})
            .empty());
  }

  // ListStillWorks proves the single upstream connection is free again.
  void ExpectListStillWorks() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::ListBulkSyncsRequest request;
    v1::ListBulkSyncsResponse response;
    ASSERT_GRPC_OK(
        Stub<BulkSyncService>()->ListBulkSyncs(&context, request, &response));
    EXPECT_GT(response.data_size(), 0);
  }

  v1::GetBulkSyncRequest GetRequest() {
    v1::GetBulkSyncRequest request;
    request.set_id(FirstBulkSync());
    return request;
  }
};

// The gateway's own timeout, short, for callers that set no deadline.
class DefaultTimeoutTest : public CallLifecycleTest {
 protected:
  void Configure(gateway::config::v1::GatewayConfig& config) override {
    config.mutable_upstream()->mutable_default_timeout()->set_seconds(0);
    config.mutable_upstream()->mutable_default_timeout()->set_nanos(
        300'000'000);
  }
};

TEST_F(DefaultTimeoutTest, EndsACallWithoutDeadline) {
  HoldGets();
  grpc::ClientContext context;  // no deadline: only the gateway can end it
  v1::GetBulkSyncResponse response;
  grpc::Status status =
      Stub<BulkSyncService>()->GetBulkSync(&context, GetRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(ErrorInfoOf(status).reason(), "UPSTREAM_TIMEOUT");
  ExpectListStillWorks();
}

TEST_F(CallLifecycleTest, CallerDeadlineBoundsTheUpstreamCall) {
  HoldGets();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(200));
  v1::GetBulkSyncResponse response;
  grpc::Status status =
      Stub<BulkSyncService>()->GetBulkSync(&context, GetRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ExpectListStillWorks();
}

TEST_F(CallLifecycleTest, CancellingACallAbortsItsUpstreamTransfer) {
  HoldGets();
  auto stub = Stub<BulkSyncService>();
  grpc::ClientContext context;
  v1::GetBulkSyncRequest request = GetRequest();
  v1::GetBulkSyncResponse response;
  std::promise<grpc::Status> done;
  stub->async()->GetBulkSync(&context, &request, &response,
                             [&done](grpc::Status s) { done.set_value(s); });
  ASSERT_TRUE(upstream().WaitHeld("bulkSync.get", 1));
  context.TryCancel();
  EXPECT_EQ(done.get_future().get().error_code(), grpc::StatusCode::CANCELLED);
  // The held request still occupies the sandbox, but not the gateway's only
  // connection: the gateway aborted it.
  ExpectListStillWorks();
}

// Health and reflection have no protos in Debian's gRPC packages, so the
// probes speak their documented wire format through a generic stub
// (HealthOf, and below).
class ServiceDiscoveryTest : public GatewayTest {};

TEST_F(ServiceDiscoveryTest, HealthReportsServingForTheServerAndEachService) {
  for (const std::string& service :
       {std::string(), std::string("polytomic.v1.BulkSyncService"),
        std::string("polytomic.v1.ModelSyncService")}) {
    EXPECT_EQ(HealthOf(harness_->channel(), service), kServing) << service;
  }
  EXPECT_EQ(HealthOf(harness_->channel(), "no.Such"), -1);
}

TEST_F(ServiceDiscoveryTest, ReflectionListsEveryContractService) {
  grpc::GenericStub stub(harness_->channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::CompletionQueue queue;
  auto call = stub.PrepareCall(
      &context,
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  void* tag;
  bool ok;
  auto step = [&](int expected) {
    ASSERT_TRUE(queue.Next(&tag, &ok));
    ASSERT_EQ(tag, reinterpret_cast<void*>(expected));
  };
  call->StartCall(reinterpret_cast<void*>(1));
  step(1);
  // ServerReflectionRequest{list_services = 7: ""}.
  grpc::Slice request_slice(std::string("\x3a\x00", 2));
  grpc::ByteBuffer request(&request_slice, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  step(2);
  grpc::ByteBuffer reply;
  call->Read(&reply, reinterpret_cast<void*>(3));
  step(3);
  ASSERT_TRUE(ok);
  call->WritesDone(reinterpret_cast<void*>(4));
  step(4);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  ASSERT_GRPC_OK(status);

  std::vector<grpc::Slice> slices;
  reply.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  // ServerReflectionResponse.list_services_response = 6
  //   -> ListServiceResponse.service = 1 -> ServiceResponse.name = 1.
  google::protobuf::UnknownFieldSet response;
  ASSERT_TRUE(response.ParseFromString(bytes));
  std::vector<std::string> names;
  for (int i = 0; i < response.field_count(); ++i) {
    if (response.field(i).number() != 6) continue;
    google::protobuf::UnknownFieldSet list;
    ASSERT_TRUE(list.ParseFromString(response.field(i).length_delimited()));
    for (int j = 0; j < list.field_count(); ++j) {
      google::protobuf::UnknownFieldSet service;
      ASSERT_TRUE(service.ParseFromString(list.field(j).length_delimited()));
      names.push_back(service.field(0).length_delimited());
    }
  }
  EXPECT_THAT(names,
              ::testing::IsSupersetOf({"polytomic.v1.BulkSyncService",
                                       "polytomic.v1.BulkSyncScheduleService",
                                       "polytomic.v1.BulkSyncSchemaService",
                                       "polytomic.v1.BulkSyncExecutionService",
                                       "polytomic.v1.ModelSyncService",
                                       "polytomic.v1.ModelSyncExecutionService",
                                       "polytomic.v1.ModelSyncTargetService"}));
}

}  // namespace
}  // namespace gateway_test
