// sandbox_client.h: a small JSON-over-HTTP client for tests that talk to the
// Polytomic sandbox (tests/sandbox) directly.
//
//   testsupport::SandboxClient client(sandbox->base_url(), "test-key");
//   auto created = client.Post("/api/bulk/syncs", body);
//   ASSERT_EQ(created.status, 200) << created.body;
//   std::string id = created.json["data"]["id"];
//   client.AddFault({{"operation", "bulkSync.get"}, {"kind", "status"},
//                    {"status", 503}});
//   EXPECT_EQ(client.Get("/api/bulk/syncs/" + id).status, 503);
//
// Every call opens its own connection, so one client may be used from
// several threads at once (a held request on one thread, hooks on another).
// API calls send `Authorization: Bearer <api_key>` (unless `headers` already
// has an Authorization header) and `Content-Type: application/json` with a
// body; Raw() sends exactly what it is given.
//
// Thread safety: all methods may be called concurrently.
#ifndef TESTS_SUPPORT_SANDBOX_CLIENT_H_
#define TESTS_SUPPORT_SANDBOX_CLIENT_H_

#include <string>

#include "httplib.h"
#include "nlohmann/json.hpp"

namespace testsupport {

class SandboxClient {
 public:
  // Reply is one HTTP exchange. `error` is non-empty when no complete HTTP
  // response arrived (connection dropped, refused, timed out); `status` is 0
  // then. `json` is the parsed body, or null when the body is empty or not
  // JSON.
  struct Reply {
    int status = 0;
    nlohmann::ordered_json json;
    std::string body;
    httplib::Headers headers;
    std::string error;

    bool transport_ok() const { return error.empty(); }
    std::string header(const std::string& name) const;
  };

  SandboxClient(std::string base_url, std::string api_key);

  // API calls, authenticated with the client's key.
  Reply Get(const std::string& path, const httplib::Headers& headers = {});
  Reply Post(const std::string& path, const nlohmann::ordered_json& body,
             const httplib::Headers& headers = {});
  Reply Put(const std::string& path, const nlohmann::ordered_json& body,
            const httplib::Headers& headers = {});
  Reply Patch(const std::string& path, const nlohmann::ordered_json& body,
              const httplib::Headers& headers = {});
  Reply Delete(const std::string& path, const httplib::Headers& headers = {});
  // Raw sends `method` with exactly `headers` and `body` (no auth added).
  Reply Raw(const std::string& method, const std::string& path,
            const std::string& body, const httplib::Headers& headers);

  // Hooks (no auth). Each returns the parsed JSON answer; they do not throw
  // and report failures through the returned Reply where one is returned.
  Reply Reset();
  nlohmann::ordered_json Seed();
  Reply AddConnection(const std::string& name, const std::string& type,
                      const std::string& organization_id = "");
  // Requests returns the "requests" array, filtered by operation unless
  // empty.
  nlohmann::ordered_json Requests(const std::string& operation = "");
  Reply ClearRequests();
  nlohmann::ordered_json Counters();
  // Counter returns the count of one operation (0 if it never ran).
  int Counter(const std::string& operation);
  // AddFault returns the fault id ("" and a failed Reply body in `error_out`
  // when rejected).
  std::string AddFault(const nlohmann::ordered_json& fault,
                       Reply* error_out = nullptr);
  Reply ClearFaults();
  // WaitHeld blocks until `n` requests of `operation` are held by a hold
  // fault; returns false on timeout.
  bool WaitHeld(const std::string& operation, int n, int timeout_ms = 10000);
  // Release releases held requests of `operation` ("" = all); returns how
  // many.
  int Release(const std::string& operation = "");
  Reply State(const std::string& kind, const std::string& id);
  Reply AddExtension(const std::string& resource, const std::string& field,
                     const nlohmann::ordered_json& default_value);

  const std::string& api_key() const { return api_key_; }

 private:
  Reply Send(const std::string& method, const std::string& path,
             const std::string& body, httplib::Headers headers, bool auth);

  std::string base_url_;
  std::string api_key_;
};

}  // namespace testsupport

#endif  // TESTS_SUPPORT_SANDBOX_CLIENT_H_
