// audit_files.h: internal helpers shared by the audit writer and verifier:
// file naming, listing rotated files, reading a file's last line. Not part of
// the public API of gateway/audit.
//
//   std::vector<RotatedFile> files = ListRotatedFiles("audit");
//   std::string path = JoinPath("audit", kCurrentFileName);
#ifndef GATEWAY_AUDIT_AUDIT_FILES_H_
#define GATEWAY_AUDIT_AUDIT_FILES_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/common/json_codec.h"

namespace gateway::audit::internal {

// kCurrentFileName is the file records are appended to.
inline constexpr char kCurrentFileName[] = "audit.jsonl";

// RotatedFile is one full file, `audit-<number>.jsonl`.
struct RotatedFile {
  int64_t number = 0;
  std::string name;  // Without the directory.
};

// JoinPath joins a directory and a file name with one '/'.
std::string JoinPath(absl::string_view directory, absl::string_view name);

// RotatedFileName is `audit-NNNNNN.jsonl` (at least six digits).
std::string RotatedFileName(int64_t number);

// ListRotatedFiles returns the rotated files of `directory` in numeric order;
// an unreadable or missing directory gives an empty list.
std::vector<RotatedFile> ListRotatedFiles(const std::string& directory);

// ErrnoMessage is a thread-safe strerror.
std::string ErrnoMessage(int error);

// IoError is UNAVAILABLE naming `what` and `path` (never record contents).
absl::Status IoError(absl::string_view what, absl::string_view path, int error);

// LastLine is the line ending just before offset `end` of a file: bytes
// [start, end) where `start` follows the previous '\n' (or is 0).
struct LastLine {
  off_t start = 0;
  std::string text;
};

// ReadLastLine reads the line that ends at `end` (exclusive) from `fd` with
// pread, so records of any length are found.
absl::StatusOr<LastLine> ReadLastLine(int fd, off_t end,
                                      absl::string_view path);

// ParseChainLink reads `seq` and `hash` from a record line; false when the
// line is not a JSON object with an integer `seq` and a string `hash`.
bool ParseChainLink(const std::string& line, int64_t* seq, std::string* hash);

}  // namespace gateway::audit::internal

#endif  // GATEWAY_AUDIT_AUDIT_FILES_H_
