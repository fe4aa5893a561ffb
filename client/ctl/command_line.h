// command_line.h: parses polytomicctl's arguments into a CommandLine.
//
//   absl::StatusOr<client::ctl::CommandLine> cl =
//   client::ctl::ParseCommandLine(
//       {"--addr", "127.0.0.1:15051", "GetBulkSync", "--id=5b3c..."});
//   // cl->command == "GetBulkSync", cl->field_flags == {{"id", "5b3c..."}}
//
// Global flags (--addr, --timeout, --header, --dry-run) come before the
// command.
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
// error (unknown global flag, missing flag value, bad duration or header).
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

// UsageText is the help text.
std::string UsageText();

}  // namespace client::ctl

#endif  // CLIENT_CTL_COMMAND_LINE_H_
