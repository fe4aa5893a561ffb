// audit_test_util.h: helpers for the gateway/audit tests: a scratch
// directory, a fake clock, a blocking Append, and line-level file edits.
#ifndef TESTS_UNIT_AUDIT_AUDIT_TEST_UTIL_H_
#define TESTS_UNIT_AUDIT_AUDIT_TEST_UTIL_H_

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gateway/audit/audit_log.h"
#include "gateway/common/clock.h"
#include "gateway/common/json_codec.h"
#include "gtest/gtest.h"

namespace gateway::audit::testing {

// ScratchDir is a fresh directory path (not created) under the test temp
// directory, removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = std::filesystem::path(::testing::TempDir()) /
            absl::StrCat("audit_", info->test_suite_name(), "_", info->name(),
                         "_", getpid());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::permissions(root_, std::filesystem::perms::owner_all,
                                 ignored);
    std::filesystem::remove_all(root_, ignored);
  }
  // audit() is where the log lives: `<root>/audit`, not created.
  std::string audit() const { return (root_ / "audit").string(); }
  std::string root() const { return root_.string(); }
  std::string file(const std::string& name) const {
    return (root_ / "audit" / name).string();
  }

 private:
  std::filesystem::path root_;
};

// kNow is the tests' fixed time: 2024-05-01T12:00:00.000123Z.
inline const absl::Time kNow = absl::FromUnixMicros(1714564800000123);

// FakeClock tells a settable time.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time now) : now_(now) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time now) {
    absl::MutexLock lock(&mu_);
    now_ = now;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;
};

// AppendAndWait appends and waits for `done`.
inline absl::Status AppendAndWait(AuditLog& log, Json record,
                                  bool durable = false) {
  absl::Notification written;
  absl::Status result;
  log.Append(std::move(record), durable, [&](absl::Status status) {
    result = std::move(status);
    written.Notify();
  });
  written.WaitForNotification();
  return result;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// ReadLines returns the '\n'-terminated lines of a file (a torn last line is
// returned too).
inline std::vector<std::string> ReadLines(const std::string& path) {
  std::string content = ReadFile(path);
  if (!content.empty() && content.back() == '\n') content.pop_back();
  if (content.empty()) return {};
  return absl::StrSplit(content, '\n');
}

inline void WriteLines(const std::string& path,
                       const std::vector<std::string>& lines) {
  WriteFile(path, absl::StrCat(absl::StrJoin(lines, "\n"), "\n"));
}

inline Json ParseLine(const std::string& line) {
  return Json::parse(line, nullptr, /*allow_exceptions=*/false);
}

}  // namespace gateway::audit::testing

#endif  // TESTS_UNIT_AUDIT_AUDIT_TEST_UTIL_H_
