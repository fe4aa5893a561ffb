#include "tests/sandbox/fault_injector.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"

namespace sandbox {
namespace {

using Json = nlohmann::ordered_json;

bool IsTerminal(const std::string& kind) {
  return kind == "status" || kind == "respond" || kind == "drop" ||
         kind == "malformed";
}

// Selected decides whether the n-th matching request (1-based) is hit.
bool Selected(int64_t n, double fraction) {
  if (fraction >= 1.0) return true;
  return std::floor(static_cast<double>(n) * fraction) >
         std::floor(static_cast<double>(n - 1) * fraction);
}

bool ReadInt(const Json& spec, const char* name, int64_t min, int64_t max,
             int64_t& out, FieldErrors& errors) {
  if (!spec.contains(name)) return false;
  const Json& v = spec[name];
  if (!v.is_number_integer() || v.get<int64_t>() < min ||
      v.get<int64_t>() > max) {
    errors.AddSyntax(
        name, absl::StrCat("must be an integer between ", min, " and ", max));
    return false;
  }
  out = v.get<int64_t>();
  return true;
}

}  // namespace

Json Fault::ToJson() const {
  Json j;
  j["id"] = id;
  j["operation"] = operation;
  j["kind"] = kind;
  j["when"] = when == FaultWhen::kBefore ? "before" : "after";
  if (kind == "status" || kind == "respond") j["status"] = status;
  if (kind == "respond") {
    j["body"] = body;
    if (!headers.empty()) {
      j["headers"] = Json::object();
      for (const auto& [name, value] : headers) j["headers"][name] = value;
    }
  }
  if (!retry_after.empty()) j["retry_after"] = retry_after;
  if (kind == "latency") j["latency_ms"] = latency_ms;
  j["count"] = count;
  j["fraction"] = fraction;
  j["matched"] = matched;
  j["applied"] = applied;
  return j;
}

FaultInjector::FaultInjector(std::set<std::string> known_operations)
    : known_operations_(std::move(known_operations)) {}

std::optional<std::string> FaultInjector::Add(const Json& spec,
                                              FieldErrors& errors) {
  Fault f;
  if (!spec.is_object()) {
    errors.AddSyntax("body", "must be a JSON object");
    return std::nullopt;
  }
  if (!spec.contains("operation") || !spec["operation"].is_string()) {
    errors.AddSyntax("operation", "is required (an operationId or \"*\")");
  } else {
    f.operation = spec["operation"].get<std::string>();
    if (f.operation != "*" && known_operations_.count(f.operation) == 0) {
      errors.AddSyntax("operation", "is not an operationId of the reference");
    }
  }
  if (!spec.contains("kind") || !spec["kind"].is_string()) {
    errors.AddSyntax("kind", "is required");
  } else {
    f.kind = spec["kind"].get<std::string>();
    if (f.kind != "latency" && f.kind != "hold" && !IsTerminal(f.kind)) {
      errors.AddSyntax(
          "kind",
          "must be one of latency, status, respond, drop, malformed, hold");
    }
  }
  if (spec.contains("when")) {
    const Json& w = spec["when"];
    if (w == "before") {
      f.when = FaultWhen::kBefore;
    } else if (w == "after") {
      f.when = FaultWhen::kAfter;
    } else {
      errors.AddSyntax("when", "must be \"before\" or \"after\"");
    }
  }
  // A `respond` fault stands for an upstream that answers unexpectedly,
  // most often with a 200.
  int64_t status = f.kind == "respond" ? 200 : 500;
  ReadInt(spec, "status", 100, 599, status, errors);
  f.status = static_cast<int>(status);
  if (f.kind == "respond") {
    if (!spec.contains("body")) {
      errors.AddSyntax("body", "is required for a respond fault (any JSON)");
    } else {
      f.body = spec["body"];
    }
  }
  if (spec.contains("headers")) {
    const Json& h = spec["headers"];
    if (!h.is_object()) {
      errors.AddSyntax("headers", "must be an object of strings");
    } else {
      for (const auto& [name, value] : h.items()) {
        if (!value.is_string() || name.empty()) {
          errors.AddSyntax("headers." + name, "must be a string");
        } else {
          f.headers.emplace_back(name, value.get<std::string>());
        }
      }
    }
  }
  if (spec.contains("retry_after")) {
    const Json& r = spec["retry_after"];
    if (r.is_string()) {
      f.retry_after = r.get<std::string>();
    } else if (r.is_number_integer()) {
      f.retry_after = std::to_string(r.get<int64_t>());
    } else {
      errors.AddSyntax("retry_after", "must be a string or an integer");
    }
  }
  ReadInt(spec, "count", 0, INT64_MAX, f.count, errors);
  if (spec.contains("fraction")) {
    const Json& fr = spec["fraction"];
    if (!fr.is_number() || fr.get<double>() <= 0.0 || fr.get<double>() > 1.0) {
      errors.AddSyntax("fraction", "must be a number in (0, 1]");
    } else {
      f.fraction = fr.get<double>();
    }
  }
  bool has_latency =
      ReadInt(spec, "latency_ms", 0, 600000, f.latency_ms, errors);
  if (f.kind == "latency" && !has_latency && !spec.contains("latency_ms")) {
    errors.AddSyntax("latency_ms", "is required for a latency fault");
  }
  if (!errors.empty()) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  f.id = absl::StrCat("fault-", next_id_++);
  faults_.push_back(f);
  return f.id;
}

void FaultInjector::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
  for (Ticket& t : held_) t.released = true;
  cv_.notify_all();
}

Json FaultInjector::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  Json list = Json::array();
  for (const Fault& f : faults_) list.push_back(f.ToJson());
  return list;
}

FaultPlan FaultInjector::Plan(const std::string& operation, FaultWhen when) {
  FaultPlan plan;
  std::lock_guard<std::mutex> lock(mu_);
  for (Fault& f : faults_) {
    if (f.when != when) continue;
    if (f.operation != "*" && f.operation != operation) continue;
    if (f.count != 0 && f.applied >= f.count) continue;
    bool terminal = IsTerminal(f.kind);
    if (terminal && plan.terminal.has_value()) continue;
    ++f.matched;
    if (!Selected(f.matched, f.fraction)) continue;
    ++f.applied;
    plan.applied.push_back(
        Json{{"id", f.id},
             {"kind", f.kind},
             {"when", when == FaultWhen::kBefore ? "before" : "after"}});
    if (f.kind == "latency") {
      plan.latency_ms += f.latency_ms;
    } else if (f.kind == "hold") {
      ++plan.holds;
    } else {
      plan.terminal = f;
    }
  }
  return plan;
}

int FaultInjector::HeldLocked(const std::string& operation) const {
  int n = 0;
  for (const Ticket& t : held_) {
    if (!t.released && (operation.empty() || t.operation == operation)) ++n;
  }
  return n;
}

void FaultInjector::Hold(const std::string& operation) {
  std::unique_lock<std::mutex> lock(mu_);
  if (shutdown_) return;
  auto it = held_.insert(held_.end(), Ticket{operation, false});
  cv_.notify_all();  // wakes WaitHeld
  cv_.wait(lock, [&] { return it->released || shutdown_; });
  held_.erase(it);
}

int FaultInjector::WaitHeld(const std::string& operation, int min,
                            absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
               [&] { return shutdown_ || HeldLocked(operation) >= min; });
  return HeldLocked(operation);
}

int FaultInjector::Release(const std::string& operation) {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (Ticket& t : held_) {
    if (t.released) continue;
    if (!operation.empty() && t.operation != operation) continue;
    t.released = true;
    ++n;
  }
  cv_.notify_all();
  return n;
}

void FaultInjector::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutdown_ = true;
  cv_.notify_all();
}

}  // namespace sandbox
