// VerifyAuditTrail (declared in audit_log.h): re-derives the hash chain of an
// audit directory, file by file, line by line.
//
// Decisions: a missing directory, or one with no audit files, is not ok
// (the trail is gone); empty files are ok. The trail must start at seq 1 with
// prev "", so losing the oldest file is detected too. A `recovered` record is
// an ordinary link in the chain: it documents a crash, not tampering.

#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_files.h"
#include "gateway/audit/audit_log.h"
#include "gateway/common/json_codec.h"

namespace gateway::audit {
namespace {

// ChainCursor is where the chain stands after the last good record.
struct ChainCursor {
  int64_t seq = 0;
  std::string hash;
};

// CheckLine returns what is wrong with `line` as the record after `cursor`
// ("" if nothing), and advances `cursor` past it.
std::string CheckLine(const std::string& line, ChainCursor* cursor) {
  // Hashing prints the record, recursively. Records nest a few levels
  // around upstream documents, which are read at most 128 deep.
  constexpr int kMaxDepth = 1024;
  if (NestsDeeperThan(line, kMaxDepth)) {
    return absl::StrCat("nested more than ", kMaxDepth, " levels deep");
  }
  Json record = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (record.is_discarded()) return "bad JSON";
  if (!record.is_object()) return "not a JSON object";
  const auto seq_it = record.find("seq");
  const auto prev_it = record.find("prev");
  const auto hash_it = record.find("hash");
  if (seq_it == record.end() || !seq_it->is_number_integer()) {
    return "missing or non-integer seq";
  }
  if (prev_it == record.end() || !prev_it->is_string()) {
    return "missing or non-string prev";
  }
  if (hash_it == record.end() || !hash_it->is_string()) {
    return "missing or non-string hash";
  }
  const int64_t seq = seq_it->get<int64_t>();
  const std::string prev = prev_it->get<std::string>();
  std::string hash = hash_it->get<std::string>();
  record.erase("hash");
  if (RecordHash(prev, record) != hash) {
    return "hash mismatch (record altered)";
  }
  const int64_t expected = cursor->seq + 1;
  if (seq > expected) {
    return absl::StrCat("missing record(s) before seq ", seq);
  }
  if (seq < expected) {
    return absl::StrCat("seq ", seq, " out of order (expected ", expected, ")");
  }
  if (prev != cursor->hash) {
    return "broken chain (prev is not the previous record's hash)";
  }
  cursor->seq = seq;
  cursor->hash = std::move(hash);
  return "";
}

}  // namespace

VerifyReport VerifyAuditTrail(const std::string& directory) {
  VerifyReport report;
  std::vector<std::string> names;
  for (internal::RotatedFile& file : internal::ListRotatedFiles(directory)) {
    names.push_back(std::move(file.name));
  }
  struct stat st;
  if (stat(internal::JoinPath(directory, internal::kCurrentFileName).c_str(),
           &st) == 0) {
    names.push_back(internal::kCurrentFileName);
  }
  if (names.empty()) {
    report.first_problem = absl::StrCat("no audit files in ", directory);
    return report;
  }

  ChainCursor cursor;
  for (const std::string& name : names) {
    std::ifstream in(internal::JoinPath(directory, name), std::ios::binary);
    if (!in) {
      report.first_problem = absl::StrCat(name, ": cannot be read");
      return report;
    }
    ++report.files;
    std::string line;
    int64_t line_number = 0;
    while (std::getline(in, line)) {
      ++line_number;
      // getline sets eof (and not fail) when the last line has no '\n'.
      std::string problem = in.eof() ? "torn line (no trailing newline)"
                                     : CheckLine(line, &cursor);
      if (!problem.empty()) {
        report.first_problem =
            absl::StrCat(name, ":", line_number, ": ", problem);
        return report;
      }
      ++report.records;
    }
    if (in.bad()) {
      report.first_problem =
          absl::StrCat(name, ":", line_number + 1, ": read error");
      return report;
    }
  }
  report.ok = true;
  return report;
}

}  // namespace gateway::audit
