#include "client/bench/proc_stats.h"

#include <algorithm>
#include <fstream>
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
  const std::string path =
      pid == 0 ? "/proc/self/status" : absl::StrCat("/proc/", pid, "/status");
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << file.rdbuf();
  return ParseProcStatus(text.str());
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

void ProcSampler::Baseline() { Sample(Kind::kBaseline); }

void ProcSampler::Start() {
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
}

ProcWindow ProcSampler::window() const {
  absl::MutexLock lock(&mu_);
  return window_;
}

}  // namespace client::bench
