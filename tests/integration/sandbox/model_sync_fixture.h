// model_sync_fixture.h: SandboxFixture plus helpers for the model-sync
// tests: a valid create body, create/start/finish shortcuts and query
// encoding.
//
//   TEST_F(ModelSyncFixture, Something) {
//     Json sync = CreateModelSync(ModelSyncBody());
//     Activate(sync["id"], true);
//     std::string execution = Start(sync["id"]);
//     EXPECT_EQ(Finish(execution, {{"status", "completed"}}).status, 200);
//   }
//
// Thread safety: as SandboxFixture.
#ifndef TESTS_INTEGRATION_SANDBOX_MODEL_SYNC_FIXTURE_H_
#define TESTS_INTEGRATION_SANDBOX_MODEL_SYNC_FIXTURE_H_

#include <cctype>
#include <cstdio>
#include <string>

#include "tests/integration/sandbox/sandbox_fixture.h"

namespace sandbox_test {

class ModelSyncFixture : public SandboxFixture {
 protected:
  static constexpr char kModel[] = "8d0a6c1e-4b3f-4c2a-9f1e-0a1b2c3d4e5f";

  static Json Source(const std::string& field,
                     const std::string& model = kModel) {
    return Json{{"model_id", model}, {"field", field}};
  }

  // ModelSyncBody is a minimal valid create body: a model -> Salesforce
  // Contact, updateOrCreate matched on Email.
  Json ModelSyncBody(const std::string& name = "Users to contacts") {
    return Json{
        {"name", name},
        {"mode", "updateOrCreate"},
        {"target", {{"connection_id", salesforce_}, {"object", "Contact"}}},
        {"fields",
         Json::array(
             {{{"source", Source("first_name")}, {"target", "FirstName"}},
              {{"source", Source("last_name")}, {"target", "LastName"}}})},
        {"identity",
         {{"source", Source("email")},
          {"target", "Email"},
          {"function", "Equality"}}},
        {"schedule",
         {{"frequency", "daily"}, {"hour", "4"}, {"minute", "30"}}}};
  }

  // AudienceBody creates a LinkedIn contact audience through target.create.
  Json AudienceBody(const std::string& name = "Trial users") {
    return Json{
        {"name", name + " audience"},
        {"mode", "append"},
        {"target",
         {{"connection_id", linkedin_},
          {"create",
           {{"account", "urn:li:sponsoredAccount:507404993"},
            {"audience_type", "contact"},
            {"name", name}}}}},
        {"fields",
         Json::array({{{"source", Source("email")}, {"target", "email"}}})},
        {"schedule", {{"frequency", "manual"}}}};
  }

  Json CreateModelSync(const Json& body) {
    auto r = client().Post("/api/syncs", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json.is_object() ? r.json["data"] : Json();
  }

  void Activate(const std::string& id, bool active) {
    auto r = client().Post("/api/syncs/" + id + "/activate",
                           Json{{"active", active}});
    EXPECT_EQ(r.status, 200) << r.body;
  }

  // Start starts an execution and returns its id ("" on failure).
  std::string Start(const std::string& id, const Json& body = Json::object()) {
    auto r = client().Post("/api/syncs/" + id + "/executions", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json.is_object() ? r.json["data"].value("id", "") : "";
  }

  testsupport::SandboxClient::Reply Finish(const std::string& execution_id,
                                           const Json& body) {
    return client().Raw("POST",
                        "/_sandbox/executions/" + execution_id + "/finish",
                        body.dump(), {{"Content-Type", "application/json"}});
  }

  std::string ExecutionPath(const std::string& sync_id,
                            const std::string& execution_id) {
    return "/api/syncs/" + sync_id + "/executions/" + execution_id;
  }

  // UrlEncode percent-encodes a query parameter value.
  static std::string UrlEncode(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof(buf), "%%%02X", c);
        out += buf;
      }
    }
    return out;
  }
};

}  // namespace sandbox_test

#endif  // TESTS_INTEGRATION_SANDBOX_MODEL_SYNC_FIXTURE_H_
