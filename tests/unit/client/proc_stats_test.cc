// Tests for client/bench/proc_stats.h: parsing /proc/<pid>/status and the
// threads' context switches, reading CPU time, sampling a window.
#include "client/bench/proc_stats.h"

#include <unistd.h>

#include <map>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace client::bench {
namespace {

// An excerpt of a real /proc/self/status (Linux 6.x).
constexpr char kStatus[] =
    "Name:\tpolytomic-gatew\n"
    "Umask:\t0022\n"
    "State:\tS (sleeping)\n"
    "Tgid:\t4242\n"
    "VmPeak:\t  912345 kB\n"
    "VmSize:\t  812345 kB\n"
    "VmHWM:\t   65432 kB\n"
    "VmRSS:\t   54321 kB\n"
    "RssAnon:\t   40000 kB\n"
    "Threads:\t17\n"
    "SigQ:\t0/63444\n";

TEST(ParseProcStatusTest, ReadsThreadsRssAndPeak) {
  absl::StatusOr<ProcStatus> status = ParseProcStatus(kStatus);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->threads, 17);
  EXPECT_EQ(status->vm_rss_kb, 54321);
  EXPECT_EQ(status->vm_hwm_kb, 65432);
}

TEST(ParseProcStatusTest, PeakIsOptional) {
  absl::StatusOr<ProcStatus> status =
      ParseProcStatus("Threads: 3\nVmRSS: 100 kB");  // No final newline.
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->threads, 3);
  EXPECT_EQ(status->vm_rss_kb, 100);
  EXPECT_EQ(status->vm_hwm_kb, 0);
}

TEST(ParseProcStatusTest, SimilarNamesDoNotMatch) {
  // "RssAnon" must not be read as VmRSS, nor "VmRSSx" as VmRSS.
  absl::StatusOr<ProcStatus> status =
      ParseProcStatus("Threads:\t2\nRssAnon:\t7 kB\nVmRSSx:\t9 kB\n");
  EXPECT_EQ(status.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseProcStatusTest, MissingOrMalformedFieldsAreErrors) {
  EXPECT_EQ(ParseProcStatus("VmRSS:\t1 kB\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseProcStatus("Threads:\t1\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseProcStatus("Threads:\tmany\nVmRSS:\t1 kB\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseProcStatus("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// An excerpt of a real /proc/<pid>/task/<tid>/status (Linux 6.x).
constexpr char kTaskStatus[] =
    "Name:\tgrpc_global_tim\n"
    "Threads:\t17\n"
    "Cpus_allowed_list:\t0-1\n"
    "voluntary_ctxt_switches:\t1520\n"
    "nonvoluntary_ctxt_switches:\t37\n";

TEST(ParseContextSwitchesTest, ReadsBothCounts) {
  absl::StatusOr<ContextSwitches> switches = ParseContextSwitches(kTaskStatus);
  ASSERT_TRUE(switches.ok()) << switches.status();
  // "nonvoluntary_ctxt_switches" must not be read as the voluntary count.
  EXPECT_EQ(switches->voluntary, 1520);
  EXPECT_EQ(switches->involuntary, 37);
}

TEST(ParseContextSwitchesTest, MissingOrMalformedCountsAreErrors) {
  EXPECT_EQ(
      ParseContextSwitches("voluntary_ctxt_switches:\t3\n").status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ParseContextSwitches("nonvoluntary_ctxt_switches:\t3\n").status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseContextSwitches("voluntary_ctxt_switches:\tx\n"
                                 "nonvoluntary_ctxt_switches:\t3\n")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseContextSwitches(kStatus).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ContextSwitchesSinceTest, SumsPerThreadDifferences) {
  const std::map<pid_t, ContextSwitches> before = {
      {10, {100, 5}}, {11, {50, 1}}, {12, {70, 7}}};
  // 10 ran on, 11 exited (missed), 13 started.
  const std::map<pid_t, ContextSwitches> now = {
      {10, {130, 6}}, {12, {70, 9}}, {13, {4, 1}}};
  const ContextSwitches since = ContextSwitchesSince(before, now);
  EXPECT_EQ(since.voluntary, 30 + 0 + 4);
  EXPECT_EQ(since.involuntary, 1 + 2 + 1);
}

TEST(ReadThreadContextSwitchesTest, OneEntryPerThreadOfThisProcess) {
  absl::Notification release;
  std::thread other([&release] { release.WaitForNotification(); });
  absl::StatusOr<std::map<pid_t, ContextSwitches>> by_thread =
      ReadThreadContextSwitches(getpid());
  absl::StatusOr<ProcStatus> status = ReadProcStatus(0);
  release.Notify();
  other.join();
  ASSERT_TRUE(by_thread.ok()) << by_thread.status();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(static_cast<int64_t>(by_thread->size()), status->threads);
  EXPECT_EQ(by_thread->count(getpid()), 1u);  // The main thread.
  EXPECT_EQ(ReadThreadContextSwitches(0x7ffffff0).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ReadProcessCpuTimeTest, ThisProcessHasSpentCpu) {
  absl::StatusOr<absl::Duration> first = ReadProcessCpuTime(getpid());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_GT(*first, absl::ZeroDuration());
  absl::StatusOr<absl::Duration> second = ReadProcessCpuTime(getpid());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_GE(*second, *first);
  EXPECT_EQ(ReadProcessCpuTime(0x7ffffff0).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ReadProcStatusTest, ThisProcessByZeroAndByPid) {
  for (pid_t pid : {pid_t{0}, getpid()}) {
    absl::StatusOr<ProcStatus> status = ReadProcStatus(pid);
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_GE(status->threads, 1);
    EXPECT_GT(status->vm_rss_kb, 0);
    EXPECT_GE(status->vm_hwm_kb, status->vm_rss_kb);
  }
}

TEST(ReadProcStatusTest, NoSuchProcess) {
  // Above the kernel's pid_max limit (2^22), so never a live process.
  EXPECT_EQ(ReadProcStatus(0x7ffffff0).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ProcSamplerTest, SamplesThisProcessOverAWindow) {
  ProcSampler sampler(getpid(), absl::Milliseconds(1));
  sampler.Baseline();
  sampler.Start();
  sampler.Stop();
  const ProcWindow window = sampler.window();
  ASSERT_TRUE(window.valid) << window.error;
  EXPECT_GE(window.samples, 2);  // Start and Stop at least.
  EXPECT_GE(window.before_load.threads, 1);
  EXPECT_LE(window.min_threads, window.max_threads);
  EXPECT_GE(window.max_rss_kb, window.at_start.vm_rss_kb);
  EXPECT_GE(window.max_rss_kb, window.at_end.vm_rss_kb);
  EXPECT_GE(window.cpu, absl::ZeroDuration());
  EXPECT_GE(window.context_switches.voluntary, 0);
  EXPECT_GE(window.context_switches.involuntary, 0);
}

TEST(ProcSamplerTest, InvalidWhenTheProcessIsGone) {
  ProcSampler sampler(0x7ffffff0, absl::Milliseconds(1));
  sampler.Baseline();
  sampler.Start();
  sampler.Stop();
  const ProcWindow window = sampler.window();
  EXPECT_FALSE(window.valid);
  EXPECT_FALSE(window.error.empty());
}

}  // namespace
}  // namespace client::bench
