// temp_files.h: files and directories under the test's temp dir that are
// removed when the object goes, so test runs leave nothing behind.
//
//   testsupport::TempDir dir;
//   testsupport::TempFile key("sk-test\n");
//   config.set_api_key_file(key.path());
#ifndef TESTS_SUPPORT_TEMP_FILES_H_
#define TESTS_SUPPORT_TEMP_FILES_H_

#include <string>

namespace testsupport {

// TempFile writes `contents` to a new file and removes it on destruction;
// path() is empty if it could not be created.
class TempFile {
 public:
  explicit TempFile(const std::string& contents);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// TempDir is a new directory, removed with its contents on destruction;
// path() is empty if it could not be created.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace testsupport

#endif  // TESTS_SUPPORT_TEMP_FILES_H_
