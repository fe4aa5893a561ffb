// Tests of VerifyAuditTrail against trails written by AuditLog and then
// tampered with by hand.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
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
using ::gateway::audit::testing::ReadFile;
using ::gateway::audit::testing::ReadLines;
using ::gateway::audit::testing::ScratchDir;
using ::gateway::audit::testing::WriteFile;
using ::gateway::audit::testing::WriteLines;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// WriteTrail writes `count` records ({"user":"user-<i>"}) to `directory`.
void WriteTrail(const std::string& directory, int count,
                int64_t max_file_bytes = 64 << 20) {
  FakeClock clock(kNow);
  gateway::config::v1::Audit options;
  options.set_directory(directory);
  options.set_max_file_bytes(max_file_bytes);
  auto log = AuditLog::Open(options, &clock);
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < count; ++i) {
    Json record = Json::object();
    record["user"] = absl::StrCat("user-", i);
    ASSERT_TRUE(AppendAndWait(**log, std::move(record)).ok());
  }
}

TEST(VerifyAuditTrailTest, IntactTrailIsOk) {
  ScratchDir dir;
  WriteTrail(dir.audit(), 5);
  const VerifyReport report = VerifyAuditTrail(dir.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_EQ(report.records, 5);
  EXPECT_EQ(report.files, 1);
  EXPECT_EQ(report.first_problem, "");
}

TEST(VerifyAuditTrailTest, MissingDirectoryIsNotOk) {
  ScratchDir dir;
  const VerifyReport report = VerifyAuditTrail(dir.audit());
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_problem, HasSubstr("no audit files in"));
}

TEST(VerifyAuditTrailTest, EmptyFileIsOkWithNoRecords) {
  ScratchDir dir;
  std::filesystem::create_directories(dir.audit());
  WriteFile(dir.file("audit.jsonl"), "");
  const VerifyReport report = VerifyAuditTrail(dir.audit());
  EXPECT_TRUE(report.ok) << report.first_problem;
  EXPECT_EQ(report.records, 0);
  EXPECT_EQ(report.files, 1);
}

TEST(VerifyAuditTrailTest, EditedFieldIsReportedAtItsLine) {
  ScratchDir dir;
  WriteTrail(dir.audit(), 5);
  std::vector<std::string> lines = ReadLines(dir.file("audit.jsonl"));
  const size_t at = lines[2].find("user-2");
  ASSERT_NE(at, std::string::npos);
  lines[2].replace(at, 6, "mallory");
  WriteLines(dir.file("audit.jsonl"), lines);

  const VerifyReport report = VerifyAuditTrail(dir.audit());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_problem,
            "audit.jsonl:3: hash mismatch (record altered)");
}

TEST(VerifyAuditTrailTest, EditedAndRehashedRecordBreaksTheChainAfterIt) {
  ScratchDir dir;
  WriteTrail(dir.audit(), 5);
  std::vector<std::string> lines = ReadLines(dir.file("audit.jsonl"));
  Json record = ParseLine(lines[2]);
  record.erase("hash");
  record["user"] = "mallory";
  const std::string prev = record["prev"];
  record["hash"] = RecordHash(prev, record);
  lines[2] = Dump(record);
  WriteLines(dir.file("audit.jsonl"), lines);

  const VerifyReport report = VerifyAuditTrail(dir.audit());
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_problem, StartsWith("audit.jsonl:4: broken chain"));
}

TEST(VerifyAuditTrailTest, DeletedLineIsReportedAsMissing) {
  ScratchDir dir;
  WriteTrail(dir.audit(), 5);
  std::vector<std::string> lines = ReadLines(dir.file("audit.jsonl"));
  lines.erase(lines.begin() + 2);
  WriteLines(dir.file("audit.jsonl"), lines);

  const VerifyReport report = VerifyAuditTrail(dir.audit());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_problem,
            "audit.jsonl:3: missing record(s) before seq 4");
  EXPECT_EQ(report.records, 2);
}

TEST(VerifyAuditTrailTest, ReorderedLinesAreReported) {
  ScratchDir dir;
  WriteTrail(dir.audit(), 5);
  std::vector<std::string> lines = ReadLines(dir.file("audit.jsonl"));
  std::swap(lines[1], lines[2]);
  WriteLines(dir.file("audit.jsonl"), lines);

  const VerifyReport report = VerifyAuditTrail(dir.audit());
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_problem, StartsWith("audit.jsonl:2: "));
}

TEST(VerifyAuditTrailTest, BadJsonAndTornLinesAreReported) {
  ScratchDir dir;
  WriteTrail(dir.audit(), 3);
  const std::string intact = ReadFile(dir.file("audit.jsonl"));

  std::vector<std::string> lines = ReadLines(dir.file("audit.jsonl"));
  lines[1] = "{not json";
  WriteLines(dir.file("audit.jsonl"), lines);
  EXPECT_EQ(VerifyAuditTrail(dir.audit()).first_problem,
            "audit.jsonl:2: bad JSON");

  // Found by tests/fuzz: hashing printed a record nested 100,000 deep
  // recursively, overflowing the stack.
  lines[1] = absl::StrCat(R"({"seq":2,"x":)", std::string(100000, '['),
                          std::string(100000, ']'), "}");
  WriteLines(dir.file("audit.jsonl"), lines);
  EXPECT_EQ(VerifyAuditTrail(dir.audit()).first_problem,
            "audit.jsonl:2: nested more than 1024 levels deep");

  WriteFile(dir.file("audit.jsonl"), intact + R"({"seq":4)");
  EXPECT_EQ(VerifyAuditTrail(dir.audit()).first_problem,
            "audit.jsonl:4: torn line (no trailing newline)");
}

TEST(VerifyAuditTrailTest, ProblemInARotatedFileNamesThatFile) {
  ScratchDir dir;
  WriteTrail(dir.audit(), 8, /*max_file_bytes=*/400);
  ASSERT_TRUE(std::filesystem::exists(dir.file("audit-000002.jsonl")));
  ASSERT_TRUE(VerifyAuditTrail(dir.audit()).ok);

  const std::string path = dir.file("audit-000002.jsonl");
  std::vector<std::string> lines = ReadLines(path);
  const size_t at = lines[0].find("user-");
  ASSERT_NE(at, std::string::npos);
  lines[0].replace(at, 5, "USER-");
  WriteLines(path, lines);

  const VerifyReport report = VerifyAuditTrail(dir.audit());
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_problem,
            "audit-000002.jsonl:1: hash mismatch (record altered)");
}

TEST(VerifyAuditTrailTest, DeletedOldestFileIsReported) {
  ScratchDir dir;
  WriteTrail(dir.audit(), 8, /*max_file_bytes=*/400);
  ASSERT_TRUE(std::filesystem::remove(dir.file("audit-000001.jsonl")));

  const VerifyReport report = VerifyAuditTrail(dir.audit());
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_problem,
              StartsWith("audit-000002.jsonl:1: missing record(s) before seq"));
}

}  // namespace
}  // namespace gateway::audit
