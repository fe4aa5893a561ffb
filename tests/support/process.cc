#include "tests/support/process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace testsupport {
namespace {

// Spawn wraps posix_spawn's C setup, freeing it on every path.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions_);
    posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  posix_spawn_file_actions_t* actions() { return &actions_; }
  posix_spawnattr_t* attr() { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

void CloseAll(std::initializer_list<int> fds) {
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
}

}  // namespace

std::string ExitStatus::ToString() const {
  if (exited) return absl::StrCat("exit code ", code);
  return absl::StrCat("killed by signal ", signal, " (", strsignal(signal),
                      ")");
}

absl::StatusOr<std::unique_ptr<Process>> Process::Start(
    const std::string& program, const std::vector<std::string>& args,
    const ProcessOptions& options) {
  // Close-on-exec, so children spawned concurrently by other threads do not
  // inherit (and hold open) these pipes; dup2 in the child clears the flag
  // on its copies.
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    const int error = errno;
    CloseAll({out[0], out[1], err[0], err[1]});
    return absl::InternalError(absl::StrCat("pipe2: ", strerror(error)));
  }

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(setup.actions(), STDIN_FILENO,
                                   options.stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(setup.actions(), out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(setup.actions(), err[1], STDERR_FILENO);
  // Its own process group, so the destructor can kill whatever it started;
  // a clean signal state, whatever this (test) thread has blocked.
  posix_spawnattr_setflags(setup.attr(), POSIX_SPAWN_SETPGROUP |
                                             POSIX_SPAWN_SETSIGMASK |
                                             POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(setup.attr(), 0);
  sigset_t mask;
  sigemptyset(&mask);
  posix_spawnattr_setsigmask(setup.attr(), &mask);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int signal_number : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE}) {
    sigaddset(&defaults, signal_number);
  }
  posix_spawnattr_setsigdefault(setup.attr(), &defaults);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), setup.actions(),
                             setup.attr(), argv.data(), environ);
  CloseAll({out[1], err[1]});
  if (rc != 0) {
    CloseAll({out[0], err[0]});
    return absl::InternalError(
        absl::StrCat("cannot spawn ", program, ": ", strerror(rc)));
  }
  return std::unique_ptr<Process>(new Process(pid, out[0], err[0]));
}

Process::Process(pid_t pid, int stdout_fd, int stderr_fd) : pid_(pid) {
  readers_[kStdout] =
      std::thread([this, stdout_fd] { ReadLoop(kStdout, stdout_fd); });
  readers_[kStderr] =
      std::thread([this, stderr_fd] { ReadLoop(kStderr, stderr_fd); });
  waiter_ = std::thread([this] { WaitLoop(); });
}

Process::~Process() {
  {
    absl::MutexLock lock(&mu_);
    // Not reaped yet, so the pid (and its group id) still belong to it.
    if (!exit_.has_value()) kill(-pid_, SIGKILL);
  }
  waiter_.join();
  readers_[kStdout].join();
  readers_[kStderr].join();
}

void Process::ReadLoop(Stream stream, int fd) {
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    absl::MutexLock lock(&mu_);
    if (n <= 0) {
      eof_[stream] = true;
      break;
    }
    output_[stream].append(buffer, static_cast<size_t>(n));
  }
  close(fd);
}

void Process::WaitLoop() {
  // Wait without reaping, then reap under the lock: while exit_ is unset the
  // child is at worst a zombie, so Signal() never hits a recycled pid.
  siginfo_t info;
  while (waitid(P_PID, pid_, &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
  absl::MutexLock lock(&mu_);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  ExitStatus exit;
  if (WIFEXITED(status)) {
    exit.exited = true;
    exit.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    exit.signal = WTERMSIG(status);
  }
  exit_ = exit;
}

std::optional<std::vector<std::string>> Process::WaitForLine(
    Stream stream, const std::regex& pattern, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  size_t scanned = 0;  // Start of the first line not yet searched.
  absl::MutexLock lock(&mu_);
  while (true) {
    const std::string& output = output_[stream];
    while (scanned < output.size()) {
      size_t end = output.find('\n', scanned);
      if (end == std::string::npos) {
        if (!eof_[stream]) break;  // A partial line; wait for the rest.
        end = output.size();
      }
      const std::string line = output.substr(scanned, end - scanned);
      scanned = end + 1;
      std::smatch match;
      if (std::regex_search(line, match, pattern)) {
        return std::vector<std::string>(match.begin(), match.end());
      }
    }
    if (eof_[stream]) return std::nullopt;
    const std::string::size_type size = output.size();
    // Wakes when the reader appends or hits the end of the stream.
    auto changed = [this, stream, size]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return output_[stream].size() != size || eof_[stream];
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&changed), deadline)) {
      return std::nullopt;
    }
  }
}

bool Process::Signal(int signal_number) {
  absl::MutexLock lock(&mu_);
  if (exit_.has_value()) return false;
  return kill(pid_, signal_number) == 0;
}

std::optional<ExitStatus> Process::WaitForExit(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return exit_.has_value() && eof_[kStdout] && eof_[kStderr];
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&done), timeout)) {
    return std::nullopt;
  }
  return exit_;
}

std::string Process::Stdout() const {
  absl::MutexLock lock(&mu_);
  return output_[kStdout];
}

std::string Process::Stderr() const {
  absl::MutexLock lock(&mu_);
  return output_[kStderr];
}

absl::StatusOr<RunResult> RunProcess(const std::string& program,
                                     const std::vector<std::string>& args,
                                     absl::Duration timeout,
                                     const ProcessOptions& options) {
  absl::StatusOr<std::unique_ptr<Process>> process =
      Process::Start(program, args, options);
  if (!process.ok()) return process.status();
  std::optional<ExitStatus> status = (*process)->WaitForExit(timeout);
  if (!status.has_value()) {
    return absl::DeadlineExceededError(absl::StrCat(
        program, " did not exit within ", absl::FormatDuration(timeout),
        "; stdout:\n", (*process)->Stdout(), "\nstderr:\n",
        (*process)->Stderr()));
  }
  return RunResult{*status, (*process)->Stdout(), (*process)->Stderr()};
}

}  // namespace testsupport
