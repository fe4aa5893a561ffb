// audit_verify_fuzzer.cc: audit::VerifyAuditTrail on audit directories made
// from the input. The verifier reads files an attacker may have edited, so
// nothing in them may crash it.
//
// Input: the first byte picks a mode (modulo 3), the rest is split at each
// form feed ('\f') into files: all but the last become rotated files
// audit-000001.jsonl, audit-000002.jsonl, ... (at most 8) and the last is
// audit.jsonl. The modes, so that the checks after the hash are reached too:
//   0  the files as given;
//   1  every line that is a JSON object with a string `prev` gets the
//      `hash` RecordHash gives it (seq and prev stay as given);
//   2  every line that is a JSON object is made the next link of a valid
//      chain (seq 1, 2, ...; prev; hash).
// For example `\x02{"event":"call"}\n\f{"event":"call"}\n`.
//
// Checked besides "no crash, leak or UB": a report is ok exactly when it
// names no problem, and then counts every file and line; in mode 2, files
// of whole lines that are all JSON objects verify.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gateway/audit/audit_log.h"
#include "gateway/common/json_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace fs = std::filesystem;
using ::gateway::Json;

constexpr size_t kMaxFiles = 9;  // 8 rotated files and audit.jsonl

// ScratchDirectory is one temporary directory per process, emptied before
// each input and removed at exit.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern =
        (fs::temp_directory_path() / "audit_verify_fuzzer.XXXXXX").string();
    FUZZ_CHECK(mkdtemp(pattern.data()) != nullptr,
               "a temporary directory can be made");
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }

  const std::string& path() const { return path_; }

  void Empty() const {
    for (const fs::directory_entry& entry : fs::directory_iterator(path_)) {
      fs::remove(entry.path());
    }
  }

 private:
  std::string path_;
};

// Rewrite applies `mode` to every line of every file. Returns true when every
// line became a link of a valid chain (mode 2 only).
bool Rewrite(int mode, std::vector<std::string>& files) {
  bool all_linked = mode == 2;
  int64_t seq = 0;
  std::string prev;
  for (std::string& file : files) {
    std::string out;
    std::vector<absl::string_view> lines = absl::StrSplit(file, '\n');
    for (size_t i = 0; i < lines.size(); ++i) {
      const bool last = i + 1 == lines.size();
      if (last && lines[i].empty()) break;  // after the final '\n'
      std::string line(lines[i]);
      // Rewriting prints the record, recursively; the verifier refuses
      // such lines before it does.
      Json record =
          gateway::NestsDeeperThan(line, 1024)
              ? Json()
              : Json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (record.is_object() && mode == 1 && record.contains("prev") &&
          record["prev"].is_string()) {
        record.erase("hash");
        std::string hash = gateway::audit::RecordHash(
            record["prev"].get<std::string>(), record);
        record["hash"] = std::move(hash);
        line = gateway::Dump(record);
      } else if (record.is_object() && mode == 2) {
        record.erase("hash");
        record["seq"] = ++seq;
        record["prev"] = prev;
        prev = gateway::audit::RecordHash(prev, record);
        record["hash"] = prev;
        line = gateway::Dump(record);
      } else {
        all_linked = false;
      }
      out.append(line);
      if (!last) {
        out.push_back('\n');
      } else {
        all_linked = false;  // a torn last line
      }
    }
    file = std::move(out);
  }
  return all_linked;
}

int64_t CountLines(const std::vector<std::string>& files) {
  int64_t lines = 0;
  for (const std::string& file : files) {
    for (char c : file) lines += c == '\n';
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // Made on first use and removed at exit (hence a static with a
  // destructor): a fuzz target has no other place to keep it between runs.
  static const ScratchDirectory scratch;

  const int mode = data[0] % 3;
  std::vector<std::string> files = absl::StrSplit(
      absl::string_view(reinterpret_cast<const char*>(data) + 1, size - 1),
      absl::MaxSplits('\f', kMaxFiles - 1));
  const bool all_linked = Rewrite(mode, files);

  scratch.Empty();
  for (size_t i = 0; i < files.size(); ++i) {
    // Rotated files are numbered from 1, in six digits (i + 1 < 10).
    const std::string name =
        i + 1 == files.size()
            ? std::string("audit.jsonl")
            : "audit-00000" + std::to_string(i + 1) + ".jsonl";
    std::ofstream out(fs::path(scratch.path()) / name, std::ios::binary);
    out << files[i];
    FUZZ_CHECK(out.good(), "the scratch file is written");
  }

  gateway::audit::VerifyReport report =
      gateway::audit::VerifyAuditTrail(scratch.path());
  FUZZ_CHECK(report.ok == report.first_problem.empty(),
             "a report is ok exactly when it names no problem");
  if (report.ok) {
    FUZZ_CHECK(report.files == static_cast<int>(files.size()),
               "a verified trail counts every file");
    FUZZ_CHECK(report.records == CountLines(files),
               "a verified trail counts every line");
  }
  if (all_linked) {
    FUZZ_CHECK(report.ok, "a chain made by RecordHash verifies");
  }
  return 0;
}
