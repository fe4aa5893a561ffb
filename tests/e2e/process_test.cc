// Tests for tests/support/process.h, the helper every e2e test relies on,
// with /bin/sh as the child.
#include "tests/support/process.h"

#include <errno.h>
#include <signal.h>

#include <memory>
#include <regex>
#include <string>

#include "gtest/gtest.h"

namespace testsupport {
namespace {

constexpr char kShell[] = "/bin/sh";
constexpr absl::Duration kTimeout = absl::Seconds(60);

std::unique_ptr<Process> Shell(const std::string& script) {
  absl::StatusOr<std::unique_ptr<Process>> process =
      Process::Start(kShell, {"-c", script});
  EXPECT_TRUE(process.ok()) << process.status();
  return process.ok() ? *std::move(process) : nullptr;
}

TEST(ProcessTest, CapturesBothStreamsAndTheExitCode) {
  std::unique_ptr<Process> process = Shell("echo out; echo err >&2; exit 3");
  ASSERT_NE(process, nullptr);
  std::optional<ExitStatus> exit = process->WaitForExit(kTimeout);
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->exited);
  EXPECT_EQ(exit->code, 3);
  EXPECT_FALSE(exit->Succeeded());
  EXPECT_EQ(exit->ToString(), "exit code 3");
  EXPECT_EQ(process->Stdout(), "out\n");
  EXPECT_EQ(process->Stderr(), "err\n");
}

TEST(ProcessTest, WaitForLineReturnsTheGroupsOfLinesAlreadyPrinted) {
  std::unique_ptr<Process> process =
      Shell("echo starting; echo 'listening on 127.0.0.1:4321 now'");
  ASSERT_NE(process, nullptr);
  ASSERT_TRUE(process->WaitForExit(kTimeout).has_value());
  std::optional<std::vector<std::string>> match = process->WaitForLine(
      Process::kStdout, std::regex("on ([0-9.]+):([0-9]+)"), kTimeout);
  ASSERT_TRUE(match.has_value());
  ASSERT_EQ(match->size(), 3);
  EXPECT_EQ((*match)[1], "127.0.0.1");
  EXPECT_EQ((*match)[2], "4321");
}

TEST(ProcessTest, WaitForLineStopsAtTheEndOfTheStream) {
  // The last line has no newline; it still counts once the stream ends.
  std::unique_ptr<Process> process = Shell("echo one >&2; printf two >&2");
  ASSERT_NE(process, nullptr);
  EXPECT_TRUE(
      process->WaitForLine(Process::kStderr, std::regex("^two$"), kTimeout)
          .has_value());
  EXPECT_FALSE(
      process->WaitForLine(Process::kStderr, std::regex("three"), kTimeout)
          .has_value());
  EXPECT_FALSE(
      process->WaitForLine(Process::kStdout, std::regex("one"), kTimeout)
          .has_value());
}

TEST(ProcessTest, WaitForLineAndExitTimeOutOnASilentChild) {
  std::unique_ptr<Process> process = Shell("exec sleep 600");
  ASSERT_NE(process, nullptr);
  EXPECT_FALSE(process
                   ->WaitForLine(Process::kStdout, std::regex("."),
                                 absl::Milliseconds(50))
                   .has_value());
  EXPECT_FALSE(process->WaitForExit(absl::Milliseconds(50)).has_value());
  EXPECT_TRUE(process->Signal(SIGKILL));
  std::optional<ExitStatus> exit = process->WaitForExit(kTimeout);
  ASSERT_TRUE(exit.has_value());
  EXPECT_FALSE(exit->exited);
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_EQ(exit->ToString().rfind("killed by signal 9", 0), 0)
      << exit->ToString();
  // Reaped: no more signals to that pid.
  EXPECT_FALSE(process->Signal(SIGTERM));
}

TEST(ProcessTest, ChattyChildNeverBlocksOnAFullPipe) {
  // Far more than a pipe buffer holds, on both streams, before any read by
  // the test.
  std::unique_ptr<Process> process = Shell(
      "head -c 1000000 /dev/zero | tr '\\0' o; "
      "head -c 1000000 /dev/zero | tr '\\0' e >&2; echo; echo done");
  ASSERT_NE(process, nullptr);
  std::optional<ExitStatus> exit = process->WaitForExit(kTimeout);
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->Succeeded());
  EXPECT_EQ(process->Stdout().size(), 1000000 + 6);
  EXPECT_EQ(process->Stderr().size(), 1000000);
}

TEST(ProcessTest, StdinFromAFile) {
  ProcessOptions options;
  options.stdin_path = "/proc/self/cmdline";  // Any readable, non-empty file.
  absl::StatusOr<RunResult> run =
      RunProcess(kShell, {"-c", "wc -c"}, kTimeout, options);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_NE(run->out, "0\n");
  run = RunProcess(kShell, {"-c", "wc -c"}, kTimeout);  // /dev/null.
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->out, "0\n");
}

TEST(ProcessTest, DestructorKillsAChildThatIsStillRunning) {
  std::unique_ptr<Process> process = Shell("echo $$; exec sleep 600");
  ASSERT_NE(process, nullptr);
  std::optional<std::vector<std::string>> pid_line = process->WaitForLine(
      Process::kStdout, std::regex("^([0-9]+)$"), kTimeout);
  ASSERT_TRUE(pid_line.has_value());
  const pid_t pid = std::stoi((*pid_line)[1]);
  EXPECT_EQ(pid, process->pid());
  process.reset();
  // Killed and reaped: the pid is gone.
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(ProcessTest, RunProcessKillsWhatOutlivesItsTimeout) {
  absl::StatusOr<RunResult> run = RunProcess(
      kShell, {"-c", "echo started; exec sleep 600"}, absl::Milliseconds(100));
  EXPECT_EQ(run.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(run.status().message().find("started"), std::string::npos)
      << run.status();
}

TEST(ProcessTest, StartFailsForAMissingProgram) {
  absl::StatusOr<std::unique_ptr<Process>> process =
      Process::Start("/nonexistent/program", {});
  EXPECT_FALSE(process.ok());
}

}  // namespace
}  // namespace testsupport
