#include "client/bench/proc_stats.h"

#include <dirent.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace client::bench {
namespace {

// FieldValue parses the number of a "Name:   1234 kB" line.
bool FieldValue(absl::string_view line, absl::string_view name,
                int64_t* value) {
  if (!absl::ConsumePrefix(&line, name) || !absl::ConsumePrefix(&line, ":")) {
    return false;
  }
  line = absl::StripAsciiWhitespace(line);
  absl::ConsumeSuffix(&line, "kB");
  return absl::SimpleAtoi(absl::StripAsciiWhitespace(line), value);
}

// ReadFile reads a whole /proc file; NotFound when it cannot be opened.
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};

}  // namespace

absl::StatusOr<ProcStatus> ParseProcStatus(absl::string_view text) {
  ProcStatus status;
  bool has_threads = false;
  bool has_rss = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    has_threads |= FieldValue(line, "Threads", &status.threads);
    has_rss |= FieldValue(line, "VmRSS", &status.vm_rss_kb);
    FieldValue(line, "VmHWM", &status.vm_hwm_kb);
  }
  if (!has_threads || !has_rss) {
    return absl::InvalidArgumentError(
        "no Threads or VmRSS line in the process status");
  }
  return status;
}

absl::StatusOr<ProcStatus> ReadProcStatus(pid_t pid) {
  absl::StatusOr<std::string> text = ReadFile(
      pid == 0 ? "/proc/self/status" : absl::StrCat("/proc/", pid, "/status"));
  if (!text.ok()) return text.status();
  return ParseProcStatus(*text);
}

absl::StatusOr<ContextSwitches> ParseContextSwitches(absl::string_view text) {
  ContextSwitches switches;
  bool has_voluntary = false;
  bool has_involuntary = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    has_voluntary |=
        FieldValue(line, "voluntary_ctxt_switches", &switches.voluntary);
    has_involuntary |=
        FieldValue(line, "nonvoluntary_ctxt_switches", &switches.involuntary);
  }
  if (!has_voluntary || !has_involuntary) {
    return absl::InvalidArgumentError(
        "no voluntary_ctxt_switches or nonvoluntary_ctxt_switches line in the "
        "thread status");
  }
  return switches;
}

absl::StatusOr<std::map<pid_t, ContextSwitches>> ReadThreadContextSwitches(
    pid_t pid) {
  const std::string tasks = absl::StrCat("/proc/", pid, "/task");
  std::unique_ptr<DIR, DirCloser> dir(opendir(tasks.c_str()));
  if (dir == nullptr) {
    return absl::NotFoundError(absl::StrCat("cannot list ", tasks));
  }
  std::map<pid_t, ContextSwitches> by_thread;
  while (const dirent* entry = readdir(dir.get())) {
    pid_t tid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &tid)) continue;  // "." and "..".
    absl::StatusOr<std::string> text =
        ReadFile(absl::StrCat(tasks, "/", tid, "/status"));
    if (!text.ok()) continue;  // The thread exited since readdir().
    absl::StatusOr<ContextSwitches> switches = ParseContextSwitches(*text);
    if (!switches.ok()) return switches.status();
    by_thread[tid] = *switches;
  }
  return by_thread;
}

ContextSwitches ContextSwitchesSince(
    const std::map<pid_t, ContextSwitches>& before,
    const std::map<pid_t, ContextSwitches>& now) {
  ContextSwitches total;
  for (const auto& [tid, switches] : now) {
    total.voluntary += switches.voluntary;
    total.involuntary += switches.involuntary;
    if (auto it = before.find(tid); it != before.end()) {
      total.voluntary -= it->second.voluntary;
      total.involuntary -= it->second.involuntary;
    }
  }
  return total;
}

absl::StatusOr<absl::Duration> ReadProcessCpuTime(pid_t pid) {
  clockid_t clock;
  if (const int error = clock_getcpuclockid(pid, &clock); error != 0) {
    return absl::NotFoundError(absl::StrCat("no CPU-time clock for process ",
                                            pid, ": ", std::strerror(error)));
  }
  timespec cpu;
  if (clock_gettime(clock, &cpu) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot read the CPU time of ", pid,
                                            ": ", std::strerror(errno)));
  }
  return absl::DurationFromTimespec(cpu);
}

ProcSampler::ProcSampler(pid_t pid, absl::Duration interval)
    : pid_(pid), interval_(interval) {}

ProcSampler::~ProcSampler() {
  if (thread_.joinable()) {
    if (!stop_.HasBeenNotified()) stop_.Notify();
    thread_.join();
  }
}

void ProcSampler::Sample(Kind kind) {
  absl::StatusOr<ProcStatus> status = ReadProcStatus(pid_);
  absl::MutexLock lock(&mu_);
  if (!status.ok()) {
    window_.valid = false;
    window_.error = std::string(status.status().message());
    return;
  }
  if (kind == Kind::kBaseline) {
    window_.valid = true;
    window_.before_load = *status;
    return;
  }
  if (kind == Kind::kStart) {
    window_.at_start = *status;
    window_.min_threads = window_.max_threads = status->threads;
  }
  window_.at_end = *status;
  window_.min_threads = std::min(window_.min_threads, status->threads);
  window_.max_threads = std::max(window_.max_threads, status->threads);
  window_.max_rss_kb = std::max(window_.max_rss_kb, status->vm_rss_kb);
  ++window_.samples;
}

bool ProcSampler::ReadCounters(absl::Duration* cpu,
                               std::map<pid_t, ContextSwitches>* switches) {
  absl::StatusOr<absl::Duration> cpu_time = ReadProcessCpuTime(pid_);
  absl::StatusOr<std::map<pid_t, ContextSwitches>> by_thread =
      ReadThreadContextSwitches(pid_);
  const absl::Status status =
      !cpu_time.ok() ? cpu_time.status() : by_thread.status();
  if (!status.ok()) {
    absl::MutexLock lock(&mu_);
    window_.valid = false;
    window_.error = std::string(status.message());
    return false;
  }
  *cpu = *cpu_time;
  *switches = *std::move(by_thread);
  return true;
}

void ProcSampler::Baseline() { Sample(Kind::kBaseline); }

void ProcSampler::Start() {
  ReadCounters(&cpu_at_start_, &switches_at_start_);
  Sample(Kind::kStart);
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(interval_)) {
      Sample(Kind::kDuring);
    }
  });
}

void ProcSampler::Stop() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
  Sample(Kind::kDuring);
  absl::Duration cpu;
  std::map<pid_t, ContextSwitches> switches;
  if (!ReadCounters(&cpu, &switches)) return;
  absl::MutexLock lock(&mu_);
  window_.cpu = cpu - cpu_at_start_;
  window_.context_switches = ContextSwitchesSince(switches_at_start_, switches);
}

ProcWindow ProcSampler::window() const {
  absl::MutexLock lock(&mu_);
  return window_;
}

}  // namespace client::bench
