// ReadCacheStage over the real contract: which reads each write RPC
// invalidates (one table over every write the proto declares), how TTLs are
// chosen, and what makes two requests one key.
#include "gateway/server/read_cache_stage.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/translate/translator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync_execution.pb.h"
#include "polytomic/v1/model_sync.pb.h"
#include "tests/support/manual_time.h"

namespace gateway::server {
namespace {

using translate::Route;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

class FixedClock final : public Clock {
 public:
  absl::Time Now() const override { return kNow; }
};

// The ids path variables are filled with, by position: the first names the
// sync (or the connection), the next ones what is below it.
const char* const kSync = "00000000-0000-4000-8000-000000000001";
const char* const kOtherSync = "00000000-0000-4000-8000-000000000002";
const char* const kChildren[] = {"00000000-0000-4000-8000-0000000000a1",
                                 "00000000-0000-4000-8000-0000000000a2"};

class ReadCacheStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto services = translate::ContractServices();
    ASSERT_TRUE(services.ok()) << services.status();
    auto translator = translate::Translator::Create(*services);
    ASSERT_TRUE(translator.ok()) << translator.status();
    translator_ = *std::move(translator);
  }

  const translate::RouteTable& routes() const { return translator_->routes(); }

  std::unique_ptr<ReadCacheStage> NewStage(config::v1::Cache config = {}) {
    if (!config.has_enabled()) config.set_enabled(true);
    if (config.max_bytes() == 0) config.set_max_bytes(1 << 20);
    if (!config.has_default_ttl())
      config.mutable_default_ttl()->set_seconds(10);
    // A registry per stage: each registers the same metrics.
    registries_.push_back(std::make_unique<MetricsRegistry>());
    auto stage = ReadCacheStage::Create(
        config, routes(), &clock_, absl::Seconds(30), registries_.back().get());
    EXPECT_TRUE(stage.ok()) << stage.status();
    return stage.ok() ? *std::move(stage) : nullptr;
  }

  // CallFor makes a call of `route` whose path variables hold `sync` then
  // the child ids, as account "default".
  std::shared_ptr<CallContext> CallFor(const Route& route,
                                       const std::string& sync) {
    auto call = std::make_shared<CallContext>(
        &route, kNow, kNow + absl::Seconds(30), Origin{});
    call->set_account("default");
    google::protobuf::Message* request = call->mutable_request();
    const auto* reflection = request->GetReflection();
    int position = 0;
    for (const Route::PathSegment& segment : route.path) {
      if (segment.field == nullptr) continue;
      const auto* field = segment.field->descriptor;
      if (field->cpp_type() ==
          google::protobuf::FieldDescriptor::CPPTYPE_ENUM) {
        reflection->SetEnumValue(request, field,
                                 field->enum_type()->value(1)->number());
      } else {
        reflection->SetString(request, field,
                              position == 0 ? sync : kChildren[position - 1]);
      }
      ++position;
    }
    return call;
  }

  // Fetches reads `call` through `stage` and says whether it was fetched
  // (the fetch answers at once, filling the cache) rather than answered
  // from the cache.
  static bool Fetches(ReadCacheStage& stage,
                      const std::shared_ptr<CallContext>& call) {
    bool fetched = false;
    bool answered = false;
    stage.Read(
        call,
        [&fetched](std::shared_ptr<CallContext>, CacheStage::Answered done) {
          fetched = true;
          std::move(done)(std::make_shared<const std::string>("answer"));
        },
        [&answered](absl::StatusOr<ResponseBytes> bytes) {
          answered = bytes.ok();
        });
    EXPECT_TRUE(answered) << call->route().operation_id;
    return fetched;
  }

  // Cached says whether a read of `route` for `sync` is answered from
  // `stage` now; when it is not, the fetch fills the cache.
  bool Cached(ReadCacheStage& stage, const Route& route,
              const std::string& sync) {
    return !Fetches(stage, CallFor(route, sync));
  }

  std::vector<const Route*> CachedReads(ReadCacheStage& stage) {
    std::vector<const Route*> reads;
    for (const auto& route : routes().routes()) {
      if (route->IsRead() && stage.Ttl(*route) > absl::ZeroDuration()) {
        reads.push_back(route.get());
      }
    }
    return reads;
  }

  FixedClock clock_;
  std::unique_ptr<translate::Translator> translator_;
  std::vector<std::unique_ptr<MetricsRegistry>> registries_;
};

// What each write must invalidate for its sync, by read operation: the
// issue's rules (the resource, the lists holding it, and the reads that
// depend on it), written independently of the proto that implements them.
const std::set<std::string> kBulkLists = {"bulkSync.list",
                                          "bulkSync.executions.listStatus"};
const std::set<std::string> kBulkAll = {
    "bulkSync.list",
    "bulkSync.get",
    "bulkSync.getStatus",
    "bulkSync.executions.listStatus",
    "bulkSync.executions.list",
    "bulkSync.executions.get",
    "bulkSync.executions.getConsoleLogs",
    "bulkSync.executions.getSchemaConsoleLogs",
    "bulkSync.schedules.list",
    "bulkSync.schedules.get",
    "bulkSync.schemas.list",
    "bulkSync.schemas.get"};
const std::set<std::string> kBulkSchedules = {"bulkSync.list", "bulkSync.get",
                                              "bulkSync.schedules.list",
                                              "bulkSync.schedules.get"};
const std::set<std::string> kBulkSchemas = {"bulkSync.list", "bulkSync.get",
                                            "bulkSync.schemas.list",
                                            "bulkSync.schemas.get"};
const std::set<std::string> kModelAll = {
    "modelSync.list",           "modelSync.get",
    "modelSync.getStatus",      "modelSync.executions.list",
    "modelSync.executions.get", "modelSync.executions.getConsoleLogs"};

const std::map<std::string, std::set<std::string>>& Expected() {
  static const auto* expected =
      new std::map<std::string, std::set<std::string>>{
          {"bulkSync.create", kBulkLists},
          {"bulkSync.update", kBulkAll},
          {"bulkSync.delete", kBulkAll},
          {"bulkSync.activate", kBulkAll},
          {"bulkSync.cancel", kBulkAll},
          {"bulkSync.start", kBulkAll},
          {"bulkSync.executions.cancel", kBulkAll},
          {"bulkSync.schemas.cancel", kBulkAll},
          {"bulkSync.executions.exportLogs",
           {"bulkSync.executions.get", "bulkSync.executions.getConsoleLogs",
            "bulkSync.executions.getSchemaConsoleLogs"}},
          {"bulkSync.schedules.create", kBulkSchedules},
          {"bulkSync.schedules.update", kBulkSchedules},
          {"bulkSync.schedules.delete", kBulkSchedules},
          {"bulkSync.schemas.patch", kBulkSchemas},
          {"bulkSync.schemas.update", kBulkSchemas},
          {"modelSync.create", {"modelSync.list"}},
          {"modelSync.update", kModelAll},
          {"modelSync.delete", kModelAll},
          {"modelSync.activate", kModelAll},
          {"modelSync.cancel", kModelAll},
          {"modelSync.start", kModelAll},
          {"modelSync.executions.cancel", kModelAll},
      };
  return *expected;
}

TEST_F(ReadCacheStageTest, EveryWriteInvalidatesExactlyWhatItMayChange) {
  int writes = 0;
  for (const auto& write : routes().routes()) {
    if (write->IsRead()) continue;
    ++writes;
    SCOPED_TRACE(write->operation_id);
    auto expected = Expected().find(write->operation_id);
    ASSERT_NE(expected, Expected().end())
        << "a write RPC the table does not know: add what it invalidates";
    auto stage = NewStage();
    const std::vector<const Route*> reads = CachedReads(*stage);
    for (const Route* read : reads) {
      ASSERT_FALSE(Cached(*stage, *read, kSync)) << read->operation_id;
      // A list has no sync in its path: one entry for both.
      Cached(*stage, *read, kOtherSync);
    }
    stage->Written(*CallFor(*write, kSync), [] {});
    for (const Route* read : reads) {
      const bool lists = read->path_template.find('{') == std::string::npos;
      EXPECT_EQ(Cached(*stage, *read, kSync),
                expected->second.count(read->operation_id) == 0)
          << read->operation_id;
      if (!lists) {
        EXPECT_TRUE(Cached(*stage, *read, kOtherSync))
            << read->operation_id << " of another sync";
      }
    }
  }
  EXPECT_EQ(writes, static_cast<int>(Expected().size()));
}

TEST_F(ReadCacheStageTest, ReadsOfAnotherAccountAreNotInvalidated) {
  auto stage = NewStage();
  const Route* get = routes().Find("/polytomic.v1.BulkSyncService/GetBulkSync");
  const Route* update =
      routes().Find("/polytomic.v1.BulkSyncService/UpdateBulkSync");
  ASSERT_NE(get, nullptr);
  ASSERT_NE(update, nullptr);
  auto other = CallFor(*get, kSync);
  other->set_account("other");
  EXPECT_TRUE(Fetches(*stage, other));
  EXPECT_FALSE(Fetches(*stage, other));
  stage->Written(*CallFor(*update, kSync), [] {});  // as account "default"
  EXPECT_FALSE(Fetches(*stage, other)) << "another account's entry survives";
  EXPECT_EQ(other->cache_status(), "hit");
}

TEST_F(ReadCacheStageTest, TtlsComeFromTheConfigThenTheContractThenTheDefault) {
  config::v1::Cache config;
  config.mutable_default_ttl()->set_seconds(7);
  auto* method = config.add_methods();
  method->set_method("/polytomic.v1.BulkSyncService/GetBulkSync");
  method->mutable_ttl()->set_seconds(3);
  auto* all_status = config.add_methods();
  all_status->set_method("polytomic.v1.ModelSyncService/*Status");
  all_status->mutable_ttl()->set_seconds(0);
  auto stage = NewStage(config);
  auto ttl = [&](const char* method) {
    const Route* route = routes().Find(method);
    EXPECT_NE(route, nullptr) << method;
    return route == nullptr ? absl::InfiniteDuration() : stage->Ttl(*route);
  };
  EXPECT_EQ(ttl("/polytomic.v1.BulkSyncService/GetBulkSync"), absl::Seconds(3));
  EXPECT_EQ(ttl("/polytomic.v1.BulkSyncService/ListBulkSyncs"),
            absl::Seconds(7));
  EXPECT_EQ(ttl("/polytomic.v1.BulkSyncService/GetBulkSyncStatus"),
            absl::Seconds(1))
      << "the contract's cache_ttl";
  EXPECT_EQ(ttl("/polytomic.v1.ModelSyncService/GetModelSyncStatus"),
            absl::ZeroDuration());
  EXPECT_EQ(ttl("/polytomic.v1.ModelSyncExecutionService/"
                "GetModelSyncExecutionLogUrls"),
            absl::ZeroDuration())
      << "signed URLs are never cached";
  EXPECT_EQ(ttl("/polytomic.v1.BulkSyncService/UpdateBulkSync"),
            absl::ZeroDuration())
      << "writes are not cached";

  config.set_enabled(false);
  auto disabled = NewStage(config);
  for (const auto& route : routes().routes()) {
    EXPECT_EQ(disabled->Ttl(*route), absl::ZeroDuration())
        << route->full_method;
  }
}

TEST_F(ReadCacheStageTest, FieldOrderAndDefaultsDoNotSplitAKey) {
  auto stage = NewStage();
  const Route* list = routes().Find(
      "/polytomic.v1.BulkSyncExecutionService/ListBulkSyncExecutions");
  ASSERT_NE(list, nullptr);
  auto first = CallFor(*list, kSync);
  auto& a = static_cast<polytomic::v1::ListBulkSyncExecutionsRequest&>(
      *first->mutable_request());
  a.set_limit(5);
  a.set_ascending(true);
  EXPECT_TRUE(Fetches(*stage, first));

  auto reordered = CallFor(*list, kSync);
  auto& b = static_cast<polytomic::v1::ListBulkSyncExecutionsRequest&>(
      *reordered->mutable_request());
  b.set_ascending(true);
  b.set_limit(5);
  EXPECT_FALSE(Fetches(*stage, reordered))
      << "same request, fields set in another order";

  auto different = CallFor(*list, kSync);
  auto& c = static_cast<polytomic::v1::ListBulkSyncExecutionsRequest&>(
      *different->mutable_request());
  c.set_limit(5);
  c.set_ascending(false);  // set, and sent as false: another request
  EXPECT_TRUE(Fetches(*stage, different));
}

// FakeBus records what the stage publishes and lets the test play the other
// replicas.
class FakeBus final : public cache::InvalidationBus {
 public:
  void Listen(Apply apply, Reliability reliability) override {
    apply_ = std::move(apply);
    reliability_ = std::move(reliability);
  }
  void Publish(const std::string& account,
               const std::vector<cache::ReadCache::PathScope>& scopes,
               Done done) override {
    published.push_back({account, scopes});
    pending.push_back(std::move(done));
  }

  Apply apply_;
  Reliability reliability_;
  std::vector<std::pair<std::string, std::vector<cache::ReadCache::PathScope>>>
      published;
  std::vector<Done> pending;  // the others' acknowledgements not yet in
};

class ReplicatedReadCacheStageTest : public ReadCacheStageTest {
 protected:
  std::unique_ptr<ReadCacheStage> NewReplicatedStage() {
    config::v1::Cache config;
    config.set_enabled(true);
    config.set_max_bytes(1 << 20);
    config.mutable_default_ttl()->set_seconds(10);
    registries_.push_back(std::make_unique<MetricsRegistry>());
    auto stage = ReadCacheStage::Create(
        config, routes(), &manual_clock_, absl::Seconds(30),
        registries_.back().get(), &bus_, absl::Seconds(1));
    EXPECT_TRUE(stage.ok()) << stage.status();
    return stage.ok() ? *std::move(stage) : nullptr;
  }

  const Route& Get() {
    return *routes().Find("/polytomic.v1.BulkSyncService/GetBulkSync");
  }
  const Route& Update() {
    return *routes().Find("/polytomic.v1.BulkSyncService/UpdateBulkSync");
  }

  testsupport::ManualClock manual_clock_{kNow};
  FakeBus bus_;
};

TEST_F(ReplicatedReadCacheStageTest, AWriteIsDoneOnceTheOtherReplicasAreTold) {
  auto stage = NewReplicatedStage();
  ASSERT_NE(stage, nullptr);
  bus_.reliability_(true);
  ASSERT_FALSE(Cached(*stage, Get(), kSync));
  bool done = false;
  stage->Written(*CallFor(Update(), kSync), [&done] { done = true; });
  // Dropped here at once; the caller waits for the others.
  EXPECT_FALSE(Cached(*stage, Get(), kSync));
  ASSERT_EQ(bus_.published.size(), 1u);
  EXPECT_EQ(bus_.published[0].first, "default");
  std::vector<std::string> paths;
  for (const auto& scope : bus_.published[0].second) {
    paths.push_back(scope.path);
  }
  EXPECT_THAT(paths,
              ::testing::Contains(absl::StrCat("/api/bulk/syncs/", kSync)));
  EXPECT_FALSE(done);
  std::move(bus_.pending[0])();
  EXPECT_TRUE(done);
}

TEST_F(ReplicatedReadCacheStageTest, AnotherReplicasWriteInvalidatesHere) {
  auto stage = NewReplicatedStage();
  ASSERT_NE(stage, nullptr);
  bus_.reliability_(true);
  ASSERT_FALSE(Cached(*stage, Get(), kSync));
  ASSERT_TRUE(Cached(*stage, Get(), kSync));
  bus_.apply_("default", {{absl::StrCat("/api/bulk/syncs/", kSync), false}});
  EXPECT_FALSE(Cached(*stage, Get(), kSync));
}

TEST_F(ReplicatedReadCacheStageTest, WhileTheBusIsDownAnswersAreKeptBriefly) {
  auto stage = NewReplicatedStage();
  ASSERT_NE(stage, nullptr);
  // Not up yet: the short TTL.
  ASSERT_FALSE(Cached(*stage, Get(), kSync));
  manual_clock_.Advance(absl::Seconds(2));
  EXPECT_FALSE(Cached(*stage, Get(), kSync)) << "kept past degraded_ttl";
  bus_.reliability_(true);  // up: the entry is dropped, the full TTL is back
  EXPECT_FALSE(Cached(*stage, Get(), kSync));
  manual_clock_.Advance(absl::Seconds(2));
  EXPECT_TRUE(Cached(*stage, Get(), kSync));
  bus_.reliability_(false);  // down: what is cached may be stale
  EXPECT_FALSE(Cached(*stage, Get(), kSync));
  manual_clock_.Advance(absl::Seconds(2));
  EXPECT_FALSE(Cached(*stage, Get(), kSync)) << "kept past degraded_ttl";
}

}  // namespace
}  // namespace gateway::server
