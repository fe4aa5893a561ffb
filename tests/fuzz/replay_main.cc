// replay_main.cc: a main for the fuzz targets in builds without libFuzzer. It
// runs LLVMFuzzerTestOneInput once over every file named on the command line,
// and every regular file of every directory named there (sorted, not
// recursive), so a kept corpus replays as an ordinary test:
//
//   build/bin/config_fuzzer tests/fuzz/corpus/config
//   build/bin/config_fuzzer tests/fuzz/corpus/config/crash-deep-nesting
//
// A target that crashes, or trips an assertion, fails the run. So does a run
// that finds no input at all: a corpus that went missing must not pass.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

// Inputs lists the files `arg` names: itself, or a directory's regular files.
bool Inputs(const fs::path& arg, std::vector<fs::path>& out) {
  std::error_code error;
  if (fs::is_regular_file(arg, error)) {
    out.push_back(arg);
    return true;
  }
  if (!fs::is_directory(arg, error)) return false;
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(arg, error)) {
    if (entry.is_regular_file(error)) files.push_back(entry.path());
  }
  if (error) return false;
  std::sort(files.begin(), files.end());
  out.insert(out.end(), files.begin(), files.end());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!Inputs(argv[i], inputs)) {
      std::fprintf(stderr, "replay: %s is not a readable file or directory\n",
                   argv[i]);
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs (usage: %s FILE_OR_DIR...)\n",
                 argv[0]);
    return 2;
  }
  for (const fs::path& path : inputs) {
    std::ifstream file(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)),
                      std::istreambuf_iterator<char>());
    if (!file.good() && !file.eof()) {
      std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
      return 2;
    }
    // Printed first, so a crash names the input that caused it.
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(),
                 bytes.size());
    // A copy of exactly `size` bytes, so reading past the end is caught by
    // the sanitizers of whichever build runs this.
    std::vector<uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.data(), data.size());
  }
  std::fprintf(stderr, "replay: %zu inputs, no failure\n", inputs.size());
  return 0;
}
