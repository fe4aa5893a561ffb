#include "tests/support/promtool.h"

#include <unistd.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/support/process.h"
#include "tests/support/temp_files.h"

namespace testsupport {

absl::Status PromtoolCheckMetrics(const std::string& text) {
  const std::string promtool = PROMTOOL_BIN;
  if (access(promtool.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "promtool not found (", promtool,
        "): install the Debian package prometheus (deploy/install-deps.sh) "
        "and re-run cmake"));
  }
  TempFile input(text);
  if (input.path().empty()) {
    return absl::InternalError("cannot write the metrics to a temp file");
  }
  ProcessOptions options;
  options.stdin_path = input.path();
  absl::StatusOr<RunResult> run =
      RunProcess(promtool, {"check", "metrics"}, absl::Seconds(60), options);
  if (!run.ok()) return run.status();
  if (!run->status.Succeeded()) {
    return absl::InvalidArgumentError(
        absl::StrCat("promtool check metrics: ", run->status.ToString(), "\n",
                     run->out, run->err));
  }
  return absl::OkStatus();
}

}  // namespace testsupport
