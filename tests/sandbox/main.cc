// polytomic-sandbox: runs the Polytomic API emulator as a process (for the
// quickstart and end-to-end tests).
//
//   polytomic-sandbox --listen 127.0.0.1:8081 --api-key dev-key --seed
//
// Prints the listening address, the organizations and seeded ids, then one
// line per request (never a credential). SIGTERM or SIGINT stops it cleanly
// (exit 0); bad flags print the usage and exit 2.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/sandbox/sandbox.h"

namespace {

constexpr char kUsage[] =
    "usage: polytomic-sandbox --listen HOST:PORT --api-key KEY "
    "[--api-key KEY ...]\n"
    "                         [--org-key ORG_ID:KEY ...] [--seed]\n"
    "                         [--execution-seconds N] [--threads N]\n"
    "                         [--keep-alive-max-requests N]\n"
    "\n"
    "  --listen HOST:PORT       address to serve on (PORT 0: any free port)\n"
    "  --api-key KEY            Bearer API key; each acts for its own "
    "organization\n"
    "  --org-key ORG_ID:KEY     Basic organization-scoped key\n"
    "  --seed                   create sample connections and syncs\n"
    "  --execution-seconds N    executions finish after N seconds (0: only "
    "via the finish hook)\n"
    "  --threads N              HTTP worker threads (default 64)\n"
    "  --keep-alive-max-requests N\n"
    "                           requests per keep-alive connection (default "
    "100000)\n";

int UsageError(const std::string& problem) {
  std::cerr << "polytomic-sandbox: " << problem << "\n\n" << kUsage;
  return 2;
}

bool ParseListen(const std::string& value, sandbox::Options& options) {
  size_t colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = value.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  if (!absl::SimpleAtoi(value.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return false;
  }
  options.host = host;
  options.port = port;
  return true;
}

void PrintLine(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  sandbox::Options options;
  bool have_listen = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (size_t eq = arg.find('=');
        arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto next = [&](std::string& out) {
      if (has_value) {
        out = value;
        return true;
      }
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--seed" && !has_value) {
      options.seed = true;
    } else if (arg == "--listen") {
      if (!next(v) || !ParseListen(v, options)) {
        return UsageError("--listen needs HOST:PORT");
      }
      have_listen = true;
    } else if (arg == "--api-key") {
      if (!next(v) || v.empty()) return UsageError("--api-key needs a key");
      options.api_keys.push_back(v);
    } else if (arg == "--org-key") {
      size_t colon;
      if (!next(v) || (colon = v.find(':')) == std::string::npos ||
          colon == 0 || colon + 1 == v.size()) {
        return UsageError("--org-key needs ORG_ID:KEY");
      }
      options.org_keys.emplace_back(v.substr(0, colon), v.substr(colon + 1));
    } else if (arg == "--execution-seconds") {
      if (!next(v) || !absl::SimpleAtoi(v, &options.execution_seconds) ||
          options.execution_seconds < 0) {
        return UsageError("--execution-seconds needs a number >= 0");
      }
    } else if (arg == "--keep-alive-max-requests") {
      if (!next(v) || !absl::SimpleAtoi(v, &options.keep_alive_max_requests) ||
          options.keep_alive_max_requests < 1) {
        return UsageError("--keep-alive-max-requests needs a number >= 1");
      }
    } else if (arg == "--threads") {
      if (!next(v) || !absl::SimpleAtoi(v, &options.threads) ||
          options.threads < 1) {
        return UsageError("--threads needs a number >= 1");
      }
    } else {
      return UsageError("unknown argument " + arg);
    }
  }
  if (!have_listen) return UsageError("--listen is required");
  if (options.api_keys.empty()) {
    return UsageError("at least one --api-key is required");
  }

  // Block the stop signals before any thread starts so that every server
  // thread inherits the mask and only sigwait() below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  options.log_sink = PrintLine;
  const std::vector<std::string> api_keys = options.api_keys;
  const auto org_keys = options.org_keys;
  absl::StatusOr<std::unique_ptr<sandbox::Sandbox>> started =
      sandbox::Sandbox::Start(std::move(options));
  if (!started.ok()) {
    std::cerr << "polytomic-sandbox: " << started.status().message() << "\n";
    return 1;
  }
  sandbox::Sandbox& sb = **started;
  PrintLine("polytomic-sandbox listening on " + sb.base_url() +
            " (API version 2025-09-18)");
  for (size_t i = 0; i < api_keys.size(); ++i) {
    PrintLine(
        absl::StrCat("api key ", i + 1, " -> organization ",
                     sandbox::Sandbox::OrganizationOfApiKey(api_keys[i])));
  }
  for (size_t i = 0; i < org_keys.size(); ++i) {
    PrintLine(absl::StrCat("organization key ", i + 1, " -> organization ",
                           org_keys[i].first));
  }
  if (!sb.seed_result().is_null()) {
    PrintLine("seeded: " + sb.seed_result().dump());
  }

  int signal = 0;
  sigwait(&signals, &signal);
  PrintLine(absl::StrCat("polytomic-sandbox stopping (signal ", signal, ")"));
  sb.Stop();
  return 0;
}
