// config_fuzzer.cc: the configuration loader on arbitrary text:
// config::ParseConfig (YAML or JSON), then ApplyDefaults and ValidateConfig,
// as LoadConfig runs them.
//
// Input: the text of a configuration file, for example
//   listener: {address: "127.0.0.1:0"}
//   accounts: [{name: default, bearer_key: {file: /run/key}}]
//
// Checked besides "no crash, leak or UB": a refused text is
// INVALID_ARGUMENT; ApplyDefaults is idempotent; a configuration that
// validates, printed as JSON and loaded again, is the same configuration and
// validates again (the loader reads what the proto's JSON form says).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/config/config_loader.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using ::gateway::config::ApplyDefaults;
using ::gateway::config::GatewayConfig;
using ::gateway::config::ParseConfig;
using ::gateway::config::ValidateConfig;
using ::google::protobuf::util::MessageDifferencer;

// CheckRoundTrip loads the JSON form of a valid configuration again.
void CheckRoundTrip(const GatewayConfig& config) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  FUZZ_CHECK(
      google::protobuf::util::MessageToJsonString(config, &json, options).ok(),
      "a configuration prints as JSON");
  absl::StatusOr<GatewayConfig> again = ParseConfig(json, "round trip");
  FUZZ_CHECK(again.ok(), "the JSON form of a configuration loads");
  ApplyDefaults(*again);
  FUZZ_CHECK(MessageDifferencer::Equals(config, *again),
             "the JSON form of a configuration loads as the same one");
  FUZZ_CHECK(ValidateConfig(*again).ok(), "a valid configuration stays valid");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<GatewayConfig> config = ParseConfig(text, "fuzz input");
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument,
               "a text that is not a configuration is INVALID_ARGUMENT");
    return 0;
  }
  ApplyDefaults(*config);
  GatewayConfig twice = *config;
  ApplyDefaults(twice);
  FUZZ_CHECK(MessageDifferencer::Equals(*config, twice),
             "ApplyDefaults is idempotent");
  if (ValidateConfig(*config).ok()) CheckRoundTrip(*config);
  return 0;
}
