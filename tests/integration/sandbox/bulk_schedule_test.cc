// Bulk sync schedules (operations 25-29, camelCase on the wire) against an
// in-process sandbox over real HTTP.
#include <algorithm>
#include <string>
#include <vector>

#include "tests/integration/sandbox/bulk_fixture.h"

namespace sandbox_test {
namespace {

using Reply = testsupport::SandboxClient::Reply;

// Every key a BulkBulkSyncSchedule may carry (plus `id`).
const std::vector<std::string> kCamelKeys = {
    "id",        "syncId",    "isDefault",  "frequency", "minute",
    "hour",      "dayOfWeek", "dayOfMonth", "month",     "selectiveMode",
    "syncMode",  "schemas",   "createdAt",  "createdBy", "updatedAt",
    "updatedBy", "deletedAt", "deletedBy"};

void ExpectCamelCase(const Json& schedule) {
  for (const auto& [key, value] : schedule.items()) {
    EXPECT_NE(std::find(kCamelKeys.begin(), kCamelKeys.end(), key),
              kCamelKeys.end())
        << key << " in " << schedule;
  }
}

class SandboxScheduleTest : public BulkFixture {
 protected:
  void SetUp() override {
    BulkFixture::SetUp();
    Json body = BulkSyncBody();
    body["additional_schedules"] = {{{"frequency", "hourly"},
                                     {"minute", "10"},
                                     {"resync_mode", "refetch"},
                                     {"schemas", {"Contact"}},
                                     {"selective_mode", "incrementalFields"}}};
    sync_ = CreateBulkSync(body);
    id_ = sync_["id"];
  }
  std::string Path(const std::string& schedule = "") {
    return SyncPath(id_) + "/schedules" +
           (schedule.empty() ? "" : "/" + schedule);
  }
  Json Sync() { return client().Get(SyncPath(id_)).json["data"]; }

  Json sync_;
  std::string id_;
};

TEST_F(SandboxScheduleTest, ListHasTheDefaultFirstInCamelCase) {
  Reply r = client().Get(Path());
  ASSERT_EQ(r.status, 200) << r.body;
  Json list = r.json["data"];
  ASSERT_EQ(list.size(), 2u);
  Json d = list[0];
  ExpectCamelCase(d);
  EXPECT_EQ(d["id"], sync_["default_schedule"]["id"]);
  EXPECT_EQ(d["syncId"], id_);
  EXPECT_EQ(d["isDefault"], true);
  EXPECT_EQ(d["frequency"], "daily");
  EXPECT_EQ(d["hour"], "2");
  EXPECT_EQ(d["minute"], "30");
  EXPECT_EQ(d["selectiveMode"], "none");
  EXPECT_EQ(d["syncMode"], "normal");
  EXPECT_EQ(d["schemas"], Json::array());
  EXPECT_EQ(d["createdAt"], sync_["default_schedule"]["created_at"]);
  EXPECT_EQ(d["createdBy"], sync_["created_by"]["id"]);  // a string
  EXPECT_EQ(d["updatedBy"], sync_["created_by"]["id"]);

  Json a = list[1];
  ExpectCamelCase(a);
  EXPECT_EQ(a["id"], sync_["additional_schedules"][0]["id"]);
  EXPECT_EQ(a["isDefault"], false);
  EXPECT_EQ(a["frequency"], "hourly");
  EXPECT_EQ(a["selectiveMode"], "incrementalFields");
  EXPECT_EQ(a["syncMode"], "refetch");
  EXPECT_EQ(a["schemas"], (Json{"Contact"}));
  EXPECT_FALSE(a.contains("hour"));

  Reply one = client().Get(Path(a["id"]));
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.json["data"], a);
  EXPECT_EQ(client().Get(Path("missing")).status, 404);
  EXPECT_EQ(client().Get(SyncPath("missing") + "/schedules").status, 404);
  EXPECT_EQ(OtherOrgClient().Get(Path()).status, 404);
}

TEST_F(SandboxScheduleTest, CreateAddsAnAdditionalSchedule) {
  Reply r =
      client().Post(Path(), {{"schedule",
                              {{"frequency", "weekly"},
                               {"dayOfWeek", "friday"},
                               {"hour", "4"},
                               {"minute", "5"},
                               {"selectiveMode", "nonincrementalFields"}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json s = r.json["data"];
  ExpectCamelCase(s);
  EXPECT_EQ(s["isDefault"], false);
  EXPECT_EQ(s["dayOfWeek"], "friday");
  EXPECT_EQ(s["selectiveMode"], "nonincrementalFields");
  EXPECT_EQ(s["syncMode"], "normal");
  EXPECT_EQ(s["schemas"], Json::array());
  EXPECT_EQ(s["createdAt"], s["updatedAt"]);

  // The bulk sync shows it, snake_case, and was updated.
  Json sync = Sync();
  ASSERT_EQ(sync["additional_schedules"].size(), 2u);
  Json stored = sync["additional_schedules"][1];
  EXPECT_EQ(stored["id"], s["id"]);
  EXPECT_EQ(stored["day_of_week"], "friday");
  EXPECT_EQ(stored["selective_mode"], "nonincrementalFields");
  EXPECT_EQ(stored["resync_mode"], "normal");
  EXPECT_FALSE(stored.contains("dayOfWeek"));
  EXPECT_GT(sync["updated_at"].get<std::string>(),
            sync_["updated_at"].get<std::string>());
  // The other schedules are as they were.
  EXPECT_EQ(sync["additional_schedules"][0], sync_["additional_schedules"][0]);
  EXPECT_EQ(sync["default_schedule"], sync_["default_schedule"]);
  EXPECT_EQ(client().Get(Path()).json["data"].size(), 3u);
}

TEST_F(SandboxScheduleTest, CreateAndPutValidate) {
  Reply no_schedule = client().Post(Path(), Json::object());
  EXPECT_EQ(no_schedule.status, 400);
  EXPECT_TRUE(FieldsOf(no_schedule).contains("schedule"));
  Reply no_frequency = client().Post(Path(), {{"schedule", {{"hour", "1"}}}});
  EXPECT_EQ(no_frequency.status, 400);
  EXPECT_TRUE(FieldsOf(no_frequency).contains("schedule.frequency"));
  Reply range = client().Post(
      Path(),
      {{"schedule",
        {{"frequency", "daily"}, {"hour", "24"}, {"dayOfWeek", "funday"}}}});
  EXPECT_EQ(range.status, 400);
  EXPECT_TRUE(FieldsOf(range).contains("schedule.hour"));
  EXPECT_TRUE(FieldsOf(range).contains("schedule.dayOfWeek"));
  Reply mode = client().Post(
      Path(), {{"schedule", {{"frequency", "daily"}, {"selectiveMode", "x"}}}});
  EXPECT_EQ(mode.status, 400);
  EXPECT_EQ(client()
                .Post(SyncPath("missing") + "/schedules",
                      {{"schedule", {{"frequency", "daily"}}}})
                .status,
            404);
  const std::string additional = sync_["additional_schedules"][0]["id"];
  Reply put_range = client().Put(
      Path(additional),
      {{"schedule", {{"frequency", "daily"}, {"dayOfMonth", "32"}}}});
  EXPECT_EQ(put_range.status, 400);
  EXPECT_TRUE(FieldsOf(put_range).contains("schedule.dayOfMonth"));
  EXPECT_EQ(client()
                .Put(Path("missing"), {{"schedule", {{"frequency", "daily"}}}})
                .status,
            404);
  // Nothing changed.
  EXPECT_EQ(Sync()["additional_schedules"], sync_["additional_schedules"]);
}

TEST_F(SandboxScheduleTest, PutReplacesWritableFieldsAndKeepsTheRest) {
  Json before = sync_["additional_schedules"][0];
  Reply r =
      client().Put(Path(before["id"]),
                   {{"schedule", {{"frequency", "daily"}, {"hour", "6"}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  Json s = r.json["data"];
  EXPECT_EQ(s["id"], before["id"]);
  EXPECT_EQ(s["frequency"], "daily");
  EXPECT_EQ(s["hour"], "6");
  EXPECT_FALSE(s.contains("minute"));          // omitted: cleared
  EXPECT_EQ(s["selectiveMode"], "none");       // omitted: reset
  EXPECT_EQ(s["syncMode"], "refetch");         // not writable here: kept
  EXPECT_EQ(s["schemas"], (Json{"Contact"}));  // kept
  EXPECT_EQ(s["createdAt"], before["created_at"]);
  EXPECT_GT(s["updatedAt"].get<std::string>(),
            before["updated_at"].get<std::string>());

  Json stored = Sync()["additional_schedules"][0];
  EXPECT_EQ(stored["frequency"], "daily");
  EXPECT_EQ(stored["hour"], "6");
  EXPECT_FALSE(stored.contains("minute"));
  EXPECT_EQ(stored["selective_mode"], "none");
  EXPECT_EQ(stored["resync_mode"], "refetch");

  // The same content again does not move updatedAt.
  Reply same =
      client().Put(Path(before["id"]),
                   {{"schedule", {{"frequency", "daily"}, {"hour", "6"}}}});
  EXPECT_EQ(same.json["data"]["updatedAt"], s["updatedAt"]);
}

TEST_F(SandboxScheduleTest, PutOfTheDefaultSchedule) {
  const std::string id = sync_["default_schedule"]["id"];
  Reply selective = client().Put(
      Path(id),
      {{"schedule",
        {{"frequency", "hourly"}, {"selectiveMode", "incrementalFields"}}}});
  EXPECT_EQ(selective.status, 400);
  EXPECT_TRUE(FieldsOf(selective).contains("schedule.selectiveMode"));

  Reply r = client().Put(
      Path(id), {{"schedule", {{"frequency", "hourly"}, {"minute", "20"}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["data"]["isDefault"], true);
  EXPECT_FALSE(r.json["data"].contains("hour"));
  Json sync = Sync();
  EXPECT_EQ(sync["default_schedule"]["id"], id);
  EXPECT_EQ(sync["default_schedule"]["frequency"], "hourly");
  EXPECT_EQ(sync["default_schedule"]["minute"], "20");
  EXPECT_FALSE(sync["default_schedule"].contains("hour"));
  EXPECT_FALSE(sync["default_schedule"].contains("selective_mode"));
  EXPECT_EQ(sync["additional_schedules"], sync_["additional_schedules"]);
}

TEST_F(SandboxScheduleTest, DeleteRemovesAdditionalSchedulesOnly) {
  const std::string default_id = sync_["default_schedule"]["id"];
  Reply refused = client().Delete(Path(default_id));
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_TRUE(FieldsOf(refused).contains("schedule_id"));

  const std::string additional = sync_["additional_schedules"][0]["id"];
  Reply deleted = client().Delete(Path(additional));
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body, "");
  EXPECT_EQ(Sync()["additional_schedules"], Json::array());
  EXPECT_EQ(client().Get(Path(additional)).status, 404);
  EXPECT_EQ(client().Delete(Path(additional)).status, 404);
  Reply list = client().Get(Path());
  ASSERT_EQ(list.json["data"].size(), 1u);
  EXPECT_EQ(list.json["data"][0]["id"], default_id);
}

TEST_F(SandboxScheduleTest, BulkSyncPutAndSchedulesAgree) {
  // A schedule added through /schedules survives a bulk sync PUT that
  // carries it back, as the sync document lists it.
  Reply created =
      client().Post(Path(), {{"schedule", {{"frequency", "manual"}}}});
  ASSERT_EQ(created.status, 200);
  Json put = BulkSyncBody();
  put["default_schedule"] = {{"frequency", "daily"}};
  put["additional_schedules"] = Json::array(
      {{{"id", created.json["data"]["id"]}, {"frequency", "continuous"}}});
  ASSERT_EQ(client().Put(SyncPath(id_), put).status, 200);
  Reply list = client().Get(Path());
  ASSERT_EQ(list.json["data"].size(), 2u);
  EXPECT_EQ(list.json["data"][1]["id"], created.json["data"]["id"]);
  EXPECT_EQ(list.json["data"][1]["frequency"], "continuous");
  EXPECT_EQ(list.json["data"][0]["frequency"], "daily");
  EXPECT_FALSE(list.json["data"][0].contains("hour"));
}

TEST_F(SandboxScheduleTest, ExtensionFieldsFollowFullReplacement) {
  ASSERT_EQ(
      client().AddExtension("bulk_sync_schedule", "timezone", "UTC").status,
      200);
  Reply created = client().Post(
      Path(), {{"schedule", {{"frequency", "daily"}, {"timezone", "CET"}}}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.json["data"]["timezone"], "CET");
  EXPECT_EQ(Sync()["additional_schedules"][1]["timezone"], "CET");
  Reply put = client().Put(Path(created.json["data"]["id"]),
                           {{"schedule", {{"frequency", "daily"}}}});
  EXPECT_EQ(put.json["data"]["timezone"], "UTC");
  Reply bad = client().Post(
      Path(), {{"schedule", {{"frequency", "daily"}, {"timezone", 3}}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(FieldsOf(bad).contains("schedule.timezone"));
}

}  // namespace
}  // namespace sandbox_test
