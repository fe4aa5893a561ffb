// Unit tests of configuration loading: YAML and JSON, defaults, overrides,
// and errors that name the field.
#include "gateway/config/config_loader.h"

#include <cstdio>
#include <fstream>

#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"

namespace gateway::config {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

std::string WriteTemp(const std::string& text) {
  std::string path = ::testing::TempDir() + "/config_" +
                     std::to_string(std::hash<std::string>{}(text)) + ".yaml";
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigLoaderTest, YamlWithDefaults) {
  auto config = LoadConfig(WriteTemp(R"(
upstream:
  base_url: http://127.0.0.1:8081
  api_key_file: /run/key
  max_connections: 32
  default_timeout: 2.5s
)"),
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
  auto config =
      LoadConfig(WriteTemp("upstream: {api_key_file: /run/key}\n"), overrides);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listener().address(), "127.0.0.1:0");
  EXPECT_EQ(config->upstream().base_url(), "http://upstream:1");
  EXPECT_EQ(config->upstream().api_key_file(), "/other");
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
           Case{"listener: {address: nowhere}\nupstream: {api_key_file: k}\n",
                "listener.address"},
           Case{"upstream: {api_key_file: k, max_connections: -1}\n",
                "upstream.max_connections"},
       }) {
    auto config = LoadConfig(WriteTemp(c.yaml), {});
    ASSERT_FALSE(config.ok()) << c.yaml;
    EXPECT_THAT(std::string(config.status().message()), HasSubstr(c.field))
        << c.yaml;
  }
}

TEST(ConfigLoaderTest, NotYamlIsAnError) {
  auto config = ParseConfig("listener: [unclosed", "inline");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("not YAML or JSON"));
}

TEST(ConfigLoaderTest, MissingFileIsAnError) {
  auto config = LoadConfig("/nonexistent/gateway.yaml", {});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("/nonexistent/gateway.yaml"));
}

}  // namespace
}  // namespace gateway::config
