// sandbox_fixture.h: a gtest fixture that starts an in-process sandbox on
// port 0 with two API keys (two organizations) and one organization-scoped
// key, plus connections of every catalog type in the first organization.
//
//   TEST_F(SandboxFixture, Something) {
//     auto r = client().Post("/api/bulk/syncs", BulkSyncBody());
//     EXPECT_EQ(r.status, 200);
//   }
//
// Thread safety: the fixture itself is used from the test thread; the client
// may be shared with helper threads (see sandbox_client.h).
#ifndef TESTS_INTEGRATION_SANDBOX_SANDBOX_FIXTURE_H_
#define TESTS_INTEGRATION_SANDBOX_SANDBOX_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/sandbox/sandbox.h"
#include "tests/support/sandbox_client.h"

namespace sandbox_test {

using Json = nlohmann::ordered_json;

inline constexpr char kKey[] = "sandbox-test-key-one";
inline constexpr char kOtherKey[] = "sandbox-test-key-two";
inline constexpr char kPartnerOrg[] = "7b1c9a52-3c64-4f1e-9a6c-2d3c8f4e5a10";
inline constexpr char kPartnerKey[] = "sandbox-partner-secret";

class SandboxFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox::Options options;
    options.api_keys = {kKey, kOtherKey};
    options.org_keys = {{kPartnerOrg, kPartnerKey}};
    auto started = sandbox::Sandbox::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    sandbox_ = std::move(*started);
    client_ = std::make_unique<testsupport::SandboxClient>(sandbox_->base_url(),
                                                           kKey);
    salesforce_ = AddConnection("Salesforce", "salesforce");
    postgres_ = AddConnection("Postgres", "postgresql");
    snowflake_ = AddConnection("Snowflake", "snowflake");
    s3_ = AddConnection("S3", "s3");
    linkedin_ = AddConnection("LinkedIn", "linkedinads");
  }

  testsupport::SandboxClient& client() { return *client_; }
  testsupport::SandboxClient OtherOrgClient() {
    return testsupport::SandboxClient(sandbox_->base_url(), kOtherKey);
  }
  static std::string BasicAuth(const std::string& org, const std::string& key) {
    return "Basic " + absl::Base64Escape(org + ":" + key);
  }

  std::string AddConnection(const std::string& name, const std::string& type,
                            const std::string& org = "") {
    auto r = client_->AddConnection(name, type, org);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json.value("id", "");
  }

  // BulkSyncBody is a minimal valid create body: Salesforce -> Snowflake.
  Json BulkSyncBody(const std::string& name = "Salesforce to Snowflake") {
    return Json{{"name", name},
                {"source_connection_id", salesforce_},
                {"destination_connection_id", snowflake_},
                {"destination_configuration", {{"schema", "raw"}}},
                {"default_schedule",
                 {{"frequency", "daily"}, {"hour", "2"}, {"minute", "30"}}}};
  }

  // CreateBulkSync creates and returns the data document.
  Json CreateBulkSync(const Json& body) {
    auto r = client_->Post("/api/bulk/syncs", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json.is_object() ? r.json["data"] : Json();
  }

  // FieldsOf returns metadata.fields of an ApiError.
  static Json FieldsOf(const testsupport::SandboxClient::Reply& r) {
    if (!r.json.is_object() || !r.json.contains("metadata")) return Json();
    return r.json["metadata"]["fields"];
  }

  std::unique_ptr<sandbox::Sandbox> sandbox_;
  std::unique_ptr<testsupport::SandboxClient> client_;
  std::string salesforce_, postgres_, snowflake_, s3_, linkedin_;
};

}  // namespace sandbox_test

#endif  // TESTS_INTEGRATION_SANDBOX_SANDBOX_FIXTURE_H_
