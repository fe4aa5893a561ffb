// VerifyAuditTrail (declared in audit_log.h): re-derives the hash chain of an
// audit directory, file by file, line by line.
//
// Decisions: a missing directory, or one with no audit files, is not ok
// (the trail is gone); empty files are ok. The trail must start at seq 1 with
// prev "", so losing the oldest file is detected too, unless retention
// pruned the oldest files: then the first kept record must follow exactly
// what a `pruned` record later in the kept chain names (`through_seq`,
// `through_hash`). A pruned start is accepted by any such record, not only
// the last one, because the gateway writes the record before it unlinks:
// files it declared deletable may survive a crash. Deleting more (older
// records no record declared, or the newer files holding the record) leaves
// a start nothing accounts for. A `recovered` record is an ordinary link in
// the chain: it documents a crash, not tampering.

#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <limits>
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
  bool started = false;  // A record has been read.
  // Set when the first record is not seq 1: where the pruned prefix must
  // have ended, until a `pruned` record names it.
  bool needs_anchor = false;
  int64_t anchor_seq = 0;
  std::string anchor_hash;
};

// NotePruned clears the cursor's need for an anchor when `record` is a
// `pruned` record naming exactly the records before the first one kept.
void NotePruned(const Json& record, ChainCursor* cursor) {
  if (!cursor->needs_anchor) return;
  const auto event = record.find("event");
  const auto seq = record.find("through_seq");
  const auto hash = record.find("through_hash");
  if (event == record.end() || *event != "pruned" || seq == record.end() ||
      !seq->is_number_integer() || hash == record.end() || !hash->is_string()) {
    return;
  }
  if (seq->get<int64_t>() == cursor->anchor_seq &&
      hash->get<std::string>() == cursor->anchor_hash) {
    cursor->needs_anchor = false;
  }
}

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
  // Bounds first: the arithmetic below must not overflow (found by fuzzing).
  if (seq < 1) return absl::StrCat("seq ", seq, " is not positive");
  if (cursor->seq == std::numeric_limits<int64_t>::max()) {
    return "seq past the largest possible";
  }
  if (!cursor->started) {
    cursor->started = true;
    if (seq > 1 || !prev.empty()) {
      // The start of a pruned trail; a later `pruned` record must name it.
      cursor->needs_anchor = true;
      cursor->anchor_seq = seq - 1;
      cursor->anchor_hash = prev;
      cursor->seq = seq - 1;
      cursor->hash = prev;
    }
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
  NotePruned(record, cursor);
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
  std::string first_file;
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
      if (report.records == 0) {
        first_file = name;
        report.first_seq = cursor.seq;
      }
      ++report.records;
    }
    if (in.bad()) {
      report.first_problem =
          absl::StrCat(name, ":", line_number + 1, ": read error");
      return report;
    }
  }
  // No `pruned` record accounts for the records before the first one.
  if (cursor.needs_anchor) {
    report.first_problem = absl::StrCat(
        first_file, ":1: missing record(s) before seq ", cursor.anchor_seq + 1);
    return report;
  }
  report.ok = true;
  return report;
}

}  // namespace gateway::audit
