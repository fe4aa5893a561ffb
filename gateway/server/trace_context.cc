#include "gateway/server/trace_context.h"

#include <cstdint>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace gateway::server {
namespace {

// RandomHex is `digits` lower-case hex digits, not all zero.
std::string RandomHex(int digits) {
  thread_local absl::BitGen bits;
  std::string hex;
  do {
    hex.clear();
    for (int i = 0; i < digits; i += 16) {
      absl::StrAppend(
          &hex, absl::Hex(absl::Uniform<uint64_t>(bits), absl::kZeroPad16));
    }
    hex.resize(digits);
  } while (hex.find_first_not_of('0') == std::string::npos);
  return hex;
}

// IsId says whether `value` is `digits` lower-case hex digits, not all zero.
bool IsId(absl::string_view value, size_t digits) {
  if (value.size() != digits) return false;
  bool nonzero = false;
  for (char c : value) {
    if (!absl::ascii_isdigit(c) && (c < 'a' || c > 'f')) return false;
    nonzero = nonzero || c != '0';
  }
  return nonzero;
}

}  // namespace

TraceContext TraceContext::Continue(absl::string_view traceparent) {
  TraceContext trace;
  trace.span_id_ = RandomHex(16);
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::StripAsciiWhitespace(traceparent), '-');
  if (parts.size() == 4 && parts[0] == "00" && IsId(parts[1], 32) &&
      IsId(parts[2], 16) && parts[3].size() == 2 &&
      absl::ascii_isxdigit(parts[3][0]) && absl::ascii_isxdigit(parts[3][1])) {
    trace.trace_id_ = std::string(parts[1]);
    trace.parent_id_ = std::string(parts[2]);
    trace.flags_ = absl::AsciiStrToLower(parts[3]);
    return trace;
  }
  trace.trace_id_ = RandomHex(32);
  trace.flags_ = "01";
  return trace;
}

std::string TraceContext::Header() const {
  return absl::StrCat("00-", trace_id_, "-", span_id_, "-", flags_);
}

}  // namespace gateway::server
