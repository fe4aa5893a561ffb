// The read cache through a real channel, counting the sandbox's requests:
// repeated reads, coalescing of concurrent misses, errors reaching every
// waiter uncached, a cancelled first caller, `cache-control: no-cache`,
// accounts and denied callers, x-cache-status and the audit record's
// `cache`, and read-your-writes after every write RPC.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/notification.h"
#include "gateway/config/v1/config.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "polytomic/v1/bulk_sync.grpc.pb.h"
#include "polytomic/v1/model_sync.grpc.pb.h"
#include "polytomic/v1/options.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {
namespace {

namespace v1 = polytomic::v1;
using gateway::config::v1::GatewayConfig;

constexpr char kSecondAccountToken[] = "second-account-caller-0001";
constexpr char kDeniedToken[] = "model-sync-only-caller-0001";

// Reply is a generic call's outcome.
struct Reply {
  grpc::Status status;
  Json response;             // the response as proto JSON, when OK
  std::string cache_status;  // the x-cache-status metadata, if any
};

// Batch is GetBulkSync calls started together and what they got.
struct Batch {
  std::vector<Reply> replies;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<v1::GetBulkSyncResponse> responses;
  Completion done;
};

class ReadCacheTest : public GatewayTest {
 protected:
  testsupport::GatewayHarness::Options HarnessOptions() override {
    testsupport::GatewayHarness::Options options;
    options.configure = [](GatewayConfig& config) {
      // Two accounts on the same upstream key: the cache must still keep
      // their answers apart.
      for (const char* name : {"default", "second"}) {
        auto* account = config.add_accounts();
        account->set_name(name);
        account->mutable_bearer_key()->set_file(
            config.upstream().api_key_file());
      }
      AddCaller(config, "second", kSecondAccountToken, "second", {"*"});
      AddCaller(config, "model-only", kDeniedToken, "default",
                {"polytomic.v1.ModelSyncService/*"});
    };
    return options;
  }

  // Call calls `method` ("polytomic.v1.BulkSyncService/GetBulkSync") with
  // `request` (proto JSON) through a generic stub, as `token`'s caller.
  Reply Call(const std::string& method, const Json& request,
             const std::string& token = "", bool no_cache = false) {
    Reply reply;
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
            absl::StrReplaceAll(method, {{"/", "."}}));
    EXPECT_NE(descriptor, nullptr) << method;
    if (descriptor == nullptr) return reply;
    auto* factory = google::protobuf::MessageFactory::generated_factory();
    std::unique_ptr<google::protobuf::Message> in(
        factory->GetPrototype(descriptor->input_type())->New());
    auto parsed =
        google::protobuf::util::JsonStringToMessage(request.dump(), in.get());
    EXPECT_TRUE(parsed.ok()) << method << ": " << parsed.ToString();
    grpc::ByteBuffer request_bytes;
    {
      std::string bytes = in->SerializeAsString();
      grpc::Slice slice(bytes);
      request_bytes = grpc::ByteBuffer(&slice, 1);
    }
    grpc::ClientContext context;
    if (no_cache) context.AddMetadata("cache-control", "no-cache");
    grpc::GenericStub stub(token.empty() ? harness_->channel()
                                         : harness_->ChannelAs(token));
    grpc::ByteBuffer response_bytes;
    absl::Notification done;
    stub.UnaryCall(&context, "/" + method, grpc::StubOptions(), &request_bytes,
                   &response_bytes, [&](grpc::Status status) {
                     reply.status = std::move(status);
                     done.Notify();
                   });
    done.WaitForNotification();
    auto metadata = context.GetServerInitialMetadata();
    if (auto it = metadata.find("x-cache-status"); it != metadata.end()) {
      reply.cache_status.assign(it->second.data(), it->second.size());
    }
    if (reply.status.ok()) {
      std::unique_ptr<google::protobuf::Message> out(
          factory->GetPrototype(descriptor->output_type())->New());
      std::vector<grpc::Slice> slices;
      EXPECT_TRUE(response_bytes.Dump(&slices).ok());
      std::string bytes;
      for (const grpc::Slice& slice : slices) {
        bytes.append(reinterpret_cast<const char*>(slice.begin()),
                     slice.size());
      }
      EXPECT_TRUE(out->ParseFromString(bytes));
      std::string json;
      EXPECT_TRUE(
          google::protobuf::util::MessageToJsonString(*out, &json).ok());
      reply.response = Json::parse(json);
    }
    return reply;
  }

  Reply GetSync(const std::string& id, const std::string& token = "",
                bool no_cache = false) {
    return Call("polytomic.v1.BulkSyncService/GetBulkSync", Json{{"id", id}},
                token, no_cache);
  }

  // AuditCacheValues lists the `cache` member of the trail's outcome
  // records of `method`, in order.
  std::vector<std::string> AuditCacheValues(const std::string& method) {
    harness_->gateway().FlushAudit();
    std::vector<std::string> values;
    for (const auto& entry :
         std::filesystem::directory_iterator(harness_->audit_dir())) {
      std::ifstream file(entry.path());
      std::string line;
      while (std::getline(file, line)) {
        Json record = Json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (record.is_discarded() || !record.contains("cache")) continue;
        if (record.value("method", "").find(method) == std::string::npos) {
          continue;
        }
        values.push_back(record["cache"].get<std::string>());
      }
    }
    return values;
  }

  // StartAll starts `n` GetBulkSync calls of `id` at once into `batch`,
  // which must outlive them (batch->done.WaitFor).
  void StartAll(const std::string& id, int n, Batch* batch) {
    if (stub_ == nullptr) {
      stub_ = v1::BulkSyncService::NewStub(harness_->channel());
    }
    batch->replies.resize(n);
    batch->responses.resize(n);
    request_.set_id(id);
    for (int i = 0; i < n; ++i) {
      batch->contexts.push_back(std::make_unique<grpc::ClientContext>());
      grpc::ClientContext* context = batch->contexts.back().get();
      Reply* reply = &batch->replies[i];
      stub_->async()->GetBulkSync(
          context, &request_, &batch->responses[i],
          [context, reply, batch](grpc::Status status) {
            reply->status = std::move(status);
            auto metadata = context->GetServerInitialMetadata();
            if (auto it = metadata.find("x-cache-status");
                it != metadata.end()) {
              reply->cache_status.assign(it->second.data(), it->second.size());
            }
            batch->done.Done();
          });
    }
  }

  // StartHeld holds the sandbox's answers to GetBulkSync, starts `n` reads
  // of `id` into `batch`, and returns once the first is held upstream and
  // all `n` are in the gateway (the others wait for the held one).
  void StartHeld(const std::string& id, int n, Batch* batch) {
    ASSERT_FALSE(
        upstream()
            .AddFault({{"operation", "bulkSync.get"}, {"kind", "hold"}})
            .empty());
    StartAll(id, n, batch);
    ASSERT_TRUE(upstream().WaitHeld("bulkSync.get", 1));
    ASSERT_TRUE(harness_->gateway().AwaitCallsInFlight(n, absl::Seconds(10)));
  }

  // The typed stub StartAll calls through.
  std::unique_ptr<v1::BulkSyncService::Stub> stub_;
  v1::GetBulkSyncRequest request_;
};

TEST_F(ReadCacheTest, ARepeatedReadIsAnsweredFromTheCache) {
  const std::string id = FirstBulkSync();
  ForgetRequests();
  Reply first = GetSync(id);
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  EXPECT_EQ(first.cache_status, "miss");
  Reply second = GetSync(id);
  ASSERT_TRUE(second.status.ok());
  EXPECT_EQ(second.cache_status, "hit");
  EXPECT_TRUE(SameJson(second.response, first.response));
  EXPECT_EQ(harness_->Count("bulkSync.get"), 1);
  EXPECT_EQ(AuditCacheValues("GetBulkSync"),
            (std::vector<std::string>{"miss", "hit"}));
}

TEST_F(ReadCacheTest, NoCacheReadsAfreshAndStoresTheAnswer) {
  const std::string id = FirstBulkSync();
  ForgetRequests();
  ASSERT_TRUE(GetSync(id).status.ok());
  // Changed behind the gateway's back: only a fresh read can see it.
  Json doc = upstream().Get("/api/bulk/syncs/" + id).json["data"];
  doc["name"] = "renamed elsewhere";
  ASSERT_EQ(upstream().Put("/api/bulk/syncs/" + id, doc).status, 200);
  ForgetRequests();
  EXPECT_NE(GetSync(id).response["data"]["name"], "renamed elsewhere");

  Reply fresh = GetSync(id, "", /*no_cache=*/true);
  EXPECT_EQ(fresh.cache_status, "bypass");
  EXPECT_EQ(fresh.response["data"]["name"], "renamed elsewhere");
  Reply after = GetSync(id);
  EXPECT_EQ(after.cache_status, "hit");
  EXPECT_EQ(after.response["data"]["name"], "renamed elsewhere");
  EXPECT_EQ(harness_->Count("bulkSync.get"), 1) << "only the fresh read";
}

TEST_F(ReadCacheTest, ConcurrentIdenticalReadsMakeOneUpstreamCall) {
  const std::string id = FirstBulkSync();
  ForgetRequests();
  constexpr int kCalls = 8;
  Batch batch;
  ASSERT_NO_FATAL_FAILURE(StartHeld(id, kCalls, &batch));
  EXPECT_EQ(upstream().Release("bulkSync.get"), 1);
  batch.done.WaitFor(kCalls);
  const auto& replies = batch.replies;
  const auto& responses = batch.responses;

  EXPECT_EQ(harness_->Count("bulkSync.get"), 1);
  std::multiset<std::string> statuses;
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_TRUE(replies[i].status.ok()) << replies[i].status.error_message();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        responses[i], responses[0]));
    statuses.insert(replies[i].cache_status);
  }
  EXPECT_EQ(statuses.count("miss"), 1u);
  EXPECT_EQ(statuses.count("coalesced"), static_cast<size_t>(kCalls - 1));
}

TEST_F(ReadCacheTest, AnUpstreamErrorReachesEveryWaiterAndIsNotCached) {
  const std::string id = FirstBulkSync();
  ForgetRequests();
  ASSERT_FALSE(upstream()
                   .AddFault({{"operation", "bulkSync.get"},
                              {"kind", "status"},
                              {"status", 500}})  // not retried
                   .empty());
  constexpr int kCalls = 4;
  Batch batch;
  ASSERT_NO_FATAL_FAILURE(StartHeld(id, kCalls, &batch));
  upstream().Release("bulkSync.get");
  batch.done.WaitFor(kCalls);
  for (const Reply& reply : batch.replies) {
    EXPECT_EQ(reply.status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << reply.status.error_message();
  }
  EXPECT_EQ(harness_->Count("bulkSync.get"), 1);

  Reply after = GetSync(id);
  EXPECT_TRUE(after.status.ok()) << after.status.error_message();
  EXPECT_EQ(after.cache_status, "miss") << "the error was not cached";
  EXPECT_EQ(harness_->Count("bulkSync.get"), 2);
}

TEST_F(ReadCacheTest, ACancelledFirstCallerLeavesTheOthersTheirAnswer) {
  const std::string id = FirstBulkSync();
  ForgetRequests();
  Batch first;
  ASSERT_NO_FATAL_FAILURE(StartHeld(id, 1, &first));
  Batch others;
  StartAll(id, 2, &others);
  ASSERT_TRUE(harness_->gateway().AwaitCallsInFlight(3, absl::Seconds(10)));
  first.contexts[0]->TryCancel();
  first.done.WaitFor(1);
  EXPECT_EQ(first.replies[0].status.error_code(), grpc::StatusCode::CANCELLED);

  EXPECT_EQ(upstream().Release("bulkSync.get"), 1);
  others.done.WaitFor(2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(others.replies[i].status.ok())
        << others.replies[i].status.error_message();
    EXPECT_EQ(others.responses[i].data().id(), id);
    EXPECT_EQ(others.replies[i].cache_status, "coalesced");
  }
  EXPECT_EQ(harness_->Count("bulkSync.get"), 1);
  EXPECT_EQ(GetSync(id).cache_status, "hit") << "the answer was stored";
}

TEST_F(ReadCacheTest, AWaiterWhoseDeadlinePassesLeavesTheOthersTheirAnswer) {
  const std::string id = FirstBulkSync();
  ForgetRequests();
  Batch first;
  ASSERT_NO_FATAL_FAILURE(StartHeld(id, 1, &first));
  // Joins the held read, and gives up long before it is released.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(200));
  v1::GetBulkSyncRequest request;
  request.set_id(id);
  v1::GetBulkSyncResponse response;
  grpc::Status late = stub_->GetBulkSync(&context, request, &response);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  EXPECT_EQ(upstream().Release("bulkSync.get"), 1);
  first.done.WaitFor(1);
  EXPECT_TRUE(first.replies[0].status.ok())
      << first.replies[0].status.error_message();
  EXPECT_EQ(first.replies[0].cache_status, "miss");
  EXPECT_EQ(harness_->Count("bulkSync.get"), 1);
}

TEST_F(ReadCacheTest, TwoAccountsNeverShareAnEntry) {
  const std::string id = FirstBulkSync();
  ForgetRequests();
  EXPECT_EQ(GetSync(id).cache_status, "miss");
  EXPECT_EQ(GetSync(id, kSecondAccountToken).cache_status, "miss");
  EXPECT_EQ(GetSync(id, kSecondAccountToken).cache_status, "hit");
  EXPECT_EQ(GetSync(id).cache_status, "hit");
  EXPECT_EQ(harness_->Count("bulkSync.get"), 2);
}

TEST_F(ReadCacheTest, ADeniedCallerIsNeverAnsweredFromTheCache) {
  const std::string id = FirstBulkSync();
  ASSERT_EQ(GetSync(id).cache_status, "miss");
  Reply denied = GetSync(id, kDeniedToken);
  EXPECT_EQ(denied.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(denied.response.is_null());
}

// --- Read-your-writes after every write RPC --------------------------------

// A WriteCase is a write RPC and a read it must make stale: the read is
// cached before the write, and the first read after it must go upstream.
struct WriteCase {
  std::string write;  // full method without the leading slash
  // Builds the write's request from the seeded ids (may call the gateway to
  // prepare, e.g. start an execution to cancel).
  std::function<Json(ReadCacheTest&)> request;
  std::string read;
  std::function<Json(ReadCacheTest&)> read_request;
};

void PrintTo(const WriteCase& c, std::ostream* out) { *out << c.write; }

class ReadYourWritesTest : public ReadCacheTest,
                           public ::testing::WithParamInterface<WriteCase> {
 public:
  std::string Sync(int i = 0) { return SeededBulkSync(i); }
  std::string Model(int i = 0) { return SeededModelSync(i); }
  Json GetData(const std::string& method, const Json& request) {
    Reply reply = Call(method, request);
    EXPECT_TRUE(reply.status.ok())
        << method << ": " << reply.status.error_message();
    return reply.response["data"];
  }
  // RunningBulkExecution starts sync 0 and returns the execution's id.
  std::string RunningBulkExecution() {
    return GetData("polytomic.v1.BulkSyncService/StartBulkSync",
                   Json{{"id", Sync()}})["id"];
  }
  std::string AnyBulkExecution() {
    return GetData(
        "polytomic.v1.BulkSyncExecutionService/ListBulkSyncExecutions",
        Json{{"id", Sync()}})[0]["id"];
  }
  std::string FirstSchedule() {
    // Sync 1 has an additional schedule besides its default one.
    Json schedules =
        GetData("polytomic.v1.BulkSyncScheduleService/ListBulkSyncSchedules",
                Json{{"sync_id", Sync(1)}});
    for (const Json& schedule : schedules) {
      if (!schedule.value("isDefault", false)) return schedule["id"];
    }
    ADD_FAILURE() << "no additional schedule on " << Sync(1);
    return "";
  }
  Json Schedule(const std::string& id) {
    return GetData("polytomic.v1.BulkSyncScheduleService/GetBulkSyncSchedule",
                   Json{{"sync_id", Sync(1)}, {"schedule_id", id}});
  }
  std::string FirstSchema() {
    return GetData("polytomic.v1.BulkSyncSchemaService/ListBulkSyncSchemas",
                   Json{{"id", Sync()}})[0]["id"];
  }
};

TEST_P(ReadYourWritesTest, TheFirstReadAfterTheWriteGoesUpstream) {
  const WriteCase& c = GetParam();
  const Json write_request = c.request(*this);
  const Json read_request = c.read_request(*this);
  Reply warm = Call(c.read, read_request);
  ASSERT_TRUE(warm.status.ok()) << warm.status.error_message();
  ASSERT_EQ(Call(c.read, read_request).cache_status, "hit");

  Reply written = Call(c.write, write_request);
  ASSERT_TRUE(written.status.ok())
      << c.write << ": " << written.status.error_message();
  Reply after = Call(c.read, read_request);
  EXPECT_EQ(after.cache_status, "miss") << c.read << " after " << c.write;
  if (c.write.find("Delete") == std::string::npos) {
    EXPECT_TRUE(after.status.ok()) << after.status.error_message();
  }
}

const char kGetBulk[] = "polytomic.v1.BulkSyncService/GetBulkSync";
const char kListBulk[] = "polytomic.v1.BulkSyncService/ListBulkSyncs";
const char kBulkStatus[] = "polytomic.v1.BulkSyncService/GetBulkSyncStatus";
const char kListSchedules[] =
    "polytomic.v1.BulkSyncScheduleService/ListBulkSyncSchedules";
const char kGetSchema[] =
    "polytomic.v1.BulkSyncSchemaService/GetBulkSyncSchema";
const char kGetExecution[] =
    "polytomic.v1.BulkSyncExecutionService/GetBulkSyncExecution";
const char kGetModel[] = "polytomic.v1.ModelSyncService/GetModelSync";
const char kListModels[] = "polytomic.v1.ModelSyncService/ListModelSyncs";
const char kModelStatus[] = "polytomic.v1.ModelSyncService/GetModelSyncStatus";

Json BulkId(ReadCacheTest& t) {
  return Json{{"id", static_cast<ReadYourWritesTest&>(t).Sync()}};
}
Json ModelId(ReadCacheTest& t) {
  return Json{{"id", static_cast<ReadYourWritesTest&>(t).Model()}};
}
Json Nothing(ReadCacheTest&) { return Json::object(); }
ReadYourWritesTest& Self(ReadCacheTest& t) {
  return static_cast<ReadYourWritesTest&>(t);
}

std::vector<WriteCase> WriteCases() {
  return {
      {"polytomic.v1.BulkSyncService/CreateBulkSync",
       [](ReadCacheTest& t) {
         Json sync = Self(t).GetData(kGetBulk, BulkId(t));
         sync["name"] = "created by the cache test";
         return Json{{"bulk_sync", sync}};
       },
       kListBulk, Nothing},
      {"polytomic.v1.BulkSyncService/UpdateBulkSync",
       [](ReadCacheTest& t) {
         Json sync = Self(t).GetData(kGetBulk, BulkId(t));
         sync["name"] = "renamed";
         return Json{{"id", Self(t).Sync()}, {"bulk_sync", sync}};
       },
       kGetBulk, BulkId},
      {"polytomic.v1.BulkSyncService/DeleteBulkSync", BulkId, kGetBulk, BulkId},
      {"polytomic.v1.BulkSyncService/ActivateBulkSync",
       [](ReadCacheTest& t) {
         return Json{{"id", Self(t).Sync()}, {"active", false}};
       },
       kGetBulk, BulkId},
      {"polytomic.v1.BulkSyncService/StartBulkSync", BulkId, kBulkStatus,
       BulkId},
      {"polytomic.v1.BulkSyncService/CancelBulkSync",
       [](ReadCacheTest& t) {
         Self(t).RunningBulkExecution();
         return BulkId(t);
       },
       kBulkStatus, BulkId},
      {"polytomic.v1.BulkSyncExecutionService/CancelBulkSyncExecution",
       [](ReadCacheTest& t) {
         return Json{{"id", Self(t).Sync()},
                     {"exec_id", Self(t).RunningBulkExecution()}};
       },
       kBulkStatus, BulkId},
      {"polytomic.v1.BulkSyncExecutionService/ExportBulkSyncExecutionLogs",
       [](ReadCacheTest& t) {
         return Json{{"sync_id", Self(t).Sync()},
                     {"execution_id", Self(t).AnyBulkExecution()}};
       },
       kGetExecution,
       [](ReadCacheTest& t) {
         return Json{{"id", Self(t).Sync()},
                     {"exec_id", Self(t).AnyBulkExecution()}};
       }},
      {"polytomic.v1.BulkSyncScheduleService/CreateBulkSyncSchedule",
       [](ReadCacheTest& t) {
         Json schedule = Self(t).Schedule(Self(t).FirstSchedule());
         return Json{{"sync_id", Self(t).Sync(1)}, {"schedule", schedule}};
       },
       kListSchedules,
       [](ReadCacheTest& t) {
         return Json{{"sync_id", Self(t).Sync(1)}};
       }},
      {"polytomic.v1.BulkSyncScheduleService/UpdateBulkSyncSchedule",
       [](ReadCacheTest& t) {
         const std::string id = Self(t).FirstSchedule();
         return Json{{"sync_id", Self(t).Sync(1)},
                     {"schedule_id", id},
                     {"schedule", Self(t).Schedule(id)}};
       },
       kListSchedules,
       [](ReadCacheTest& t) {
         return Json{{"sync_id", Self(t).Sync(1)}};
       }},
      {"polytomic.v1.BulkSyncScheduleService/DeleteBulkSyncSchedule",
       [](ReadCacheTest& t) {
         return Json{{"sync_id", Self(t).Sync(1)},
                     {"schedule_id", Self(t).FirstSchedule()}};
       },
       kListSchedules,
       [](ReadCacheTest& t) {
         return Json{{"sync_id", Self(t).Sync(1)}};
       }},
      {"polytomic.v1.BulkSyncSchemaService/PatchBulkSyncSchemas",
       [](ReadCacheTest& t) {
         Json schema = Self(t).GetData(
             kGetSchema, Json{{"id", Self(t).Sync()},
                              {"schema_id", Self(t).FirstSchema()}});
         return Json{{"id", Self(t).Sync()},
                     {"schemas", Json::array({schema})}};
       },
       kGetSchema,
       [](ReadCacheTest& t) {
         return Json{{"id", Self(t).Sync()},
                     {"schema_id", Self(t).FirstSchema()}};
       }},
      {"polytomic.v1.BulkSyncSchemaService/UpdateBulkSyncSchema",
       [](ReadCacheTest& t) {
         const std::string schema_id = Self(t).FirstSchema();
         Json schema = Self(t).GetData(
             kGetSchema,
             Json{{"id", Self(t).Sync()}, {"schema_id", schema_id}});
         return Json{{"id", Self(t).Sync()},
                     {"schema_id", schema_id},
                     {"schema", schema}};
       },
       kGetSchema,
       [](ReadCacheTest& t) {
         return Json{{"id", Self(t).Sync()},
                     {"schema_id", Self(t).FirstSchema()}};
       }},
      {"polytomic.v1.BulkSyncSchemaService/CancelBulkSyncSchema",
       [](ReadCacheTest& t) {
         Self(t).RunningBulkExecution();
         return Json{{"id", Self(t).Sync()},
                     {"schema_id", Self(t).FirstSchema()}};
       },
       kBulkStatus, BulkId},
      {"polytomic.v1.ModelSyncService/CreateModelSync",
       [](ReadCacheTest& t) {
         Json sync = Self(t).GetData(kGetModel, ModelId(t));
         sync["name"] = "created by the cache test";
         return Json{{"model_sync", sync}};
       },
       kListModels, Nothing},
      {"polytomic.v1.ModelSyncService/UpdateModelSync",
       [](ReadCacheTest& t) {
         // Partial: the gateway holds no write-only values of the seed.
         return Json{
             {"id", Self(t).Model()},
             {"model_sync", {{"name", "renamed"}}},
             {"update_mask", "name,target.create,encryptionPassphrase"}};
       },
       kGetModel, ModelId},
      {"polytomic.v1.ModelSyncService/DeleteModelSync", ModelId, kGetModel,
       ModelId},
      {"polytomic.v1.ModelSyncService/ActivateModelSync",
       [](ReadCacheTest& t) {
         return Json{{"id", Self(t).Model()}, {"active", false}};
       },
       kGetModel, ModelId},
      {"polytomic.v1.ModelSyncService/StartModelSync", ModelId, kModelStatus,
       ModelId},
      {"polytomic.v1.ModelSyncService/CancelModelSync", ModelId, kModelStatus,
       ModelId},
      {"polytomic.v1.ModelSyncExecutionService/CancelModelSyncExecution",
       [](ReadCacheTest& t) {
         Json started = Self(t).GetData(
             "polytomic.v1.ModelSyncService/StartModelSync", ModelId(t));
         return Json{{"sync_id", Self(t).Model()}, {"id", started["id"]}};
       },
       kModelStatus, ModelId},
  };
}

INSTANTIATE_TEST_SUITE_P(EveryWrite, ReadYourWritesTest,
                         ::testing::ValuesIn(WriteCases()),
                         [](const ::testing::TestParamInfo<WriteCase>& info) {
                           return info.param.write.substr(
                               info.param.write.rfind('/') + 1);
                         });

TEST(ReadYourWritesCoverage, EveryWriteRpcHasACase) {
  std::set<std::string> covered;
  for (const WriteCase& c : WriteCases()) covered.insert(c.write);
  int writes = 0;
  for (const char* service :
       {"polytomic.v1.BulkSyncService", "polytomic.v1.BulkSyncExecutionService",
        "polytomic.v1.BulkSyncScheduleService",
        "polytomic.v1.BulkSyncSchemaService", "polytomic.v1.ModelSyncService",
        "polytomic.v1.ModelSyncExecutionService",
        "polytomic.v1.ModelSyncTargetService"}) {
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service);
    ASSERT_NE(descriptor, nullptr) << service;
    for (int i = 0; i < descriptor->method_count(); ++i) {
      const auto* method = descriptor->method(i);
      const std::string name =
          absl::StrCat(descriptor->full_name(), "/", method->name());
      const auto& rest = method->options().GetExtension(v1::rest);
      if (rest.method() == v1::HTTP_METHOD_GET) continue;
      ++writes;
      EXPECT_TRUE(covered.count(name))
          << name << " has no read-your-writes case";
    }
  }
  EXPECT_EQ(writes, static_cast<int>(covered.size()));
}

}  // namespace
}  // namespace gateway_test
