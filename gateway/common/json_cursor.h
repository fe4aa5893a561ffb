// json_cursor.h: a pull parser over JSON text (RFC 8259), for reading
// upstream answers straight into messages without building a document.
//
//   JsonCursor in(text);
//   RETURN_IF_ERROR(in.EnterObject());
//   std::string storage;
//   absl::string_view name;
//   while (true) {
//     ASSIGN_OR_RETURN(bool more, in.NextMember(&storage, &name));
//     if (!more) break;
//     JsonCursor::Mark value = in.Save();  // to read the value again
//     RETURN_IF_ERROR(in.Skip());
//   }
//   RETURN_IF_ERROR(in.ExpectEnd());
//
// Accepts exactly what nlohmann::json::parse accepts (strict RFC 8259: no
// comments, no trailing commas, UTF-8 checked in strings, control characters
// must be escaped, lone surrogates rejected, a leading byte order mark
// skipped), with two exceptions: arrays and objects nest at most kMaxDepth
// deep, so hostile input cannot exhaust the stack of a recursive reader; and a
// NUL byte after the value is trailing garbage (nlohmann stops reading there).
//
// Errors are INVALID_ARGUMENT, "not JSON: <what> at byte <offset>"; they never
// quote the text (an upstream body may hold secrets). The first error is
// sticky: every later call returns it, and ok() turns false, so a reader can
// tell a broken text from a value it did not like.
#ifndef GATEWAY_COMMON_JSON_CURSOR_H_
#define GATEWAY_COMMON_JSON_CURSOR_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gateway {

// JsonCursor reads one JSON text value by value. Reading a value consumes it;
// a Mark saved before a value lets a reader go back and read it again
// (another way, or only to Skip it).
//
// Ownership: borrows the text, which must outlive the cursor and every view it
// returns. Thread safety: none; a cursor belongs to one reader.
class JsonCursor {
 public:
  // kMaxDepth is how deep arrays and objects may nest; the outermost counts.
  static constexpr int kMaxDepth = 128;

  // Type is the JSON type of the next value.
  enum class Type { kNull, kBoolean, kNumber, kString, kArray, kObject };

  // Number is a JSON number typed the way nlohmann::json types it: without a
  // fraction or exponent, a non-negative integer that fits uint64 is
  // kUnsigned and a negative one that fits int64 is kInteger; anything else is
  // kFloat (an integer too long for 64 bits included).
  struct Number {
    enum class Kind { kInteger, kUnsigned, kFloat };
    Kind kind = Kind::kInteger;
    int64_t integer = 0;          // kInteger
    uint64_t unsigned_value = 0;  // kUnsigned
    double floating = 0;          // kFloat

    bool is_integer() const { return kind != Kind::kFloat; }
    // AsDouble converts any kind, like nlohmann's get<double>().
    double AsDouble() const;
  };

  // Mark is a saved position. Only meaningful for the cursor that made it.
  struct Mark {
    size_t offset = 0;
    int depth = 0;
    bool container_start = false;
  };

  explicit JsonCursor(absl::string_view text);

  // FindMember returns the raw text of the value of member `name` of the JSON
  // object `json_object_text` (the last one, if the name repeats: the value a
  // JSON document keeps), from its first byte to its last. The whole text is
  // checked: INVALID_ARGUMENT when it is not JSON or not an object, NOT_FOUND
  // when it has no such member.
  static absl::StatusOr<absl::string_view> FindMember(
      absl::string_view json_object_text, absl::string_view name);

  // Peek skips whitespace and returns the type of the next value without
  // consuming it; an error when no value starts there.
  absl::StatusOr<Type> Peek();

  // Each Read consumes the next value, which must have that type.
  absl::Status ReadNull();
  absl::StatusOr<bool> ReadBool();
  absl::StatusOr<Number> ReadNumber();
  // ReadString decodes a string into `out` (replacing its contents).
  absl::Status ReadString(std::string* out);
  // ReadStringView returns the decoded string: a view into the text when it
  // has no escapes, otherwise into `*storage`, which it overwrites. The view
  // lives until `*storage` changes or the text goes away.
  absl::StatusOr<absl::string_view> ReadStringView(std::string* storage);

  // EnterArray consumes '['. Before each element, call NextElement: true when
  // an element follows (read it), false once the closing ']' is consumed.
  absl::Status EnterArray();
  absl::StatusOr<bool> NextElement();

  // EnterObject consumes '{'. Before each member, call NextMember: true when a
  // member follows, with its decoded name in `*name` (a view as in
  // ReadStringView) and the cursor before its value (read it); false once the
  // closing '}' is consumed.
  absl::Status EnterObject();
  absl::StatusOr<bool> NextMember(std::string* storage,
                                  absl::string_view* name);

  // Skip consumes the next value whole, checking it as strictly as reading.
  absl::Status Skip();

  // ExpectEnd checks that only whitespace is left.
  absl::Status ExpectEnd();

  // Save and Restore move back to where a value started. Restoring never
  // clears an error.
  Mark Save() const { return Mark{offset_, depth_, container_start_}; }
  void Restore(const Mark& mark);

  // offset is the current byte position: after Peek, the next value's first
  // byte; after reading, just past the value.
  size_t offset() const { return offset_; }
  absl::string_view text() const { return text_; }

  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }

 private:
  absl::Status Fail(absl::string_view what);
  absl::Status Fail(absl::string_view what, size_t at);
  void SkipWhitespace();
  // ScanString reads the string starting at offset_ (its opening quote). With
  // `out` null it only checks it; otherwise it sets `*view` as ReadStringView.
  absl::Status ScanString(std::string* out, absl::string_view* view);
  // ReadEscape decodes the escape at `*at` (a backslash) into `out` (when
  // not null) and moves `*at` past it.
  absl::Status ReadEscape(size_t* at, std::string* out);
  // NextMemberName is NextMember; with `storage` null it only checks the name.
  absl::StatusOr<bool> NextMemberName(std::string* storage,
                                      absl::string_view* name);

  absl::string_view text_;
  size_t offset_ = 0;
  int depth_ = 0;
  bool container_start_ = false;  // just after '[' or '{'
  absl::Status status_;
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_JSON_CURSOR_H_
