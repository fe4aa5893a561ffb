#include "gateway/config/config_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/logger.h"
#include "gateway/common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"

namespace gateway::config {
namespace {

using google::protobuf::util::TimeUtil;

// ScalarToJson types a YAML scalar: plain scalars that read as booleans,
// null or numbers become those; everything else (and anything quoted) is a
// string.
nlohmann::json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted
  if (text == "true" || text == "True") return true;
  if (text == "false" || text == "False") return false;
  if (text == "null" || text == "~" || text.empty()) return nullptr;
  int64_t integer = 0;
  if (absl::SimpleAtoi(text, &integer)) return integer;
  double number = 0;
  if (absl::SimpleAtod(text, &number) && !absl::StrContains(text, ":")) {
    return number;
  }
  return text;
}

// YAML aliases make a document a graph: an alias inside the node it names
// never ends, and nested aliases grow exponentially when expanded. A
// configuration is a few levels deep and a few hundred values, so these
// limits only stop such documents (found by tests/fuzz/config_fuzzer).
constexpr int kMaxDepth = 64;
constexpr int kMaxValues = 100000;

// YamlToJson converts `node`, found `depth` levels down, counting the values
// made against `values_left`.
absl::StatusOr<nlohmann::json> YamlToJson(const YAML::Node& node, int depth,
                                          int& values_left) {
  if (depth > kMaxDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat("nested more than ", kMaxDepth, " levels deep"));
  }
  if (--values_left < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("more than ", kMaxValues, " values (aliases included)"));
  }
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& item : node) {
        ASSIGN_OR_RETURN(object[item.first.as<std::string>()],
                         YamlToJson(item.second, depth + 1, values_left));
      }
      return object;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node) {
        ASSIGN_OR_RETURN(array.emplace_back(),
                         YamlToJson(item, depth + 1, values_left));
      }
      return array;
    }
    case YAML::NodeType::Scalar:
      return ScalarToJson(node);
    default:
      return nullptr;
  }
}

void DefaultDuration(google::protobuf::Duration* duration, int64_t seconds) {
  if (duration->seconds() == 0 && duration->nanos() == 0) {
    duration->set_seconds(seconds);
  }
}

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("configuration: ", field, ": ", problem));
}

bool IsHostPort(absl::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  int port = 0;
  return absl::SimpleAtoi(address.substr(colon + 1), &port) && port >= 0 &&
         port <= 65535;
}

// IsLoopback says whether host:port names the loopback interface.
bool IsLoopback(absl::string_view address) {
  absl::string_view host = address.substr(0, address.rfind(':'));
  return host == "localhost" || host == "[::1]" ||
         absl::StartsWith(host, "127.");
}

// UpgradeDeprecatedNames rewrites spellings that older configuration files
// use into the current ones, so such files keep loading. Deprecated:
// updates.write_only_policy RESEND_HELD and REFUSE (renamed with the enum's
// prefix for buf lint's ENUM_VALUE_PREFIX).
void UpgradeDeprecatedNames(nlohmann::json& json) {
  auto updates = json.find("updates");
  if (updates == json.end() || !updates->is_object()) return;
  auto policy = updates->find("write_only_policy");
  if (policy == updates->end() || !policy->is_string()) return;
  const std::string& name = policy->get_ref<const std::string&>();
  if (name == "RESEND_HELD" || name == "REFUSE") {
    *policy = absl::StrCat("WRITE_ONLY_POLICY_", name);
  }
}

}  // namespace

absl::StatusOr<GatewayConfig> ParseConfig(absl::string_view text,
                                          absl::string_view source) {
  absl::StatusOr<nlohmann::json> converted;
  try {
    int values_left = kMaxValues;
    converted = YamlToJson(YAML::Load(std::string(text)), 0, values_left);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "configuration ", source, ": not YAML or JSON: ", e.what()));
  }
  if (!converted.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "configuration ", source, ": ", converted.status().message()));
  }
  nlohmann::json& json = *converted;
  GatewayConfig config;
  if (json.is_null()) return config;  // an empty file
  if (!json.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "configuration ", source, ": the top level must be a map"));
  }
  UpgradeDeprecatedNames(json);
  std::string json_text;
  try {
    json_text = json.dump();
  } catch (const nlohmann::json::type_error&) {
    // yaml-cpp passes bytes that are not UTF-8 through, and JSON cannot
    // hold them; uncaught, this ended the process, on a reload too.
    return absl::InvalidArgumentError(absl::StrCat(
        "configuration ", source, ": a string is not valid UTF-8"));
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status =
      google::protobuf::util::JsonStringToMessage(json_text, &config, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "configuration ", source, ": ", std::string(status.message())));
  }
  return config;
}

void ApplyDefaults(GatewayConfig& config) {
  auto* listener = config.mutable_listener();
  if (listener->address().empty()) listener->set_address("127.0.0.1:50051");
  if (listener->max_request_bytes() == 0) {
    listener->set_max_request_bytes(4 << 20);
  }
  auto* upstream = config.mutable_upstream();
  if (upstream->base_url().empty()) {
    upstream->set_base_url("https://app.polytomic.com");
  }
  if (upstream->api_version().empty()) upstream->set_api_version("2025-09-18");
  if (upstream->max_connections() == 0) upstream->set_max_connections(256);
  DefaultDuration(upstream->mutable_connect_timeout(), 5);
  DefaultDuration(upstream->mutable_default_timeout(), 30);
  if (upstream->max_queued() == 0) upstream->set_max_queued(1024);
  if (upstream->max_response_bytes() == 0) {
    upstream->set_max_response_bytes(int64_t{16} << 20);
  }
  auto* retry = upstream->mutable_retry();
  if (retry->max_attempts() == 0) retry->set_max_attempts(3);
  if (!retry->has_initial_backoff()) {
    retry->mutable_initial_backoff()->set_nanos(100'000'000);
  }
  DefaultDuration(retry->mutable_max_backoff(), 5);
  if (!retry->has_budget_ratio()) retry->set_budget_ratio(0.2);
  auto* breaker = upstream->mutable_circuit_breaker();
  if (!breaker->has_failure_threshold()) breaker->set_failure_threshold(5);
  DefaultDuration(breaker->mutable_open_duration(), 10);
  auto* updates = config.mutable_updates();
  if (updates->write_only_policy() ==
      v1::Updates::WRITE_ONLY_POLICY_UNSPECIFIED) {
    updates->set_write_only_policy(v1::Updates::WRITE_ONLY_POLICY_RESEND_HELD);
  }
  if (config.accounts().empty() && !upstream->api_key_file().empty()) {
    auto* account = config.add_accounts();
    account->set_name("default");
    account->mutable_bearer_key()->set_file(upstream->api_key_file());
  }
  auto* audit = config.mutable_audit();
  if (audit->directory().empty()) audit->set_directory("audit");
  if (audit->max_file_bytes() == 0) audit->set_max_file_bytes(64 << 20);
  DefaultDuration(config.mutable_reload_interval(), 2);
  DefaultDuration(config.mutable_shutdown()->mutable_grace_period(), 30);
  if (config.log().level().empty()) config.mutable_log()->set_level("info");
  for (auto& policy : *config.mutable_callers()->mutable_policies()) {
    if (policy.has_rate_limit() && policy.rate_limit().burst() == 0) {
      // Clamped before the cast: a rate of 1e10 (or NaN) must not overflow
      // it; validation then judges the rate itself.
      double rate = policy.rate_limit().requests_per_second();
      double burst =
          std::isfinite(rate) ? std::clamp(std::ceil(rate), 1.0, 1e6) : 1.0;
      policy.mutable_rate_limit()->set_burst(static_cast<int32_t>(burst));
    }
  }
  auto* cache = config.mutable_cache();
  if (!cache->has_enabled()) cache->set_enabled(true);
  if (cache->max_bytes() == 0) cache->set_max_bytes(int64_t{64} << 20);
  // 0 is a TTL (nothing cached by default), so only an absent one defaults.
  if (!cache->has_default_ttl()) cache->mutable_default_ttl()->set_seconds(10);
  // Unset takes the default; set to "" disables the listener.
  if (!config.admin().has_address()) {
    config.mutable_admin()->set_address("127.0.0.1:9464");
  }
  if (config.shared_state().has_redis()) {
    auto* redis = config.mutable_shared_state()->mutable_redis();
    if (redis->key_prefix().empty()) {
      redis->set_key_prefix("polytomic-gateway:");
    }
    if (!redis->has_connect_timeout()) {
      redis->mutable_connect_timeout()->set_seconds(1);
    }
    if (!redis->has_command_timeout()) {
      redis->mutable_command_timeout()->set_nanos(500'000'000);
    }
    DefaultDuration(redis->mutable_lock_lease(), 10);
    DefaultDuration(redis->mutable_degraded_cache_ttl(), 1);
    if (!redis->has_invalidation_timeout()) {
      redis->mutable_invalidation_timeout()->set_nanos(250'000'000);
    }
  }
}

namespace {

absl::Status ValidateSharedState(const GatewayConfig& config) {
  if (!config.shared_state().has_redis()) return absl::OkStatus();
  const v1::Redis& redis = config.shared_state().redis();
  if (!IsHostPort(redis.address())) {
    return Invalid("shared_state.redis.address", "must be host:port");
  }
  if (redis.tls()) {
    return Invalid("shared_state.redis.tls",
                   "is not supported by this build (Debian bookworm's hiredis "
                   "0.14 has no TLS); use a private network or a TLS tunnel "
                   "on loopback");
  }
  if (!redis.username().empty() && redis.password_file().empty()) {
    return Invalid("shared_state.redis.username",
                   "needs shared_state.redis.password_file");
  }
  for (const auto& [name, duration] :
       {std::pair{"connect_timeout", &redis.connect_timeout()},
        std::pair{"command_timeout", &redis.command_timeout()},
        std::pair{"lock_lease", &redis.lock_lease()},
        std::pair{"degraded_cache_ttl", &redis.degraded_cache_ttl()},
        std::pair{"invalidation_timeout", &redis.invalidation_timeout()}}) {
    if (TimeUtil::DurationToMilliseconds(*duration) <= 0) {
      return Invalid(absl::StrCat("shared_state.redis.", name),
                     "must be at least 1ms");
    }
  }
  if (config.updates().write_only_policy() ==
          v1::Updates::WRITE_ONLY_POLICY_RESEND_HELD &&
      config.updates().seal_key_file().empty()) {
    return Invalid("updates.seal_key_file",
                   "is required with shared_state.redis (every replica must "
                   "open the write-only values the others sealed)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateConfig(const GatewayConfig& config) {
  const auto& listener = config.listener();
  if (!IsHostPort(listener.address())) {
    return Invalid("listener.address", "must be host:port");
  }
  if (listener.has_tls()) {
    if (listener.tls().cert_file().empty()) {
      return Invalid("listener.tls.cert_file", "is required with tls");
    }
    if (listener.tls().key_file().empty()) {
      return Invalid("listener.tls.key_file", "is required with tls");
    }
  } else if (!listener.allow_plaintext() && !IsLoopback(listener.address())) {
    return Invalid("listener.address",
                   "a plaintext listener must be on a loopback address; "
                   "configure listener.tls or set listener.allow_plaintext");
  }
  // The admin listener serves no secrets, but it is plaintext HTTP without
  // authentication: off loopback only with the listener's consent.
  const std::string& admin = config.admin().address();
  if (!admin.empty()) {
    if (!IsHostPort(admin)) {
      return Invalid("admin.address", "must be host:port, or empty");
    }
    if (!listener.allow_plaintext() && !IsLoopback(admin)) {
      return Invalid("admin.address",
                     "the admin listener (plaintext HTTP) must be on a "
                     "loopback address unless listener.allow_plaintext is "
                     "set");
    }
  }
  const auto& upstream = config.upstream();
  if (!absl::StartsWith(upstream.base_url(), "http://") &&
      !absl::StartsWith(upstream.base_url(), "https://")) {
    return Invalid("upstream.base_url", "must start with http:// or https://");
  }
  if (config.accounts().empty()) {
    return Invalid("accounts",
                   "at least one upstream account is required (or "
                   "upstream.api_key_file, or pass --api_key_file)");
  }
  if (upstream.max_connections() < 0) {
    return Invalid("upstream.max_connections", "must be positive");
  }
  if (TimeUtil::DurationToMilliseconds(upstream.connect_timeout()) <= 0) {
    return Invalid("upstream.connect_timeout", "must be positive");
  }
  if (TimeUtil::DurationToMilliseconds(upstream.default_timeout()) <= 0) {
    return Invalid("upstream.default_timeout", "must be positive");
  }
  if (config.audit().max_file_bytes() < 4096) {
    return Invalid("audit.max_file_bytes", "must be at least 4096");
  }
  if (upstream.max_queued() < 0) {
    return Invalid("upstream.max_queued", "must not be negative");
  }
  if (upstream.max_response_bytes() < 0) {
    return Invalid("upstream.max_response_bytes", "must be positive");
  }
  const auto& retry = upstream.retry();
  if (retry.max_attempts() < 0) {
    return Invalid("upstream.retry.max_attempts", "must be at least 1");
  }
  if (TimeUtil::DurationToMilliseconds(retry.initial_backoff()) < 0) {
    return Invalid("upstream.retry.initial_backoff", "must not be negative");
  }
  if (TimeUtil::DurationToMilliseconds(retry.max_backoff()) <
      TimeUtil::DurationToMilliseconds(retry.initial_backoff())) {
    return Invalid("upstream.retry.max_backoff",
                   "must not be less than initial_backoff");
  }
  if (!(retry.budget_ratio() >= 0 && retry.budget_ratio() <= 1)) {
    return Invalid("upstream.retry.budget_ratio", "must be within [0, 1]");
  }
  const auto& breaker = upstream.circuit_breaker();
  if (breaker.failure_threshold() < 0) {
    return Invalid("upstream.circuit_breaker.failure_threshold",
                   "must not be negative");
  }
  if (TimeUtil::DurationToMilliseconds(breaker.open_duration()) <= 0) {
    return Invalid("upstream.circuit_breaker.open_duration",
                   "must be positive");
  }
  for (int i = 0; i < config.callers().policies_size(); ++i) {
    const auto& policy = config.callers().policies(i);
    if (!policy.has_rate_limit()) continue;
    const std::string where =
        absl::StrCat("callers.policies[", i, "].rate_limit");
    if (!(policy.rate_limit().requests_per_second() > 0) ||
        !std::isfinite(policy.rate_limit().requests_per_second())) {
      return Invalid(absl::StrCat(where, ".requests_per_second"),
                     "must be positive");
    }
    if (policy.rate_limit().burst() < 0) {
      return Invalid(absl::StrCat(where, ".burst"), "must not be negative");
    }
  }
  if (listener.max_request_bytes() < 0) {
    return Invalid("listener.max_request_bytes", "must be positive");
  }
  if (!ParseLogLevel(config.log().level()).ok()) {
    return Invalid("log.level", "must be debug, info, warning or error");
  }
  if (TimeUtil::DurationToMilliseconds(config.shutdown().grace_period()) <= 0) {
    return Invalid("shutdown.grace_period", "must be positive");
  }
  if (TimeUtil::DurationToMilliseconds(config.reload_interval()) <= 0) {
    return Invalid("reload_interval", "must be positive");
  }
  const auto& cache = config.cache();
  if (cache.max_bytes() < 0) {
    return Invalid("cache.max_bytes", "must be positive");
  }
  if (cache.default_ttl().seconds() < 0 || cache.default_ttl().nanos() < 0) {
    return Invalid("cache.default_ttl", "must not be negative");
  }
  for (int i = 0; i < cache.methods_size(); ++i) {
    const auto& method = cache.methods(i);
    const std::string where = absl::StrCat("cache.methods[", i, "]");
    if (method.method().empty()) {
      return Invalid(absl::StrCat(where, ".method"), "is required");
    }
    if (!method.has_ttl()) {
      return Invalid(absl::StrCat(where, ".ttl"), "is required");
    }
    if (method.ttl().seconds() < 0 || method.ttl().nanos() < 0) {
      return Invalid(absl::StrCat(where, ".ttl"), "must not be negative");
    }
  }
  return ValidateSharedState(config);
}

absl::StatusOr<GatewayConfig> LoadConfig(const std::string& path,
                                         const Overrides& overrides) {
  GatewayConfig config;
  if (!path.empty()) {
    std::ifstream file(path);
    if (!file) {
      return absl::NotFoundError(
          absl::StrCat("configuration ", path, ": cannot be read"));
    }
    std::stringstream text;
    text << file.rdbuf();
    ASSIGN_OR_RETURN(config, ParseConfig(text.str(), path));
  }
  if (overrides.listen)
    config.mutable_listener()->set_address(*overrides.listen);
  if (overrides.upstream)
    config.mutable_upstream()->set_base_url(*overrides.upstream);
  if (overrides.api_key_file) {
    config.mutable_upstream()->set_api_key_file(*overrides.api_key_file);
  }
  ApplyDefaults(config);
  RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

}  // namespace gateway::config
