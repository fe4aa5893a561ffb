#include "gateway/audit/audit_files.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace gateway::audit::internal {
namespace {

constexpr absl::string_view kRotatedPrefix = "audit-";
constexpr absl::string_view kSuffix = ".jsonl";
constexpr off_t kReadChunk = 64 * 1024;

}  // namespace

std::string JoinPath(absl::string_view directory, absl::string_view name) {
  if (directory.empty()) return std::string(name);
  if (absl::EndsWith(directory, "/")) return absl::StrCat(directory, name);
  return absl::StrCat(directory, "/", name);
}

std::string RotatedFileName(int64_t number) {
  return absl::StrFormat("audit-%06d.jsonl", number);
}

std::vector<RotatedFile> ListRotatedFiles(const std::string& directory) {
  std::vector<RotatedFile> files;
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) return files;
  while (const dirent* entry = readdir(dir)) {
    absl::string_view name = entry->d_name;
    if (!absl::ConsumePrefix(&name, kRotatedPrefix) ||
        !absl::ConsumeSuffix(&name, kSuffix) || name.empty()) {
      continue;
    }
    if (!std::all_of(name.begin(), name.end(), absl::ascii_isdigit)) continue;
    int64_t number = 0;
    if (!absl::SimpleAtoi(name, &number)) continue;
    files.push_back({number, entry->d_name});
  }
  closedir(dir);
  std::sort(files.begin(), files.end(),
            [](const RotatedFile& a, const RotatedFile& b) {
              return a.number < b.number;
            });
  return files;
}

std::string ErrnoMessage(int error) {
  return std::error_code(error, std::generic_category()).message();
}

absl::Status IoError(absl::string_view what, absl::string_view path,
                     int error) {
  return absl::UnavailableError(absl::StrCat("audit: cannot ", what, " ", path,
                                             ": ", ErrnoMessage(error)));
}

absl::StatusOr<LastLine> ReadLastLine(int fd, off_t end,
                                      absl::string_view path) {
  // Reads backwards in chunks until the '\n' before the line is found.
  std::string text;
  off_t pos = end;
  while (pos > 0) {
    const off_t chunk = std::min(kReadChunk, pos);
    std::string buffer(static_cast<size_t>(chunk), '\0');
    size_t got = 0;
    while (got < buffer.size()) {
      const ssize_t n = pread(fd, buffer.data() + got, buffer.size() - got,
                              pos - chunk + static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError("read", path, errno);
      if (n == 0) return IoError("read", path, EIO);  // Shrunk under us.
      got += static_cast<size_t>(n);
    }
    pos -= chunk;
    const size_t newline = buffer.rfind('\n');
    if (newline != std::string::npos) {
      text.insert(0, buffer, newline + 1, std::string::npos);
      return LastLine{pos + static_cast<off_t>(newline) + 1, std::move(text)};
    }
    text.insert(0, buffer);
  }
  return LastLine{0, std::move(text)};
}

bool ParseChainLink(const std::string& line, int64_t* seq, std::string* hash) {
  const Json record = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!record.is_object()) return false;
  const auto seq_it = record.find("seq");
  const auto hash_it = record.find("hash");
  if (seq_it == record.end() || !seq_it->is_number_integer() ||
      hash_it == record.end() || !hash_it->is_string()) {
    return false;
  }
  *seq = seq_it->get<int64_t>();
  *hash = hash_it->get<std::string>();
  return true;
}

}  // namespace gateway::audit::internal
