// Tests of AuditLog: chaining, reopen, rotation, crash recovery, durability
// ordering, concurrency and write failures. Every wait is on a `done`
// callback; nothing sleeps.
#include "gateway/audit/audit_log.h"

#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gateway/common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/audit/audit_test_util.h"

namespace gateway::audit {
namespace {

using ::gateway::audit::testing::AppendAndWait;
using ::gateway::audit::testing::FakeClock;
using ::gateway::audit::testing::kNow;
using ::gateway::audit::testing::ParseLine;
using ::gateway::audit::testing::ReadFile;
using ::gateway::audit::testing::ReadLines;
using ::gateway::audit::testing::ScratchDir;
using ::gateway::audit::testing::WriteFile;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

gateway::config::v1::Audit Options(const std::string& directory,
                                   int64_t max_file_bytes = 64 << 20) {
  gateway::config::v1::Audit options;
  options.set_directory(directory);
  options.set_max_file_bytes(max_file_bytes);
  return options;
}

Json Event(const std::string& event, int n) {
  Json record = Json::object();
  record["event"] = event;
  record["n"] = n;
  return record;
}

// AuditLogTest gives each test a scratch audit directory and a fake clock.
class AuditLogTest : public ::testing::Test {
 protected:
  // OpenLog opens the log in `dir_`, rotating at `max_file_bytes`.
  absl::StatusOr<std::unique_ptr<AuditLog>> OpenLog(
      int64_t max_file_bytes = 64 << 20) {
    return AuditLog::Open(Options(dir_.audit(), max_file_bytes), &clock_);
  }

  ScratchDir dir_;
  FakeClock clock_{kNow};
};

TEST_F(AuditLogTest, RecordsChainAndVerify) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(AppendAndWait(**log, Event("call", i)).ok());
  }
  Json timed = Json::object();
  timed["time"] = "given";
  timed["event"] = "timed";
  ASSERT_TRUE(AppendAndWait(**log, timed).ok());
  log->reset();

  const std::vector<std::string> lines = ReadLines(dir_.file("audit.jsonl"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_THAT(lines[0], StartsWith(R"({"seq":1,"time":"2024-05-01T12:00:00.)"
                                   R"(000123Z","prev":"","event":"call",)"
                                   R"("n":0,"hash":")"));
  std::string prev;
  for (size_t i = 0; i < lines.size(); ++i) {
    Json record = ParseLine(lines[i]);
    ASSERT_TRUE(record.is_object()) << lines[i];
    EXPECT_EQ(record["seq"], i + 1);
    EXPECT_EQ(record["prev"], prev);
    const std::string hash = record["hash"];
    record.erase("hash");
    EXPECT_EQ(RecordHash(prev, record), hash);
    prev = hash;
  }
  EXPECT_EQ(ParseLine(lines[3])["time"], "given");

  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_EQ(report.records, 4);
  EXPECT_EQ(report.files, 1);
}

TEST_F(AuditLogTest, FlushWaitsForEverythingAppendedBefore) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < 5; ++i) {
    (*log)->Append(Event("call", i), /*durable=*/false, nullptr);
  }
  absl::Notification flushed;
  absl::Status result = absl::UnknownError("not run");
  (*log)->Flush([&](absl::Status status) {
    result = status;
    flushed.Notify();
  });
  flushed.WaitForNotification();
  EXPECT_TRUE(result.ok()) << result;
  // Read while the log is still open: the five lines are already there.
  EXPECT_EQ(ReadLines(dir_.file("audit.jsonl")).size(), 5u);
}

TEST_F(AuditLogTest, RecordHashIsSha256OfPrevNewlineCompactJson) {
  Json record = Json::object();
  record["b"] = 1;
  record["a"] = "x";
  EXPECT_EQ(RecordHash("abc", record), Sha256Hex("abc\n{\"b\":1,\"a\":\"x\"}"));
}

TEST_F(AuditLogTest, CallerSeqPrevAndHashAreReplaced) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok()) << log.status();
  Json record = Json::object();
  record["seq"] = 99;
  record["prev"] = "forged";
  record["hash"] = "forged";
  record["event"] = "e";
  ASSERT_TRUE(AppendAndWait(**log, record).ok());
  log->reset();

  const Json written = ParseLine(ReadLines(dir_.file("audit.jsonl")).at(0));
  EXPECT_EQ(written["seq"], 1);
  EXPECT_EQ(written["prev"], "");
  EXPECT_NE(written["hash"], "forged");
  EXPECT_TRUE(VerifyAuditTrail(dir_.audit()).ok);
}

TEST_F(AuditLogTest, NonObjectRecordIsRejectedWithoutTakingASeq) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(AppendAndWait(**log, Json::array({1, 2})).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(AppendAndWait(**log, Event("after", 0)).ok());
  log->reset();

  const std::vector<std::string> lines = ReadLines(dir_.file("audit.jsonl"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(ParseLine(lines[0])["seq"], 1);
}

// Made records are built by the writer, in Append order with the others,
// and chained like them; a maker that builds a non-object fails alone.
TEST_F(AuditLogTest, MadeRecordsAreBuiltInAppendOrderAndChained) {
  std::vector<int> made;  // Written by the writer thread, read after join.
  absl::Status bad_maker;
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status();
    (*log)->AppendMade(
        [&made] {
          made.push_back(0);
          return Dump(Event("made", 0));
        },
        /*durable=*/false, nullptr);
    (*log)->Append(Event("plain", 1), /*durable=*/false, nullptr);
    (*log)->AppendMade(
        [] { return std::string("[1,2]"); },
        /*durable=*/false,
        [&bad_maker](absl::Status written) { bad_maker = std::move(written); });
    (*log)->AppendMade(
        [&made] {
          made.push_back(2);
          return Dump(Event("made", 2));
        },
        /*durable=*/true, nullptr);
  }
  EXPECT_EQ(made, (std::vector<int>{0, 2}));
  EXPECT_EQ(bad_maker.code(), absl::StatusCode::kInvalidArgument);
  const std::vector<std::string> lines = ReadLines(dir_.file("audit.jsonl"));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(ParseLine(lines[0])["event"], "made");
  EXPECT_EQ(ParseLine(lines[1])["event"], "plain");
  EXPECT_EQ(ParseLine(lines[2])["n"], 2);
  EXPECT_EQ(ParseLine(lines[2])["seq"], 3);
  EXPECT_TRUE(VerifyAuditTrail(dir_.audit()).ok);
}

TEST_F(AuditLogTest, OpenCreatesNestedDirectoryAndRejectsBadInput) {
  const std::string nested = dir_.root() + "/a/b/audit";
  auto log = AuditLog::Open(Options(nested), &clock_);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_TRUE(std::filesystem::is_regular_file(nested + "/audit.jsonl"));

  EXPECT_EQ(AuditLog::Open(Options(nested), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(AuditLog::Open(Options(nested, 0), &clock_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AuditLogTest, OpenFailsWhenTheDirectoryIsARegularFile) {
  WriteFile(dir_.audit(), "not a directory");
  auto log = OpenLog();
  EXPECT_EQ(log.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(AuditLogTest, SeqContinuesAfterReopen) {
  for (int round = 0; round < 2; ++round) {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(AppendAndWait(**log, Event("call", i)).ok());
    }
  }
  const std::vector<std::string> lines = ReadLines(dir_.file("audit.jsonl"));
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(ParseLine(lines[3])["seq"], 4);
  EXPECT_EQ(ParseLine(lines[3])["prev"], ParseLine(lines[2])["hash"]);
  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_EQ(report.records, 6);
}

TEST_F(AuditLogTest, DestructorDrainsTheQueueAndDoneRunsInAppendOrder) {
  std::vector<int> order;  // Written by the writer thread, read after join.
  std::vector<absl::Status> results;
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 20; ++i) {
      (*log)->Append(Event("call", i), /*durable=*/i % 2 == 0,
                     [i, &order, &results](absl::Status status) {
                       order.push_back(i);
                       results.push_back(std::move(status));
                     });
    }
  }
  ASSERT_EQ(order.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(order[i], i);
    EXPECT_TRUE(results[i].ok()) << results[i];
  }
  const std::vector<std::string> lines = ReadLines(dir_.file("audit.jsonl"));
  ASSERT_EQ(lines.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(ParseLine(lines[i])["n"], i);
}

// Records nobody awaits (reads that fail open) may linger in the queue; an
// awaited record behind them, and the destructor, still write them.
TEST_F(AuditLogTest, UnawaitedRecordsAreWrittenBeforeAnAwaitedOneAndOnClose) {
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 3; ++i) {
      (*log)->Append(Event("call", i), /*durable=*/false, nullptr);
    }
    absl::Notification written;
    size_t lines_when_done = 0;
    (*log)->Append(
        Event("call", 3), /*durable=*/false, [&](absl::Status status) {
          EXPECT_TRUE(status.ok()) << status;
          lines_when_done = ReadLines(dir_.file("audit.jsonl")).size();
          written.Notify();
        });
    written.WaitForNotification();
    EXPECT_EQ(lines_when_done, 4u);
    (*log)->Append(Event("call", 4), /*durable=*/false, nullptr);
  }
  const std::vector<std::string> lines = ReadLines(dir_.file("audit.jsonl"));
  ASSERT_EQ(lines.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ParseLine(lines[i])["n"], i);
}

TEST_F(AuditLogTest, DurableAndNonDurableRecordsAreInTheFileBeforeDone) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok()) << log.status();
  for (const bool durable : {true, false}) {
    const std::string marker = absl::StrCat("marker-", durable);
    Json record = Json::object();
    record["marker"] = marker;
    absl::Notification written;
    absl::Status result;
    std::string content_at_done;
    (*log)->Append(std::move(record), durable, [&](absl::Status status) {
      result = std::move(status);
      content_at_done = ReadFile(dir_.file("audit.jsonl"));
      written.Notify();
    });
    written.WaitForNotification();
    EXPECT_TRUE(result.ok()) << result;
    EXPECT_THAT(content_at_done, HasSubstr(marker)) << "durable=" << durable;
  }
}

TEST_F(AuditLogTest, RotationKeepsTheChainAcrossFiles) {
  {
    auto log = OpenLog(400);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(AppendAndWait(**log, Event("call", i)).ok());
    }
  }
  ASSERT_TRUE(std::filesystem::exists(dir_.file("audit-000001.jsonl")));
  ASSERT_TRUE(std::filesystem::exists(dir_.file("audit-000002.jsonl")));
  EXPECT_GE(std::filesystem::file_size(dir_.file("audit-000001.jsonl")), 400u);
  const std::vector<std::string> second =
      ReadLines(dir_.file("audit-000002.jsonl"));
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(
      ParseLine(second[0])["prev"],
      ParseLine(ReadLines(dir_.file("audit-000001.jsonl")).back())["hash"]);

  VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_EQ(report.records, 10);
  EXPECT_GE(report.files, 3);

  // Reopening continues both the chain and the file numbering.
  const int files_before = report.files;
  {
    auto log = OpenLog(400);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 10; i < 14; ++i) {
      ASSERT_TRUE(AppendAndWait(**log, Event("call", i)).ok());
    }
  }
  report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_EQ(report.records, 14);
  EXPECT_GT(report.files, files_before);
}

TEST_F(AuditLogTest, ReopenContinuesFromNewestRotatedFileWhenCurrentIsAbsent) {
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(AppendAndWait(**log, Event("call", i)).ok());
    }
  }
  std::filesystem::rename(dir_.file("audit.jsonl"),
                          dir_.file("audit-000007.jsonl"));
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE(AppendAndWait(**log, Event("call", 3)).ok());
  }
  EXPECT_EQ(ParseLine(ReadLines(dir_.file("audit.jsonl")).at(0))["seq"], 4);
  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_EQ(report.records, 4);
  EXPECT_EQ(report.files, 2);
}

TEST_F(AuditLogTest, TornTailIsCutAndRecorded) {
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(AppendAndWait(**log, Event("call", i)).ok());
    }
  }
  const std::string torn = R"({"seq":4,"time":"2024-05)";
  WriteFile(dir_.file("audit.jsonl"),
            ReadFile(dir_.file("audit.jsonl")) + torn);
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status();
    // The recovered record is written by Open itself.
    std::vector<std::string> lines = ReadLines(dir_.file("audit.jsonl"));
    ASSERT_EQ(lines.size(), 4u);
    const Json recovered = ParseLine(lines[3]);
    EXPECT_EQ(recovered["event"], "recovered");
    EXPECT_EQ(recovered["dropped_bytes"], torn.size());
    EXPECT_EQ(recovered["seq"], 4);
    ASSERT_TRUE(AppendAndWait(**log, Event("call", 3)).ok());
  }
  const std::vector<std::string> lines = ReadLines(dir_.file("audit.jsonl"));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(ParseLine(lines[4])["seq"], 5);
  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_EQ(report.records, 5);
}

TEST_F(AuditLogTest, UnparsableLastLineIsCutAndRecorded) {
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE(AppendAndWait(**log, Event("call", 0)).ok());
  }
  WriteFile(dir_.file("audit.jsonl"),
            ReadFile(dir_.file("audit.jsonl")) + "garbage}\n");
  {
    auto log = OpenLog();
    ASSERT_TRUE(log.ok()) << log.status();
  }
  const std::vector<std::string> lines = ReadLines(dir_.file("audit.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(ParseLine(lines[1])["event"], "recovered");
  EXPECT_EQ(ParseLine(lines[1])["dropped_bytes"], 9);
  EXPECT_TRUE(VerifyAuditTrail(dir_.audit()).ok);
}

TEST_F(AuditLogTest, ConcurrentAppendersProduceAGapFreeChain) {
  auto log = OpenLog(16 << 10);
  ASSERT_TRUE(log.ok()) << log.status();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  absl::BlockingCounter pending(kThreads * kPerThread);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Json record = Json::object();
        record["id"] = absl::StrCat(t, "-", i);
        (*log)->Append(std::move(record), /*durable=*/i % 5 == 0,
                       [&](absl::Status status) {
                         if (!status.ok()) ++failures;
                         pending.DecrementCount();
                       });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  pending.Wait();
  log->reset();
  EXPECT_EQ(failures.load(), 0);

  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_EQ(report.records, kThreads * kPerThread);
  std::set<std::string> ids;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.audit())) {
    for (const std::string& line : ReadLines(entry.path().string())) {
      EXPECT_TRUE(ids.insert(ParseLine(line)["id"]).second) << line;
    }
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST_F(AuditLogTest, FailedWriteIsUnavailableAndTheLogRecovers) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE(AppendAndWait(**log, Event("before", 0)).ok());
  EXPECT_TRUE((*log)->healthy());

  // The directory disappears and cannot be recreated.
  const std::string moved = dir_.root() + "/moved";
  std::filesystem::rename(dir_.audit(), moved);
  WriteFile(dir_.audit(), "not a directory");
  Json secret = Json::object();
  secret["user"] = "do-not-echo-me";
  for (const bool durable : {false, true}) {
    const absl::Status failed = AppendAndWait(**log, secret, durable);
    EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
    const std::string message(failed.message());
    EXPECT_THAT(message, HasSubstr("audit.jsonl"));
    EXPECT_THAT(message, Not(HasSubstr("do-not-echo-me")));
    EXPECT_FALSE((*log)->healthy());
  }

  // Restored: the next append succeeds in the same file and chain.
  std::filesystem::remove(dir_.audit());
  std::filesystem::rename(moved, dir_.audit());
  ASSERT_TRUE(AppendAndWait(**log, Event("after", 1)).ok());
  EXPECT_TRUE((*log)->healthy());
  log->reset();

  const std::vector<std::string> lines = ReadLines(dir_.file("audit.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(ParseLine(lines[1])["event"], "after");
  EXPECT_EQ(ParseLine(lines[1])["seq"], 2);
  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
}

// A write(2) that fails part-way (here: the file size limit, EFBIG) leaves no
// partial batch in the file and no hole in the chain.
TEST_F(AuditLogTest, WriteErrorCutsThePartialBatchAndKeepsTheChain) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE(AppendAndWait(**log, Event("before", 0)).ok());
  const auto size = std::filesystem::file_size(dir_.file("audit.jsonl"));

  rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit limited = saved;
  limited.rlim_cur = size + 50;  // Room for part of the next record only.
  const sighandler_t old_handler = signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
  const absl::Status failed = AppendAndWait(**log, Event("lost", 1), true);
  const bool healthy_after_failure = (*log)->healthy();
  setrlimit(RLIMIT_FSIZE, &saved);
  signal(SIGXFSZ, old_handler);

  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_THAT(std::string(failed.message()), HasSubstr("audit.jsonl"));
  EXPECT_FALSE(healthy_after_failure);
  EXPECT_EQ(std::filesystem::file_size(dir_.file("audit.jsonl")), size);

  ASSERT_TRUE(AppendAndWait(**log, Event("after", 2)).ok());
  EXPECT_TRUE((*log)->healthy());
  log->reset();
  const std::vector<std::string> lines = ReadLines(dir_.file("audit.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(ParseLine(lines[1])["seq"], 2);
  EXPECT_EQ(ParseLine(lines[1])["event"], "after");
  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
}

TEST_F(AuditLogTest, FileRenamedAwayIsReplacedAndTheChainContinues) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE(AppendAndWait(**log, Event("call", 0)).ok());
  // As an external log rotator would.
  std::filesystem::rename(dir_.file("audit.jsonl"),
                          dir_.file("audit-000001.jsonl"));
  ASSERT_TRUE(AppendAndWait(**log, Event("call", 1)).ok());
  log->reset();

  EXPECT_EQ(ReadLines(dir_.file("audit-000001.jsonl")).size(), 1u);
  EXPECT_EQ(ReadLines(dir_.file("audit.jsonl")).size(), 1u);
  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_EQ(report.records, 2);
}

TEST_F(AuditLogTest, RemovedDirectoryIsRecreatedAndTheGapIsVisible) {
  auto log = OpenLog();
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE(AppendAndWait(**log, Event("call", 0)).ok());
  ASSERT_TRUE(AppendAndWait(**log, Event("call", 1)).ok());
  std::filesystem::remove_all(dir_.audit());
  ASSERT_TRUE(AppendAndWait(**log, Event("call", 2)).ok());
  EXPECT_TRUE((*log)->healthy());
  log->reset();

  EXPECT_EQ(ParseLine(ReadLines(dir_.file("audit.jsonl")).at(0))["seq"], 3);
  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_problem,
            "audit.jsonl:1: missing record(s) before seq 3");
}

}  // namespace
}  // namespace gateway::audit
