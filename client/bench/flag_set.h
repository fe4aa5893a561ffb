// flag_set.h: the small command-line parser of the bench tools.
//
//   int channels = 4;
//   std::vector<std::string> headers;
//   client::bench::FlagSet flags("polytomic-bench: load a gRPC server");
//   flags.Int("channels", &channels, "gRPC channels (connections)");
//   flags.Repeated("header", &headers, "K=V call metadata; repeatable");
//   absl::Status status = flags.Parse({"--channels=8", "--header", "a=b"});
//
// Why not absl flags: their vector flags split on commas, which header
// values may contain, and globals are off-limits by house style.
#ifndef CLIENT_BENCH_FLAG_SET_H_
#define CLIENT_BENCH_FLAG_SET_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace client::bench {

// FlagSet maps --name[=value] arguments onto variables the caller owns.
//
// Thread safety: not thread-safe; the variables must outlive Parse().
class FlagSet {
 public:
  explicit FlagSet(std::string intro) : intro_(std::move(intro)) {}

  // Each registers --name; the variable's value before Parse() is the
  // default shown in Usage().
  void String(const std::string& name, std::string* value,
              const std::string& help);
  void Int(const std::string& name, int* value, const std::string& help);
  void Double(const std::string& name, double* value, const std::string& help);
  // Durations: "10s", "500ms", "2m", or a bare number of seconds.
  void Duration(const std::string& name, absl::Duration* value,
                const std::string& help);
  // Bools: bare --name is true; --name=false also works.
  void Bool(const std::string& name, bool* value, const std::string& help);
  // Repeated: each occurrence appends.
  void Repeated(const std::string& name, std::vector<std::string>* values,
                const std::string& help);

  // Parse takes argv without argv[0]: "--name=value" or "--name value".
  // InvalidArgument for an unknown flag, a positional argument, a missing or
  // malformed value. "--help" yields a Cancelled status (print Usage()).
  absl::Status Parse(const std::vector<std::string>& args);

  // WasSet is true when Parse() saw --name.
  bool WasSet(const std::string& name) const;

  // Usage is the intro and one line per flag with its default.
  std::string Usage() const;

 private:
  struct Flag {
    std::string help;
    std::string default_text;
    bool is_bool = false;
    bool set = false;
    std::function<absl::Status(const std::string&)> assign;
  };
  void Add(const std::string& name, Flag flag);

  std::string intro_;
  std::map<std::string, Flag> flags_;
  std::vector<std::string> order_;
};

}  // namespace client::bench

#endif  // CLIENT_BENCH_FLAG_SET_H_
