#include "tests/sandbox/hooks.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/sandbox/body_parser.h"
#include "tests/sandbox/bulk_executions.h"
#include "tests/sandbox/extensions.h"
#include "tests/sandbox/pipeline.h"
#include "tests/sandbox/seed.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kDefaultHeldTimeoutMs = 10000;
constexpr int kMaxHeldTimeoutMs = 120000;

// DeepMerge copies `extra` into `doc`, recursing into objects both have.
void DeepMerge(Json& doc, const Json& extra) {
  if (!extra.is_object()) return;
  for (const auto& [key, value] : extra.items()) {
    if (value.is_object() && doc.contains(key) && doc[key].is_object()) {
      DeepMerge(doc[key], value);
    } else {
      doc[key] = value;
    }
  }
}

int IntParam(const HookCall& call, const char* name, int fallback) {
  auto it = call.query.find(name);
  int value = fallback;
  if (it == call.query.end() || !absl::SimpleAtoi(it->second, &value)) {
    return fallback;
  }
  return value;
}

std::string StringParam(const HookCall& call, const char* name) {
  auto it = call.query.find(name);
  return it == call.query.end() ? "" : it->second;
}

}  // namespace

Hooks::Hooks(Deps deps) : deps_(std::move(deps)) {
  Route("POST", "/_sandbox/reset", "reset", [this](HookCall& call) {
    {
      std::lock_guard<std::mutex> lock(call.world_mu);
      call.world.Clear();
    }
    deps_.idempotency.Clear();
    deps_.faults.Clear();
    deps_.log.Clear();
    return JsonReply(200, Json{{"reset", true}});
  });
  Route("POST", "/_sandbox/seed", "seed", [this](HookCall& call) {
    std::string org = deps_.default_organization;
    if (call.body.contains("organization_id") &&
        call.body["organization_id"].is_string()) {
      org = call.body["organization_id"].get<std::string>();
    }
    std::lock_guard<std::mutex> lock(call.world_mu);
    return JsonReply(200, SeedOrganization(call.world, call.env, org));
  });
  Route("POST", "/_sandbox/connections", "connections.add",
        [this](HookCall& call) {
          FieldErrors errors;
          std::lock_guard<std::mutex> lock(call.world_mu);
          Json c = AddConnection(call.world, call.env, call.body,
                                 deps_.default_organization, errors);
          if (!errors.empty()) return ValidationReply(400, errors);
          return JsonReply(200, c);
        });
  Route("GET", "/_sandbox/connections", "connections.list", [](HookCall& call) {
    std::lock_guard<std::mutex> lock(call.world_mu);
    Json list = Json::array();
    for (const auto& [id, c] : call.world.connections) {
      list.push_back(c.ToJson());
    }
    return JsonReply(200, Json{{"connections", std::move(list)}});
  });
  Route("GET", "/_sandbox/requests", "requests.get", [this](HookCall& call) {
    return JsonReply(200, deps_.log.Entries(StringParam(call, "operation")));
  });
  Route("DELETE", "/_sandbox/requests", "requests.clear", [this](HookCall&) {
    deps_.log.Clear();
    return JsonReply(200, Json{{"cleared", true}});
  });
  Route("GET", "/_sandbox/counters", "counters",
        [this](HookCall&) { return JsonReply(200, deps_.log.Counters()); });
  Route("POST", "/_sandbox/faults", "faults.add", [this](HookCall& call) {
    FieldErrors errors;
    // A respond fault's body is sent verbatim, so read it with its nulls.
    const Json spec = call.raw_body.empty()
                          ? call.body
                          : Json::parse(call.raw_body, nullptr, false);
    std::optional<std::string> id = deps_.faults.Add(spec, errors);
    if (!id.has_value()) return ValidationReply(400, errors);
    return JsonReply(200, Json{{"id", *id}});
  });
  Route("GET", "/_sandbox/faults", "faults.list", [this](HookCall&) {
    return JsonReply(200, Json{{"faults", deps_.faults.List()}});
  });
  Route("DELETE", "/_sandbox/faults", "faults.clear", [this](HookCall&) {
    deps_.faults.Clear();
    return JsonReply(200, Json{{"cleared", true}});
  });
  Route("GET", "/_sandbox/held", "held", [this](HookCall& call) {
    int min = IntParam(call, "min", 1);
    int timeout_ms = IntParam(call, "timeout_ms", kDefaultHeldTimeoutMs);
    if (timeout_ms < 0) timeout_ms = 0;
    if (timeout_ms > kMaxHeldTimeoutMs) timeout_ms = kMaxHeldTimeoutMs;
    int held = deps_.faults.WaitHeld(StringParam(call, "operation"), min,
                                     absl::Milliseconds(timeout_ms));
    if (held < min) {
      Json body =
          ErrorBody(408, "request_timeout",
                    absl::StrCat("only ", held, " of ", min,
                                 " requests held after ", timeout_ms, " ms"));
      body["held"] = held;
      return JsonReply(408, body);
    }
    return JsonReply(200, Json{{"held", held}});
  });
  Route("POST", "/_sandbox/release", "release", [this](HookCall& call) {
    std::string op;
    if (call.body.contains("operation") && call.body["operation"].is_string()) {
      op = call.body["operation"].get<std::string>();
    }
    return JsonReply(200, Json{{"released", deps_.faults.Release(op)}});
  });
  // Reserved: the executions round binds the real handler with Bind().
  Route("POST", "/_sandbox/executions/{id}/finish", "executions.finish",
        [](HookCall&) {
          return ErrorReply(501, "not_implemented",
                            "executions are not implemented by the sandbox "
                            "yet");
        });
  Route("GET", "/_sandbox/state/{kind}/{id}", "state", [](HookCall& call) {
    const std::string& kind = call.params["kind"];
    const std::string& id = call.params["id"];
    std::lock_guard<std::mutex> lock(call.world_mu);
    if (kind == "bulk_syncs") {
      auto it = call.world.bulk_syncs.find(id);
      if (it == call.world.bulk_syncs.end()) {
        return NotFoundReply("bulk sync", id);
      }
      SettleBulkExecutions(it->second, call.env);
      Json doc = it->second.doc;
      doc["schemas"] = it->second.schemas;
      doc["executions"] = it->second.executions;
      return JsonReply(200, doc);
    }
    if (kind == "model_syncs") {
      auto it = call.world.model_syncs.find(id);
      if (it == call.world.model_syncs.end()) {
        return NotFoundReply("model sync", id);
      }
      Json doc = it->second.doc;
      DeepMerge(doc, it->second.write_only);
      doc["executions"] = it->second.executions;
      return JsonReply(200, doc);
    }
    return ErrorReply(404, "not_found",
                      "unknown kind " + kind + " (bulk_syncs or model_syncs)");
  });
  Route("POST", "/_sandbox/extensions", "extensions.add", [](HookCall& call) {
    FieldErrors errors;
    std::lock_guard<std::mutex> lock(call.world_mu);
    Json ext = AddExtension(call.world, call.body, errors);
    if (!errors.empty()) return ValidationReply(400, errors);
    return JsonReply(200, ext);
  });
  Route("GET", "/_sandbox/extensions", "extensions.list", [](HookCall& call) {
    std::lock_guard<std::mutex> lock(call.world_mu);
    Json list = Json::array();
    for (const auto& [resource, fields] : call.world.extensions) {
      for (const ExtensionField& f : fields) {
        list.push_back(Json{{"resource", resource},
                            {"field", f.field},
                            {"default", f.default_value}});
      }
    }
    return JsonReply(200, Json{{"extensions", std::move(list)}});
  });
}

void Hooks::Route(const std::string& method, const std::string& path,
                  const std::string& name, HookHandler handler) {
  // Paths are fixed literals above; Add cannot fail for them.
  (void)router_.Add(method, path, name);
  handlers_[name] = std::move(handler);
}

void Hooks::Bind(const std::string& name, HookHandler handler) {
  auto it = handlers_.find(name);
  if (it != handlers_.end()) it->second = std::move(handler);
}

void Hooks::Handle(const httplib::Request& req, httplib::Response& res) {
  RouteMatch route = router_.Match(req.method, req.path);
  Reply reply;
  if (route.result == RouteMatch::Result::kNotFound) {
    reply = ErrorReply(404, "not_found", "no hook " + req.path);
  } else if (route.result == RouteMatch::Result::kMethodNotAllowed) {
    reply = ErrorReply(405, "method_not_allowed",
                       req.method + " is not allowed on " + req.path);
  } else {
    Json body;
    if (std::optional<Reply> error = BodyParser::ParseObject(req.body, &body)) {
      reply = *error;
    } else {
      HookCall call{route.params,    ParseQuery(req.target),
                    std::move(body), deps_.world_mu,
                    deps_.world,     deps_.env,
                    req.body};
      reply = handlers_.at(route.target)(call);
    }
  }
  WriteReply(reply, res);
  deps_.log.Emit(absl::StrCat(Clock::Format(deps_.env.clock.Now()), " ",
                              req.method, " ", req.path, " hook ",
                              reply.status));
}

}  // namespace sandbox
