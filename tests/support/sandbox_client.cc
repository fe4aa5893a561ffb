#include "tests/support/sandbox_client.h"

#include <utility>

namespace testsupport {
namespace {

using Json = nlohmann::ordered_json;

// Held requests wait for the test to release them; give them room.
constexpr time_t kReadTimeoutSeconds = 60;

}  // namespace

std::string SandboxClient::Reply::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

SandboxClient::SandboxClient(std::string base_url, std::string api_key)
    : base_url_(std::move(base_url)), api_key_(std::move(api_key)) {}

SandboxClient::Reply SandboxClient::Send(const std::string& method,
                                         const std::string& path,
                                         const std::string& body,
                                         httplib::Headers headers, bool auth) {
  if (auth && headers.find("Authorization") == headers.end()) {
    headers.emplace("Authorization", "Bearer " + api_key_);
  }
  if (!body.empty() && headers.find("Content-Type") == headers.end()) {
    headers.emplace("Content-Type", "application/json");
  }
  httplib::Client client(base_url_);
  client.set_read_timeout(kReadTimeoutSeconds, 0);
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers = std::move(headers);
  req.body = body;
  httplib::Result result = client.send(req);
  Reply reply;
  if (!result) {
    reply.error = httplib::to_string(result.error());
    return reply;
  }
  reply.status = result->status;
  reply.body = result->body;
  reply.headers = result->headers;
  if (!reply.body.empty()) {
    Json parsed = Json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) reply.json = std::move(parsed);
  }
  return reply;
}

SandboxClient::Reply SandboxClient::Get(const std::string& path,
                                        const httplib::Headers& headers) {
  return Send("GET", path, "", headers, true);
}

SandboxClient::Reply SandboxClient::Post(const std::string& path,
                                         const Json& body,
                                         const httplib::Headers& headers) {
  return Send("POST", path, body.dump(), headers, true);
}

SandboxClient::Reply SandboxClient::Put(const std::string& path,
                                        const Json& body,
                                        const httplib::Headers& headers) {
  return Send("PUT", path, body.dump(), headers, true);
}

SandboxClient::Reply SandboxClient::Patch(const std::string& path,
                                          const Json& body,
                                          const httplib::Headers& headers) {
  return Send("PATCH", path, body.dump(), headers, true);
}

SandboxClient::Reply SandboxClient::Delete(const std::string& path,
                                           const httplib::Headers& headers) {
  return Send("DELETE", path, "", headers, true);
}

SandboxClient::Reply SandboxClient::Raw(const std::string& method,
                                        const std::string& path,
                                        const std::string& body,
                                        const httplib::Headers& headers) {
  return Send(method, path, body, headers, false);
}

SandboxClient::Reply SandboxClient::Reset() {
  return Send("POST", "/_sandbox/reset", "", {}, false);
}

Json SandboxClient::Seed() {
  return Send("POST", "/_sandbox/seed", "", {}, false).json;
}

SandboxClient::Reply SandboxClient::AddConnection(
    const std::string& name, const std::string& type,
    const std::string& organization_id) {
  Json body{{"name", name}, {"type", type}};
  if (!organization_id.empty()) body["organization_id"] = organization_id;
  return Send("POST", "/_sandbox/connections", body.dump(), {}, false);
}

Json SandboxClient::Requests(const std::string& operation) {
  std::string path = "/_sandbox/requests";
  if (!operation.empty()) path += "?operation=" + operation;
  Json requests = Send("GET", path, "", {}, false).json;
  return requests.is_object() ? requests["requests"] : Json::array();
}

SandboxClient::Reply SandboxClient::ClearRequests() {
  return Send("DELETE", "/_sandbox/requests", "", {}, false);
}

Json SandboxClient::Counters() {
  return Send("GET", "/_sandbox/counters", "", {}, false).json;
}

int SandboxClient::Counter(const std::string& operation) {
  Json counters = Counters();
  if (!counters.is_object() || !counters.contains(operation)) return 0;
  return counters[operation].get<int>();
}

std::string SandboxClient::AddFault(const Json& fault, Reply* error_out) {
  Reply reply = Send("POST", "/_sandbox/faults", fault.dump(), {}, false);
  if (reply.status == 200 && reply.json.contains("id")) {
    return reply.json["id"].get<std::string>();
  }
  if (error_out != nullptr) *error_out = reply;
  return "";
}

SandboxClient::Reply SandboxClient::ClearFaults() {
  return Send("DELETE", "/_sandbox/faults", "", {}, false);
}

bool SandboxClient::WaitHeld(const std::string& operation, int n,
                             int timeout_ms) {
  Reply reply = Send("GET",
                     "/_sandbox/held?operation=" + operation +
                         "&min=" + std::to_string(n) +
                         "&timeout_ms=" + std::to_string(timeout_ms),
                     "", {}, false);
  return reply.status == 200;
}

int SandboxClient::Release(const std::string& operation) {
  Json body = Json::object();
  if (!operation.empty()) body["operation"] = operation;
  Reply reply = Send("POST", "/_sandbox/release", body.dump(), {}, false);
  return reply.json.is_object() ? reply.json.value("released", 0) : 0;
}

SandboxClient::Reply SandboxClient::State(const std::string& kind,
                                          const std::string& id) {
  return Send("GET", "/_sandbox/state/" + kind + "/" + id, "", {}, false);
}

SandboxClient::Reply SandboxClient::AddExtension(const std::string& resource,
                                                 const std::string& field,
                                                 const Json& default_value) {
  Json body{
      {"resource", resource}, {"field", field}, {"default", default_value}};
  return Send("POST", "/_sandbox/extensions", body.dump(), {}, false);
}

}  // namespace testsupport
