#include "client/bench/flag_set.h"

#include <cmath>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace client::bench {

void FlagSet::Add(const std::string& name, Flag flag) {
  order_.push_back(name);
  flags_[name] = std::move(flag);
}

void FlagSet::String(const std::string& name, std::string* value,
                     const std::string& help) {
  Add(name, {help, *value, false, false, [value](const std::string& text) {
               *value = text;
               return absl::OkStatus();
             }});
}

void FlagSet::Int(const std::string& name, int* value,
                  const std::string& help) {
  Add(name, {help, absl::StrCat(*value), false, false,
             [name, value](const std::string& text) {
               if (!absl::SimpleAtoi(text, value)) {
                 return absl::InvalidArgumentError(absl::StrCat(
                     "--", name, " wants an integer, got '", text, "'"));
               }
               return absl::OkStatus();
             }});
}

void FlagSet::Double(const std::string& name, double* value,
                     const std::string& help) {
  Add(name, {help, absl::StrCat(*value), false, false,
             [name, value](const std::string& text) {
               if (!absl::SimpleAtod(text, value)) {
                 return absl::InvalidArgumentError(absl::StrCat(
                     "--", name, " wants a number, got '", text, "'"));
               }
               return absl::OkStatus();
             }});
}

void FlagSet::Duration(const std::string& name, absl::Duration* value,
                       const std::string& help) {
  Add(name, {help, absl::FormatDuration(*value), false, false,
             [name, value](const std::string& text) {
               double seconds = 0;
               // absl::Seconds(NaN) is infinite: reject "nan".
               if (absl::SimpleAtod(text, &seconds) && !std::isnan(seconds)) {
                 *value = absl::Seconds(seconds);
               } else if (!absl::ParseDuration(text, value)) {
                 return absl::InvalidArgumentError(absl::StrCat(
                     "--", name, " wants a duration (10s, 500ms, 2m), got '",
                     text, "'"));
               }
               if (*value < absl::ZeroDuration()) {
                 return absl::InvalidArgumentError(
                     absl::StrCat("--", name, " must not be negative"));
               }
               return absl::OkStatus();
             }});
}

void FlagSet::Bool(const std::string& name, bool* value,
                   const std::string& help) {
  Add(name, {help, *value ? "true" : "false", true, false,
             [name, value](const std::string& text) {
               if (!absl::SimpleAtob(text, value)) {
                 return absl::InvalidArgumentError(absl::StrCat(
                     "--", name, " wants true or false, got '", text, "'"));
               }
               return absl::OkStatus();
             }});
}

void FlagSet::Repeated(const std::string& name,
                       std::vector<std::string>* values,
                       const std::string& help) {
  Add(name, {help, "", false, false, [values](const std::string& text) {
               values->push_back(text);
               return absl::OkStatus();
             }});
}

absl::Status FlagSet::Parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") return absl::CancelledError("help");
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", arg, "'"));
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    auto it = flags_.find(name);
    if (it == flags_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    Flag& flag = it->second;
    if (!has_value) {
      if (flag.is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
    }
    if (absl::Status status = flag.assign(value); !status.ok()) return status;
    flag.set = true;
  }
  return absl::OkStatus();
}

bool FlagSet::WasSet(const std::string& name) const {
  auto it = flags_.find(name);
  return it != flags_.end() && it->second.set;
}

std::string FlagSet::Usage() const {
  std::string out = absl::StrCat(intro_, "\n\nFlags:\n");
  for (const std::string& name : order_) {
    const Flag& flag = flags_.at(name);
    std::string left = absl::StrCat("  --", name);
    absl::StrAppendFormat(&out, "%-20s %s", left, flag.help);
    if (!flag.default_text.empty()) {
      absl::StrAppend(&out, " (default ", flag.default_text, ")");
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace client::bench
