// config_loader.h: loads and checks the gateway configuration.
//
//   ASSIGN_OR_RETURN(GatewayConfig config, LoadConfig(flags.config_path,
//   overrides));
//
// The file is YAML or JSON (JSON is read as YAML); its field names are the
// proto names of gateway.config.v1.GatewayConfig. Defaults are applied to
// every field left out (each field's comment states its default), then the
// whole configuration is checked. Errors name the offending field, e.g.
// "upstream.max_connections: must be positive".
#ifndef GATEWAY_CONFIG_CONFIG_LOADER_H_
#define GATEWAY_CONFIG_CONFIG_LOADER_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::config {

using GatewayConfig = v1::GatewayConfig;

// Overrides are the command-line flags that win over the file.
struct Overrides {
  std::optional<std::string> listen;        // --listen
  std::optional<std::string> upstream;      // --upstream
  std::optional<std::string> api_key_file;  // --api_key_file
};

// ParseConfig reads YAML or JSON text; `source` names it in errors.
absl::StatusOr<GatewayConfig> ParseConfig(absl::string_view text,
                                          absl::string_view source);

// LoadConfig reads the file at `path` (none if empty), applies overrides and
// defaults, and validates the result.
absl::StatusOr<GatewayConfig> LoadConfig(const std::string& path,
                                         const Overrides& overrides);

// ApplyDefaults fills every field left unset with its documented default.
void ApplyDefaults(GatewayConfig& config);

// ValidateConfig checks a configuration with defaults applied.
absl::Status ValidateConfig(const GatewayConfig& config);

}  // namespace gateway::config

#endif  // GATEWAY_CONFIG_CONFIG_LOADER_H_
