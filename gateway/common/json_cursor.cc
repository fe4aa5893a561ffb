#include "gateway/common/json_cursor.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <system_error>  // NOLINT(build/c++11): std::errc of from_chars

#include "absl/base/attributes.h"
#include "absl/strings/charconv.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/status_macros.h"

namespace gateway {
namespace {

// kPlain[b] says byte b stands for itself in a string with nothing to check:
// printable ASCII other than the quote and the backslash.
constexpr std::array<bool, 256> MakePlain() {
  std::array<bool, 256> plain{};
  for (int b = 0x20; b < 0x80; ++b) plain[b] = b != '"' && b != '\\';
  return plain;
}
constexpr std::array<bool, 256> kPlain = MakePlain();

bool IsWhitespace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Utf8Length returns the length of the well-formed UTF-8 sequence (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF) whose lead byte,
// not ASCII, is s[i]; 0 when there is none.
size_t Utf8Length(absl::string_view s, size_t i) {
  auto in = [&](size_t k, unsigned char low, unsigned char high) {
    if (i + k >= s.size()) return false;
    auto c = static_cast<unsigned char>(s[i + k]);
    return c >= low && c <= high;
  };
  auto lead = static_cast<unsigned char>(s[i]);
  if (lead >= 0xC2 && lead <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (lead == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (lead == 0xF0) {
    return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  if (lead >= 0xF1 && lead <= 0xF3) {
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  if (lead == 0xF4) {
    return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// Hex4 reads four hex digits at s[i]; -1 when they are not there.
int Hex4(absl::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  int value = 0;
  for (size_t k = i; k < i + 4; ++k) {
    char c = s[k];
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return -1;
    }
    value = value * 16 + digit;
  }
  return value;
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// ParseDouble converts a checked JSON number token the way nlohmann does
// (strtod, correctly rounded), without needing it NUL-terminated.
double ParseDouble(absl::string_view token) {
  double value = 0;
  absl::from_chars_result result =
      absl::from_chars(token.data(), token.data() + token.size(), value);
  if (result.ec == std::errc() && result.ptr == token.data() + token.size()) {
    return value;
  }
  // Out of range (Abseil leaves the value to the caller there) or anything
  // unexpected: strtod on a terminated copy gives what nlohmann gets.
  std::string copy(token);
  return std::strtod(copy.c_str(), nullptr);
}

}  // namespace

double JsonCursor::Number::AsDouble() const {
  switch (kind) {
    case Kind::kInteger:
      return static_cast<double>(integer);
    case Kind::kUnsigned:
      return static_cast<double>(unsigned_value);
    case Kind::kFloat:
      break;
  }
  return floating;
}

JsonCursor::JsonCursor(absl::string_view text) : text_(text) {
  // A byte order mark is not JSON, but RFC 8259 lets a parser ignore it, and
  // nlohmann does.
  if (text_.size() >= 3 && text_.substr(0, 3) == "\xEF\xBB\xBF") offset_ = 3;
}

ABSL_ATTRIBUTE_NOINLINE absl::Status JsonCursor::Fail(absl::string_view what,
                                                      size_t at) {
  if (status_.ok()) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("not JSON: ", what, " at byte ", at));
  }
  return status_;
}

absl::Status JsonCursor::Fail(absl::string_view what) {
  return Fail(what, offset_);
}

void JsonCursor::SkipWhitespace() {
  while (offset_ < text_.size() && IsWhitespace(text_[offset_])) ++offset_;
}

void JsonCursor::Restore(const Mark& mark) {
  offset_ = mark.offset;
  depth_ = mark.depth;
  container_start_ = mark.container_start;
}

absl::StatusOr<JsonCursor::Type> JsonCursor::Peek() {
  if (!ok()) return status_;
  SkipWhitespace();
  if (offset_ >= text_.size()) return Fail("unexpected end of text");
  switch (text_[offset_]) {
    case '{':
      return Type::kObject;
    case '[':
      return Type::kArray;
    case '"':
      return Type::kString;
    case 't':
    case 'f':
      return Type::kBoolean;
    case 'n':
      return Type::kNull;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      return Type::kNumber;
    default:
      return Fail("expected a value");
  }
}

absl::Status JsonCursor::ReadNull() {
  if (!ok()) return status_;
  SkipWhitespace();
  if (text_.substr(offset_, 4) != "null") return Fail("expected null");
  offset_ += 4;
  return absl::OkStatus();
}

absl::StatusOr<bool> JsonCursor::ReadBool() {
  if (!ok()) return status_;
  SkipWhitespace();
  if (text_.substr(offset_, 4) == "true") {
    offset_ += 4;
    return true;
  }
  if (text_.substr(offset_, 5) == "false") {
    offset_ += 5;
    return false;
  }
  return Fail("expected true or false");
}

absl::StatusOr<JsonCursor::Number> JsonCursor::ReadNumber() {
  if (!ok()) return status_;
  SkipWhitespace();
  const size_t start = offset_;
  const size_t size = text_.size();
  size_t i = start;
  bool negative = false;
  if (i < size && text_[i] == '-') {
    negative = true;
    ++i;
  }
  if (i >= size || !IsDigit(text_[i])) return Fail("expected a digit", i);
  uint64_t magnitude = 0;
  bool too_long = false;
  if (text_[i] == '0') {
    ++i;  // no leading zeros: what follows is not part of the number
  } else {
    for (; i < size && IsDigit(text_[i]); ++i) {
      auto digit = static_cast<uint64_t>(text_[i] - '0');
      if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
        too_long = true;
      } else {
        magnitude = magnitude * 10 + digit;
      }
    }
  }
  bool is_float = false;
  if (i < size && text_[i] == '.') {
    ++i;
    if (i >= size || !IsDigit(text_[i])) {
      return Fail("expected a digit after the decimal point", i);
    }
    while (i < size && IsDigit(text_[i])) ++i;
    is_float = true;
  }
  if (i < size && (text_[i] == 'e' || text_[i] == 'E')) {
    ++i;
    if (i < size && (text_[i] == '+' || text_[i] == '-')) ++i;
    if (i >= size || !IsDigit(text_[i])) {
      return Fail("expected a digit in the exponent", i);
    }
    while (i < size && IsDigit(text_[i])) ++i;
    is_float = true;
  }
  offset_ = i;
  Number number;
  if (!is_float && !too_long) {
    constexpr uint64_t kInt64MinMagnitude = uint64_t{1} << 63;
    if (!negative) {
      number.kind = Number::Kind::kUnsigned;
      number.unsigned_value = magnitude;
      return number;
    }
    if (magnitude <= kInt64MinMagnitude) {
      number.kind = Number::Kind::kInteger;
      number.integer = magnitude == kInt64MinMagnitude
                           ? std::numeric_limits<int64_t>::min()
                           : -static_cast<int64_t>(magnitude);
      return number;
    }
  }
  // Like nlohmann: an integer beyond 64 bits becomes a double.
  number.kind = Number::Kind::kFloat;
  number.floating = ParseDouble(text_.substr(start, i - start));
  if (!std::isfinite(number.floating)) {
    return Fail("number out of the range of a double", start);
  }
  return number;
}

absl::Status JsonCursor::ReadEscape(size_t* at, std::string* out) {
  const size_t start = *at;
  if (start + 1 >= text_.size()) return Fail("unterminated string", start);
  char replacement;
  switch (text_[start + 1]) {
    case '"':
      replacement = '"';
      break;
    case '\\':
      replacement = '\\';
      break;
    case '/':
      replacement = '/';
      break;
    case 'b':
      replacement = '\b';
      break;
    case 'f':
      replacement = '\f';
      break;
    case 'n':
      replacement = '\n';
      break;
    case 'r':
      replacement = '\r';
      break;
    case 't':
      replacement = '\t';
      break;
    case 'u': {
      int unit = Hex4(text_, start + 2);
      if (unit < 0) return Fail("\\u must be followed by 4 hex digits", start);
      auto code_point = static_cast<uint32_t>(unit);
      size_t end = start + 6;
      if (unit >= 0xDC00 && unit <= 0xDFFF) {
        return Fail("low surrogate without a high surrogate before it", start);
      }
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        int low = -1;
        if (end + 1 < text_.size() && text_[end] == '\\' &&
            text_[end + 1] == 'u') {
          low = Hex4(text_, end + 2);
        }
        if (low < 0xDC00 || low > 0xDFFF) {
          return Fail("high surrogate without a low surrogate after it", start);
        }
        code_point = 0x10000 + ((code_point - 0xD800) << 10) +
                     (static_cast<uint32_t>(low) - 0xDC00);
        end += 6;
      }
      if (out != nullptr) AppendUtf8(code_point, out);
      *at = end;
      return absl::OkStatus();
    }
    default:
      return Fail("invalid escape", start);
  }
  if (out != nullptr) out->push_back(replacement);
  *at = start + 2;
  return absl::OkStatus();
}

absl::Status JsonCursor::ScanString(std::string* out, absl::string_view* view) {
  const size_t size = text_.size();
  const size_t begin = offset_ + 1;  // past the opening quote
  size_t i = begin;
  bool decoding = false;  // `*out` holds the decoded text before `copied`
  size_t copied = begin;
  while (true) {
    while (i < size && kPlain[static_cast<unsigned char>(text_[i])]) ++i;
    if (i >= size) return Fail("unterminated string", offset_);
    auto c = static_cast<unsigned char>(text_[i]);
    if (c == '"') break;
    if (c == '\\') {
      if (out != nullptr) {
        if (!decoding) out->clear();
        out->append(text_.data() + copied, i - copied);
        decoding = true;
      }
      RETURN_IF_ERROR(ReadEscape(&i, out));
      copied = i;
      continue;
    }
    if (c < 0x20) {
      return Fail("control character in a string (it must be escaped)", i);
    }
    size_t length = Utf8Length(text_, i);
    if (length == 0) return Fail("invalid UTF-8 in a string", i);
    i += length;
  }
  if (out != nullptr) {
    if (decoding) {
      out->append(text_.data() + copied, i - copied);
      *view = *out;
    } else {
      *view = text_.substr(begin, i - begin);
    }
  }
  offset_ = i + 1;
  return absl::OkStatus();
}

absl::StatusOr<absl::string_view> JsonCursor::ReadStringView(
    std::string* storage) {
  if (!ok()) return status_;
  SkipWhitespace();
  if (offset_ >= text_.size() || text_[offset_] != '"') {
    return Fail("expected a string");
  }
  absl::string_view view;
  RETURN_IF_ERROR(ScanString(storage, &view));
  return view;
}

absl::Status JsonCursor::ReadString(std::string* out) {
  ASSIGN_OR_RETURN(absl::string_view view, ReadStringView(out));
  if (view.data() != out->data()) out->assign(view.data(), view.size());
  return absl::OkStatus();
}

absl::Status JsonCursor::EnterArray() {
  if (!ok()) return status_;
  SkipWhitespace();
  if (offset_ >= text_.size() || text_[offset_] != '[') {
    return Fail("expected an array");
  }
  if (depth_ >= kMaxDepth) {
    return Fail(absl::StrCat("arrays and objects nested more than ", kMaxDepth,
                             " deep"));
  }
  ++depth_;
  ++offset_;
  container_start_ = true;
  return absl::OkStatus();
}

absl::StatusOr<bool> JsonCursor::NextElement() {
  if (!ok()) return status_;
  SkipWhitespace();
  if (offset_ >= text_.size()) return Fail("unterminated array");
  char c = text_[offset_];
  if (container_start_) {
    container_start_ = false;
    if (c != ']') return true;
  } else if (c == ',') {
    ++offset_;
    return true;
  } else if (c != ']') {
    return Fail("expected ',' or ']'");
  }
  ++offset_;
  --depth_;
  return false;
}

absl::Status JsonCursor::EnterObject() {
  if (!ok()) return status_;
  SkipWhitespace();
  if (offset_ >= text_.size() || text_[offset_] != '{') {
    return Fail("expected an object");
  }
  if (depth_ >= kMaxDepth) {
    return Fail(absl::StrCat("arrays and objects nested more than ", kMaxDepth,
                             " deep"));
  }
  ++depth_;
  ++offset_;
  container_start_ = true;
  return absl::OkStatus();
}

absl::StatusOr<bool> JsonCursor::NextMember(std::string* storage,
                                            absl::string_view* name) {
  return NextMemberName(storage, name);
}

absl::StatusOr<bool> JsonCursor::NextMemberName(std::string* storage,
                                                absl::string_view* name) {
  if (!ok()) return status_;
  SkipWhitespace();
  if (offset_ >= text_.size()) return Fail("unterminated object");
  char c = text_[offset_];
  if (container_start_) {
    container_start_ = false;
    if (c == '}') {
      ++offset_;
      --depth_;
      return false;
    }
  } else if (c == ',') {
    ++offset_;
    SkipWhitespace();
    if (offset_ >= text_.size()) return Fail("unterminated object");
    c = text_[offset_];
  } else if (c == '}') {
    ++offset_;
    --depth_;
    return false;
  } else {
    return Fail("expected ',' or '}'");
  }
  if (c != '"') return Fail("expected a member name");
  RETURN_IF_ERROR(ScanString(storage, name));
  SkipWhitespace();
  if (offset_ >= text_.size() || text_[offset_] != ':') {
    return Fail("expected ':' after a member name");
  }
  ++offset_;
  return true;
}

absl::Status JsonCursor::Skip() {
  ASSIGN_OR_RETURN(Type type, Peek());
  switch (type) {
    case Type::kNull:
      return ReadNull();
    case Type::kBoolean:
      return ReadBool().status();
    case Type::kNumber:
      return ReadNumber().status();
    case Type::kString:
      return ScanString(nullptr, nullptr);
    case Type::kArray:
      RETURN_IF_ERROR(EnterArray());
      while (true) {
        ASSIGN_OR_RETURN(bool more, NextElement());
        if (!more) return absl::OkStatus();
        RETURN_IF_ERROR(Skip());
      }
    case Type::kObject:
      RETURN_IF_ERROR(EnterObject());
      while (true) {
        ASSIGN_OR_RETURN(bool more, NextMemberName(nullptr, nullptr));
        if (!more) return absl::OkStatus();
        RETURN_IF_ERROR(Skip());
      }
  }
  return absl::OkStatus();
}

absl::Status JsonCursor::ExpectEnd() {
  if (!ok()) return status_;
  SkipWhitespace();
  if (offset_ != text_.size()) return Fail("unexpected text after the value");
  return absl::OkStatus();
}

absl::StatusOr<absl::string_view> JsonCursor::FindMember(
    absl::string_view json_object_text, absl::string_view name) {
  JsonCursor in(json_object_text);
  ASSIGN_OR_RETURN(Type type, in.Peek());
  if (type != Type::kObject) {
    // A broken text is reported as such before its shape.
    RETURN_IF_ERROR(in.Skip());
    RETURN_IF_ERROR(in.ExpectEnd());
    return absl::InvalidArgumentError("not a JSON object");
  }
  RETURN_IF_ERROR(in.EnterObject());
  std::string storage;
  absl::string_view member;
  bool found = false;
  absl::string_view value;
  while (true) {
    ASSIGN_OR_RETURN(bool more, in.NextMember(&storage, &member));
    if (!more) break;
    bool wanted = member == name;
    RETURN_IF_ERROR(in.Peek().status());
    size_t start = in.offset();
    RETURN_IF_ERROR(in.Skip());
    if (wanted) {
      found = true;
      value = json_object_text.substr(start, in.offset() - start);
    }
  }
  RETURN_IF_ERROR(in.ExpectEnd());
  if (!found) {
    return absl::NotFoundError(absl::StrCat("no member \"", name, "\""));
  }
  return value;
}

}  // namespace gateway
