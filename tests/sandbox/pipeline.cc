#include "tests/sandbox/pipeline.h"

#include <chrono>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

// A body that stops in the middle of a string: no JSON parser accepts it.
constexpr char kTruncatedBody[] = "{\"data\": {\"id\": \"";

bool IsMutating(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" ||
         method == "DELETE";
}

bool IsSecretHeader(const std::string& name) {
  std::string lower = absl::AsciiStrToLower(name);
  return absl::StrContains(lower, "authorization") ||
         absl::StrContains(lower, "cookie") ||
         absl::StrContains(lower, "api-key") ||
         absl::StrContains(lower, "secret");
}

// Bodies above this size are logged as a truncated string, so that the
// request log of a load test stays small.
constexpr size_t kMaxLoggedBytes = 64 * 1024;

// AsLogged returns JSON when `text` parses, else the text (null if empty).
Json AsLogged(const std::string& text) {
  if (text.empty()) return nullptr;
  if (text.size() > kMaxLoggedBytes) {
    return absl::StrCat(text.substr(0, kMaxLoggedBytes), "...[truncated, ",
                        text.size(), " bytes]");
  }
  if (ExceedsDepth(text, BodyParser::kMaxDepth)) return text;
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return text;
  return parsed;
}

Json LoggedQuery(const std::multimap<std::string, std::string>& params) {
  Json query = Json::object();
  for (const auto& [name, value] : params) {
    if (!query.contains(name)) {
      query[name] = value;
    } else if (query[name].is_array()) {
      query[name].push_back(value);
    } else {
      query[name] = Json::array({query[name], value});
    }
  }
  return query;
}

}  // namespace

// Outcome is what Handle learned about one request, for the log.
struct Pipeline::Outcome {
  std::string operation;        // empty: no route
  std::string organization_id;  // empty: not authenticated
  Reply reply;
  Json faults = Json::array();
  bool replayed = false;
  enum class Delivery {
    kNormal,
    kDrop,
    kMalformed
  } delivery = Delivery::kNormal;
  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();
};

Json LoggedHeaders(const httplib::Headers& headers) {
  Json out = Json::object();
  for (const auto& [name, value] : headers) {
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" ||
        name == "LOCAL_ADDR" || name == "LOCAL_PORT") {
      continue;
    }
    if (IsSecretHeader(name)) {
      size_t space = value.find(' ');
      out[name] = space == std::string::npos
                      ? std::string("[redacted]")
                      : value.substr(0, space) + " [redacted]";
    } else {
      out[name] = value;
    }
  }
  return out;
}

void WriteReply(const Reply& reply, httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  if (!reply.body.empty()) res.set_content(reply.body, reply.content_type);
}

Pipeline::Pipeline(Deps deps) : deps_(deps) {}

void Pipeline::Handle(const httplib::Request& req, httplib::Response& res) {
  Outcome outcome;
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  RouteMatch route = deps_.router.Match(method, req.path);
  if (route.result == RouteMatch::Result::kNotFound) {
    outcome.reply =
        ErrorReply(404, "not_found", "no route for " + method + " " + req.path);
    return Finish(req, res, outcome);
  }
  if (route.result == RouteMatch::Result::kMethodNotAllowed) {
    outcome.reply = ErrorReply(405, "method_not_allowed",
                               method + " is not allowed on " + req.path);
    outcome.reply.headers.emplace_back(
        "Allow", absl::StrJoin(route.allowed_methods, ", "));
    return Finish(req, res, outcome);
  }
  outcome.operation = route.target;
  deps_.log.Count(route.target);

  std::optional<Principal> principal =
      deps_.credentials.Authenticate(req.get_header_value("Authorization"));
  if (!principal.has_value()) {
    // The README fixes this body: status and message only.
    outcome.reply =
        JsonReply(401, Json{{"status", 401},
                            {"message", "missing or invalid API credentials"}});
    return Finish(req, res, outcome);
  }
  outcome.organization_id = principal->organization_id;

  if (req.has_header("X-Polytomic-Version") &&
      req.get_header_value("X-Polytomic-Version") != kApiVersion) {
    FieldErrors errors;
    errors.AddSyntax(
        "X-Polytomic-Version",
        std::string("is not supported; this API serves ") + kApiVersion);
    outcome.reply = ValidationReply(400, errors);
    return Finish(req, res, outcome);
  }

  std::string idempotency_key;
  std::optional<Reply> replay;
  if (IsMutating(method) && req.has_header("Idempotency-Key")) {
    const std::string key = req.get_header_value("Idempotency-Key");
    if (!IdempotencyStore::IsValidKey(key)) {
      FieldErrors errors;
      errors.AddSyntax("Idempotency-Key",
                       "must be 8 to 255 characters of A-Z, a-z, 0-9, - or _");
      outcome.reply = ValidationReply(400, errors);
      return Finish(req, res, outcome);
    }
    IdempotencyStore::Claim claim =
        deps_.idempotency.TryClaim(principal->organization_id, key);
    if (claim.result == IdempotencyStore::kInFlight) {
      outcome.reply = ErrorReply(
          409, "conflict",
          "a request with this Idempotency-Key is still in progress");
      return Finish(req, res, outcome);
    }
    if (claim.result == IdempotencyStore::kReplay) {
      replay = claim.reply;
    } else {
      idempotency_key = key;
    }
  }

  FaultPlan before = deps_.faults.Plan(route.target, FaultWhen::kBefore);
  for (const Json& f : before.applied) outcome.faults.push_back(f);
  ApplyDelays(before, route.target);
  if (before.terminal.has_value()) {
    if (!idempotency_key.empty()) {
      deps_.idempotency.Abandon(principal->organization_id, idempotency_key);
    }
    outcome.reply = FaultReply(*before.terminal, Reply{}, outcome);
    return Finish(req, res, outcome);
  }

  if (replay.has_value()) {
    outcome.reply = *replay;
    outcome.replayed = true;
  } else {
    outcome.reply = RunOperation(req, route, *principal);
    if (!idempotency_key.empty()) {
      deps_.idempotency.Complete(principal->organization_id, idempotency_key,
                                 outcome.reply);
    }
  }

  FaultPlan after = deps_.faults.Plan(route.target, FaultWhen::kAfter);
  for (const Json& f : after.applied) outcome.faults.push_back(f);
  ApplyDelays(after, route.target);
  if (after.terminal.has_value()) {
    outcome.reply = FaultReply(*after.terminal, outcome.reply, outcome);
  }
  Finish(req, res, outcome);
}

Reply Pipeline::RunOperation(const httplib::Request& req,
                             const RouteMatch& route,
                             const Principal& principal) {
  const OpHandler* handler = deps_.registry.Find(route.target);
  if (handler == nullptr) {
    return ErrorReply(501, "not_implemented",
                      route.target + " is not implemented by the sandbox yet");
  }
  // httplib enforces the limit on Content-Length bodies; chunked ones are
  // checked here.
  if (req.body.size() > kMaxBodyBytes) {
    return ErrorReply(413, "payload_too_large", "request body exceeds 1 MiB");
  }
  Json body;
  if (deps_.bodies.HasBody(route.target)) {
    if (std::optional<Reply> error =
            deps_.bodies.Parse(route.target, req.body, &body)) {
      return *error;
    }
  }
  Call call{route.target,    principal,   route.params, ParseQuery(req.target),
            std::move(body), deps_.world, deps_.env};
  std::lock_guard<std::mutex> lock(deps_.world_mu);
  return (*handler)(call);
}

void Pipeline::ApplyDelays(const FaultPlan& plan,
                           const std::string& operation) {
  if (plan.latency_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(plan.latency_ms));
  }
  for (int i = 0; i < plan.holds; ++i) deps_.faults.Hold(operation);
}

Reply Pipeline::FaultReply(const Fault& fault, const Reply& original,
                           Outcome& outcome) {
  if (fault.kind == "status" || fault.kind == "respond") {
    Reply reply = fault.kind == "status"
                      ? ErrorReply(fault.status, KeyForStatus(fault.status),
                                   "injected fault " + fault.id)
                      : JsonReply(fault.status, fault.body);
    if (!fault.retry_after.empty()) {
      reply.headers.emplace_back("Retry-After", fault.retry_after);
    }
    for (const auto& [name, value] : fault.headers) {
      if (absl::EqualsIgnoreCase(name, "Content-Type")) {
        reply.content_type = value;
      } else {
        reply.headers.emplace_back(name, value);
      }
    }
    return reply;
  }
  Reply reply;
  reply.status = 200;
  if (fault.kind == "drop") {
    outcome.delivery = Outcome::Delivery::kDrop;
    return reply;
  }
  outcome.delivery = Outcome::Delivery::kMalformed;
  reply.body = original.body.size() > 2
                   ? original.body.substr(0, original.body.size() / 2)
                   : kTruncatedBody;
  return reply;
}

void Pipeline::Finish(const httplib::Request& req, httplib::Response& res,
                      Outcome& outcome) {
  if (outcome.delivery == Outcome::Delivery::kDrop) {
    // Headers of a 200 that promise a body, then the provider fails, so
    // httplib closes the connection before any body byte.
    res.status = 200;
    res.set_content_provider(
        64, "application/json",
        [](size_t, size_t, httplib::DataSink&) { return false; });
  } else {
    WriteReply(outcome.reply, res);
  }

  const bool dropped = outcome.delivery == Outcome::Delivery::kDrop;
  Json entry;
  entry["operation"] =
      outcome.operation.empty() ? Json() : Json(outcome.operation);
  entry["method"] = req.method;
  entry["path"] = req.path;
  entry["query"] = LoggedQuery(ParseQuery(req.target));
  entry["headers"] = LoggedHeaders(req.headers);
  entry["body"] = AsLogged(req.body);
  entry["status"] = dropped ? 200 : outcome.reply.status;
  entry["response"] = dropped ? Json() : AsLogged(outcome.reply.body);
  entry["organization_id"] =
      outcome.organization_id.empty() ? Json() : Json(outcome.organization_id);
  entry["faults"] = outcome.faults;
  entry["replayed"] = outcome.replayed;
  deps_.log.Append(std::move(entry));

  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - outcome.start);
  std::string line = absl::StrCat(
      Clock::Format(deps_.env.clock.Now()), " ", req.method, " ", req.path, " ",
      outcome.operation.empty() ? "-" : outcome.operation, " ",
      dropped ? 200 : outcome.reply.status, " ", elapsed.count(), "ms");
  if (!outcome.organization_id.empty()) {
    absl::StrAppend(&line, " org=", outcome.organization_id);
  }
  for (const Json& f : outcome.faults) {
    absl::StrAppend(&line, " fault=", f["kind"].get<std::string>(), "/",
                    f["when"].get<std::string>());
  }
  if (outcome.replayed) absl::StrAppend(&line, " replayed");
  deps_.log.Emit(line);
}

void Pipeline::HandleTransportError(const httplib::Request& req,
                                    httplib::Response& res) {
  Outcome outcome;
  const int status = res.status;
  outcome.reply = status == 413 ? ErrorReply(413, "payload_too_large",
                                             "request body exceeds 1 MiB")
                                : ErrorReply(status, KeyForStatus(status),
                                             "the request could not be read");
  if (!absl::StartsWith(req.path, "/api/")) {
    WriteReply(outcome.reply, res);  // hooks are not part of the request log
    return;
  }
  {
    RouteMatch route =
        deps_.router.Match(req.method == "HEAD" ? "GET" : req.method, req.path);
    if (route.result == RouteMatch::Result::kFound) {
      outcome.operation = route.target;
      deps_.log.Count(route.target);
    }
  }
  Finish(req, res, outcome);
}

}  // namespace sandbox
