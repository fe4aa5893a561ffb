// conformance_scenario.h: a fixture whose scenario reaches every one of the
// 50 operations of the reference over real HTTP with realistic, fully
// populated requests (every optional member the reference allows somewhere),
// plus requests the sandbox must reject (401, 400, 404, 409, 422), so that a
// test can check everything the sandbox logged against the reference.
//
//   TEST_F(ConformanceScenario, Something) {
//     RunBulkScenario();
//     RunModelScenario();
//     RunRejectedRequests();
//     Json log = client().Requests();  // every exchange, in order
//   }
//
// Each step expects its status (a failed step is a test failure naming the
// request). The scenario sends only members the reference declares, so an
// accepted body that the checker flags is a fault of the scenario or of the
// reference, never an unknown field the sandbox happened to ignore.
//
// Thread safety: used from the test thread only.
#ifndef TESTS_INTEGRATION_SANDBOX_CONFORMANCE_SCENARIO_H_
#define TESTS_INTEGRATION_SANDBOX_CONFORMANCE_SCENARIO_H_

#include <string>

#include "tests/integration/sandbox/model_sync_fixture.h"

namespace sandbox_test {

class ConformanceScenario : public ModelSyncFixture {
 protected:
  using Reply = testsupport::SandboxClient::Reply;

  // SetUp starts the sandbox and seeds the sample data.
  void SetUp() override;

  // RunBulkScenario drives operations 1-29: connection helpers, two bulk
  // syncs (one created twice with the same Idempotency-Key), their schemas,
  // schedules, executions (finished through the hook), logs and statuses.
  void RunBulkScenario();
  // RunModelScenario drives operations 30-50: helpers, three model syncs
  // (runafter, custom and dbtcloud schedules, target.create), executions
  // finished through the hook, their logs, cancels and a delete.
  void RunModelScenario();
  // RunRejectedRequests sends requests the sandbox must refuse.
  void RunRejectedRequests();

  // Expect sends `method path` with the client's Bearer key (plus `headers`)
  // and `body` (none when null), and expects `status`.
  Reply Expect(int status, const std::string& method, const std::string& path,
               const Json& body = Json(), httplib::Headers headers = {});
  // ExpectRaw is Expect with exactly `headers` (no credential added).
  Reply ExpectRaw(int status, const std::string& method,
                  const std::string& path, const Json& body,
                  httplib::Headers headers);

  // FullBulkSyncBody is a Salesforce -> Snowflake create body with every
  // optional member of the reference.
  Json FullBulkSyncBody() const;
  // FullModelSyncBody is a model -> Salesforce Contact create body with
  // every optional member of the reference.
  Json FullModelSyncBody() const;

  Json seed_;
  std::string organization_;
  std::string seeded_bulk_sync_;   // has an additional refetch schedule
  std::string seeded_model_sync_;  // users -> Salesforce Contact
  std::string bulk_sync_;          // created by RunBulkScenario
  int sent_ = 0;                   // requests sent through Expect*
};

}  // namespace sandbox_test

#endif  // TESTS_INTEGRATION_SANDBOX_CONFORMANCE_SCENARIO_H_
