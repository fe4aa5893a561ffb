// Unit tests of the JSON pull parser: every error class, escapes, UTF-8,
// numbers at their boundaries, nesting depth, rewinding, and agreement with
// nlohmann::json::parse on what is JSON and how numbers are typed.
#include "gateway/common/json_cursor.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Type = JsonCursor::Type;
using Kind = JsonCursor::Number::Kind;

// Check reads `text` as one whole JSON text.
absl::Status Check(absl::string_view text) {
  JsonCursor in(text);
  absl::Status status = in.Skip();
  if (status.ok()) status = in.ExpectEnd();
  return status;
}

bool NlohmannAccepts(absl::string_view text) {
  return !nlohmann::json::parse(text.begin(), text.end(), nullptr, false)
              .is_discarded();
}

// AgreesWithNlohmann says whether the cursor accepts `text` exactly when
// nlohmann::json::parse does.
::testing::AssertionResult AgreesWithNlohmann(absl::string_view text) {
  bool ours = Check(text).ok();
  if (ours == NlohmannAccepts(text)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "the cursor " << (ours ? "accepts" : "rejects") << " "
         << absl::CEscape(text) << ", nlohmann does not";
}

absl::StatusOr<std::string> ReadString(absl::string_view text) {
  JsonCursor in(text);
  std::string out;
  absl::Status status = in.ReadString(&out);
  if (status.ok()) status = in.ExpectEnd();
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<JsonCursor::Number> ReadNumber(absl::string_view text) {
  JsonCursor in(text);
  absl::StatusOr<JsonCursor::Number> number = in.ReadNumber();
  if (number.ok()) {
    absl::Status end = in.ExpectEnd();
    if (!end.ok()) return end;
  }
  return number;
}

std::string Nested(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(JsonCursorTest, ReadsEveryType) {
  JsonCursor in(
      R"( {"a": [1, -2, 3.5, "s", true, false, null, {}], "b": {}} )");
  std::string storage;
  absl::string_view name;
  ASSERT_TRUE(in.EnterObject().ok());
  ASSERT_TRUE(*in.NextMember(&storage, &name));
  EXPECT_EQ(name, "a");
  ASSERT_EQ(*in.Peek(), Type::kArray);
  ASSERT_TRUE(in.EnterArray().ok());
  ASSERT_TRUE(*in.NextElement());
  EXPECT_EQ(in.ReadNumber()->unsigned_value, 1u);
  ASSERT_TRUE(*in.NextElement());
  EXPECT_EQ(in.ReadNumber()->integer, -2);
  ASSERT_TRUE(*in.NextElement());
  EXPECT_EQ(in.ReadNumber()->floating, 3.5);
  ASSERT_TRUE(*in.NextElement());
  EXPECT_EQ(*in.Peek(), Type::kString);
  EXPECT_EQ(*in.ReadStringView(&storage), "s");
  ASSERT_TRUE(*in.NextElement());
  EXPECT_EQ(*in.Peek(), Type::kBoolean);
  EXPECT_TRUE(*in.ReadBool());
  ASSERT_TRUE(*in.NextElement());
  EXPECT_FALSE(*in.ReadBool());
  ASSERT_TRUE(*in.NextElement());
  EXPECT_EQ(*in.Peek(), Type::kNull);
  EXPECT_TRUE(in.ReadNull().ok());
  ASSERT_TRUE(*in.NextElement());
  EXPECT_EQ(*in.Peek(), Type::kObject);
  ASSERT_TRUE(in.EnterObject().ok());
  EXPECT_FALSE(*in.NextMember(&storage, &name));
  EXPECT_FALSE(*in.NextElement());
  ASSERT_TRUE(*in.NextMember(&storage, &name));
  EXPECT_EQ(name, "b");
  EXPECT_TRUE(in.Skip().ok());
  EXPECT_FALSE(*in.NextMember(&storage, &name));
  EXPECT_TRUE(in.ExpectEnd().ok());
  EXPECT_TRUE(in.ok());
}

TEST(JsonCursorTest, StringEscapes) {
  EXPECT_EQ(*ReadString(R"("\" \\ \/ \b \f \n \r \t")"),
            "\" \\ / \b \f \n \r \t");
  EXPECT_EQ(*ReadString(R"("\u0041\u00e9\u00E9\u20ac")"),
            "A\xC3\xA9\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(*ReadString(R"("a\u0000b")"), std::string("a\0b", 3));
  EXPECT_EQ(*ReadString(R"("\u007f\u0080\u07ff\u0800\uffff")"),
            "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF");
  EXPECT_EQ(*ReadString(R"("plain")"), "plain");
  EXPECT_EQ(*ReadString(R"("")"), "");
  for (absl::string_view bad :
       {R"("\x")", R"("\u12")", R"("\u12G4")", R"("\U0041")", R"("\)",
        R"("\u00)", R"("\')", "\"\\\t\""}) {
    EXPECT_EQ(ReadString(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_TRUE(AgreesWithNlohmann(bad));
  }
}

TEST(JsonCursorTest, SurrogatePairs) {
  EXPECT_EQ(*ReadString(R"("\ud83d\ude00")"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(*ReadString(R"("\uD800\uDC00")"), "\xF0\x90\x80\x80");
  EXPECT_EQ(*ReadString(R"("\udbff\udfff")"), "\xF4\x8F\xBF\xBF");
  for (absl::string_view bad :
       {R"("\ud83d")", R"("\ud83dx")", R"("\ud83d\u0041")", R"("\ud83d\ud83d")",
        R"("\ude00")", R"("\ude00\ud83d")", R"("\ud83d\n")",
        R"("\ud83d\ude0")"}) {
    absl::StatusOr<std::string> read = ReadString(bad);
    EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(read.status().message()), HasSubstr("surrogate"))
        << bad;
    EXPECT_TRUE(AgreesWithNlohmann(bad));
  }
}

TEST(JsonCursorTest, Utf8IsCheckedLikeNlohmann) {
  // Well-formed sequences at every boundary of RFC 3629.
  for (absl::string_view good : {"\x7F", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80",
                                 "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF",
                                 "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"}) {
    std::string text = absl::StrCat("\"", good, "\"");
    EXPECT_EQ(*ReadString(text), good) << absl::CEscape(good);
  }
  // Ill-formed: stray continuation, overlong forms, surrogates, beyond
  // U+10FFFF, bytes that never occur, truncated sequences.
  for (absl::string_view bad :
       {"\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF",
        "\xED\xA0\x80", "\xED\xBF\xBF", "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF",
        "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFE", "\xFF", "\xC3",
        "\xE2\x82", "\xF0\x9F\x98", "\xC3\x28", "\xE2\x28\xA1"}) {
    std::string text = absl::StrCat("\"", bad, "\"");
    absl::StatusOr<std::string> read = ReadString(text);
    EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument)
        << absl::CEscape(bad);
    EXPECT_TRUE(AgreesWithNlohmann(text));
  }
}

TEST(JsonCursorTest, EveryOneAndTwoByteStringAgreesWithNlohmann) {
  for (int first = 0; first < 256; ++first) {
    std::string one = {'"', static_cast<char>(first), '"'};
    ASSERT_TRUE(AgreesWithNlohmann(one));
    for (int second = 0; second < 256; ++second) {
      if (first == '"' && second == 0) continue;  // see NulAfterTheValue...
      std::string two = {'"', static_cast<char>(first),
                         static_cast<char>(second), '"'};
      ASSERT_TRUE(AgreesWithNlohmann(two));
    }
  }
}

TEST(JsonCursorTest, ThreeAndFourByteLeadsAgreeWithNlohmann) {
  const std::vector<int> probes = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F,
                                   0xA0, 0xBF, 0xC0, 0xF4, 0xFF};
  for (int lead = 0xE0; lead <= 0xFF; ++lead) {
    for (int second : probes) {
      for (int third : probes) {
        for (int fourth : {0x80, 0xBF, 0x7F}) {
          std::string text = {'"',
                              static_cast<char>(lead),
                              static_cast<char>(second),
                              static_cast<char>(third),
                              static_cast<char>(fourth),
                              '"'};
          ASSERT_TRUE(AgreesWithNlohmann(text));
        }
      }
    }
  }
}

TEST(JsonCursorTest, ControlCharactersMustBeEscaped) {
  for (int c = 0; c < 0x20; ++c) {
    std::string text = {'"', 'a', static_cast<char>(c), '"'};
    absl::StatusOr<std::string> read = ReadString(text);
    EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << c;
    EXPECT_THAT(std::string(read.status().message()),
                HasSubstr("control character"));
  }
  EXPECT_EQ(*ReadString("\"\x7F\""), "\x7F");
}

TEST(JsonCursorTest, StringViewsPointIntoTheTextUnlessEscaped) {
  std::string text = R"(["plain", "esc\naped"])";
  JsonCursor in(text);
  std::string storage;
  ASSERT_TRUE(in.EnterArray().ok());
  ASSERT_TRUE(*in.NextElement());
  absl::string_view plain = *in.ReadStringView(&storage);
  EXPECT_EQ(plain.data(), text.data() + 2);
  ASSERT_TRUE(*in.NextElement());
  absl::string_view escaped = *in.ReadStringView(&storage);
  EXPECT_EQ(escaped, "esc\naped");
  EXPECT_EQ(escaped.data(), storage.data());
}

TEST(JsonCursorTest, IntegersAtTheirBoundaries) {
  struct Case {
    const char* text;
    Kind kind;
  };
  for (const Case& c : std::vector<Case>{
           {"0", Kind::kUnsigned},
           {"-0", Kind::kInteger},
           {"7", Kind::kUnsigned},
           {"-7", Kind::kInteger},
           {"9223372036854775807", Kind::kUnsigned},
           {"9223372036854775808", Kind::kUnsigned},
           {"18446744073709551615", Kind::kUnsigned},
           {"18446744073709551616", Kind::kFloat},
           {"99999999999999999999999", Kind::kFloat},
           {"-9223372036854775807", Kind::kInteger},
           {"-9223372036854775808", Kind::kInteger},
           {"-9223372036854775809", Kind::kFloat},
           {"-18446744073709551616", Kind::kFloat},
       }) {
    absl::StatusOr<JsonCursor::Number> number = ReadNumber(c.text);
    ASSERT_TRUE(number.ok()) << c.text << ": " << number.status();
    EXPECT_EQ(number->kind, c.kind) << c.text;
    nlohmann::json theirs = nlohmann::json::parse(c.text);
    switch (c.kind) {
      case Kind::kUnsigned:
        EXPECT_TRUE(theirs.is_number_unsigned()) << c.text;
        EXPECT_EQ(number->unsigned_value, theirs.get<uint64_t>()) << c.text;
        break;
      case Kind::kInteger:
        EXPECT_TRUE(theirs.is_number_integer() && !theirs.is_number_unsigned())
            << c.text;
        EXPECT_EQ(number->integer, theirs.get<int64_t>()) << c.text;
        break;
      case Kind::kFloat:
        EXPECT_TRUE(theirs.is_number_float()) << c.text;
        EXPECT_EQ(number->floating, theirs.get<double>()) << c.text;
        break;
    }
  }
  EXPECT_EQ(ReadNumber("-9223372036854775808")->integer,
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(ReadNumber("18446744073709551615")->unsigned_value,
            std::numeric_limits<uint64_t>::max());
}

TEST(JsonCursorTest, DoublesAtTheirBoundariesMatchNlohmannBitForBit) {
  for (const char* text : {"1.5",
                           "-0.0",
                           "0.1",
                           "1e2",
                           "1E+2",
                           "1e-2",
                           "-1.25e-3",
                           "0e0",
                           "4.9e-324",
                           "2.4703282292062327e-324",
                           "2.4703282292062328e-324",
                           "2.2250738585072011e-308",
                           "2.2250738585072014e-308",
                           "1e-400",
                           "-1e-400",
                           "1.7976931348623157e308",
                           "1.7976931348623158e308",
                           "9007199254740993",
                           "9007199254740993.0",
                           "123456789012345678901234567890",
                           "0.30000000000000004",
                           "1.00000000000000011102230246251565404"}) {
    absl::StatusOr<JsonCursor::Number> number = ReadNumber(text);
    ASSERT_TRUE(number.ok()) << text << ": " << number.status();
    double ours = number->AsDouble();
    double theirs = nlohmann::json::parse(text).get<double>();
    EXPECT_EQ(std::memcmp(&ours, &theirs, sizeof(double)), 0)
        << text << ": " << ours << " vs " << theirs;
  }
  // Beyond a double: nlohmann refuses these, and so does the cursor.
  for (const char* text : {"1e400", "-1e400", "1.7976931348623159e308"}) {
    EXPECT_EQ(ReadNumber(text).status().code(),
              absl::StatusCode::kInvalidArgument)
        << text;
    EXPECT_TRUE(AgreesWithNlohmann(text)) << text;
  }
}

TEST(JsonCursorTest, MalformedNumbers) {
  for (const char* text :
       {"01",        "-01", "00",  "-",     "+1",    ".5",  "1.",
        "1.e5",      "1e",  "1e+", "1e-",   "0x10",  "NaN", "Infinity",
        "-Infinity", "1 2", "--1", "1.5.2", "1e5e5", "- 1"}) {
    EXPECT_FALSE(Check(text).ok()) << text;
    EXPECT_TRUE(AgreesWithNlohmann(text)) << text;
  }
}

TEST(JsonCursorTest, StructuralErrors) {
  for (const char* text : {"",
                           "   ",
                           "[",
                           "]",
                           "{",
                           "}",
                           "[1,]",
                           "[,1]",
                           "[1 2]",
                           "[1,,2]",
                           "{,}",
                           R"({"a"})",
                           R"({"a":})",
                           R"({"a":1,})",
                           "{a:1}",
                           R"({"a" 1})",
                           R"({"a":1 "b":2})",
                           R"({"a":1,,"b":2})",
                           "{'a':1}",
                           R"("abc)",
                           "tru",
                           "nul",
                           "True",
                           "nulll",
                           "falsey",
                           "[true false]",
                           "{}}",
                           "{} x",
                           "[]]",
                           "/* c */ {}",
                           "{} // c",
                           "\x01",
                           "\xEF\xBB{}"}) {
    absl::Status status = Check(text);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(status.message()), HasSubstr("not JSON: "));
    EXPECT_TRUE(AgreesWithNlohmann(text)) << text;
  }
}

TEST(JsonCursorTest, NulAfterTheValueIsTrailingGarbage) {
  // Besides the depth limit, the one place the cursor is stricter than
  // nlohmann, which stops at a NUL byte outside a string as if the text ended.
  const std::string text("{}\0{", 4);
  EXPECT_TRUE(NlohmannAccepts(text));
  EXPECT_THAT(std::string(Check(text).message()),
              HasSubstr("unexpected text after the value"));
}

TEST(JsonCursorTest, WhitespaceAndByteOrderMark) {
  for (const char* text : {" \t\r\n{ \"a\" : [ 1 , 2 ] } \n", "\xEF\xBB\xBF{}",
                           "\xEF\xBB\xBF 1", "1", "\"s\"", "null"}) {
    EXPECT_TRUE(Check(text).ok()) << text;
    EXPECT_TRUE(AgreesWithNlohmann(text)) << text;
  }
  // Only the four JSON whitespace characters.
  for (const char* text : {"\v{}", "{}\f", "\xC2\xA0{}"}) {
    EXPECT_FALSE(Check(text).ok()) << text;
    EXPECT_TRUE(AgreesWithNlohmann(text)) << text;
  }
}

TEST(JsonCursorTest, NestingDepthIsLimited) {
  EXPECT_TRUE(Check(Nested(JsonCursor::kMaxDepth)).ok());
  absl::Status deep = Check(Nested(JsonCursor::kMaxDepth + 1));
  EXPECT_EQ(deep.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(deep.message()), HasSubstr("128 deep"));
  std::string objects;
  for (int i = 0; i < JsonCursor::kMaxDepth + 1; ++i) objects += R"({"a":)";
  objects += "1" + std::string(JsonCursor::kMaxDepth + 1, '}');
  EXPECT_FALSE(Check(objects).ok());
  // Far deeper than any stack would take recursively: refused, not crashed.
  EXPECT_FALSE(Check(std::string(1000000, '[')).ok());
  EXPECT_FALSE(Check(Nested(1000000)).ok());
}

TEST(JsonCursorTest, ErrorsNameTheByteAndNeverQuoteTheText) {
  absl::Status status = Check(R"({"password": "hunter2", "x": tru})");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "not JSON: expected true or false at byte 29");
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("hunter2")));
  EXPECT_EQ(Check("[1, 2").message(), "not JSON: unterminated array at byte 5");
  EXPECT_EQ(Check("\"a\x01\"").message(),
            "not JSON: control character in a string (it must be escaped) at "
            "byte 2");
}

TEST(JsonCursorTest, ErrorsAreSticky) {
  JsonCursor in("[1, x, 2]");
  ASSERT_TRUE(in.EnterArray().ok());
  ASSERT_TRUE(*in.NextElement());
  JsonCursor::Mark one = in.Save();
  ASSERT_TRUE(in.ReadNumber().ok());
  ASSERT_TRUE(*in.NextElement());
  absl::Status error = in.Peek().status();
  ASSERT_FALSE(error.ok());
  EXPECT_FALSE(in.ok());
  in.Restore(one);
  EXPECT_EQ(in.ReadNumber().status(), error);
  EXPECT_EQ(in.Skip(), error);
  EXPECT_EQ(in.status(), error);
}

TEST(JsonCursorTest, RestoreReadsAValueAgain) {
  JsonCursor in(R"({"a": [1, {"b": "c"}, 3], "d": 4})");
  std::string storage;
  absl::string_view name;
  ASSERT_TRUE(in.EnterObject().ok());
  ASSERT_TRUE(*in.NextMember(&storage, &name));
  JsonCursor::Mark value = in.Save();
  // Read half of the array, as a reader that gives up on it would ...
  ASSERT_TRUE(in.EnterArray().ok());
  ASSERT_TRUE(*in.NextElement());
  ASSERT_TRUE(in.ReadNumber().ok());
  ASSERT_TRUE(*in.NextElement());
  ASSERT_TRUE(in.EnterObject().ok());
  ASSERT_TRUE(*in.NextMember(&storage, &name));
  // ... then go back and read the whole value another way.
  in.Restore(value);
  ASSERT_TRUE(in.Peek().ok());
  size_t start = in.offset();
  ASSERT_TRUE(in.Skip().ok());
  EXPECT_EQ(in.text().substr(start, in.offset() - start),
            R"([1, {"b": "c"}, 3])");
  ASSERT_TRUE(*in.NextMember(&storage, &name));
  EXPECT_EQ(name, "d");
  EXPECT_EQ(in.ReadNumber()->unsigned_value, 4u);
  EXPECT_FALSE(*in.NextMember(&storage, &name));
  EXPECT_TRUE(in.ExpectEnd().ok());
}

TEST(JsonCursorTest, RestoreKeepsTheDepthOfTheMark) {
  // Rewinding out of 128 open arrays must not leave them counted: the value
  // can be read again to the full depth.
  std::string text = "[" + Nested(JsonCursor::kMaxDepth - 1) + "]";
  JsonCursor in(text);
  ASSERT_TRUE(in.EnterArray().ok());
  ASSERT_TRUE(*in.NextElement());
  JsonCursor::Mark value = in.Save();
  for (int i = 1; i < JsonCursor::kMaxDepth; ++i) {
    ASSERT_TRUE(in.EnterArray().ok()) << i;
    if (i + 1 < JsonCursor::kMaxDepth) {
      ASSERT_TRUE(*in.NextElement());
    }
  }
  in.Restore(value);
  EXPECT_TRUE(in.Skip().ok());
  EXPECT_FALSE(*in.NextElement());
  EXPECT_TRUE(in.ExpectEnd().ok());
}

TEST(JsonCursorTest, ReadingTheWrongTypeFails) {
  JsonCursor in("\"s\"");
  EXPECT_FALSE(in.ReadNumber().ok());
  EXPECT_FALSE(JsonCursor("1").ReadStringView(nullptr).ok());
  EXPECT_FALSE(JsonCursor("[]").EnterObject().ok());
  EXPECT_FALSE(JsonCursor("{}").EnterArray().ok());
  EXPECT_FALSE(JsonCursor("true").ReadNull().ok());
  EXPECT_FALSE(JsonCursor("null").ReadBool().ok());
}

TEST(JsonCursorTest, FindMemberReturnsTheRawValue) {
  constexpr absl::string_view kBody =
      "{\"meta\": 1, \"data\": {\"id\": \"x\",\n  \"n\": [1, 2] } , "
      "\"z\": null}";
  absl::StatusOr<absl::string_view> data =
      JsonCursor::FindMember(kBody, "data");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(*data, "{\"id\": \"x\",\n  \"n\": [1, 2] }");
  EXPECT_EQ(data->data(), kBody.data() + 20);
  EXPECT_EQ(*JsonCursor::FindMember(kBody, "z"), "null");
  EXPECT_EQ(*JsonCursor::FindMember(R"({"d\u0061ta": "s"})", "data"), "\"s\"");
  // A repeated name: the last value, as a parsed document keeps it.
  EXPECT_EQ(*JsonCursor::FindMember(R"({"a": 1, "a": 2})", "a"), "2");
}

TEST(JsonCursorTest, FindMemberErrors) {
  EXPECT_EQ(JsonCursor::FindMember(R"({"a": 1})", "data").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(JsonCursor::FindMember("[1]", "data").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(JsonCursor::FindMember(R"({"data": 1)", "data").status().code(),
            absl::StatusCode::kInvalidArgument);
  // The whole text is checked, even after the member is found.
  absl::Status trailing =
      JsonCursor::FindMember(R"({"data": 1} x)", "data").status();
  EXPECT_THAT(std::string(trailing.message()), HasSubstr("not JSON"));
  absl::Status broken = JsonCursor::FindMember("[1, ", "data").status();
  EXPECT_THAT(std::string(broken.message()), HasSubstr("not JSON"));
}

}  // namespace
}  // namespace gateway
