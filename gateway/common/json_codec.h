// json_codec.h: converts polytomic.v1 messages to and from the upstream JSON,
// driven by the WireSchema (wire names, wire enum values, field behaviours).
//
//   JsonCodec codec(schema.get());
//   nlohmann::ordered_json body = codec.ToJson(request.bulk_sync());
//   RETURN_IF_ERROR(codec.FromJson(parsed, response.mutable_data()));
//
// Lossless in both directions:
// - FromJson keeps every member it cannot put in a typed field (unknown
//   names, unknown enum values, values of an unexpected JSON type) in the
//   message's `additional_fields`, so callers see everything upstream said.
// - ToJson sends every set field, including set scalars equal to their zero
//   value, and the `additional_fields` members the typed fields do not set.
// Messages with an etag field get the etag of the object they were read from.
// JSON null is read as "absent" (except into google.protobuf.Value). Numbers
// inside Struct/Value are doubles, so integers beyond 2^53 lose precision
// there; typed integer fields are exact.
#ifndef GATEWAY_COMMON_JSON_CODEC_H_
#define GATEWAY_COMMON_JSON_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
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

  // FromJson fills `message` (which should be empty) from an upstream JSON
  // value. Fails only when the value's shape cannot be kept at all: not an
  // object for a message without additional_fields.
  absl::Status FromJson(const Json& json,
                        google::protobuf::Message* message) const;

  // Etag is the etag of an upstream document: the SHA-256 of its compact
  // serialization, so the same document gives the same etag in any process.
  static std::string Etag(const Json& document);

  // StructToJson and JsonToValue convert google.protobuf.Struct/Value.
  static Json StructToJson(const google::protobuf::Struct& value);
  static Json ValueToJson(const google::protobuf::Value& value);
  static void JsonToValue(const Json& json, google::protobuf::Value* value);

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
  absl::Status SetField(const Json& json, const FieldInfo& field,
                        google::protobuf::Message* message) const;
  absl::Status SetSingular(const Json& json, const FieldInfo& field,
                           google::protobuf::Message* message) const;
  absl::Status AddElement(const Json& json, const FieldInfo& field,
                          google::protobuf::Message* message) const;
  absl::Status ReadMessageValue(const Json& json, WellKnown kind,
                                google::protobuf::Message* value) const;

  const WireSchema* schema_;
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_JSON_CODEC_H_
