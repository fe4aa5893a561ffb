// record_writer.h: writes an audit record's JSON text member by member,
// exactly as the compact dump of the same document (Dump, common/
// json_codec.h) would, without building the document.
//
//   RecordWriter record;
//   record.String("event", "call").Int("latency_us", 512);
//   record.Null("upstream_status").Strings("update_mask", {"name"});
//   record.Document("changes", redacted_changes);
//   std::string text = std::move(record).Take();
//   // {"event":"call","latency_us":512,"upstream_status":null,...}
//
// Byte-identical to Dump because the trail's verifier re-serializes each
// parsed record to check its hash: strings are escaped as nlohmann does
// (\", \\, \b, \f, \n, \r, \t, other control characters as \u00xx, UTF-8
// as it is), and a string that is not valid UTF-8 is written by Dump itself
// (which replaces the bad bytes). Keys are written as given and must not
// repeat.
#ifndef GATEWAY_AUDIT_RECORD_WRITER_H_
#define GATEWAY_AUDIT_RECORD_WRITER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/common/json_codec.h"

namespace gateway::audit {

// RecordWriter builds one JSON object.
//
// Thread safety: none; one writer per record.
class RecordWriter {
 public:
  RecordWriter() {
    // A call's record is a few hundred bytes: grown once, not repeatedly.
    text_.reserve(512);
    text_.push_back('{');
  }

  RecordWriter& String(absl::string_view key, absl::string_view value);
  RecordWriter& Int(absl::string_view key, int64_t value);
  RecordWriter& Null(absl::string_view key);
  // Strings writes an array of strings.
  RecordWriter& Strings(absl::string_view key,
                        const std::vector<std::string>& values);
  // Object writes a nested object of string members, in order.
  RecordWriter& Object(
      absl::string_view key,
      const std::vector<std::pair<std::string, std::string>>& members);
  // Document writes any JSON value (dumped).
  RecordWriter& Document(absl::string_view key, const Json& value);

  // Take returns the object's text.
  std::string Take() &&;

 private:
  void Key(absl::string_view key);
  void Quoted(absl::string_view value);

  std::string text_;
};

}  // namespace gateway::audit

#endif  // GATEWAY_AUDIT_RECORD_WRITER_H_
