// Differential tests of the text decoder (JsonCodec::FromJson) against the
// document reader it replaced, kept as the oracle in document_reader.h: both
// read the same hand-written, seeded random and corrupted documents, shaped
// after the contract's messages and after decoder_test_schema.textproto (the
// field types the contract does not use yet), and must produce equal messages
// (MessageDifferencer) or the same error.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/wire_schema.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "polytomic/v1/contract_files.h"
#include "polytomic/v1/options.pb.h"
#include "tests/unit/common/document_reader.h"

namespace gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::util::MessageDifferencer;
using oracle::DocumentReader;

// IgnoreEtags leaves etag fields out of a comparison.
class IgnoreEtags : public MessageDifferencer::IgnoreCriteria {
 public:
  bool IsIgnored(
      const Message&, const Message&, const FieldDescriptor* field,
      const std::vector<MessageDifferencer::SpecificField>&) override {
    return field->options().GetExtension(polytomic::v1::field).etag();
  }
};

// DocumentGenerator writes random compact JSON text shaped after a message
// type: mostly what the schema expects, with nulls, values of the wrong type,
// unknown enum values, unknown and gateway-only members, unusual spellings
// of numbers and strings and repeated member names mixed in. The same seed
// gives the same documents.
class DocumentGenerator {
 public:
  DocumentGenerator(const WireSchema& schema, uint64_t seed)
      : schema_(schema), random_(seed) {}

  // Generate writes one document of about 200 members at most.
  std::string Generate(const Descriptor* type) {
    budget_ = 200;
    return MessageValue(type, 0);
  }

  // Spaced inserts random whitespace between the tokens of `text`.
  std::string Spaced(absl::string_view text) {
    std::string out = Whitespace();
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (in_string) {
        out.push_back(c);
        if (c == '\\') {
          out.push_back(text[++i]);
        } else if (c == '"') {
          in_string = false;
        }
        continue;
      }
      if (c == '}' || c == ']' || c == ',' || c == ':') out += Whitespace();
      out.push_back(c);
      if (c == '{' || c == '[' || c == ',' || c == ':') out += Whitespace();
      if (c == '"') in_string = true;
    }
    return out + Whitespace();
  }

  // Corrupted damages `text` at one random place: cut short, a byte
  // replaced or one inserted (never a NUL, where nlohmann stops reading).
  std::string Corrupted(std::string text) {
    size_t at = Pick(text.size() + 1);
    auto byte = static_cast<char>(1 + Pick(255));
    switch (Pick(3)) {
      case 0:
        text.resize(at);
        break;
      case 1:
        if (at < text.size()) text[at] = byte;
        break;
      default:
        text.insert(text.begin() + at, byte);
    }
    return text;
  }

 private:
  bool Chance(double p) { return std::bernoulli_distribution(p)(random_); }
  size_t Pick(size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(random_);
  }
  template <typename T>
  const T& PickFrom(const std::vector<T>& values) {
    return values[Pick(values.size())];
  }

  static std::string Quote(absl::string_view s) {
    return Dump(Json(std::string(s)));
  }

  std::string Whitespace() {
    static const std::vector<std::string> kSpace = {"",     "",   "",     " ",
                                                    "\n  ", "\t", "\r\n", "  "};
    return PickFrom(kSpace);
  }

  std::string Object(std::vector<std::pair<std::string, std::string>> members) {
    if (!members.empty() && Chance(0.04)) {
      // A repeated name: a document keeps the last value, first position.
      auto repeated = members[Pick(members.size())];
      repeated.second = Chance(0.3) ? "null" : AnyValue(3);
      members.insert(members.begin() + Pick(members.size() + 1), repeated);
    }
    std::vector<std::string> parts;
    for (const auto& [name, value] : members) {
      parts.push_back(absl::StrCat(Quote(name), ":", value));
    }
    return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
  }

  static std::string Array(const std::vector<std::string>& elements) {
    return absl::StrCat("[", absl::StrJoin(elements, ","), "]");
  }

  std::string String() {
    static const std::vector<std::string> kOdd = {
        R"("\u0041\/")", R"("caf\u00e9")", R"("\ud83d\ude00")", R"("a\u0000b")",
        R"("\u00E9\b\f")"};
    static const std::vector<std::string> kPieces = {"a",
                                                     "orders",
                                                     "Contact",
                                                     "\xC3\xA9",
                                                     "\xE6\x97\xA5",
                                                     "\xF0\x9F\x98\x80",
                                                     " ",
                                                     "\n",
                                                     "\t",
                                                     "\"",
                                                     "\\",
                                                     "/",
                                                     "\x01",
                                                     "\x7F",
                                                     "id",
                                                     "-",
                                                     ""};
    if (Chance(0.03)) return PickFrom(kOdd);
    std::string s;
    for (size_t n = Pick(4); n > 0; --n) s += PickFrom(kPieces);
    return Quote(s);
  }

  std::string Number() {
    static const std::vector<std::string> kNumbers = {
        "0",
        "-0",
        "1",
        "-1",
        "7",
        "42",
        "2147483647",
        "2147483648",
        "-2147483648",
        "-2147483649",
        "4294967295",
        "4294967296",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "1.5",
        "-0.25",
        "3.0",
        "0.1",
        "1e2",
        "1E-2",
        "1e+300",
        "-1.7976931348623157e308",
        "4.9e-324",
        "1e-400",
        "123456789012345678901234567890",
        "0.30000000000000004",
        "-0.0"};
    switch (Pick(3)) {
      case 0:
        return Dump(Json(static_cast<int64_t>(random_())));
      case 1:
        return Dump(Json(std::ldexp(static_cast<double>(random_() % 1000000),
                                    static_cast<int>(Pick(80)) - 40)));
      default:
        return PickFrom(kNumbers);
    }
  }

  std::string AnyValue(int depth) {
    switch (Pick(depth >= 4 ? 5 : 7)) {
      case 0:
        return "null";
      case 1:
        return Chance(0.5) ? "true" : "false";
      case 2:
        return Number();
      case 3:
        return String();
      case 4:
        return Quote(PickFrom(std::vector<std::string>{
            "replicate", "daily", "teleport", "onlyIncremental", "red"}));
      case 5: {
        std::vector<std::string> elements;
        for (size_t n = Pick(4); n > 0; --n)
          elements.push_back(AnyValue(depth + 1));
        return Array(elements);
      }
      default: {
        std::vector<std::pair<std::string, std::string>> members;
        for (size_t n = Pick(4); n > 0; --n) {
          members.emplace_back(absl::StrCat("k", Pick(4)), AnyValue(depth + 1));
        }
        return Object(std::move(members));
      }
    }
  }

  std::string MessageValue(const Descriptor* type, int depth) {
    const MessageInfo* info = schema_.Message(type);
    if (info->json_union) {
      if (Chance(0.1)) return AnyValue(depth + 1);
      for (const FieldInfo& field : info->fields) {
        if (field.descriptor->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
            Chance(0.5)) {
          return MessageValue(field.descriptor->message_type(), depth + 1);
        }
      }
      return String();
    }
    if (info->json_list) return FieldValue(info->fields[0], depth);
    std::vector<const FieldInfo*> fields;
    for (const FieldInfo& field : info->fields) fields.push_back(&field);
    std::shuffle(fields.begin(), fields.end(), random_);
    std::vector<std::pair<std::string, std::string>> members;
    double p = depth == 0 ? 0.8 : depth < 4 ? 0.5 : 0.15;
    for (const FieldInfo* field : fields) {
      if (budget_ <= 0 || !Chance(field->gateway_only() ? 0.05 : p)) continue;
      --budget_;
      members.emplace_back(field->wire_name, FieldValue(*field, depth));
    }
    for (size_t n = Chance(0.3) ? Pick(3) : 0; n > 0; --n) {
      members.emplace_back(
          Chance(0.5) ? absl::StrCat("future_", Pick(5)) : "name",
          AnyValue(depth + 1));
    }
    return Object(std::move(members));
  }

  std::string FieldValue(const FieldInfo& field, int depth) {
    if (Chance(0.05)) return "null";
    if (Chance(0.05)) return AnyValue(depth + 1);
    const FieldDescriptor* d = field.descriptor;
    if (d->is_map()) {
      const FieldDescriptor* value = d->message_type()->map_value();
      WellKnown kind = value->message_type() == nullptr
                           ? WellKnown::kNone
                           : WireSchema::WellKnownOf(value->message_type());
      std::vector<std::pair<std::string, std::string>> entries;
      for (size_t n = Pick(4); n > 0; --n) {
        entries.emplace_back(absl::StrCat("k", Pick(5)),
                             Chance(0.05)
                                 ? AnyValue(depth + 1)
                                 : ElementValue(value, kind, nullptr, depth));
      }
      return Object(std::move(entries));
    }
    if (d->is_repeated()) {
      std::vector<std::string> elements;
      for (size_t n = Pick(4); n > 0; --n) {
        elements.push_back(Chance(0.04) ? AnyValue(depth + 1)
                                        : ElementValue(d, field.well_known,
                                                       field.enum_info, depth));
      }
      return Array(elements);
    }
    return ElementValue(d, field.well_known, field.enum_info, depth);
  }

  std::string ElementValue(const FieldDescriptor* d, WellKnown kind,
                           const EnumInfo* enum_info, int depth) {
    switch (d->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return String();
      case FieldDescriptor::CPPTYPE_BOOL:
        return Chance(0.5) ? "true" : "false";
      case FieldDescriptor::CPPTYPE_ENUM: {
        if (enum_info != nullptr && !enum_info->wire_by_number.empty() &&
            Chance(0.85)) {
          std::vector<std::string> wire;
          for (const auto& [number, value] : enum_info->wire_by_number) {
            wire.push_back(value);
          }
          std::sort(wire.begin(), wire.end());  // hash order is not seeded
          return Quote(PickFrom(wire));
        }
        return Quote(Chance(0.5) ? "teleport" : "");
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;
      default:
        return Number();
    }
    switch (kind) {
      case WellKnown::kTimestamp:
        return PickFrom(std::vector<std::string>{
            R"("2023-11-14T22:13:20Z")",
            R"("2023-11-14T22:13:20.123456789+02:00")",
            R"("1970-01-01T00:00:00Z")", R"("yesterday")",
            R"("2023-13-01T00:00:00Z")", "5", R"("")"});
      case WellKnown::kStruct:
      case WellKnown::kValue:
      case WellKnown::kListValue:
      case WellKnown::kFieldMask:
        return AnyValue(std::max(depth, 2));
      case WellKnown::kNone:
        break;
    }
    if (depth > 6) return "{}";
    return MessageValue(d->message_type(), depth + 1);
  }

  const WireSchema& schema_;
  std::mt19937_64 random_;
  int budget_ = 0;  // members left for the document being written
};

class JsonDecoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream schema_file(DECODER_TEST_SCHEMA);
    ASSERT_TRUE(schema_file) << DECODER_TEST_SCHEMA;
    std::stringstream schema_text;
    schema_text << schema_file.rdbuf();
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(schema_text.str(),
                                                              &file));
    const google::protobuf::FileDescriptor* test_file =
        test_pool_.BuildFile(file);
    ASSERT_NE(test_file, nullptr);
    std::vector<const Descriptor*> roots;
    for (const char* name : polytomic::v1::kContractFiles) {
      if (absl::string_view(name) == "polytomic/v1/options.proto") continue;
      const auto* contract =
          DescriptorPool::generated_pool()->FindFileByName(name);
      ASSERT_NE(contract, nullptr) << name;
      for (int i = 0; i < contract->message_type_count(); ++i) {
        roots.push_back(contract->message_type(i));
        contract_types_.push_back(contract->message_type(i));
      }
    }
    for (int i = 0; i < test_file->message_type_count(); ++i) {
      roots.push_back(test_file->message_type(i));
    }
    auto schema = WireSchema::Build(roots);
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = *std::move(schema);
    codec_ = std::make_unique<JsonCodec>(schema_.get());
    reader_ = std::make_unique<DocumentReader>(schema_.get());
    factory_.SetDelegateToGeneratedFactory(true);
  }

  const Descriptor* Type(absl::string_view full_name) {
    const Descriptor* type =
        test_pool_.FindMessageTypeByName(std::string(full_name));
    EXPECT_NE(type, nullptr) << full_name;
    return type;
  }

  // Canonical says whether `text` is what nlohmann prints for it, so that
  // the etags of the old reader (over that print) and the decoder (over the
  // text) must agree.
  static bool Canonical(absl::string_view text) {
    Json json = Json::parse(text.begin(), text.end(), nullptr, false);
    return !json.is_discarded() && Dump(json) == text;
  }

  // SameAsDocumentReader decodes `text` both ways and compares.
  ::testing::AssertionResult SameAsDocumentReader(const Descriptor* type,
                                                  absl::string_view text,
                                                  bool compare_etags) {
    std::unique_ptr<Message> ours(factory_.GetPrototype(type)->New());
    std::unique_ptr<Message> theirs(factory_.GetPrototype(type)->New());
    absl::Status our_status = codec_->FromJson(text, ours.get());
    absl::Status their_status = reader_->Decode(text, theirs.get());
    auto failure = [&]() {
      return ::testing::AssertionFailure()
             << type->full_name() << " from " << absl::CEscape(text)
             << "\ndecoder: " << our_status << "\nreader:  " << their_status
             << "\n";
    };
    ++stats_.documents;
    if (our_status.code() != their_status.code()) return failure();
    if (!our_status.ok()) {
      ++stats_.errors;
      bool not_json = their_status.message() == "not JSON";
      stats_.not_json += not_json;
      if (not_json ? !absl::StartsWith(our_status.message(), "not JSON: ")
                   : our_status.message() != their_status.message()) {
        return failure() << "the messages differ";
      }
      if (ours->ByteSizeLong() != 0) return failure() << "not cleared";
      return ::testing::AssertionSuccess();
    }
    MessageDifferencer differencer;
    std::string report;
    differencer.ReportDifferencesToString(&report);
    if (!compare_etags) differencer.AddIgnoreCriteria(new IgnoreEtags());
    if (!differencer.Compare(*theirs, *ours)) return failure() << report;
    const Reflection* r = ours->GetReflection();
    const FieldDescriptor* extra = type->FindFieldByName("additional_fields");
    if (extra != nullptr && r->HasField(*ours, extra)) ++stats_.with_extra;
    return ::testing::AssertionSuccess();
  }

  // CheckVariants compares `compact` and spaced and pretty-printed forms.
  void CheckVariants(DocumentGenerator& generator, const Descriptor* type,
                     const std::string& compact) {
    bool canonical = Canonical(compact);
    stats_.canonical += canonical;
    ASSERT_TRUE(SameAsDocumentReader(type, compact, canonical));
    ASSERT_TRUE(
        SameAsDocumentReader(type, generator.Spaced(compact), canonical));
    if (canonical) {
      ASSERT_TRUE(
          SameAsDocumentReader(type, Json::parse(compact).dump(2), true));
    }
  }

  struct Stats {
    int documents = 0;
    int canonical = 0;
    int errors = 0;
    int not_json = 0;
    int with_extra = 0;
  };

  DescriptorPool test_pool_{DescriptorPool::generated_pool()};
  google::protobuf::DynamicMessageFactory factory_;
  std::vector<const Descriptor*> contract_types_;
  std::unique_ptr<WireSchema> schema_;
  std::unique_ptr<JsonCodec> codec_;
  std::unique_ptr<DocumentReader> reader_;
  Stats stats_;
};

TEST_F(JsonDecoderTest, HandWrittenDocuments) {
  struct Case {
    const char* type;
    const char* text;
  };
  const std::vector<Case> cases = {
      {"polytomic.v1.BulkSync", R"({})"},
      {"polytomic.v1.BulkSync", R"({"name": "x", "mode": "mirror",
        "normalize_names": "legacy", "brand_new": {"nested": [1, 2]},
        "concurrency_limit": "four"})"},
      {"polytomic.v1.BulkSync", R"({"schemas": ["A", {"id": "B",
        "fields": ["f", {"id": "g", "obfuscate": true}, 7]}, null]})"},
      {"polytomic.v1.BulkSync", R"({"schemas": ["A", {"id": "B",
        "filters": [{"field_id": "f", "value": null}, {"value": [1, {}]}]}]})"},
      {"polytomic.v1.BulkSync", R"({"data_cutoff_timestamp": null, "name": null,
        "created_at": "yesterday", "updated_at": "2024-02-29T23:59:59.5-08:00"})"},
      {"polytomic.v1.BulkSync", R"({"concurrency_limit": 9223372036854775808,
        "resync_concurrency_limit": -9223372036854775808, "active": 1})"},
      {"polytomic.v1.BulkSync", R"({"concurrency_limit": 1.0,
        "resync_concurrency_limit": 1e2, "policies": ["a", null]})"},
      {"polytomic.v1.BulkSync", R"({"name": "a", "name": "b", "etag": "e",
        "mode": "replicate", "mode": "teleport", "x": 1, "x": {"y": 2}})"},
      {"polytomic.v1.BulkSync", R"({"destination_configuration": {"a": 1,
        "a": {"b": [true]}}, "source_configuration": [], "default_schedule":
        {"frequency": "weekly", "future": 1, "frequency": "daily"}})"},
      {"polytomic.v1.BulkSync",
       R"({"name": "caf\u00e9 \ud83d\ude00 \/ \"q\""})"},
      {"polytomic.v1.GetBulkSyncResponse", R"({"data": {"id": "s", "name": "n"},
        "job": {"id": 1}})"},
      {"polytomic.v1.GetBulkSyncResponse", R"({"data": [1, 2]})"},
      {"polytomic.v1.GetBulkSyncResponse",
       R"({"data": null, "data": {"id": 1}})"},
      {"polytomic.v1.ListBulkSyncsResponse", R"({"data": [{"id": "a"},
        {"id": "b", "active": true}, {"id": 3}], "pagination": {}})"},
      {"polytomic.v1.ListBulkSyncsResponse", R"({"data": [{"id": "a"}, "b"]})"},
      {"polytomic.v1.SyncSourceMeta", R"({"configuration": {"a": {"type": "x"},
        "b": {"type": 5}}, "items": {}, "requires_one_of": ["a"]})"},
      {"polytomic.v1.SyncSourceMeta", R"({"configuration": {"a": 5,
        "a": {"type": "t"}}, "requires_one_of": ["x", "x"]})"},
      {"polytomic.v1.StringList", R"(["a", "b"])"},
      {"polytomic.v1.StringList", R"(["a", 1])"},
      {"polytomic.v1.StringList", R"({"values": ["a"]})"},
      {"polytomic.v1.SchemaSelection", R"("Account")"},
      {"polytomic.v1.SchemaSelection",
       R"({"id": "Contact", "enabled": false})"},
      {"polytomic.v1.SchemaSelection", R"(5)"},
      {"polytomic.v1.SchemaSelection", R"(null)"},
      {"polytomic.v1.BulkSync", R"([1, 2])"},
      {"polytomic.v1.BulkSync", R"("text")"},
      {"polytomic.v1.BulkSync", R"({"name": "x"} trailing)"},
      {"polytomic.v1.BulkSync", R"({"name": "x", "policies": [1, )"},
      {"polytomic.v1.BulkSync", "\xEF\xBB\xBF{\"name\": \"bom\"}"},
      {"gateway.test.Scalars", R"({"i32": 2147483647, "u32": 5, "u64": 5,
        "f": 1.5, "d": 1e300, "i64": -1, "b": false, "s": "", "color": "red"})"},
      {"gateway.test.Scalars",
       R"({"i32": 2147483648, "d": "x", "color": "RED"})"},
      {"gateway.test.Scalars",
       R"({"i32": -2147483649, "r32": [1], "ru64": [1]})"},
      {"gateway.test.Scalars", R"({"i32": 18446744073709551615})"},
      {"gateway.test.Scalars", R"({"r64": [1, -1, 18446744073709551615],
        "rd": [1, 1.5, -0], "rb": [true, false], "rcolor": ["red", "darkBlue"]})"},
      {"gateway.test.Scalars", R"({"r64": [1, 1.5], "rd": [1, "x"],
        "rcolor": ["red", "green"], "rs": ["a", null]})"},
      {"gateway.test.Scalars", R"({"m64": {"a": 1, "b": -2}, "ms": {"a": "x"},
        "mm": {"a": {"i64": 1}, "b": {"s": "y"}}, "mst": {"a": {"b": 1}},
        "mv": {"a": null, "b": [1]}, "ml": {"a": ["x"], "b": []}})"},
      {"gateway.test.Scalars", R"({"m64": {"a": 1, "b": "x"}, "ms": {"a": null},
        "mm": {"a": 5}, "mst": {"a": []}, "ml": {"a": [1]}})"},
      {"gateway.test.Scalars", R"({"m64": {"a": "x", "a": 1},
        "ms": {"a": "1", "b": "2", "a": "3"}, "mm": {"a": {"i64": 1},
        "a": {"s": "z"}}})"},
      {"gateway.test.Scalars", R"({"rts": ["2023-11-14T22:13:20Z"],
        "rst": [{}, {"a": 1}], "rlv": [[], [1]], "rv": [null, 1, "s"],
        "lv": [1, [2]], "ts": "1970-01-01T00:00:00Z", "v": {"a": null}})"},
      {"gateway.test.Scalars", R"({"rts": ["2023-11-14T22:13:20Z", "no"],
        "rst": [1], "rlv": [{}], "lv": {}, "ts": 5, "v": null})"},
      {"gateway.test.Scalars", R"({"cs": "a", "cm": {"s": "b"}, "ci": 3})"},
      {"gateway.test.Scalars", R"({"cs": "a", "cm": {"s": "b"}, "cs": "c"})"},
      {"gateway.test.Scalars", R"({"ci": 1, "cm": "bad", "cs": 5})"},
      {"gateway.test.Scalars", R"({"mask": "a,b", "etag": "e"})"},
      {"gateway.test.Scalars", R"({"strict": {"name": "s", "numbers": [1, 2],
        "child": {"d": 1.5}}})"},
      {"gateway.test.Scalars", R"({"strict": {"name": "s", "extra": 1}})"},
      {"gateway.test.Scalars", R"({"strict": {"name": 5, "name": "ok"}})"},
      {"gateway.test.Scalars", R"({"strict": {"numbers": [1, "x"],
        "numbers": [3]}})"},
      {"gateway.test.Scalars", R"({"unions": ["a", {"name": "b"}, 5]})"},
      {"gateway.test.Scalars", R"({"unions": ["a", {"name": "b"}]})"},
      {"gateway.test.Scalars", R"({"children": [{"child": {"child": {"i32": 1,
        "i32": 2}}, "s": "x", "s": "y"}, {"children": []}]})"},
      {"gateway.test.Strict", R"({"name": "s", "unknown": 1})"},
      {"gateway.test.Strict", R"({"name": null, "numbers": null, "d": null})"},
      {"gateway.test.Strict", R"({"child": {"child": {"bad": 1}}})"},
      {"gateway.test.Strict", R"({"child": {"child": {"bad": 1}}, "x": )"},
      {"gateway.test.List", R"(["a", "b", "a"])"},
      {"gateway.test.Union", R"({"name": "x"})"},
  };
  for (const Case& c : cases) {
    const Descriptor* type = Type(c.type);
    ASSERT_NE(type, nullptr);
    EXPECT_TRUE(SameAsDocumentReader(type, c.text, Canonical(c.text)));
  }
  // The corpus reaches both outcomes.
  EXPECT_GT(stats_.errors, 5);
  EXPECT_GT(stats_.with_extra, 10);
}

TEST_F(JsonDecoderTest, RandomContractDocuments) {
  DocumentGenerator generator(*schema_, 20240611);
  const std::vector<const Descriptor*> main_types = {
      Type("polytomic.v1.GetBulkSyncResponse"),
      Type("polytomic.v1.GetModelSyncResponse"),
      Type("polytomic.v1.ListBulkSyncsResponse"), Type("polytomic.v1.BulkSync"),
      Type("polytomic.v1.ModelSync")};
  for (int i = 0; i < 400; ++i) {
    const Descriptor* type = main_types[i % main_types.size()];
    CheckVariants(generator, type, generator.Generate(type));
  }
  for (int i = 0; i < 400; ++i) {
    const Descriptor* type = contract_types_[i % contract_types_.size()];
    CheckVariants(generator, type, generator.Generate(type));
  }
  // The corpus is not vacuous: it has canonical texts (etags compared),
  // others (repeated names, unusual spellings), values kept raw, and errors.
  EXPECT_GT(stats_.canonical, 200);
  EXPECT_LT(stats_.canonical, 750);
  EXPECT_GT(stats_.with_extra, 200);
  EXPECT_GT(stats_.errors, 10);
}

TEST_F(JsonDecoderTest, RandomTestSchemaDocuments) {
  DocumentGenerator generator(*schema_, 7);
  for (const char* name : {"gateway.test.Scalars", "gateway.test.Strict",
                           "gateway.test.Union", "gateway.test.List"}) {
    const Descriptor* type = Type(name);
    ASSERT_NE(type, nullptr);
    for (int i = 0; i < 150; ++i) {
      CheckVariants(generator, type, generator.Generate(type));
    }
  }
  EXPECT_GT(stats_.canonical, 100);
  EXPECT_GT(stats_.with_extra, 50);
  EXPECT_GT(stats_.errors, 50);
}

TEST_F(JsonDecoderTest, CorruptedDocuments) {
  DocumentGenerator generator(*schema_, 99);
  const Descriptor* types[] = {Type("polytomic.v1.GetBulkSyncResponse"),
                               Type("gateway.test.Scalars")};
  for (int i = 0; i < 600; ++i) {
    const Descriptor* type = types[i % 2];
    std::string text = generator.Corrupted(generator.Generate(type));
    ASSERT_TRUE(SameAsDocumentReader(type, text, Canonical(text)));
  }
  EXPECT_GT(stats_.not_json, 300);
}

TEST_F(JsonDecoderTest, RepeatedNamesAtEveryLevelAreReadInLinearPasses) {
  // Every object repeats a name after its child: each level is read a second
  // time. Each object is read at most twice per reading of its parent's
  // object, not twice per reading of every ancestor (2^60 here).
  std::string text = R"({"s": "leaf", "s": "LEAF"})";
  for (int i = 0; i < 60; ++i) {
    text = absl::StrCat(R"({"child": )", text, R"(, "s": "a", "s": "b"})");
  }
  EXPECT_TRUE(SameAsDocumentReader(Type("gateway.test.Scalars"), text, false));
}

}  // namespace
}  // namespace gateway
