// Faults injected through /_sandbox/faults: every kind, count, fraction and
// `when: after`. Synchronisation uses hold faults and the held hook, never
// sleeps; latency is checked through the request log, not by timing.
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/sandbox/sandbox_fixture.h"

namespace sandbox_test {
namespace {

using SandboxFaultTest = SandboxFixture;
using Reply = testsupport::SandboxClient::Reply;

TEST_F(SandboxFaultTest, LatencyIsAppliedAndLogged) {
  ASSERT_NE(client().AddFault({{"operation", "bulkSync.list"},
                               {"kind", "latency"},
                               {"latency_ms", 20}}),
            "");
  EXPECT_EQ(client().Get("/api/bulk/syncs").status, 200);
  EXPECT_EQ(client().Get("/api/bulk/syncs").status, 200);
  Json log = client().Requests("bulkSync.list");
  ASSERT_EQ(log.size(), 2u);
  ASSERT_EQ(log[0]["faults"].size(), 1u);
  EXPECT_EQ(log[0]["faults"][0]["kind"], "latency");
  EXPECT_EQ(log[0]["faults"][0]["when"], "before");
  EXPECT_EQ(log[1]["faults"].size(), 0u);  // count defaults to 1
}

TEST_F(SandboxFaultTest, StatusFaultAnswersApiErrorWithRetryAfter) {
  client().AddFault({{"operation", "bulkSync.get"},
                     {"kind", "status"},
                     {"status", 503},
                     {"retry_after", "2"}});
  const std::string id = CreateBulkSync(BulkSyncBody())["id"];
  Reply faulted = client().Get("/api/bulk/syncs/" + id);
  EXPECT_EQ(faulted.status, 503);
  EXPECT_EQ(faulted.json["status"], 503);
  EXPECT_TRUE(faulted.json["message"].is_string());
  EXPECT_EQ(faulted.header("Retry-After"), "2");
  EXPECT_EQ(faulted.header("X-Polytomic-Version"), "2025-09-18");
  Reply next = client().Get("/api/bulk/syncs/" + id);
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.header("Retry-After"), "");
  // Other operations were never affected.
  EXPECT_EQ(client().Counter("bulkSync.get"), 2);
}

TEST_F(SandboxFaultTest, DropClosesTheConnectionBeforeTheBody) {
  client().AddFault({{"operation", "bulkSync.list"}, {"kind", "drop"}});
  Reply dropped = client().Get("/api/bulk/syncs");
  EXPECT_FALSE(dropped.transport_ok());
  EXPECT_EQ(dropped.status, 0);
  EXPECT_EQ(client().Get("/api/bulk/syncs").status, 200);
  Json log = client().Requests("bulkSync.list");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["faults"][0]["kind"], "drop");
}

TEST_F(SandboxFaultTest, MalformedAnswersTruncatedJson) {
  CreateBulkSync(BulkSyncBody());
  client().AddFault({{"operation", "bulkSync.list"},
                     {"kind", "malformed"},
                     {"when", "after"}});
  Reply r = client().Get("/api/bulk/syncs");
  EXPECT_TRUE(r.transport_ok()) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.body.empty());
  EXPECT_TRUE(r.json.is_null()) << r.body;  // does not parse

  client().AddFault({{"operation", "bulkSync.list"}, {"kind", "malformed"}});
  r = client().Get("/api/bulk/syncs");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.json.is_null()) << r.body;
}

TEST_F(SandboxFaultTest, HoldWaitsUntilReleased) {
  client().AddFault(
      {{"operation", "bulkSync.list"}, {"kind", "hold"}, {"count", 2}});
  std::vector<Reply> replies(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back(
        [&, i] { replies[i] = client().Get("/api/bulk/syncs"); });
  }
  ASSERT_TRUE(client().WaitHeld("bulkSync.list", 2));
  EXPECT_FALSE(client().WaitHeld("bulkSync.get", 1, 0));  // 408: none held
  EXPECT_EQ(client().Release("bulkSync.list"), 2);
  for (std::thread& t : threads) t.join();
  for (const Reply& r : replies) EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(client().Release(), 0);
  // The fault is used up: this request is not held.
  EXPECT_EQ(client().Get("/api/bulk/syncs").status, 200);
}

TEST_F(SandboxFaultTest, ClearingFaultsReleasesHeldRequests) {
  client().AddFault({{"operation", "*"}, {"kind", "hold"}});
  Reply held;
  std::thread t([&] { held = client().Get("/api/bulk/syncs"); });
  ASSERT_TRUE(client().WaitHeld("", 1));
  client().ClearFaults();
  t.join();
  EXPECT_EQ(held.status, 200);
}

TEST_F(SandboxFaultTest, CountLimitsApplicationsAndZeroIsUnlimited) {
  client().AddFault({{"operation", "bulkSync.list"},
                     {"kind", "status"},
                     {"status", 500},
                     {"count", 2}});
  std::vector<int> statuses;
  for (int i = 0; i < 3; ++i) {
    statuses.push_back(client().Get("/api/bulk/syncs").status);
  }
  EXPECT_EQ(statuses, (std::vector<int>{500, 500, 200}));

  client().AddFault(
      {{"operation", "*"}, {"kind", "status"}, {"status", 502}, {"count", 0}});
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(client().Get("/api/bulk/syncs").status, 502);
  }
  client().ClearFaults();
  EXPECT_EQ(client().Get("/api/bulk/syncs").status, 200);
}

TEST_F(SandboxFaultTest, FractionHitsADeterministicShare) {
  client().AddFault({{"operation", "bulkSync.list"},
                     {"kind", "status"},
                     {"status", 500},
                     {"count", 0},
                     {"fraction", 0.5}});
  std::vector<int> statuses;
  for (int i = 0; i < 6; ++i) {
    statuses.push_back(client().Get("/api/bulk/syncs").status);
  }
  EXPECT_EQ(statuses, (std::vector<int>{200, 500, 200, 500, 200, 500}));
  Json faults = client().Raw("GET", "/_sandbox/faults", "", {}).json;
  EXPECT_EQ(faults["faults"][0]["matched"], 6);
  EXPECT_EQ(faults["faults"][0]["applied"], 3);
}

TEST_F(SandboxFaultTest, AfterFaultCommitsTheMutation) {
  client().AddFault({{"operation", "bulkSync.create"},
                     {"kind", "status"},
                     {"status", 502},
                     {"when", "after"}});
  const httplib::Headers key = {{"Idempotency-Key", "lost-response-01"}};
  Reply lost = client().Post("/api/bulk/syncs", BulkSyncBody(), key);
  EXPECT_EQ(lost.status, 502);
  Reply list = client().Get("/api/bulk/syncs");
  ASSERT_EQ(list.json["data"].size(), 1u);  // committed
  // The retry with the same key gets the real outcome, not a second sync.
  Reply retry = client().Post("/api/bulk/syncs", BulkSyncBody(), key);
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.json["data"]["id"], list.json["data"][0]["id"]);
  EXPECT_EQ(client().Get("/api/bulk/syncs").json["data"].size(), 1u);
}

TEST_F(SandboxFaultTest, BeforeFaultDoesNotRunTheOperationOrKeepTheKey) {
  client().AddFault(
      {{"operation", "bulkSync.create"}, {"kind", "status"}, {"status", 503}});
  const httplib::Headers key = {{"Idempotency-Key", "never-ran-key-01"}};
  EXPECT_EQ(client().Post("/api/bulk/syncs", BulkSyncBody(), key).status, 503);
  EXPECT_EQ(client().Get("/api/bulk/syncs").json["data"].size(), 0u);
  Reply retry = client().Post("/api/bulk/syncs", BulkSyncBody(), key);
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(client().Get("/api/bulk/syncs").json["data"].size(), 1u);
}

TEST_F(SandboxFaultTest, InvalidFaultsAreRejected) {
  Reply error;
  EXPECT_EQ(client().AddFault(
                {{"operation", "bulkSync.get"}, {"kind", "explode"}}, &error),
            "");
  EXPECT_EQ(error.status, 400);
  EXPECT_TRUE(FieldsOf(error).contains("kind"));
  EXPECT_EQ(client().AddFault(
                {{"operation", "bulkSync.nope"}, {"kind", "drop"}}, &error),
            "");
  EXPECT_TRUE(FieldsOf(error).contains("operation"));
  EXPECT_EQ(
      client().AddFault({{"operation", "*"}, {"kind", "drop"}, {"fraction", 2}},
                        &error),
      "");
  EXPECT_TRUE(FieldsOf(error).contains("fraction"));
  EXPECT_EQ(
      client().AddFault({{"operation", "*"}, {"kind", "latency"}}, &error), "");
  EXPECT_TRUE(FieldsOf(error).contains("latency_ms"));
}

TEST_F(SandboxFaultTest, RespondSendsAnyJsonVerbatim) {
  const std::string id = CreateBulkSync(BulkSyncBody())["id"];
  // An upstream that answers a value the gateway does not know, with a
  // null it must tolerate.
  ASSERT_NE(client().AddFault(
                {{"operation", "bulkSync.get"},
                 {"kind", "respond"},
                 {"body", {{"data", {{"mode", "mirror"}, {"extra", nullptr}}}}},
                 {"headers", {{"X-Upstream", "odd"}}}}),
            "");
  Reply odd = client().Get("/api/bulk/syncs/" + id);
  EXPECT_EQ(odd.status, 200);
  EXPECT_EQ(odd.body, R"({"data":{"mode":"mirror","extra":null}})");
  EXPECT_EQ(odd.header("X-Upstream"), "odd");
  EXPECT_EQ(odd.header("X-Polytomic-Version"), "2025-09-18");
  EXPECT_EQ(client().Get("/api/bulk/syncs/" + id).json["data"]["mode"],
            "replicate");  // count 1: the next one is real

  // Any JSON value and any status; Content-Type may be replaced.
  client().AddFault({{"operation", "bulkSync.list"},
                     {"kind", "respond"},
                     {"status", 502},
                     {"body", "upstream exploded"},
                     {"headers", {{"Content-Type", "text/plain"}}}});
  Reply text = client().Get("/api/bulk/syncs");
  EXPECT_EQ(text.status, 502);
  EXPECT_EQ(text.body, R"("upstream exploded")");
  EXPECT_EQ(text.header("Content-Type"), "text/plain");

  // With `when: after` the operation ran and committed.
  client().AddFault({{"operation", "bulkSync.create"},
                     {"kind", "respond"},
                     {"when", "after"},
                     {"body", Json::array()}});
  Reply created = client().Post("/api/bulk/syncs", BulkSyncBody("second"));
  EXPECT_EQ(created.status, 200);
  EXPECT_EQ(created.body, "[]");
  EXPECT_EQ(client().Get("/api/bulk/syncs").json["data"].size(), 2u);
  Json log = client().Requests("bulkSync.create");
  ASSERT_EQ(log.size(), 2u);  // the first sync, then this one
  EXPECT_EQ(log[1]["faults"][0]["kind"], "respond");
  EXPECT_EQ(log[1]["response"], Json::array());

  Reply error;
  EXPECT_EQ(
      client().AddFault({{"operation", "*"}, {"kind", "respond"}}, &error), "");
  EXPECT_TRUE(FieldsOf(error).contains("body"));
  EXPECT_EQ(client().AddFault({{"operation", "*"},
                               {"kind", "respond"},
                               {"body", 1},
                               {"headers", {{"X-A", 1}}}},
                              &error),
            "");
  EXPECT_TRUE(FieldsOf(error).contains("headers.X-A"));
}

}  // namespace
}  // namespace sandbox_test
