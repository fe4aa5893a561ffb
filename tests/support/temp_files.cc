#include "tests/support/temp_files.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include "gtest/gtest.h"

namespace testsupport {
namespace {

// ::testing::TempDir() ends with a slash.
std::string Pattern() { return ::testing::TempDir() + "test_XXXXXX"; }

}  // namespace

TempFile::TempFile(const std::string& contents) {
  std::string pattern = Pattern();
  const int fd = mkstemp(pattern.data());
  if (fd < 0) return;
  close(fd);
  path_ = pattern;
  std::ofstream(path_) << contents;
}

TempFile::~TempFile() {
  if (!path_.empty()) unlink(path_.c_str());
}

TempDir::TempDir() {
  std::string pattern = Pattern();
  if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

}  // namespace testsupport
