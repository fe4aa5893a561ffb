// Unit tests of configuration loading: YAML and JSON, defaults, overrides,
// and errors that name the field.
#include "gateway/config/config_loader.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/support/temp_files.h"

namespace gateway::config {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

// WriteTemp writes a configuration file that lives until the end of the
// full expression it is written in.
testsupport::TempFile WriteTemp(const std::string& text) {
  return testsupport::TempFile(text);
}

TEST(ConfigLoaderTest, YamlWithDefaults) {
  auto config = LoadConfig(WriteTemp(R"(
upstream:
  base_url: http://127.0.0.1:8081
  api_key_file: /run/key
  max_connections: 32
  default_timeout: 2.5s
)")
                               .path(),
                           {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listener().address(), "127.0.0.1:50051");
  EXPECT_EQ(config->upstream().base_url(), "http://127.0.0.1:8081");
  EXPECT_EQ(config->upstream().api_version(), "2025-09-18");
  EXPECT_EQ(config->upstream().max_connections(), 32);
  EXPECT_EQ(
      TimeUtil::DurationToMilliseconds(config->upstream().default_timeout()),
      2500);
  EXPECT_EQ(TimeUtil::DurationToSeconds(config->upstream().connect_timeout()),
            5);
  EXPECT_EQ(config->admin().address(), "127.0.0.1:9464");
}

TEST(ConfigLoaderTest, ResilienceDefaults) {
  auto config = LoadConfig(WriteTemp(R"(
upstream: {api_key_file: k}
callers:
  policies: [{principal: p, account: default, allow: ["*"],
              rate_limit: {requests_per_second: 2.5}}]
)")
                               .path(),
                           {});
  ASSERT_TRUE(config.ok()) << config.status();
  const auto& upstream = config->upstream();
  EXPECT_EQ(upstream.max_queued(), 1024);
  EXPECT_EQ(upstream.max_response_bytes(), 16 << 20);
  EXPECT_EQ(upstream.retry().max_attempts(), 3);
  EXPECT_EQ(
      TimeUtil::DurationToMilliseconds(upstream.retry().initial_backoff()),
      100);
  EXPECT_EQ(TimeUtil::DurationToSeconds(upstream.retry().max_backoff()), 5);
  EXPECT_DOUBLE_EQ(upstream.retry().budget_ratio(), 0.2);
  EXPECT_EQ(upstream.circuit_breaker().failure_threshold(), 5);
  EXPECT_EQ(
      TimeUtil::DurationToSeconds(upstream.circuit_breaker().open_duration()),
      10);
  EXPECT_EQ(config->listener().max_request_bytes(), 4 << 20);
  EXPECT_EQ(TimeUtil::DurationToSeconds(config->shutdown().grace_period()), 30);
  EXPECT_EQ(config->callers().policies(0).rate_limit().burst(), 3);  // ceil
}

TEST(ConfigLoaderTest, ZeroIsKeptWhereItMeansOff) {
  auto config = LoadConfig(
      WriteTemp("upstream: {api_key_file: k, circuit_breaker: "
                "{failure_threshold: 0}, retry: {budget_ratio: 0}}\n")
          .path(),
      {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->upstream().circuit_breaker().failure_threshold(), 0);
  EXPECT_EQ(config->upstream().retry().budget_ratio(), 0);
}

TEST(ConfigLoaderTest, JsonIsAccepted) {
  auto config =
      ParseConfig(R"({"listener": {"address": "0.0.0.0:9000"}})", "inline");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listener().address(), "0.0.0.0:9000");
}

TEST(ConfigLoaderTest, FlagsOverrideTheFile) {
  Overrides overrides;
  overrides.listen = "127.0.0.1:0";
  overrides.upstream = "http://upstream:1";
  overrides.api_key_file = "/other";
  auto config = LoadConfig(
      WriteTemp("upstream: {api_key_file: /run/key}\n").path(), overrides);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listener().address(), "127.0.0.1:0");
  EXPECT_EQ(config->upstream().base_url(), "http://upstream:1");
  EXPECT_EQ(config->upstream().api_key_file(), "/other");
  ASSERT_EQ(config->accounts_size(), 1);
  EXPECT_EQ(config->accounts(0).bearer_key().file(), "/other");
}

TEST(ConfigLoaderTest, ApiKeyFileIsTheDefaultAccount) {
  auto config =
      LoadConfig(WriteTemp("upstream: {api_key_file: /run/key}\n").path(), {});
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->accounts_size(), 1);
  EXPECT_EQ(config->accounts(0).name(), "default");
  EXPECT_EQ(config->accounts(0).bearer_key().file(), "/run/key");
  EXPECT_EQ(config->audit().directory(), "audit");
  EXPECT_EQ(config->audit().max_file_bytes(), 64 << 20);
  EXPECT_FALSE(config->audit().reads_fail_closed());
  EXPECT_EQ(TimeUtil::DurationToSeconds(config->reload_interval()), 2);
}

TEST(ConfigLoaderTest, NamedAccountsReplaceTheKeyFile) {
  auto config = LoadConfig(WriteTemp(R"(
accounts:
  - name: production
    basic: {organization_id: org-1, key: {env: POLYTOMIC_PARTNER_KEY}}
  - name: staging
    bearer_key: {file: /run/staging-key}
)")
                               .path(),
                           {});
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->accounts_size(), 2);
  EXPECT_EQ(config->accounts(0).basic().key().env(), "POLYTOMIC_PARTNER_KEY");
  EXPECT_EQ(config->accounts(1).bearer_key().file(), "/run/staging-key");
}

TEST(ConfigLoaderTest, PlaintextOffLoopbackNeedsConsent) {
  const std::string refused =
      "listener: {address: 0.0.0.0:9000}\nupstream: {api_key_file: k}\n";
  auto config = LoadConfig(WriteTemp(refused).path(), {});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("listener.allow_plaintext"));
  for (const char* yaml :
       {"listener: {address: 0.0.0.0:9000, allow_plaintext: true}\n"
        "upstream: {api_key_file: k}\n",
        "listener: {address: 0.0.0.0:9000, tls: {cert_file: c, key_file: k}}\n"
        "upstream: {api_key_file: k}\n",
        "listener: {address: localhost:9000}\nupstream: {api_key_file: k}\n",
        "listener: {address: '[::1]:9000'}\nupstream: {api_key_file: k}\n"}) {
    EXPECT_TRUE(LoadConfig(WriteTemp(yaml).path(), {}).ok()) << yaml;
  }
}

TEST(ConfigLoaderTest, TheAdminListenerDefaultsOnAndAnEmptyAddressDisablesIt) {
  struct Case {
    const char* yaml;
    const char* address;
  };
  for (const Case& c : {
           Case{"upstream: {api_key_file: k}\n", "127.0.0.1:9464"},
           Case{"upstream: {api_key_file: k}\nadmin: {}\n", "127.0.0.1:9464"},
           Case{"upstream: {api_key_file: k}\nadmin: {address: \"\"}\n", ""},
           Case{"upstream: {api_key_file: k}\nadmin: {address: 127.0.0.1:0}\n",
                "127.0.0.1:0"},
           Case{"upstream: {api_key_file: k}\nadmin: {address: "
                "'[::1]:9100'}\n",
                "[::1]:9100"},
       }) {
    auto config = LoadConfig(WriteTemp(c.yaml).path(), {});
    ASSERT_TRUE(config.ok()) << c.yaml << config.status();
    EXPECT_EQ(config->admin().address(), c.address) << c.yaml;
  }
}

TEST(ConfigLoaderTest, AnAdminListenerOffLoopbackNeedsConsent) {
  auto refused = LoadConfig(WriteTemp("upstream: {api_key_file: k}\n"
                                      "admin: {address: 0.0.0.0:9464}\n")
                                .path(),
                            {});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("admin.address"));
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("listener.allow_plaintext"));
  // TLS on the gRPC listener does not cover the admin listener.
  EXPECT_FALSE(LoadConfig(WriteTemp("listener: {address: 0.0.0.0:9000, tls: "
                                    "{cert_file: c, key_file: k}}\n"
                                    "upstream: {api_key_file: k}\n"
                                    "admin: {address: 0.0.0.0:9464}\n")
                              .path(),
                          {})
                   .ok());
  auto allowed = LoadConfig(WriteTemp("listener: {allow_plaintext: true}\n"
                                      "upstream: {api_key_file: k}\n"
                                      "admin: {address: 0.0.0.0:9464}\n")
                                .path(),
                            {});
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->admin().address(), "0.0.0.0:9464");
}

TEST(ConfigLoaderTest, ErrorsNameTheField) {
  struct Case {
    const char* yaml;
    const char* field;
  };
  for (const Case& c : {
           Case{"listener: {adress: x}\n", "adress"},
           Case{"upstream: {max_connections: lots, api_key_file: k}\n",
                "upstream.max_connections"},
           Case{"upstream: {api_key_file: k, base_url: ftp://x}\n",
                "upstream.base_url"},
           Case{"upstream: {base_url: http://x}\n", "upstream.api_key_file"},
           Case{"listener: {tls: {key_file: k}}\nupstream: {api_key_file: k}\n",
                "listener.tls.cert_file"},
           Case{
               "listener: {tls: {cert_file: c}}\nupstream: {api_key_file: k}\n",
               "listener.tls.key_file"},
           Case{"upstream: {api_key_file: k}\naudit: {max_file_bytes: 10}\n",
                "audit.max_file_bytes"},
           Case{"upstream: {api_key_file: k}\nreload_interval: -1s\n",
                "reload_interval"},
           Case{"listener: {address: nowhere}\nupstream: {api_key_file: k}\n",
                "listener.address"},
           Case{"upstream: {api_key_file: k, max_connections: -1}\n",
                "upstream.max_connections"},
           Case{"upstream: {api_key_file: k}\nadmin: {address: nowhere}\n",
                "admin.address"},
           Case{"upstream: {api_key_file: k, retry: {max_attempts: -1}}\n",
                "upstream.retry.max_attempts"},
           Case{"upstream: {api_key_file: k, retry: {initial_backoff: 2s, "
                "max_backoff: 1s}}\n",
                "upstream.retry.max_backoff"},
           Case{"upstream: {api_key_file: k, retry: {budget_ratio: 1.5}}\n",
                "upstream.retry.budget_ratio"},
           Case{"upstream: {api_key_file: k, circuit_breaker: "
                "{open_duration: -1s}}\n",
                "upstream.circuit_breaker.open_duration"},
           Case{"upstream: {api_key_file: k, max_queued: -1}\n",
                "upstream.max_queued"},
           Case{"upstream: {api_key_file: k}\nshutdown: {grace_period: -5s}\n",
                "shutdown.grace_period"},
           Case{"upstream: {api_key_file: k}\ncallers: {policies: [{principal: "
                "p, account: default, allow: [x], rate_limit: {burst: 3}}]}\n",
                "callers.policies[0].rate_limit.requests_per_second"},
           Case{"upstream: {api_key_file: k}\nadmin: {address: "
                "127.0.0.1:99999}\n",
                "admin.address"},
           Case{"upstream: {api_key_file: k}\nshared_state: {redis: {}}\n",
                "shared_state.redis.address"},
           Case{"upstream: {api_key_file: k}\nupdates: {seal_key_file: s}\n"
                "shared_state: {redis: {address: '127.0.0.1:6379', tls: "
                "true}}\n",
                "shared_state.redis.tls"},
           Case{"upstream: {api_key_file: k}\n"
                "shared_state: {redis: {address: '127.0.0.1:6379'}}\n",
                "updates.seal_key_file"},
           Case{"upstream: {api_key_file: k}\nupdates: {seal_key_file: s}\n"
                "shared_state: {redis: {address: '127.0.0.1:6379', "
                "lock_lease: 0.0001s}}\n",
                "shared_state.redis.lock_lease"},
           Case{"upstream: {api_key_file: k}\nupdates: {seal_key_file: s}\n"
                "shared_state: {redis: {address: '127.0.0.1:6379', "
                "username: u}}\n",
                "shared_state.redis.username"},
       }) {
    auto config = LoadConfig(WriteTemp(c.yaml).path(), {});
    ASSERT_FALSE(config.ok()) << c.yaml;
    EXPECT_THAT(std::string(config.status().message()), HasSubstr(c.field))
        << c.yaml;
  }
}

TEST(ConfigLoaderTest, SharedStateDefaults) {
  auto config = LoadConfig(WriteTemp(R"(
upstream: {api_key_file: k}
updates: {seal_key_file: /run/seal-key}
shared_state: {redis: {address: "redis:6379"}}
)")
                               .path(),
                           {});
  ASSERT_TRUE(config.ok()) << config.status();
  const auto& redis = config->shared_state().redis();
  EXPECT_EQ(redis.key_prefix(), "polytomic-gateway:");
  EXPECT_EQ(TimeUtil::DurationToMilliseconds(redis.connect_timeout()), 1000);
  EXPECT_EQ(TimeUtil::DurationToMilliseconds(redis.command_timeout()), 500);
  EXPECT_EQ(TimeUtil::DurationToSeconds(redis.lock_lease()), 10);
  EXPECT_EQ(TimeUtil::DurationToSeconds(redis.degraded_cache_ttl()), 1);
  EXPECT_EQ(TimeUtil::DurationToMilliseconds(redis.invalidation_timeout()),
            250);
  // Without the block nothing is shared.
  auto single =
      LoadConfig(WriteTemp("upstream: {api_key_file: k}\n").path(), {});
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_FALSE(single->shared_state().has_redis());
}

TEST(ConfigLoaderTest, WriteOnlyPolicyDefaultsToResendHeld) {
  auto config =
      LoadConfig(WriteTemp("upstream: {api_key_file: k}\n").path(), {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->updates().write_only_policy(),
            v1::Updates::WRITE_ONLY_POLICY_RESEND_HELD);
}

TEST(ConfigLoaderTest, WriteOnlyPolicyReadsCurrentAndDeprecatedNames) {
  const std::pair<const char*, v1::Updates::WriteOnlyPolicy> cases[] = {
      {"WRITE_ONLY_POLICY_RESEND_HELD",
       v1::Updates::WRITE_ONLY_POLICY_RESEND_HELD},
      {"WRITE_ONLY_POLICY_REFUSE", v1::Updates::WRITE_ONLY_POLICY_REFUSE},
      // Deprecated spellings from before the enum values had their prefix.
      {"RESEND_HELD", v1::Updates::WRITE_ONLY_POLICY_RESEND_HELD},
      {"REFUSE", v1::Updates::WRITE_ONLY_POLICY_REFUSE},
  };
  for (const auto& [name, policy] : cases) {
    auto config = ParseConfig(
        absl::StrCat("updates:\n  write_only_policy: ", name, "\n"), "inline");
    ASSERT_TRUE(config.ok()) << name << ": " << config.status();
    EXPECT_EQ(config->updates().write_only_policy(), policy) << name;
    auto json = ParseConfig(
        absl::StrCat(R"({"updates": {"write_only_policy": ")", name, R"("}})"),
        "inline");
    ASSERT_TRUE(json.ok()) << name << ": " << json.status();
    EXPECT_EQ(json->updates().write_only_policy(), policy) << name;
  }
  auto unknown =
      ParseConfig("updates: {write_only_policy: RESEND}\n", "inline");
  EXPECT_FALSE(unknown.ok());
}

TEST(ConfigLoaderTest, NotYamlIsAnError) {
  auto config = ParseConfig("listener: [unclosed", "inline");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("not YAML or JSON"));
}

// Found by tests/fuzz/config_fuzzer: each of these ended the process (a
// stack overflow, an uncaught exception) or ran without end.
TEST(ConfigLoaderTest, AnAliasInsideItselfIsAnError) {
  auto config = ParseConfig("a: &x [*x]\n", "inline");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("levels deep"));
}

TEST(ConfigLoaderTest, AliasesThatExpandWithoutBoundAreAnError) {
  std::string yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string previous = absl::StrCat("*a", i - 1);
    absl::StrAppend(&yaml, "a", i, ": &a", i, " [",
                    absl::StrJoin(std::vector<std::string>(10, previous), ","),
                    "]\n");
  }
  auto config = ParseConfig(yaml, "inline");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("values"));
}

TEST(ConfigLoaderTest, StringsThatAreNotUtf8AreAnError) {
  for (const char* yaml : {"listener: {address: \"127.0.0.1:1\xff\"}\n",
                           "listener: {addr\xc0ss: 127.0.0.1:1}\n"}) {
    auto config = ParseConfig(yaml, "inline");
    ASSERT_FALSE(config.ok()) << yaml;
    EXPECT_THAT(std::string(config.status().message()), HasSubstr("UTF-8"))
        << yaml;
  }
}

TEST(ConfigLoaderTest, MissingFileIsAnError) {
  auto config = LoadConfig("/nonexistent/gateway.yaml", {});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("/nonexistent/gateway.yaml"));
}

}  // namespace
}  // namespace gateway::config
