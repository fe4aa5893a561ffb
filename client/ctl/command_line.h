// command_line.h: parses polytomicctl's arguments into a CommandLine.
//
//   absl::StatusOr<client::ctl::CommandLine> cl =
//   client::ctl::ParseCommandLine(
//       {"--addr", "127.0.0.1:15051", "GetBulkSync", "--id=5b3c..."});
//   // cl->command == "GetBulkSync", cl->field_flags == {{"id", "5b3c..."}}
//
// Global flags (--addr, --timeout, --header, --token_file, --ca_file,
// --cert_file, --key_file, --dry-run) come before the command.
// Everything after the command is either one positional argument (a JSON
// object or "-") or a field flag --path=value: after the command, a flag is
// always a request field, so a field may be called "timeout" too.
#ifndef CLIENT_CTL_COMMAND_LINE_H_
#define CLIENT_CTL_COMMAND_LINE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace client::ctl {

// FieldFlag is one `--path=value` of the command line: a dotted proto field
// path of the request and the text after '='. `value` is nullopt for a bare
// `--path`, which only a bool field accepts (meaning true).
struct FieldFlag {
  std::string path;
  std::optional<std::string> value;
};

// CommandLine is what the user asked for.
struct CommandLine {
  std::string addr = "127.0.0.1:50051";
  absl::Duration timeout = absl::Seconds(30);
  // Extra call metadata, keys lower-cased (gRPC requires it).
  std::vector<std::pair<std::string, std::string>> headers;
  // File whose first line is the caller's bearer token; empty: the token
  // comes from $POLYTOMIC_GATEWAY_TOKEN, if set (see ResolveToken).
  std::string token_file;
  // PEM CA bundle of the gateway's certificate; set, the channel uses TLS.
  std::string ca_file;
  // PEM client certificate chain and its key, for mutual TLS. Both or
  // neither, and only with ca_file.
  std::string cert_file;
  std::string key_file;
  // Print the request that would be sent instead of calling.
  bool dry_run = false;
  // "list", "describe", "help" or a method name; empty when none was given.
  std::string command;
  // Positional arguments after the command (describe's name, the JSON).
  std::vector<std::string> positionals;
  // Field flags after the command, in command-line order.
  std::vector<FieldFlag> field_flags;
};

// ParseCommandLine parses argv without argv[0]. InvalidArgument for a usage
// error (unknown global flag, missing flag value, bad duration or header,
// --cert_file without --key_file or either without --ca_file). Files named
// by flags are not read here.
// `-h`/`--help` anywhere before the command yields command "help".
absl::StatusOr<CommandLine> ParseCommandLine(
    const std::vector<std::string>& args);

// ParseHeader splits "KEY=VALUE" (or "KEY: VALUE") into a lower-cased key and
// its value. InvalidArgument when there is no separator or the key is empty.
absl::StatusOr<std::pair<std::string, std::string>> ParseHeader(
    const std::string& text);

// ParseDurationFlag accepts absl durations ("30s", "1.5s", "500ms", "2m")
// and a bare number of seconds ("30"). Must be positive.
absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& text);

// kTokenEnvVar is the environment variable holding the caller's bearer
// token when there is no --token_file.
inline constexpr char kTokenEnvVar[] = "POLYTOMIC_GATEWAY_TOKEN";

// ReadFlagFile returns the contents of `path`, which flag --`flag` named.
// InvalidArgument naming the flag and the file (never its contents) when
// the file cannot be read or is larger than 1 MiB.
absl::StatusOr<std::string> ReadFlagFile(absl::string_view flag,
                                         const std::string& path);

// ReadTokenFile returns the first line of `path` (--token_file), trimmed.
// InvalidArgument naming the file, never the token, when the file cannot be
// read, the line is empty, or it has a byte gRPC metadata cannot carry (only
// printable ASCII without spaces is accepted).
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// ResolveToken is the bearer token to send: ReadTokenFile(cl.token_file)
// when set, else `env_token` (the value of kTokenEnvVar, nullptr when
// unset), trimmed. "" means no token: neither is set, the variable is
// blank, or a --header already sets `authorization` (which then wins over
// the variable; with --token_file it is a usage error). Errors name the
// source, never the token.
absl::StatusOr<std::string> ResolveToken(const CommandLine& cl,
                                         const char* env_token);

// BearerMetadata is the call metadata carrying `token`:
// {"authorization", "Bearer <token>"}.
std::pair<std::string, std::string> BearerMetadata(absl::string_view token);

// UsageText is the help text.
std::string UsageText();

}  // namespace client::ctl

#endif  // CLIENT_CTL_COMMAND_LINE_H_
