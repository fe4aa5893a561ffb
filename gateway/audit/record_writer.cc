#include "gateway/audit/record_writer.h"

#include "absl/strings/str_cat.h"

namespace gateway::audit {
namespace {

// ValidUtf8 says whether `text` is well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF).
bool ValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int length;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

}  // namespace

void RecordWriter::Key(absl::string_view key) {
  if (text_.size() > 1) text_.push_back(',');
  Quoted(key);
  text_.push_back(':');
}

void RecordWriter::Quoted(absl::string_view value) {
  if (!ValidUtf8(value)) {
    text_.append(Dump(Json(std::string(value))));
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  text_.push_back('"');
  // Characters that need no escape are appended a run at a time.
  size_t run = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    text_.append(value.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        text_.append("\\\"");
        break;
      case '\\':
        text_.append("\\\\");
        break;
      case '\b':
        text_.append("\\b");
        break;
      case '\f':
        text_.append("\\f");
        break;
      case '\n':
        text_.append("\\n");
        break;
      case '\r':
        text_.append("\\r");
        break;
      case '\t':
        text_.append("\\t");
        break;
      default: {
        const char escape[] = {'\\', 'u',          '0',
                               '0',  kHex[c >> 4], kHex[c & 0xF]};
        text_.append(escape, sizeof(escape));
      }
    }
  }
  text_.append(value.data() + run, value.size() - run);
  text_.push_back('"');
}

RecordWriter& RecordWriter::String(absl::string_view key,
                                   absl::string_view value) {
  Key(key);
  Quoted(value);
  return *this;
}

RecordWriter& RecordWriter::Int(absl::string_view key, int64_t value) {
  Key(key);
  absl::StrAppend(&text_, value);
  return *this;
}

RecordWriter& RecordWriter::Null(absl::string_view key) {
  Key(key);
  text_.append("null");
  return *this;
}

RecordWriter& RecordWriter::Strings(absl::string_view key,
                                    const std::vector<std::string>& values) {
  Key(key);
  text_.push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text_.push_back(',');
    Quoted(values[i]);
  }
  text_.push_back(']');
  return *this;
}

RecordWriter& RecordWriter::Object(
    absl::string_view key,
    const std::vector<std::pair<std::string, std::string>>& members) {
  Key(key);
  text_.push_back('{');
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) text_.push_back(',');
    Quoted(members[i].first);
    text_.push_back(':');
    Quoted(members[i].second);
  }
  text_.push_back('}');
  return *this;
}

RecordWriter& RecordWriter::Document(absl::string_view key, const Json& value) {
  Key(key);
  text_.append(Dump(value));
  return *this;
}

std::string RecordWriter::Take() && {
  text_.push_back('}');
  return std::move(text_);
}

}  // namespace gateway::audit
