// BulkSyncScheduleService through a real channel against the sandbox: each
// RPC's upstream call (camelCase on the wire), its response field by field,
// and what the sandbox holds afterwards, both under /schedules and in the
// bulk sync's `default_schedule` / `additional_schedules`.
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "polytomic/v1/bulk_sync_schedule.grpc.pb.h"
#include "tests/integration/gateway/gateway_fixture.h"

namespace gateway_test {
namespace {

using polytomic::v1::BulkSyncScheduleService;
namespace v1 = polytomic::v1;

class BulkSyncScheduleRpcTest : public GatewayTest {
 protected:
  void SetUp() override {
    GatewayTest::SetUp();
    if (harness_ != nullptr) stub_ = Stub<BulkSyncScheduleService>();
  }

  static std::string SchedulesPath(const std::string& sync_id) {
    return "/api/bulk/syncs/" + sync_id + "/schedules";
  }

  // HeldSync is the bulk sync document the sandbox serves.
  Json HeldSync(const std::string& sync_id) {
    auto held = upstream().Get("/api/bulk/syncs/" + sync_id);
    EXPECT_EQ(held.status, 200) << held.body;
    return held.json["data"];
  }

  // WeeklyScheduleId is the id of the seeded weekly refetch schedule of
  // seeded bulk sync 1 (its only additional schedule).
  std::string WeeklyScheduleId() {
    Json sync = HeldSync(SeededBulkSync(1));
    EXPECT_EQ(sync["additional_schedules"].size(), 1u);
    return sync["additional_schedules"][0].value("id", "");
  }

  std::unique_ptr<BulkSyncScheduleService::Stub> stub_;
};

TEST_F(BulkSyncScheduleRpcTest, ListBulkSyncSchedules) {
  std::string id = SeededBulkSync(1);
  Json sync = HeldSync(id);
  grpc::ClientContext context;
  v1::ListBulkSyncSchedulesRequest request;
  request.set_sync_id(id);
  v1::ListBulkSyncSchedulesResponse response;
  ASSERT_GRPC_OK(stub_->ListBulkSyncSchedules(&context, request, &response));
  ExpectForwarded("bulkSync.schedules.list", "GET", SchedulesPath(id),
                  response);
  EXPECT_TRUE(FullyTyped(response));
  ASSERT_EQ(response.data_size(), 2);
  // The default schedule first, then the additional weekly refetch.
  const v1::BulkSyncSchedule& first = response.data(0);
  EXPECT_EQ(first.id(), sync["default_schedule"]["id"]);
  EXPECT_EQ(first.sync_id(), id);
  EXPECT_TRUE(first.is_default());
  EXPECT_EQ(first.frequency(), v1::SCHEDULE_FREQUENCY_HOURLY);
  EXPECT_EQ(first.minute(), "0");
  EXPECT_EQ(first.sync_mode(), v1::BULK_SCHEDULE_SYNC_MODE_NORMAL);
  EXPECT_EQ(first.selective_mode(), v1::BULK_SELECTIVE_MODE_NONE);
  EXPECT_TRUE(first.has_created_at());
  EXPECT_FALSE(first.created_by().empty());
  const v1::BulkSyncSchedule& weekly = response.data(1);
  EXPECT_EQ(weekly.id(), sync["additional_schedules"][0]["id"]);
  EXPECT_TRUE(weekly.has_is_default());
  EXPECT_FALSE(weekly.is_default());
  EXPECT_EQ(weekly.frequency(), v1::SCHEDULE_FREQUENCY_WEEKLY);
  EXPECT_EQ(weekly.day_of_week(), "sunday");
  EXPECT_EQ(weekly.hour(), "3");
  EXPECT_EQ(weekly.sync_mode(), v1::BULK_SCHEDULE_SYNC_MODE_REFETCH);
  EXPECT_TRUE(weekly.has_updated_at());
}

TEST_F(BulkSyncScheduleRpcTest, CreateBulkSyncScheduleSendsOnlyWritableFields) {
  std::string id = SeededBulkSync(0);
  size_t before = HeldSync(id)["additional_schedules"].size();
  grpc::ClientContext context;
  v1::CreateBulkSyncScheduleRequest request;
  request.set_sync_id(id);
  request.set_idempotency_key("create-schedule-0001");
  v1::BulkSyncSchedule* schedule = request.mutable_schedule();
  schedule->set_frequency(v1::SCHEDULE_FREQUENCY_DAILY);
  schedule->set_hour("6");
  schedule->set_minute("45");
  schedule->set_day_of_week("");  // explicit empty value: sent
  schedule->set_selective_mode(v1::BULK_SELECTIVE_MODE_INCREMENTAL_FIELDS);
  // Output-only fields: never sent.
  schedule->set_id("0b0b0b0b-0000-4000-8000-000000000001");
  schedule->set_sync_id(id);
  schedule->set_sync_mode(v1::BULK_SCHEDULE_SYNC_MODE_RESYNC);
  schedule->add_schemas("Account");
  schedule->set_is_default(true);
  schedule->set_created_by("someone");
  ASSERT_TRUE(google::protobuf::util::TimeUtil::FromString(
      "2020-01-01T00:00:00Z", schedule->mutable_created_at()));
  v1::CreateBulkSyncScheduleResponse response;
  ASSERT_GRPC_OK(stub_->CreateBulkSyncSchedule(&context, request, &response));
  Json exchange = ExpectForwarded("bulkSync.schedules.create", "POST",
                                  SchedulesPath(id), response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "create-schedule-0001");
  EXPECT_TRUE(SameJson(exchange["body"], Json::parse(R"({"schedule": {
      "frequency": "daily", "minute": "45", "hour": "6", "dayOfWeek": "",
      "selectiveMode": "incrementalFields"}})")));
  EXPECT_TRUE(FullyTyped(response));
  const v1::BulkSyncSchedule& created = response.data();
  EXPECT_FALSE(created.id().empty());
  EXPECT_NE(created.id(), "0b0b0b0b-0000-4000-8000-000000000001");
  EXPECT_EQ(created.sync_id(), id);
  EXPECT_FALSE(created.is_default());
  EXPECT_EQ(created.frequency(), v1::SCHEDULE_FREQUENCY_DAILY);
  EXPECT_EQ(created.selective_mode(),
            v1::BULK_SELECTIVE_MODE_INCREMENTAL_FIELDS);
  EXPECT_EQ(created.sync_mode(), v1::BULK_SCHEDULE_SYNC_MODE_NORMAL);
  EXPECT_EQ(created.schemas_size(), 0);

  // The sandbox holds it, under /schedules and on the sync.
  auto held = upstream().Get(SchedulesPath(id) + "/" + created.id());
  ASSERT_EQ(held.status, 200) << held.body;
  EXPECT_TRUE(testsupport::MatchesUpstreamJson(created, held.json["data"]));
  Json sync = HeldSync(id);
  ASSERT_EQ(sync["additional_schedules"].size(), before + 1);
  const Json& stored = sync["additional_schedules"].back();
  EXPECT_EQ(stored["id"], created.id());
  EXPECT_EQ(stored["frequency"], "daily");
  EXPECT_EQ(stored["hour"], "6");
  EXPECT_EQ(stored["minute"], "45");
  EXPECT_EQ(stored["selective_mode"], "incrementalFields");
}

TEST_F(BulkSyncScheduleRpcTest, GetBulkSyncSchedule) {
  std::string id = SeededBulkSync(1);
  std::string schedule_id = WeeklyScheduleId();
  grpc::ClientContext context;
  v1::GetBulkSyncScheduleRequest request;
  request.set_sync_id(id);
  request.set_schedule_id(schedule_id);
  v1::GetBulkSyncScheduleResponse response;
  ASSERT_GRPC_OK(stub_->GetBulkSyncSchedule(&context, request, &response));
  ExpectForwarded("bulkSync.schedules.get", "GET",
                  SchedulesPath(id) + "/" + schedule_id, response);
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(response.data().id(), schedule_id);
  EXPECT_EQ(response.data().frequency(), v1::SCHEDULE_FREQUENCY_WEEKLY);
  EXPECT_EQ(response.data().day_of_week(), "sunday");
  EXPECT_EQ(response.data().hour(), "3");
  EXPECT_EQ(response.data().minute(), "0");
  EXPECT_EQ(response.data().sync_mode(), v1::BULK_SCHEDULE_SYNC_MODE_REFETCH);
}

TEST_F(BulkSyncScheduleRpcTest, UpdateBulkSyncScheduleReplacesTheSchedule) {
  std::string id = SeededBulkSync(1);
  std::string schedule_id = WeeklyScheduleId();
  grpc::ClientContext context;
  v1::UpdateBulkSyncScheduleRequest request;
  // "*": a full replacement, the REST PUT's own semantics.
  request.mutable_update_mask()->add_paths("*");
  request.set_sync_id(id);
  request.set_schedule_id(schedule_id);
  request.set_idempotency_key("update-schedule-0001");
  v1::BulkSyncSchedule* schedule = request.mutable_schedule();
  schedule->set_frequency(v1::SCHEDULE_FREQUENCY_WEEKLY);
  schedule->set_day_of_week("friday");
  schedule->set_hour("4");
  schedule->set_minute("10");
  schedule->set_sync_mode(v1::BULK_SCHEDULE_SYNC_MODE_REBUILD);  // output-only
  v1::UpdateBulkSyncScheduleResponse response;
  ASSERT_GRPC_OK(stub_->UpdateBulkSyncSchedule(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.schedules.update", "PUT",
                      SchedulesPath(id) + "/" + schedule_id, response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "update-schedule-0001");
  EXPECT_TRUE(SameJson(exchange["body"], Json::parse(R"({"schedule": {
      "frequency": "weekly", "minute": "10", "hour": "4", "dayOfWeek": "friday"}})")));
  EXPECT_TRUE(FullyTyped(response));
  EXPECT_EQ(response.data().id(), schedule_id);
  EXPECT_EQ(response.data().day_of_week(), "friday");
  // syncMode is not writable here: the refetch stays.
  EXPECT_EQ(response.data().sync_mode(), v1::BULK_SCHEDULE_SYNC_MODE_REFETCH);

  auto held = upstream().Get(SchedulesPath(id) + "/" + schedule_id);
  ASSERT_EQ(held.status, 200);
  EXPECT_TRUE(
      testsupport::MatchesUpstreamJson(response.data(), held.json["data"]));
  Json sync = HeldSync(id);
  ASSERT_EQ(sync["additional_schedules"].size(), 1u);
  const Json& stored = sync["additional_schedules"][0];
  EXPECT_EQ(stored["id"], schedule_id);
  EXPECT_EQ(stored["frequency"], "weekly");
  EXPECT_EQ(stored["day_of_week"], "friday");
  EXPECT_EQ(stored["hour"], "4");
  EXPECT_EQ(stored["minute"], "10");
  EXPECT_EQ(stored["resync_mode"], "refetch");
}

TEST_F(BulkSyncScheduleRpcTest, UpdateTheDefaultSchedule) {
  std::string id = SeededBulkSync(0);
  std::string schedule_id = HeldSync(id)["default_schedule"]["id"];
  grpc::ClientContext context;
  v1::UpdateBulkSyncScheduleRequest request;
  // "*": a full replacement, the REST PUT's own semantics.
  request.mutable_update_mask()->add_paths("*");
  request.set_sync_id(id);
  request.set_schedule_id(schedule_id);
  request.mutable_schedule()->set_frequency(v1::SCHEDULE_FREQUENCY_MANUAL);
  v1::UpdateBulkSyncScheduleResponse response;
  ASSERT_GRPC_OK(stub_->UpdateBulkSyncSchedule(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.schedules.update", "PUT",
                      SchedulesPath(id) + "/" + schedule_id, response);
  EXPECT_TRUE(
      SameJson(exchange["body"],
               Json::parse(R"({"schedule": {"frequency": "manual"}})")));
  EXPECT_TRUE(response.data().is_default());
  EXPECT_EQ(response.data().frequency(), v1::SCHEDULE_FREQUENCY_MANUAL);
  EXPECT_FALSE(response.data().has_hour());
  // A full replacement: the daily 02:30 is gone from the sync too.
  Json stored = HeldSync(id)["default_schedule"];
  EXPECT_EQ(stored["id"], schedule_id);
  EXPECT_EQ(stored["frequency"], "manual");
  EXPECT_FALSE(stored.contains("hour")) << stored.dump();
  EXPECT_FALSE(stored.contains("minute")) << stored.dump();
}

TEST_F(BulkSyncScheduleRpcTest, DeleteBulkSyncSchedule) {
  std::string id = SeededBulkSync(1);
  std::string schedule_id = WeeklyScheduleId();
  grpc::ClientContext context;
  v1::DeleteBulkSyncScheduleRequest request;
  request.set_sync_id(id);
  request.set_schedule_id(schedule_id);
  request.set_idempotency_key("delete-schedule-0001");
  v1::DeleteBulkSyncScheduleResponse response;
  ASSERT_GRPC_OK(stub_->DeleteBulkSyncSchedule(&context, request, &response));
  Json exchange =
      ExpectForwarded("bulkSync.schedules.delete", "DELETE",
                      SchedulesPath(id) + "/" + schedule_id, response);
  EXPECT_EQ(exchange["headers"]["Idempotency-Key"], "delete-schedule-0001");
  EXPECT_EQ(response.ByteSizeLong(), 0u);
  EXPECT_EQ(upstream().Get(SchedulesPath(id) + "/" + schedule_id).status, 404);
  EXPECT_TRUE(HeldSync(id)["additional_schedules"].empty());
  auto list = upstream().Get(SchedulesPath(id));
  ASSERT_EQ(list.json["data"].size(), 1u);
  EXPECT_EQ(list.json["data"][0]["isDefault"], true);
}

}  // namespace
}  // namespace gateway_test
