// audit.retention: rotation deletes the oldest rotated files after a
// `pruned` record names the last record deleted; verify accepts the trail
// that is kept, and still catches files deleted beyond what was declared.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gateway/audit/audit_log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/audit/audit_test_util.h"

namespace gateway::audit {
namespace {

using ::gateway::audit::testing::AppendAndWait;
using ::gateway::audit::testing::FakeClock;
using ::gateway::audit::testing::kNow;
using ::gateway::audit::testing::ParseLine;
using ::gateway::audit::testing::ReadLines;
using ::gateway::audit::testing::ScratchDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Json Event(int n) {
  Json record = Json::object();
  record["event"] = "call";
  record["n"] = n;
  return record;
}

std::vector<std::string> RotatedNames(const std::string& directory) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name != "audit.jsonl") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

class AuditRetentionTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<AuditLog>> OpenLog(int max_files,
                                                    int64_t max_age_seconds) {
    config::v1::Audit options;
    options.set_directory(dir_.audit());
    options.set_max_file_bytes(400);  // About three records a file.
    options.mutable_retention()->set_max_files(max_files);
    if (max_age_seconds > 0) {
      options.mutable_retention()->mutable_max_age()->set_seconds(
          max_age_seconds);
    }
    return AuditLog::Open(options, &clock_);
  }

  ScratchDir dir_;
  FakeClock clock_{kNow};
};

TEST_F(AuditRetentionTest, MaxFilesKeepsTheNewestAndTheKeptTrailVerifies) {
  {
    auto log = OpenLog(/*max_files=*/2, /*max_age_seconds=*/0);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 40; ++i) {
      ASSERT_TRUE(AppendAndWait(**log, Event(i)).ok());
    }
  }
  const std::vector<std::string> rotated = RotatedNames(dir_.audit());
  ASSERT_EQ(rotated.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("audit-000001.jsonl")));

  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_GT(report.first_seq, 1);
  EXPECT_EQ(report.files, 3);

  // The first kept record follows what the last `pruned` record names.
  const Json first = ParseLine(ReadLines(dir_.file(rotated[0])).at(0));
  Json last_pruned;
  for (const std::string& name :
       {rotated[0], rotated[1], std::string("audit.jsonl")}) {
    for (const std::string& line : ReadLines(dir_.file(name))) {
      Json record = ParseLine(line);
      if (record["event"] == "pruned") last_pruned = record;
    }
  }
  ASSERT_TRUE(last_pruned.is_object());
  EXPECT_EQ(last_pruned["through_seq"], first["seq"].get<int64_t>() - 1);
  EXPECT_EQ(last_pruned["through_hash"], first["prev"]);
  EXPECT_TRUE(last_pruned["files"].is_array());
}

TEST_F(AuditRetentionTest, DeletingTheOldestKeptFileIsStillReported) {
  {
    auto log = OpenLog(/*max_files=*/2, /*max_age_seconds=*/0);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 40; ++i) {
      ASSERT_TRUE(AppendAndWait(**log, Event(i)).ok());
    }
  }
  const std::vector<std::string> rotated = RotatedNames(dir_.audit());
  ASSERT_EQ(rotated.size(), 2u);
  ASSERT_TRUE(VerifyAuditTrail(dir_.audit()).ok);
  ASSERT_TRUE(std::filesystem::remove(dir_.file(rotated[0])));

  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_problem,
              StartsWith(rotated[1] + ":1: missing record(s) before seq"));
}

TEST_F(AuditRetentionTest, DeletingTheNewestFileWithThePrunedRecordIsReported) {
  auto log = OpenLog(/*max_files=*/1, /*max_age_seconds=*/0);
  ASSERT_TRUE(log.ok()) << log.status();
  // Append until a rotation has just pruned: audit.jsonl then starts with
  // the `pruned` record that anchors the kept trail.
  int n = 0;
  for (; n < 200; ++n) {
    ASSERT_TRUE(AppendAndWait(**log, Event(n)).ok());
    const std::vector<std::string> lines = ReadLines(dir_.file("audit.jsonl"));
    if (RotatedNames(dir_.audit()).size() == 1 &&
        !std::filesystem::exists(dir_.file("audit-000001.jsonl")) &&
        lines.size() == 2 && ParseLine(lines[0])["event"] == "pruned") {
      break;
    }
  }
  log->reset();
  ASSERT_LT(n, 200) << "no rotation pruned";
  ASSERT_TRUE(VerifyAuditTrail(dir_.audit()).ok);

  ASSERT_TRUE(std::filesystem::remove(dir_.file("audit.jsonl")));
  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_problem, HasSubstr("missing record(s) before seq"));
}

TEST_F(AuditRetentionTest, AFileDeclaredPrunedButStillThereIsAccepted) {
  // A crash between the `pruned` record and its unlink leaves the file; put
  // the last pruned file back, as such a crash would have left it.
  const std::string saved = dir_.root() + "/saved";
  std::filesystem::create_directories(saved);
  {
    auto log = OpenLog(/*max_files=*/2, /*max_age_seconds=*/0);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 40; ++i) {
      ASSERT_TRUE(AppendAndWait(**log, Event(i)).ok());
      for (const std::string& name : RotatedNames(dir_.audit())) {
        std::filesystem::copy_file(
            dir_.file(name), saved + "/" + name,
            std::filesystem::copy_options::overwrite_existing);
      }
    }
  }
  const std::vector<std::string> rotated = RotatedNames(dir_.audit());
  ASSERT_EQ(rotated.size(), 2u);
  const std::vector<std::string> all = RotatedNames(saved);
  const auto kept = std::find(all.begin(), all.end(), rotated[0]);
  ASSERT_TRUE(kept != all.end());
  ASSERT_GE(kept - all.begin(), 2);
  const std::string last_pruned = *(kept - 1);
  std::filesystem::copy_file(saved + "/" + last_pruned, dir_.file(last_pruned));
  VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;

  // Only a contiguous prefix may be gone: the first file alone, back with
  // its successors missing, is a gap.
  std::filesystem::copy_file(saved + "/" + all[0], dir_.file(all[0]));
  report = VerifyAuditTrail(dir_.audit());
  EXPECT_FALSE(report.ok);
}

TEST_F(AuditRetentionTest, MaxAgeDeletesFilesOlderThanTheBound) {
  auto log = OpenLog(/*max_files=*/0, /*max_age_seconds=*/3600);
  ASSERT_TRUE(log.ok()) << log.status();
  clock_.Set(absl::Now());
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(AppendAndWait(**log, Event(i)).ok());
  }
  ASSERT_GE(RotatedNames(dir_.audit()).size(), 2u);
  ASSERT_TRUE(VerifyAuditTrail(dir_.audit()).ok);

  // Two hours later, the next rotation deletes every file written before.
  clock_.Set(absl::Now() + absl::Hours(2));
  const size_t before = RotatedNames(dir_.audit()).size();
  for (int i = 12; i < 200 && RotatedNames(dir_.audit()).size() >= before;
       ++i) {
    ASSERT_TRUE(AppendAndWait(**log, Event(i)).ok());
  }
  log->reset();
  EXPECT_LT(RotatedNames(dir_.audit()).size(), before);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("audit-000001.jsonl")));
  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_GT(report.first_seq, 1);
}

TEST_F(AuditRetentionTest, WithoutRetentionEveryFileIsKept) {
  {
    auto log = OpenLog(/*max_files=*/0, /*max_age_seconds=*/0);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(AppendAndWait(**log, Event(i)).ok());
    }
  }
  EXPECT_TRUE(std::filesystem::exists(dir_.file("audit-000001.jsonl")));
  const VerifyReport report = VerifyAuditTrail(dir_.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_EQ(report.first_seq, 1);
  EXPECT_EQ(report.records, 20);
}

TEST_F(AuditRetentionTest, NegativeBoundsAreRejected) {
  auto log = OpenLog(/*max_files=*/-1, /*max_age_seconds=*/0);
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gateway::audit
