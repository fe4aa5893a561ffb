#include "client/ctl/command_line.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace client::ctl {
namespace {

// SplitFlag splits "--name=value" into name and value; value is nullopt
// without '='. `arg` must start with "--".
std::pair<std::string, std::optional<std::string>> SplitFlag(
    absl::string_view arg) {
  arg.remove_prefix(2);
  const size_t eq = arg.find('=');
  if (eq == absl::string_view::npos) return {std::string(arg), std::nullopt};
  return {std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
}

}  // namespace

absl::StatusOr<std::pair<std::string, std::string>> ParseHeader(
    const std::string& text) {
  size_t sep = text.find('=');
  const size_t colon = text.find(':');
  if (colon != std::string::npos && (sep == std::string::npos || colon < sep)) {
    sep = colon;
  }
  if (sep == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--header wants KEY=VALUE, got '", text, "'"));
  }
  std::string key(absl::StripAsciiWhitespace(text.substr(0, sep)));
  std::string value(absl::StripLeadingAsciiWhitespace(text.substr(sep + 1)));
  if (key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--header has an empty key: '", text, "'"));
  }
  // gRPC rejects calls whose metadata keys have upper-case letters; HTTP/2
  // header names are case-insensitive, so lower-casing loses nothing.
  absl::AsciiStrToLower(&key);
  return std::make_pair(std::move(key), std::move(value));
}

absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& text) {
  absl::Duration duration;
  double seconds = 0;
  // "nan" parses as a number, and absl::Seconds(NaN) is an infinite
  // duration: a typo must not silently mean "no deadline".
  if (absl::SimpleAtod(text, &seconds) && !std::isnan(seconds)) {
    duration = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &duration)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad duration '", text, "' (want e.g. 30s, 500ms, 2m or 1.5)"));
  }
  if (duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("duration must be positive, got '", text, "'"));
  }
  return duration;
}

absl::StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& args) {
  CommandLine result;
  size_t i = 0;
  // Global flags: everything before the first argument not starting with -.
  for (; i < args.size() && absl::StartsWith(args[i], "-"); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      result.command = "help";
      return result;
    }
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag '", arg, "' before the command"));
    }
    auto [name, value] = SplitFlag(arg);
    if (name == "dry-run" && !value.has_value()) {
      result.dry_run = true;
      continue;
    }
    if (name != "addr" && name != "timeout" && name != "header") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown flag '--", name,
          "' (global flags are --addr, --timeout, --header and --dry-run; "
          "request fields go after the method name)"));
    }
    if (!value.has_value()) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
    if (name == "addr") {
      if (value->empty()) {
        return absl::InvalidArgumentError("--addr needs HOST:PORT");
      }
      result.addr = *value;
    } else if (name == "timeout") {
      absl::StatusOr<absl::Duration> timeout = ParseDurationFlag(*value);
      if (!timeout.ok()) return timeout.status();
      result.timeout = *timeout;
    } else {
      absl::StatusOr<std::pair<std::string, std::string>> header =
          ParseHeader(*value);
      if (!header.ok()) return header.status();
      result.headers.push_back(*std::move(header));
    }
  }
  if (i == args.size()) return result;  // No command: main prints usage.
  result.command = args[i++];

  bool only_positionals = false;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positionals || arg == "-" || !absl::StartsWith(arg, "--")) {
      result.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    auto [path, value] = SplitFlag(arg);
    if (path.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad field flag '", arg, "' (want --field.path=value)"));
    }
    result.field_flags.push_back(FieldFlag{path, std::move(value)});
  }
  return result;
}

std::string UsageText() {
  return R"(polytomicctl: call the polytomic-gateway's gRPC contract.

Usage:
  polytomicctl [GLOBAL FLAGS] list
  polytomicctl [GLOBAL FLAGS] describe <Method | Message>
  polytomicctl [GLOBAL FLAGS] <Method> [JSON | -] [--field.path=value ...]

Global flags (before the command):
  --addr HOST:PORT      gateway address (default 127.0.0.1:50051)
  --timeout DURATION    call deadline, e.g. 30s, 500ms (default 30s)
  --header KEY=VALUE    extra call metadata; repeatable
  --dry-run             print the request as JSON instead of calling

Calling a method:
  <Method> is the bare name (GetBulkSync) or the full one
  (polytomic.v1.BulkSyncService/GetBulkSync). The request is the optional JSON
  object (protobuf JSON mapping, proto or JSON field names; '-' reads stdin),
  then each field flag applied on top, in order:
    --id=VALUE                    a scalar; bools take true/false (bare --flag
                                  means true); enums take the value name
                                  (BULK_SYNC_MODE_REPLICATE) or its wire value
                                  (replicate)
    --bulk_sync.name=VALUE        dotted paths create parent messages
    --policies=a --policies=b     repeated fields: one element per flag
                                  (replacing what the JSON gave)
    --bulk_sync.destination_configuration='{"schema":"raw"}'
                                  message, map and Struct fields take JSON;
                                  a Timestamp/Value also takes a bare string

Output: the response as JSON on stdout (exit 0); a gRPC error as
"ERROR <CODE>: <message>" and its details on stderr (exit 1); a usage error
on stderr (exit 2).
)";
}

}  // namespace client::ctl
