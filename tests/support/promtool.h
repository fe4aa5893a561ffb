// promtool.h: checks metrics text with Prometheus's own linter,
// `promtool check metrics` (Debian package `prometheus`).
//
//   EXPECT_TRUE(testsupport::PromtoolCheckMetrics(registry.RenderText()).ok());
//
// promtool is required, not optional: when it is missing the check fails
// (the tests that use it fail; they never skip), saying how to install it.
#ifndef TESTS_SUPPORT_PROMTOOL_H_
#define TESTS_SUPPORT_PROMTOOL_H_

#include <string>

#include "absl/status/status.h"

namespace testsupport {

// PromtoolCheckMetrics feeds `text` to `promtool check metrics` on its stdin
// and returns OK when promtool accepts it (parses, and no lint problem);
// otherwise an error carrying promtool's output, or FAILED_PRECONDITION when
// promtool (PROMTOOL_BIN, found by CMake) cannot be run. Blocks until
// promtool exits (at most 60 s).
absl::Status PromtoolCheckMetrics(const std::string& text);

}  // namespace testsupport

#endif  // TESTS_SUPPORT_PROMTOOL_H_
