// Caller identity and per-method authorization through the real gateway:
// bearer tokens, default deny, policy patterns, policy reload, and upstream
// key rotation under load.
#include <grpcpp/generic/generic_stub.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gateway/common/sha256.h"
#include "gateway/config/config_loader.h"
#include "gmock/gmock.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "polytomic/v1/bulk_sync_schedule.grpc.pb.h"
#include "polytomic/v1/model_sync.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"
#include "tests/support/temp_files.h"

namespace gateway_test {
namespace {

namespace v1 = polytomic::v1;
using gateway::config::v1::GatewayConfig;

constexpr char kReaderToken[] = "model-sync-reader-token-0001";

class CallerAccessTest : public GatewayTest {
 protected:
  testsupport::GatewayHarness::Options HarnessOptions() override {
    testsupport::GatewayHarness::Options options;
    options.configure = [](GatewayConfig& config) {
      // Read-only access to model syncs, written as the docs show it.
      AddCaller(config, "model-sync-reader", kReaderToken, "default",
                {"polytomic.v1.ModelSyncService/Get*",
                 "/polytomic.v1.ModelSyncService/List*"});
    };
    return options;
  }

  std::string SeededModelSync() {
    return harness_->seed()["model_syncs"][0].get<std::string>();
  }

  grpc::Status GetModelSyncAs(const std::string& token,
                              grpc::ClientContext* context = nullptr) {
    grpc::ClientContext local;
    if (context == nullptr) context = &local;
    v1::GetModelSyncRequest request;
    request.set_id(SeededModelSync());
    v1::GetModelSyncResponse response;
    return v1::ModelSyncService::NewStub(harness_->ChannelAs(token))
        ->GetModelSync(context, request, &response);
  }
};

TEST_F(CallerAccessTest, KnownTokenIsServedAndGetsARequestId) {
  grpc::ClientContext context;
  ASSERT_GRPC_OK(GetModelSyncAs(kReaderToken, &context));
  auto id = context.GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(id, context.GetServerInitialMetadata().end());
  EXPECT_EQ(id->second.size(), 32u);
  EXPECT_EQ(harness_->Count("modelSync.get"), 1);
}

TEST_F(CallerAccessTest, MissingTokenIsUnauthenticatedWithoutUpstreamCall) {
  grpc::ClientContext context;
  grpc::Status status = GetModelSyncAs("", &context);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << testsupport::Describe(status);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("authorization"));
  EXPECT_EQ(testsupport::ErrorInfoOf(status).reason(),
            "CALLER_UNAUTHENTICATED");
  // Refused calls get a request id too, to find their audit record.
  EXPECT_NE(context.GetServerInitialMetadata().find("x-request-id"),
            context.GetServerInitialMetadata().end());
  EXPECT_EQ(harness_->Count("modelSync.get"), 0);
}

TEST_F(CallerAccessTest, UnknownTokenIsUnauthenticatedAndNotRepeated) {
  const std::string token = "not-a-configured-token-7f3a";
  grpc::Status status = GetModelSyncAs(token);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << testsupport::Describe(status);
  EXPECT_EQ(testsupport::Describe(status).find(token), std::string::npos)
      << testsupport::Describe(status);
  EXPECT_EQ(harness_->Count("modelSync.get"), 0);
}

TEST_F(CallerAccessTest, PolicyAllowsAndDeniesPerMethod) {
  auto stub = v1::ModelSyncService::NewStub(harness_->ChannelAs(kReaderToken));
  {
    grpc::ClientContext context;
    v1::ListModelSyncsRequest request;
    v1::ListModelSyncsResponse response;
    ASSERT_GRPC_OK(stub->ListModelSyncs(&context, request, &response));
  }
  {
    grpc::ClientContext context;
    v1::UpdateModelSyncRequest request;
    request.set_id(SeededModelSync());
    request.mutable_model_sync()->set_name("renamed");
    request.mutable_update_mask()->add_paths("name");
    v1::UpdateModelSyncResponse response;
    grpc::Status status = stub->UpdateModelSync(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << testsupport::Describe(status);
    EXPECT_THAT(
        status.error_message(),
        ::testing::HasSubstr("polytomic.v1.ModelSyncService/UpdateModelSync"));
    EXPECT_THAT(status.error_message(),
                ::testing::HasSubstr("model-sync-reader"));
    google::rpc::ErrorInfo info = testsupport::ErrorInfoOf(status);
    EXPECT_EQ(info.reason(), "METHOD_NOT_ALLOWED");
    EXPECT_EQ(info.metadata().at("principal"), "model-sync-reader");
  }
  {
    // Another service entirely.
    grpc::ClientContext context;
    v1::ListBulkSyncsRequest request;
    v1::ListBulkSyncsResponse response;
    grpc::Status status =
        v1::BulkSyncService::NewStub(harness_->ChannelAs(kReaderToken))
            ->ListBulkSyncs(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_EQ(harness_->Count("modelSync.update"), 0);
  EXPECT_EQ(harness_->Count("modelSync.get"), 0);
  EXPECT_EQ(harness_->Count("bulkSync.list"), 0);
}

TEST_F(CallerAccessTest, HealthStaysOpen) {
  grpc::ClientContext context;
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);  // HealthCheckRequest{}: the server
  grpc::ByteBuffer response;
  grpc::GenericStub generic(harness_->ChannelAs(""));
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/grpc.health.v1.Health/Check",
                    grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) {
                      status = std::move(s);
                      done.Notify();
                    });
  done.WaitForNotification();
  EXPECT_TRUE(status.ok()) << testsupport::Describe(status);
}

// The policy reloads with the configuration file, without a restart.
class PolicyReloadTest : public GatewayTest {
 protected:
  testsupport::GatewayHarness::Options HarnessOptions() override {
    testsupport::GatewayHarness::Options options;
    options.configure = [this](GatewayConfig& config) {
      AddCaller(config, "model-sync-reader", kReaderToken, "default",
                {"polytomic.v1.ModelSyncService/Get*"});
      current_ = config;
      gateway::config::ApplyDefaults(current_);  // as LoadConfig does
    };
    options.reload = [this]() -> absl::StatusOr<GatewayConfig> {
      absl::MutexLock lock(&mu_);
      return current_;
    };
    return options;
  }

  void Edit(const std::function<void(GatewayConfig&)>& edit) {
    absl::MutexLock lock(&mu_);
    edit(current_);
  }

  grpc::Status ListModelSyncs() {
    grpc::ClientContext context;
    v1::ListModelSyncsRequest request;
    v1::ListModelSyncsResponse response;
    return v1::ModelSyncService::NewStub(harness_->ChannelAs(kReaderToken))
        ->ListModelSyncs(&context, request, &response);
  }

  absl::Mutex mu_;
  GatewayConfig current_;
};

TEST_F(PolicyReloadTest, WideningAndRevokingTakeEffectOnReload) {
  EXPECT_EQ(ListModelSyncs().error_code(), grpc::StatusCode::PERMISSION_DENIED);

  Edit([](GatewayConfig& config) {
    config.mutable_callers()->mutable_policies(1)->add_allow(
        "polytomic.v1.ModelSyncService/List*");
  });
  ASSERT_TRUE(harness_->gateway().Reload().ok());
  ASSERT_GRPC_OK(ListModelSyncs());

  Edit([](GatewayConfig& config) {
    config.mutable_callers()->mutable_tokens()->RemoveLast();
  });
  ASSERT_TRUE(harness_->gateway().Reload().ok());
  EXPECT_EQ(ListModelSyncs().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PolicyReloadTest, ABrokenReloadKeepsThePolicyInForce) {
  Edit([](GatewayConfig& config) {
    config.mutable_callers()->mutable_policies(1)->set_account("no-such");
  });
  absl::Status reloaded = harness_->gateway().Reload();
  EXPECT_FALSE(reloaded.ok());
  EXPECT_THAT(std::string(reloaded.message()), ::testing::HasSubstr("no-such"));
  grpc::ClientContext context;
  v1::GetModelSyncRequest request;
  request.set_id(harness_->seed()["model_syncs"][0].get<std::string>());
  v1::GetModelSyncResponse response;
  ASSERT_GRPC_OK(
      v1::ModelSyncService::NewStub(harness_->ChannelAs(kReaderToken))
          ->GetModelSync(&context, request, &response));
}

// An organization-scoped key rotated on disk while calls run: none fails,
// and writes after the reload carry the new key's identity.
constexpr char kOrg[] = "org-rotation-test";
constexpr char kOldKey[] = "rotation-key-old-0001";
constexpr char kNewKey[] = "rotation-key-new-0002";
constexpr char kRotatorToken[] = "rotator-token-0001";

class KeyRotationTest : public GatewayTest {
 protected:
  testsupport::GatewayHarness::Options HarnessOptions() override {
    key_file_ = key_dir_.path() + "/rotating.key";
    std::ofstream(key_file_) << kOldKey << "\n";
    testsupport::GatewayHarness::Options options;
    options.sandbox_org_keys = {{kOrg, kOldKey}, {kOrg, kNewKey}};
    options.configure = [this](GatewayConfig& config) {
      if (config.accounts().empty()) {
        auto* fallback = config.add_accounts();
        fallback->set_name("default");
        fallback->mutable_bearer_key()->set_file(
            config.upstream().api_key_file());
      }
      auto* account = config.add_accounts();
      account->set_name("rotating");
      account->mutable_basic()->set_organization_id(kOrg);
      account->mutable_basic()->mutable_key()->set_file(key_file_);
      AddCaller(config, "rotator", kRotatorToken, "rotating", {"*"});
    };
    return options;
  }
  testsupport::TempDir key_dir_;
  std::string key_file_;
};

TEST_F(KeyRotationTest, RotationUnderLoadFailsNoCall) {
  testsupport::SandboxClient::Reply seeded =
      upstream().Post("/_sandbox/seed", Json{{"organization_id", kOrg}});
  ASSERT_EQ(seeded.status, 200) << seeded.body;
  const std::string sync_id = seeded.json["bulk_syncs"][0].get<std::string>();
  auto channel = harness_->ChannelAs(kRotatorToken);
  auto schedules = v1::BulkSyncScheduleService::NewStub(channel);
  auto create_schedule = [&]() -> std::string {
    grpc::ClientContext context;
    v1::CreateBulkSyncScheduleRequest request;
    request.set_sync_id(sync_id);
    request.mutable_schedule()->set_frequency(v1::SCHEDULE_FREQUENCY_DAILY);
    request.mutable_schedule()->set_hour("3");
    request.mutable_schedule()->set_minute("0");
    v1::CreateBulkSyncScheduleResponse response;
    grpc::Status status =
        schedules->CreateBulkSyncSchedule(&context, request, &response);
    EXPECT_TRUE(status.ok()) << testsupport::Describe(status);
    return response.data().created_by();
  };
  const std::string old_actor = create_schedule();
  ASSERT_FALSE(old_actor.empty());

  absl::Mutex mu;
  int calls = 0;
  std::vector<std::string> failures;
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  for (int i = 0; i < 4; ++i) {
    load.emplace_back([&] {
      auto stub = v1::BulkSyncService::NewStub(channel);
      while (!stop.load()) {
        grpc::ClientContext context;
        v1::GetBulkSyncRequest request;
        request.set_id(sync_id);
        v1::GetBulkSyncResponse response;
        grpc::Status status = stub->GetBulkSync(&context, request, &response);
        absl::MutexLock lock(&mu);
        ++calls;
        if (!status.ok()) failures.push_back(testsupport::Describe(status));
      }
    });
  }
  auto wait_for_calls = [&](int n) {
    absl::MutexLock lock(&mu);
    std::pair<int*, int> target{&calls, n};
    mu.Await(absl::Condition(
        +[](std::pair<int*, int>* p) { return *p->first >= p->second; },
        &target));
  };
  wait_for_calls(50);
  {
    // Rotate the way operators do: write a new file, rename it over.
    std::string next = key_file_ + ".next";
    std::ofstream(next) << kNewKey << "\n";
    ASSERT_EQ(std::rename(next.c_str(), key_file_.c_str()), 0);
  }
  ASSERT_TRUE(harness_->gateway().Reload().ok());
  int after_reload = 0;
  {
    absl::MutexLock lock(&mu);
    after_reload = calls;
  }
  wait_for_calls(after_reload + 50);
  const std::string new_actor = create_schedule();
  stop = true;
  for (std::thread& thread : load) thread.join();

  EXPECT_TRUE(failures.empty())
      << failures.size() << " failed, first: " << failures.front();
  EXPECT_NE(new_actor, old_actor) << "the new key was not used";
  EXPECT_FALSE(new_actor.empty());
}

}  // namespace
}  // namespace gateway_test
