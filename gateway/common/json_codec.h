// json_codec.h: converts polytomic.v1 messages to and from the upstream JSON,
// driven by the WireSchema (wire names, wire enum values, field behaviours).
//
//   JsonCodec codec(schema.get());
//   nlohmann::ordered_json body = codec.ToJson(request.bulk_sync());
//   RETURN_IF_ERROR(codec.FromJson(answer.body, &response));  // JSON text
//
// Lossless in both directions:
// - FromJson keeps every member it cannot put in a typed field (unknown
//   names, gateway-only names, unknown enum values, values of an unexpected
//   JSON type) in the message's `additional_fields`, so callers see everything
//   upstream said. A list or map is all or nothing: when one element does not
//   fit, the whole JSON value is kept there instead.
// - ToJson sends every set field, including set scalars equal to their zero
//   value, and the `additional_fields` members the typed fields do not set.
// Messages with an etag field get the Etag of the exact text of the object
// they were read from, at any depth.
// JSON null is read as "absent" (except into google.protobuf.Value). Numbers
// inside Struct/Value are doubles, so integers beyond 2^53 lose precision
// there; typed integer fields are exact.
#ifndef GATEWAY_COMMON_JSON_CODEC_H_
#define GATEWAY_COMMON_JSON_CODEC_H_

#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/common/json_cursor.h"
#include "gateway/common/wire_schema.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "nlohmann/json.hpp"

namespace gateway {

using Json = nlohmann::ordered_json;

// Dump serializes compactly; invalid UTF-8 is replaced, never thrown on.
inline std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// NestsDeeperThan says whether arrays and objects in `json_text` nest more
// than `max_depth` levels (the outermost counts; by default as deep as
// FromJson reads), judged from the brackets outside strings; it stops at the
// first level too many. Check text from outside before parsing it into a
// Json: parsing is iterative, but copying, comparing and printing a document
// recurse once per level, and 100,000 levels fit in 200 KB.
bool NestsDeeperThan(absl::string_view json_text,
                     int max_depth = JsonCursor::kMaxDepth);

// EnableIfJsonDocument<T> is valid when T is an nlohmann JSON document type.
template <typename T>
using EnableIfJsonDocument =
    std::enable_if_t<std::is_same_v<T, Json> ||
                     std::is_same_v<T, nlohmann::json>>;

// JsonCodec is stateless apart from the schema it reads.
//
// Thread safety: const methods are safe to call concurrently. The schema must
// outlive the codec.
class JsonCodec {
 public:
  explicit JsonCodec(const WireSchema* schema) : schema_(schema) {}

  // ToJson renders `message` as the upstream expects it in a request:
  // output-only and gateway fields are left out, unset fields are left out.
  Json ToJson(const google::protobuf::Message& message) const;

  // FieldsToJson renders only `fields` of `message` (when set), plus its
  // additional_fields: the body of a route whose body is "*".
  Json FieldsToJson(const google::protobuf::Message& message,
                    const std::vector<const FieldInfo*>& fields) const;

  // FieldToJson renders one field of `message`, set or not: an unset field
  // gives its zero value (false, 0, "", [], {}), and null for an unset
  // message field. Used where a field must be sent explicitly.
  Json FieldToJson(const google::protobuf::Message& message,
                   const FieldInfo& field) const;

  // FromJson fills `message` (which must be empty) from upstream JSON text,
  // without building a JSON document (see json_decoder.h). Fails when the
  // text is not JSON (see json_cursor.h: what nlohmann::json::parse accepts,
  // nested at most 128 deep) or when its shape cannot be kept at all: not an
  // object for a message (a string or object for a json_union message, an
  // array for a json_list one), or a member that does not fit a message
  // without additional_fields. On error `message` is cleared.
  absl::Status FromJson(absl::string_view json_text,
                        google::protobuf::Message* message) const;

  // Etag is the etag of an upstream JSON value given as its exact text (an
  // object, usually): the SHA-256, in hex, of that text without the
  // whitespace outside strings. So compact and pretty-printed forms of the
  // same text agree, an object nested at any depth has the etag of the same
  // text at the top level, and any process computes the same etag. `raw_json`
  // is trusted to be JSON (a span JsonCursor read); nothing is checked. For a
  // text spelled as nlohmann prints it (no repeated names, no escapes it does
  // not write) this is the etag of the document forms before it.
  static std::string Etag(absl::string_view raw_json);

  // The document forms are gone. Deleted rather than absent: a JSON document
  // argument would silently convert to absl::string_view (nlohmann's implicit
  // conversions) and throw at run time. Pass the text instead
  // (JsonCursor::FindMember finds a member's).
  template <typename Document, typename = EnableIfJsonDocument<Document>>
  absl::Status FromJson(const Document& json,
                        google::protobuf::Message* message) const = delete;
  template <typename Document, typename = EnableIfJsonDocument<Document>>
  static std::string Etag(const Document& document) = delete;

  // StructToJson and ValueToJson convert google.protobuf.Struct/Value.
  static Json StructToJson(const google::protobuf::Struct& value);
  static Json ValueToJson(const google::protobuf::Value& value);

 private:
  void AppendField(const google::protobuf::Message& message,
                   const FieldInfo& field, Json& object) const;
  void AppendAdditional(const google::protobuf::Message& message,
                        const MessageInfo& info, Json& object) const;
  Json SingularToJson(const google::protobuf::Message& message,
                      const FieldInfo& field) const;
  Json RepeatedToJson(const google::protobuf::Message& message,
                      const FieldInfo& field) const;
  Json ElementToJson(const google::protobuf::Message& message,
                     const FieldInfo& field, int index) const;
  Json MessageValueToJson(const google::protobuf::Message& value,
                          WellKnown kind) const;

  const WireSchema* schema_;
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_JSON_CODEC_H_
