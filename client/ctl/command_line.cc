#include "client/ctl/command_line.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>

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

// IsMetadataToken is true for a non-empty run of printable ASCII without
// spaces: what a bearer token may hold and a metadata value can carry. gRPC
// fails a call whose metadata has other bytes, with an error that could
// quote the value.
bool IsMetadataToken(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c > ' ' && c < 0x7f;
  });
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

absl::StatusOr<std::string> ReadFlagFile(absl::string_view flag,
                                         const std::string& path) {
  constexpr size_t kMaxBytes = size_t{1} << 20;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read --", flag, " ", path, ": ", std::strerror(errno)));
  }
  std::string contents;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot read --", flag, " ", path, ": ", std::strerror(error)));
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
    if (contents.size() > kMaxBytes) {
      close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, " ", path, " is larger than 1 MiB"));
    }
  }
  close(fd);
  return contents;
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFlagFile("token_file", path);
  if (!contents.ok()) return contents.status();
  const absl::string_view first_line = absl::StripAsciiWhitespace(
      absl::string_view(*contents).substr(0, contents->find('\n')));
  if (first_line.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--token_file ", path, " has no token on its first line"));
  }
  if (!IsMetadataToken(first_line)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--token_file ", path,
        ": the token has a character call metadata cannot carry (want "
        "printable ASCII without spaces)"));
  }
  return std::string(first_line);
}

absl::StatusOr<std::string> ResolveToken(const CommandLine& cl,
                                         const char* env_token) {
  const bool header_sets_it = std::any_of(
      cl.headers.begin(), cl.headers.end(),
      [](const auto& header) { return header.first == "authorization"; });
  if (!cl.token_file.empty()) {
    if (header_sets_it) {
      return absl::InvalidArgumentError(
          "--token_file and --header authorization=... both set the "
          "authorization metadata; use one");
    }
    return ReadTokenFile(cl.token_file);
  }
  if (header_sets_it || env_token == nullptr) return std::string();
  const absl::string_view token = absl::StripAsciiWhitespace(env_token);
  if (!token.empty() && !IsMetadataToken(token)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "$", kTokenEnvVar,
        " has a character call metadata cannot carry (want printable ASCII "
        "without spaces)"));
  }
  return std::string(token);
}

std::pair<std::string, std::string> BearerMetadata(absl::string_view token) {
  return {"authorization", absl::StrCat("Bearer ", token)};
}

absl::StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& args) {
  CommandLine result;
  // The global flags that name a file, and where each goes.
  const std::pair<const char*, std::string*> file_flags[] = {
      {"token_file", &result.token_file},
      {"ca_file", &result.ca_file},
      {"cert_file", &result.cert_file},
      {"key_file", &result.key_file},
  };
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
    std::string* file = nullptr;
    for (const auto& [file_flag, target] : file_flags) {
      if (name == file_flag) file = target;
    }
    if (file == nullptr && name != "addr" && name != "timeout" &&
        name != "header") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown flag '--", name,
          "' (global flags are --addr, --timeout, --header, --token_file, "
          "--ca_file, --cert_file, --key_file and --dry-run; request fields "
          "go after the method name)"));
    }
    if (!value.has_value()) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
    if (file != nullptr) {
      if (value->empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a PATH"));
      }
      *file = *value;
    } else if (name == "addr") {
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
  if (result.cert_file.empty() != result.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--cert_file and --key_file go together (the client certificate and "
        "its private key)");
  }
  if (!result.cert_file.empty() && result.ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--cert_file and --key_file need --ca_file (mutual TLS runs over "
        "TLS)");
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
  --token_file PATH     file whose first line is the caller's token, sent as
                        `authorization: Bearer <token>` (default: the
                        POLYTOMIC_GATEWAY_TOKEN environment variable)
  --ca_file PATH        PEM CA of the gateway's certificate; connect with TLS
                        (default: plaintext)
  --cert_file PATH      PEM client certificate for mutual TLS; needs
  --key_file PATH       its private key (both together), and --ca_file
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
"ERROR <CODE>: <message>", its details and the call's x-request-id on stderr
(exit 1); a usage error, or a file flag that cannot be read, on stderr
(exit 2). The token is never printed.
)";
}

}  // namespace client::ctl
