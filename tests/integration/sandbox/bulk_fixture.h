// bulk_fixture.h: SandboxFixture plus helpers for bulk sync executions,
// schemas and schedules.
//
//   TEST_F(BulkFixture, Something) {
//     const std::string sync = CreateBulkSync(BulkSyncBody())["id"];
//     Json execution = StartExecution(sync);
//     EXPECT_EQ(Finish(execution["id"], {{"status", "completed"}}).status,
//               200);
//   }
//
// Thread safety: used from the test thread only.
#ifndef TESTS_INTEGRATION_SANDBOX_BULK_FIXTURE_H_
#define TESTS_INTEGRATION_SANDBOX_BULK_FIXTURE_H_

#include <string>
#include <vector>

#include "tests/integration/sandbox/sandbox_fixture.h"

namespace sandbox_test {

class BulkFixture : public SandboxFixture {
 protected:
  using Reply = testsupport::SandboxClient::Reply;

  static std::string SyncPath(const std::string& sync) {
    return "/api/bulk/syncs/" + sync;
  }

  // StartExecution starts an execution (expects 200) and returns its data.
  Json StartExecution(const std::string& sync,
                      const Json& body = Json::object()) {
    Reply r = client().Post(SyncPath(sync) + "/executions", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json.is_object() ? r.json["data"] : Json();
  }

  // Finish calls the finish hook for an execution.
  Reply Finish(const std::string& execution, const Json& body) {
    return client().Raw("POST", "/_sandbox/executions/" + execution + "/finish",
                        body.dump(), {{"Content-Type", "application/json"}});
  }

  // RunExecution starts an execution and finishes it with `status`;
  // returns its id.
  std::string RunExecution(const std::string& sync,
                           const std::string& status = "completed") {
    const std::string id = StartExecution(sync).value("id", "");
    Reply r = Finish(id, {{"status", status}});
    EXPECT_EQ(r.status, 200) << r.body;
    return id;
  }

  // Execution reads one execution (expects 200).
  Json Execution(const std::string& sync, const std::string& id) {
    Reply r = client().Get(SyncPath(sync) + "/executions/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json.is_object() ? r.json["data"] : Json();
  }

  // Ids returns the `id`s of a list of documents.
  static std::vector<std::string> Ids(const Json& list) {
    std::vector<std::string> ids;
    for (const Json& item : list) ids.push_back(item.value("id", ""));
    return ids;
  }
};

}  // namespace sandbox_test

#endif  // TESTS_INTEGRATION_SANDBOX_BULK_FIXTURE_H_
