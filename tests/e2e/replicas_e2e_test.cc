// End-to-end: three polytomic-gateway replicas sharing state through one
// redis-server (shared_state.redis, issue 15), in front of one sandbox.
//
//   ReadYourWritesAcrossReplicas        a write through A is seen by the
//                                       first read through B and C, whose
//                                       caches were warm
//   ConcurrentDisjointUpdatesAllPersist 50 masked updates of one bulk sync,
//                                       each its own member, over the three
//   WriteOnlyValuesResentByAnotherReplica  created through A, masked update
//                                       through B re-sends the passphrase
//   LockOfAKilledReplicaExpiresWithItsLease  A dies (SIGKILL) holding an
//                                       update's lock; B's update waits while
//                                       A lives, then succeeds within the lease
//   RedisStoppedThenStartedAgain        updates fail closed, reads work, the
//                                       health of "gateway.SharedState"
//                                       follows; recovery without a restart
//   RateLimitHoldsAcrossReplicas        one principal's bucket, not three
//
// The suite shares one stack (sandbox, redis, replicas); every test makes
// its own resources, and SetUp() brings back what a test stopped or killed.
// Waits are bounded: on lines a process prints, on calls completing, and on
// the health statuses a Redis outage and its recovery change (Health/Watch).
#include <grpcpp/generic/generic_stub.h>

#include <csignal>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/server/health_probe.h"
#include "gmock/gmock.h"
#include "google/protobuf/field_mask.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "polytomic/v1/model_sync.grpc.pb.h"
#include "tests/e2e/e2e_stack.h"
#include "tests/support/caller_channel.h"
#include "tests/support/grpc_status_details.h"
#include "tests/support/redis_server.h"
#include "tests/support/sandbox_client.h"

namespace {

namespace v1 = polytomic::v1;
using Json = nlohmann::ordered_json;
using testsupport::Describe;
using testsupport::ErrorInfoOf;

constexpr char kApiKey[] = "e2e-replicas-upstream-key-4e7a21";
constexpr char kCallerToken[] = "e2e-replicas-caller-token-0c9b3d";
// kLimitedToken is the caller of the rate-limit test, and only of it.
constexpr char kLimitedToken[] = "e2e-replicas-limited-token-77f1e2";
constexpr int kBurst = 6;
constexpr char kSealKey[] =
    "3f1c9a7e5b2d4f6081a3c5e7092b4d6f8a1c3e5072b4d6f8091a2b3c4d5e6f70";
constexpr char kPassphrase[] = "replicas-share-this-passphrase";
constexpr char kModelId[] = "5f0c2f9e-8d4b-4c1a-9e3f-7a6b5c4d3e21";
constexpr int kReplicas = 3;
// A short lease, so the killed-holder test waits seconds, not the default 10.
constexpr absl::Duration kLockLease = absl::Seconds(2);
// How long a recovery (a restarted Redis) may take: the gateway's reconnect
// backoff is at most 1 s; the rest is margin for a shared CI machine.
constexpr absl::Duration kRecovery = absl::Seconds(15);
constexpr absl::Duration kCallDeadline = absl::Seconds(60);

constexpr char kSharedStateService[] = "gateway.SharedState";

google::protobuf::FieldMask Mask(const std::string& path) {
  google::protobuf::FieldMask mask;
  mask.add_paths(path);
  return mask;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// AwaitHealth watches grpc.health.v1.Health/Watch for `service` on the
// gateway at `address` until it reports `state` or `timeout` passes: it
// waits on the status changes themselves. The messages go through a generic
// stub in the wire format (Debian's gRPC ships no health protos), with the
// codec of the gateway's `health` subcommand.
bool AwaitHealth(const std::string& address, const std::string& service,
                 gateway::server::HealthState state, absl::Duration timeout) {
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::CompletionQueue queue;
  auto call =
      stub.PrepareCall(&context, "/grpc.health.v1.Health/Watch", &queue);
  grpc::Slice slice(gateway::server::EncodeHealthCheckRequest(service));
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response;
  void* tag;
  bool ok = false;
  call->StartCall(reinterpret_cast<void*>(1));
  if (!queue.Next(&tag, &ok) || !ok) return false;
  call->Write(request_buffer, reinterpret_cast<void*>(2));
  if (!queue.Next(&tag, &ok) || !ok) return false;
  call->WritesDone(reinterpret_cast<void*>(3));
  if (!queue.Next(&tag, &ok) || !ok) return false;
  bool reached = false;
  while (!reached) {
    call->Read(&response, reinterpret_cast<void*>(4));
    if (!queue.Next(&tag, &ok) || !ok) break;  // the deadline passed
    std::vector<grpc::Slice> slices;
    if (!response.Dump(&slices).ok()) break;
    std::string bytes;
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    absl::StatusOr<gateway::server::HealthState> reported =
        gateway::server::DecodeHealthCheckResponse(bytes);
    reached = reported.ok() && *reported == state;
  }
  context.TryCancel();
  grpc::Status finished;
  call->Finish(&finished, reinterpret_cast<void*>(5));
  while (queue.Next(&tag, &ok) && tag != reinterpret_cast<void*>(5)) {
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  return reached;
}

// Replica is one running gateway and its stubs.
struct Replica {
  std::string name;  // "A", "B", "C"
  std::string config_file;
  std::optional<e2e::GatewayProcess> gateway;
  std::unique_ptr<v1::BulkSyncService::Stub> bulk;
  std::unique_ptr<v1::ModelSyncService::Stub> models;
  std::unique_ptr<v1::BulkSyncService::Stub> limited;  // as kLimitedToken

  bool Running() {
    return gateway.has_value() &&
           !gateway->process->WaitForExit(absl::ZeroDuration()).has_value();
  }
};

// Stack is the sandbox, redis and the replicas.
struct Stack {
  testsupport::TempDir work_dir;
  std::string key_file;
  std::optional<e2e::SandboxProcess> sandbox;
  std::unique_ptr<testsupport::SandboxClient> upstream;
  std::unique_ptr<testsupport::RedisServer> redis;
  std::vector<Replica> replicas;
  absl::Status started;  // what Start() answered

  // StartReplica (re)starts replica `i` with its configuration.
  absl::Status StartReplica(int i) {
    Replica& replica = replicas[i];
    replica.bulk.reset();
    replica.models.reset();
    replica.limited.reset();
    replica.gateway.reset();
    absl::StatusOr<e2e::GatewayProcess> gateway = e2e::StartGateway(
        POLYTOMIC_GATEWAY_BIN, replica.config_file, sandbox->url, key_file);
    if (!gateway.ok()) return gateway.status();
    replica.gateway = *std::move(gateway);
    auto channel =
        testsupport::CallerChannel(replica.gateway->address, kCallerToken,
                                   grpc::InsecureChannelCredentials());
    replica.bulk = v1::BulkSyncService::NewStub(channel);
    replica.models = v1::ModelSyncService::NewStub(channel);
    replica.limited = v1::BulkSyncService::NewStub(
        testsupport::CallerChannel(replica.gateway->address, kLimitedToken,
                                   grpc::InsecureChannelCredentials()));
    return absl::OkStatus();
  }

  // Start brings up the whole stack.
  absl::Status Start() {
    if (work_dir.path().empty()) return absl::InternalError("no temp dir");
    key_file = work_dir.path() + "/api_key";
    WriteFile(key_file, kApiKey);
    const std::string seal_key_file = work_dir.path() + "/seal_key";
    WriteFile(seal_key_file, kSealKey);
    // Held requests (the killed-holder test) occupy sandbox threads.
    absl::StatusOr<e2e::SandboxProcess> started =
        e2e::StartSandbox(POLYTOMIC_SANDBOX_BIN, kApiKey, {"--threads", "64"});
    if (!started.ok()) return started.status();
    sandbox = *std::move(started);
    upstream =
        std::make_unique<testsupport::SandboxClient>(sandbox->url, kApiKey);
    absl::StatusOr<std::unique_ptr<testsupport::RedisServer>> server =
        testsupport::RedisServer::Start(REDIS_SERVER_BIN);
    if (!server.ok()) return server.status();
    redis = *std::move(server);
    const std::string shared =
        absl::StrCat("shared_state:\n  redis: {address: \"", redis->address(),
                     "\", lock_lease: ", absl::ToInt64Seconds(kLockLease),
                     // A loaded machine must not look like a Redis gone away
                     // (a stopped Redis is seen at once: its socket closes).
                     "s, command_timeout: 5s}\nupdates: {seal_key_file: \"",
                     seal_key_file, "\"}\n");
    const std::vector<e2e::Caller> callers = {
        {"e2e", kCallerToken, ""},
        {"limited", kLimitedToken,
         absl::StrCat(", rate_limit: {requests_per_second: 0.001, burst: ",
                      kBurst, "}")}};
    replicas.resize(kReplicas);
    for (int i = 0; i < kReplicas; ++i) {
      Replica& replica = replicas[i];
      replica.name = std::string(1, static_cast<char>('A' + i));
      replica.config_file =
          absl::StrCat(work_dir.path(), "/gateway-", replica.name, ".yaml");
      WriteFile(
          replica.config_file,
          e2e::CallersConfig(
              callers, absl::StrCat(work_dir.path(), "/audit-", replica.name),
              shared));
      absl::Status status = StartReplica(i);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
};

class ReplicasE2eTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack;
    stack_->started = stack_->Start();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(stack_->started.ok()) << stack_->started;
    // What an earlier test stopped or killed comes back.
    absl::Status redis = stack_->redis->Restart();
    ASSERT_TRUE(redis.ok()) << redis;
    for (int i = 0; i < kReplicas; ++i) {
      if (stack_->replicas[i].Running()) continue;
      absl::Status started = stack_->StartReplica(i);
      ASSERT_TRUE(started.ok()) << started;
    }
    stack_->upstream->ClearFaults();
    for (Replica& replica : stack_->replicas) {
      ASSERT_TRUE(AwaitHealth(replica.gateway->address, kSharedStateService,
                              gateway::server::HealthState::kServing,
                              kRecovery))
          << replica.name << ": " << Health(replica, kSharedStateService);
    }
  }

  void TearDown() override {
    if (stack_ == nullptr || !HasFailure()) return;
    // What each replica said, for the failure: its logs are JSON lines on
    // stderr.
    for (Replica& replica : stack_->replicas) {
      if (!replica.gateway.has_value()) continue;
      std::string err = replica.gateway->process->Stderr();
      if (err.size() > 6000) err = "..." + err.substr(err.size() - 6000);
      std::cerr << "--- replica " << replica.name << " stderr:\n"
                << err << "\n";
    }
    if (stack_->redis != nullptr) {
      std::cerr << "--- redis-server:\n" << stack_->redis->Output() << "\n";
    }
  }

  static Replica& A() { return stack_->replicas[0]; }
  static Replica& B() { return stack_->replicas[1]; }
  static Replica& C() { return stack_->replicas[2]; }
  static testsupport::SandboxClient& upstream() { return *stack_->upstream; }

  // NewBulkSync creates a bulk sync named `name` directly at the sandbox (a
  // copy of the first seeded one) and returns its id.
  static std::string NewBulkSync(const std::string& name) {
    const std::string seeded =
        stack_->sandbox->seed["bulk_syncs"][0].get<std::string>();
    auto read = upstream().Get("/api/bulk/syncs/" + seeded);
    EXPECT_EQ(read.status, 200) << read.body;
    Json body = read.json["data"];
    body["name"] = name;  // response-only members are ignored on create
    auto created = upstream().Post("/api/bulk/syncs", body);
    EXPECT_EQ(created.status, 200) << created.body;
    return created.json["data"].value("id", "");
  }

  // Upstream is the bulk sync as the sandbox stores it.
  static Json Upstream(const std::string& id) {
    auto read = upstream().Get("/api/bulk/syncs/" + id);
    EXPECT_EQ(read.status, 200) << read.body;
    return read.json["data"];
  }

  // Extend gives every bulk sync `n` extra writable string members (as a
  // newer API version would) and returns their names, unique to the call.
  static std::vector<std::string> Extend(int n) {
    static int calls = 0;
    ++calls;
    std::vector<std::string> names;
    for (int i = 1; i <= n; ++i) {
      names.push_back(absl::StrCat("x", calls, "_ext_", i < 10 ? "0" : "", i));
      auto reply = upstream().AddExtension("bulk_sync", names.back(), "");
      EXPECT_EQ(reply.status, 200) << reply.body;
    }
    return names;
  }

  struct Read {
    grpc::Status status;
    v1::BulkSync sync;
    std::string cache_status;  // x-cache-status
  };
  static Read Get(Replica& replica, const std::string& id,
                  bool no_cache = false) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    if (no_cache) context.AddMetadata("cache-control", "no-cache");
    v1::GetBulkSyncRequest request;
    request.set_id(id);
    v1::GetBulkSyncResponse response;
    Read read;
    read.status = replica.bulk->GetBulkSync(&context, request, &response);
    read.sync = response.data();
    auto metadata = context.GetServerInitialMetadata();
    if (auto it = metadata.find("x-cache-status"); it != metadata.end()) {
      read.cache_status.assign(it->second.data(), it->second.size());
    }
    return read;
  }

  static grpc::Status UpdateName(Replica& replica, const std::string& id,
                                 const std::string& name) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    v1::UpdateBulkSyncRequest request;
    request.set_id(id);
    request.mutable_bulk_sync()->set_name(name);
    *request.mutable_update_mask() = Mask("name");
    v1::UpdateBulkSyncResponse response;
    return replica.bulk->UpdateBulkSync(&context, request, &response);
  }

  static v1::UpdateBulkSyncRequest MemberUpdate(const std::string& id,
                                                const std::string& member,
                                                const std::string& value) {
    v1::UpdateBulkSyncRequest request;
    request.set_id(id);
    (*request.mutable_bulk_sync()
          ->mutable_additional_fields()
          ->mutable_fields())[member]
        .set_string_value(value);
    *request.mutable_update_mask() =
        Mask(absl::StrCat("additional_fields.", member));
    return request;
  }

  static grpc::Status UpdateMember(Replica& replica, const std::string& id,
                                   const std::string& member,
                                   const std::string& value) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    v1::UpdateBulkSyncResponse response;
    return replica.bulk->UpdateBulkSync(
        &context, MemberUpdate(id, member, value), &response);
  }

  // Health runs `polytomic-gateway health` against `replica` for `service`
  // and returns what it printed ("SERVING\n", "NOT_SERVING\n", ...), or
  // how it failed when it printed nothing.
  static std::string Health(Replica& replica, const std::string& service) {
    absl::StatusOr<testsupport::RunResult> run = testsupport::RunProcess(
        POLYTOMIC_GATEWAY_BIN,
        {"health", "--address", replica.gateway->address, "--service", service,
         "--timeout", "5s"},
        e2e::kStartTimeout);
    if (!run.ok()) return run.status().ToString();
    return run->out.empty() ? e2e::Describe(*run) : run->out;
  }

  static Stack* stack_;
};

Stack* ReplicasE2eTest::stack_ = nullptr;

// --- a. Read-your-writes across replicas ------------------------------------

TEST_F(ReplicasE2eTest, ReadYourWritesAcrossReplicas) {
  const std::string id = NewBulkSync("ryw before");
  ASSERT_FALSE(id.empty());
  // B and C hold the old answer: a second read is a cache hit.
  for (Replica* replica : {&B(), &C()}) {
    Read first = Get(*replica, id);
    ASSERT_GRPC_OK(first.status);
    ASSERT_EQ(first.sync.name(), "ryw before");
    Read second = Get(*replica, id);
    ASSERT_GRPC_OK(second.status);
    ASSERT_EQ(second.cache_status, "hit")
        << replica->name << ": the cache is not warm, nothing to invalidate";
  }

  // A masked update through A: the first read through B and C sees it.
  ASSERT_GRPC_OK(UpdateName(A(), id, "ryw after"));
  for (Replica* replica : {&B(), &C()}) {
    Read read = Get(*replica, id);
    ASSERT_GRPC_OK(read.status);
    EXPECT_EQ(read.sync.name(), "ryw after")
        << "replica " << replica->name << " served a stale answer ("
        << read.cache_status << ")";
  }

  // A pass-through write (POST activate) through A, B and C warm again.
  for (Replica* replica : {&B(), &C()}) {
    Read warm = Get(*replica, id);
    ASSERT_GRPC_OK(warm.status);
    ASSERT_EQ(warm.sync.name(), "ryw after");
  }
  const bool active = Upstream(id).value("active", false);
  {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    v1::ActivateBulkSyncRequest request;
    request.set_id(id);
    request.set_active(!active);
    v1::ActivateBulkSyncResponse response;
    ASSERT_GRPC_OK(A().bulk->ActivateBulkSync(&context, request, &response));
  }
  ASSERT_EQ(Upstream(id).value("active", active), !active);
  for (Replica* replica : {&B(), &C()}) {
    Read read = Get(*replica, id);
    ASSERT_GRPC_OK(read.status);
    EXPECT_EQ(read.sync.active(), !active)
        << "replica " << replica->name << " served a stale answer ("
        << read.cache_status << ")";
  }
}

// --- b. Concurrent disjoint masked updates over the replicas ----------------

TEST_F(ReplicasE2eTest, ConcurrentDisjointUpdatesAllPersist) {
  // The bulk sync's own fields are fewer than 50; members an API version
  // newer than the contract adds (additional_fields) are as many as needed,
  // and each is its own mask path.
  constexpr int kUpdates = 50;
  const std::vector<std::string> members = Extend(kUpdates);
  const std::string id = NewBulkSync("disjoint");
  ASSERT_FALSE(id.empty());

  struct Call {
    grpc::ClientContext context;
    v1::UpdateBulkSyncRequest request;
    v1::UpdateBulkSyncResponse response;
    grpc::Status status;
    std::string replica;
  };
  std::vector<std::unique_ptr<Call>> calls;
  for (int i = 0; i < kUpdates; ++i) {
    auto call = std::make_unique<Call>();
    call->request = MemberUpdate(id, members[i], absl::StrCat("value ", i));
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    calls.push_back(std::move(call));
  }
  absl::BlockingCounter done(kUpdates);
  for (int i = 0; i < kUpdates; ++i) {
    Call* call = calls[i].get();
    Replica& replica = stack_->replicas[i % kReplicas];
    call->replica = replica.name;
    replica.bulk->async()->UpdateBulkSync(&call->context, &call->request,
                                          &call->response,
                                          [call, &done](grpc::Status status) {
                                            call->status = std::move(status);
                                            done.DecrementCount();
                                          });
  }
  done.Wait();
  for (const auto& call : calls) {
    EXPECT_TRUE(call->status.ok())
        << "through " << call->replica << ": " << Describe(call->status);
  }

  Json stored = Upstream(id);
  Read read = Get(B(), id, /*no_cache=*/true);
  ASSERT_GRPC_OK(read.status);
  const auto& fields = read.sync.additional_fields().fields();
  for (int i = 0; i < kUpdates; ++i) {
    const std::string want = absl::StrCat("value ", i);
    EXPECT_EQ(stored.value(members[i], "(missing)"), want)
        << members[i] << " (through " << calls[i]->replica << ") was lost";
    auto it = fields.find(members[i]);
    EXPECT_TRUE(it != fields.end() && it->second.string_value() == want)
        << members[i] << " as read through B";
  }
}

// --- c. Write-only values re-sent by another replica -------------------------

TEST_F(ReplicasE2eTest, WriteOnlyValuesResentByAnotherReplica) {
  v1::ModelSync sync;
  sync.set_name("replicas: app users to Salesforce");
  sync.set_mode(v1::MODEL_SYNC_MODE_UPDATE_OR_CREATE);
  auto* email = sync.add_fields();
  email->mutable_source()->set_model_id(kModelId);
  email->mutable_source()->set_field("email");
  email->set_target("Email");
  email->set_encryption_enabled(true);
  auto* first = sync.add_fields();
  first->mutable_source()->set_model_id(kModelId);
  first->mutable_source()->set_field("first_name");
  first->set_target("FirstName");
  sync.mutable_identity()->mutable_source()->set_model_id(kModelId);
  sync.mutable_identity()->mutable_source()->set_field("email");
  sync.mutable_identity()->set_target("Email");
  sync.mutable_identity()->set_function(v1::IDENTITY_FUNCTION_TYPE_EQUALITY);
  sync.mutable_schedule()->set_frequency(v1::SCHEDULE_FREQUENCY_DAILY);
  sync.mutable_schedule()->set_hour("4");
  sync.mutable_schedule()->set_minute("30");
  sync.mutable_target()->set_connection_id(
      stack_->sandbox->seed["connections"]["salesforce"].get<std::string>());
  sync.mutable_target()->set_object("Contact");
  sync.set_encryption_passphrase(kPassphrase);

  std::string id;
  {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    v1::CreateModelSyncRequest request;
    *request.mutable_model_sync() = sync;
    v1::CreateModelSyncResponse response;
    ASSERT_GRPC_OK(A().models->CreateModelSync(&context, request, &response));
    id = response.data().id();
  }
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(upstream()
                .State("model_syncs", id)
                .json.value("encryption_passphrase", ""),
            kPassphrase);
  upstream().ClearRequests();

  // B never saw the passphrase: it re-sends the one A sealed.
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
  v1::UpdateModelSyncRequest request;
  request.set_id(id);
  request.mutable_model_sync()->set_name("renamed through B");
  *request.mutable_update_mask() = Mask("name");
  v1::UpdateModelSyncResponse response;
  ASSERT_GRPC_OK(B().models->UpdateModelSync(&context, request, &response));
  EXPECT_EQ(response.data().name(), "renamed through B");
  EXPECT_FALSE(response.data().has_encryption_passphrase());

  Json puts = upstream().Requests("modelSync.update");
  ASSERT_EQ(puts.size(), 1u) << puts.dump();
  EXPECT_EQ(puts[0]["path"], "/api/syncs/" + id);
  EXPECT_EQ(puts[0]["body"].value("encryption_passphrase", "(not sent)"),
            kPassphrase);
  EXPECT_EQ(puts[0]["body"].value("name", ""), "renamed through B");
  Json state = upstream().State("model_syncs", id).json;
  EXPECT_EQ(state.value("encryption_passphrase", "(cleared)"), kPassphrase);

  // The shared store holds it only sealed: no key or value in Redis has it.
  std::string cli(REDIS_SERVER_BIN);
  cli.replace(cli.rfind("redis-server"), std::string("redis-server").size(),
              "redis-cli");
  absl::StatusOr<testsupport::RunResult> dump = testsupport::RunProcess(
      cli,
      {"-p", absl::StrCat(stack_->redis->port()), "--raw", "EVAL",
       "local out = {} "
       "for _, k in ipairs(redis.call('KEYS', '*')) do "
       "  table.insert(out, k) "
       "  local t = redis.call('TYPE', k).ok "
       "  if t == 'hash' then "
       "    for _, v in ipairs(redis.call('HGETALL', k)) do "
       "      table.insert(out, v) end "
       "  elseif t == 'string' then table.insert(out, redis.call('GET', k)) "
       "  end "
       "end "
       "return out",
       "0"},
      absl::Seconds(30));
  ASSERT_TRUE(dump.ok()) << dump.status();
  EXPECT_NE(dump->out.find("write-only:"), std::string::npos) << dump->out;
  EXPECT_EQ(dump->out.find(kPassphrase), std::string::npos);
}

// --- d. A replica killed holding an update's lock ----------------------------

TEST_F(ReplicasE2eTest, LockOfAKilledReplicaExpiresWithItsLease) {
  const std::string id = NewBulkSync("lock holder");
  ASSERT_FALSE(id.empty());
  // A's update takes the lock, then its GET is held by the sandbox.
  ASSERT_FALSE(
      upstream()
          .AddFault(
              {{"operation", "bulkSync.get"}, {"kind", "hold"}, {"count", 1}})
          .empty());
  struct Call {
    grpc::ClientContext context;
    v1::UpdateBulkSyncRequest request;
    v1::UpdateBulkSyncResponse response;
    grpc::Status status;
    absl::Notification done;
  };
  Call a;
  a.request.set_id(id);
  a.request.mutable_bulk_sync()->set_name("from A");
  *a.request.mutable_update_mask() = Mask("name");
  a.context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
  A().bulk->async()->UpdateBulkSync(&a.context, &a.request, &a.response,
                                    [&a](grpc::Status status) {
                                      a.status = std::move(status);
                                      a.done.Notify();
                                    });
  ASSERT_TRUE(upstream().WaitHeld("bulkSync.get", 1, 60000));

  // B's update of the same sync waits for the lock while A lives (A renews
  // its lease), however long that is.
  Call b;
  b.request.set_id(id);
  b.request.mutable_bulk_sync()->set_name("from B");
  *b.request.mutable_update_mask() = Mask("name");
  b.context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
  B().bulk->async()->UpdateBulkSync(&b.context, &b.request, &b.response,
                                    [&b](grpc::Status status) {
                                      b.status = std::move(status);
                                      b.done.Notify();
                                    });
  EXPECT_FALSE(b.done.WaitForNotificationWithTimeout(kLockLease * 1.5))
      << "B's update finished while A held the lock: " << Describe(b.status);

  ASSERT_TRUE(A().gateway->process->Signal(SIGKILL));
  const absl::Time killed = absl::Now();
  ASSERT_TRUE(
      A().gateway->process->WaitForExit(e2e::kStartTimeout).has_value());
  // Within the lease (and a margin for a busy machine) B has the lock.
  const bool finished =
      b.done.WaitForNotificationWithTimeout(kLockLease + absl::Seconds(5));
  const absl::Duration waited = absl::Now() - killed;
  EXPECT_EQ(upstream().Release("bulkSync.get"), 1);
  ASSERT_TRUE(finished) << "B's update still waits " << waited
                        << " after the lock holder died (lease " << kLockLease
                        << ")";
  ASSERT_GRPC_OK(b.status);
  EXPECT_EQ(b.response.data().name(), "from B");
  EXPECT_EQ(Upstream(id).value("name", ""), "from B");
  // A's call ended with its process (the channel broke).
  EXPECT_TRUE(a.done.WaitForNotificationWithTimeout(kCallDeadline));
  EXPECT_FALSE(a.status.ok());
}

// --- e. Redis stopped, then started again -----------------------------------

TEST_F(ReplicasE2eTest, RedisStoppedThenStartedAgain) {
  const std::vector<std::string> members = Extend(2 * kReplicas);
  const std::string id = NewBulkSync("redis outage");
  ASSERT_FALSE(id.empty());
  // Acknowledged before the outage, one through each replica.
  for (int i = 0; i < kReplicas; ++i) {
    ASSERT_GRPC_OK(UpdateMember(stack_->replicas[i], id, members[i],
                                absl::StrCat("before ", i)));
  }
  ASSERT_GRPC_OK(Get(B(), id).status);  // warm

  ASSERT_TRUE(stack_->redis->Stop().ok());
  const int puts_before = upstream().Counter("bulkSync.update");
  for (Replica& replica : stack_->replicas) {
    // Masked updates fail closed: UNAVAILABLE, and no PUT.
    grpc::Status refused = UpdateName(replica, id, "during the outage");
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE)
        << replica.name << ": " << Describe(refused);
    if (refused.error_code() == grpc::StatusCode::UNAVAILABLE) {
      EXPECT_EQ(ErrorInfoOf(refused).reason(), "SHARED_STATE_UNAVAILABLE")
          << replica.name;
    }
    // Reads still work.
    Read read = Get(replica, id);
    EXPECT_TRUE(read.status.ok())
        << replica.name << ": " << Describe(read.status);
    const auto& fields = read.sync.additional_fields().fields();
    auto member = fields.find(members[0]);
    EXPECT_TRUE(member != fields.end() &&
                member->second.string_value() == "before 0")
        << replica.name << ": " << read.sync.ShortDebugString();
    Read fresh = Get(replica, id, /*no_cache=*/true);
    EXPECT_TRUE(fresh.status.ok())
        << replica.name << ": " << Describe(fresh.status);
    // Health: the shared state is down, the gateway is not.
    EXPECT_TRUE(AwaitHealth(replica.gateway->address, kSharedStateService,
                            gateway::server::HealthState::kNotServing,
                            kRecovery))
        << replica.name << ": " << Health(replica, kSharedStateService);
    EXPECT_EQ(Health(replica, ""), "SERVING\n") << replica.name;
  }
  EXPECT_EQ(upstream().Counter("bulkSync.update"), puts_before)
      << "a masked update wrote without its lock";

  // Redis is back (empty: it keeps nothing): every replica recovers.
  ASSERT_TRUE(stack_->redis->Restart().ok()) << stack_->redis->Output();
  for (int i = 0; i < kReplicas; ++i) {
    Replica& replica = stack_->replicas[i];
    // Connected again (the health says so), it takes updates at once.
    EXPECT_TRUE(AwaitHealth(replica.gateway->address, kSharedStateService,
                            gateway::server::HealthState::kServing, kRecovery))
        << replica.name << ": " << Health(replica, kSharedStateService);
    grpc::Status last = UpdateMember(replica, id, members[kReplicas + i],
                                     absl::StrCat("after ", i));
    EXPECT_TRUE(last.ok()) << replica.name
                           << " refuses updates with Redis back: "
                           << Describe(last);
  }

  // Every acknowledged update is upstream: before, and after the outage.
  Json stored = Upstream(id);
  for (int i = 0; i < kReplicas; ++i) {
    EXPECT_EQ(stored.value(members[i], ""), absl::StrCat("before ", i));
    EXPECT_EQ(stored.value(members[kReplicas + i], ""),
              absl::StrCat("after ", i));
  }
  // Invalidations flow again: C's write is seen by B's first read.
  ASSERT_GRPC_OK(Get(B(), id).status);
  ASSERT_EQ(Get(B(), id).cache_status, "hit");
  ASSERT_GRPC_OK(UpdateName(C(), id, "after the outage"));
  Read read = Get(B(), id);
  ASSERT_GRPC_OK(read.status);
  EXPECT_EQ(read.sync.name(), "after the outage") << read.cache_status;
}

// --- f. A rate limit holds across replicas ----------------------------------

TEST_F(ReplicasE2eTest, RateLimitHoldsAcrossReplicas) {
  // Buckets start full: one an earlier run of this test in the same process
  // (--gtest_repeat) emptied goes with the rest of the shared state.
  ASSERT_TRUE(stack_->redis->FlushAll().ok());
  const std::string id =
      stack_->sandbox->seed["bulk_syncs"][0].get<std::string>();
  constexpr int kCalls = 30;
  int ok = 0;
  int limited = 0;
  for (int i = 0; i < kCalls; ++i) {
    Replica& replica = stack_->replicas[i % kReplicas];
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    v1::GetBulkSyncRequest request;
    request.set_id(id);
    v1::GetBulkSyncResponse response;
    grpc::Status status =
        replica.limited->GetBulkSync(&context, request, &response);
    if (status.ok()) {
      ++ok;
    } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++limited;
      EXPECT_EQ(ErrorInfoOf(status).reason(), "RATE_LIMITED");
    } else {
      ADD_FAILURE() << "call " << i << " through " << replica.name << ": "
                    << Describe(status);
    }
  }
  // One bucket of kBurst for the principal, wherever it calls; a refill at
  // 0.001/s is not expected during the test, but tolerated once.
  EXPECT_GE(ok, kBurst);
  EXPECT_LE(ok, kBurst + 1) << "each replica kept its own bucket?";
  EXPECT_EQ(ok + limited, kCalls);
}

}  // namespace
