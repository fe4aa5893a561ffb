// process.h: runs a program as a child process for end-to-end tests: spawn
// it with arguments, read its output as it comes, wait for a line, signal
// it, wait for it to exit.
//
//   absl::StatusOr<std::unique_ptr<testsupport::Process>> server =
//       testsupport::Process::Start("/path/polytomic-sandbox",
//                                   {"--listen", "127.0.0.1:0"});
//   ASSERT_TRUE(server.ok()) << server.status();
//   std::optional<std::vector<std::string>> match = (*server)->WaitForLine(
//       testsupport::Process::kStdout, std::regex("listening on (\\S+)"),
//       absl::Seconds(30));
//   ASSERT_TRUE(match.has_value()) << (*server)->Stderr();
//   std::string address = (*match)[1];
//   (*server)->Signal(SIGTERM);
//   std::optional<testsupport::ExitStatus> exit =
//       (*server)->WaitForExit(absl::Seconds(30));
//   EXPECT_TRUE(exit.has_value() && exit->Succeeded());
//
//   absl::StatusOr<testsupport::RunResult> run =
//       testsupport::RunProcess("/path/polytomicctl", {"list"},
//                               absl::Seconds(30));
//
// The child's stdout and stderr go to pipes that a thread per stream drains
// into memory as they arrive, so a chatty child never blocks on a full pipe
// and waiting for a line means waiting on that data, never sleeping. A third
// thread waits for the child's exit. The destructor kills the child's
// process group (SIGKILL) if the child is still running, so a failed test
// never leaves a server behind.
#ifndef TESTS_SUPPORT_PROCESS_H_
#define TESTS_SUPPORT_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace testsupport {

// ExitStatus is how a child ended: by exit() with `code`, or killed by
// `signal`.
struct ExitStatus {
  bool exited = false;  // True: exited normally with `code`.
  int code = 0;
  int signal = 0;  // The signal that killed it when !exited.

  bool Succeeded() const { return exited && code == 0; }
  // ToString is "exit code N" or "killed by signal N (NAME)".
  std::string ToString() const;
};

// ProcessOptions are optional settings of Process::Start.
struct ProcessOptions {
  // The child's stdin; /dev/null unless set.
  std::string stdin_path = "/dev/null";
};

// Process is one running child process.
//
// Thread safety: every method may be called from any thread; output is
// appended by internal reader threads.
class Process {
 public:
  enum Stream { kStdout = 0, kStderr = 1 };

  // Start spawns `program` (a path; not searched in PATH) with `args` (not
  // including argv[0]) in its own process group, with this process's
  // environment, stdin from options.stdin_path and default signal
  // dispositions and an empty signal mask. Fails when the program cannot be
  // spawned.
  static absl::StatusOr<std::unique_ptr<Process>> Start(
      const std::string& program, const std::vector<std::string>& args,
      const ProcessOptions& options = {});

  // Kills the child's process group if the child still runs, reaps it and
  // joins the helper threads.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // WaitForLine waits until a complete line of `stream` matches `pattern`
  // (std::regex_search) and returns the match and its groups ([0] is the
  // whole match). Lines are searched from the start of the output every
  // time, so a line printed before the call is found too. nullopt when
  // `timeout` passes or the stream ends without such a line.
  std::optional<std::vector<std::string>> WaitForLine(Stream stream,
                                                      const std::regex& pattern,
                                                      absl::Duration timeout);

  // Signal sends `signal_number` to the child. False (and nothing is sent)
  // when the child has already been reaped, so a recycled pid is never hit.
  bool Signal(int signal_number);

  // WaitForExit waits until the child has exited and both its output
  // streams are drained. nullopt when `timeout` passes first (the child is
  // left running).
  std::optional<ExitStatus> WaitForExit(absl::Duration timeout);

  // The output so far.
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  Process(pid_t pid, int stdout_fd, int stderr_fd);

  void ReadLoop(Stream stream, int fd);
  void WaitLoop();

  const pid_t pid_;
  mutable absl::Mutex mu_;
  std::string output_[2] ABSL_GUARDED_BY(mu_);
  bool eof_[2] ABSL_GUARDED_BY(mu_) = {false, false};
  std::optional<ExitStatus> exit_ ABSL_GUARDED_BY(mu_);
  std::thread readers_[2];
  std::thread waiter_;
};

// RunResult is a finished run of a program.
struct RunResult {
  ExitStatus status;
  std::string out;
  std::string err;
};

// RunProcess starts `program`, waits for it to exit and returns its exit
// status and output. DeadlineExceeded (after killing it) when it runs
// longer than `timeout`.
absl::StatusOr<RunResult> RunProcess(const std::string& program,
                                     const std::vector<std::string>& args,
                                     absl::Duration timeout,
                                     const ProcessOptions& options = {});

}  // namespace testsupport

#endif  // TESTS_SUPPORT_PROCESS_H_
