// Unit tests of RecordWriter: its text is byte for byte what Dump writes for
// the same document (the verifier re-serializes parsed records to check
// their hashes), for every kind of member and every awkward string.
#include "gateway/audit/record_writer.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace gateway::audit {
namespace {

// Awkward is every string the escaping rules treat differently.
std::vector<std::string> Awkward() {
  std::vector<std::string> strings = {
      "",
      "plain",
      "quote \" and backslash \\",
      "slash / stays",
      "\b\f\n\r\t",
      std::string("nul \0 inside", 12),
      "\x01\x1f\x7f",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  // é, €, an emoji
      "\xc3",                                       // truncated
      "\xc0\xaf",                                   // overlong
      "\xed\xa0\x80",                               // a surrogate
      "\xf4\x90\x80\x80",                           // above U+10FFFF
      "\xff bytes",
  };
  std::string every_byte;
  for (int c = 1; c < 256; ++c) every_byte.push_back(static_cast<char>(c));
  strings.push_back(every_byte);
  return strings;
}

TEST(RecordWriterTest, StringsAreWrittenAsDumpWritesThem) {
  for (const std::string& value : Awkward()) {
    RecordWriter writer;
    writer.String("key", value);
    Json expected = Json::object();
    expected["key"] = value;
    EXPECT_EQ(std::move(writer).Take(), Dump(expected)) << value;
  }
}

TEST(RecordWriterTest, RandomStringsAreWrittenAsDumpWritesThem) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 24);
  for (int i = 0; i < 5000; ++i) {
    std::string value;
    for (int n = length(random); n > 0; --n) {
      value.push_back(static_cast<char>(byte(random)));
    }
    RecordWriter writer;
    writer.String(value, value);
    Json expected = Json::object();
    expected[value] = value;
    ASSERT_EQ(std::move(writer).Take(), Dump(expected));
  }
}

TEST(RecordWriterTest, EveryKindOfMemberInOrder) {
  Json changes = Json::parse(R"({"before":{"name":"a"},"after":{"name":"b"}})");
  RecordWriter writer;
  writer.String("event", "call")
      .Int("latency_us", std::numeric_limits<int64_t>::max())
      .Int("negative", -42)
      .Null("upstream_status")
      .Strings("update_mask", {"name", "schedule.frequency"})
      .Strings("empty_list", {})
      .Object("resource", {{"id", "5d7c"}, {"schema_id", "Contact\n"}})
      .Object("empty_object", {})
      .Document("changes", changes);
  Json expected = Json::object();
  expected["event"] = "call";
  expected["latency_us"] = std::numeric_limits<int64_t>::max();
  expected["negative"] = -42;
  expected["upstream_status"] = nullptr;
  expected["update_mask"] = Json::array({"name", "schedule.frequency"});
  expected["empty_list"] = Json::array();
  expected["resource"] = Json{{"id", "5d7c"}, {"schema_id", "Contact\n"}};
  expected["empty_object"] = Json::object();
  expected["changes"] = changes;
  const std::string text = std::move(writer).Take();
  EXPECT_EQ(text, Dump(expected));
  // What the verifier does: parse, dump again.
  EXPECT_EQ(Dump(Json::parse(text)), text);
}

TEST(RecordWriterTest, AnEmptyRecordIsAnEmptyObject) {
  EXPECT_EQ(RecordWriter().Take(), "{}");
}

}  // namespace
}  // namespace gateway::audit
