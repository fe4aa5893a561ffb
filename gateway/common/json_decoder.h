// json_decoder.h: the reading half of JsonCodec: upstream JSON text straight
// into a message, with no JSON document in between. Use it through
// JsonCodec::FromJson, which documents the mapping.
//
//   RETURN_IF_ERROR(
//       JsonDecoder::Decode(schema, R"({"name": "orders"})", &bulk_sync));
//
// Mirrors what reading a parsed nlohmann::ordered_json document did, member by
// member, so that behaviour is unchanged; json_decoder_test.cc checks the two
// against each other. Where a document would have needed a second look (a
// list or map that fails half-way and is kept raw in additional_fields, or a
// member name given twice, where a document keeps the last value in the first
// position), the decoder goes back to a JsonCursor::Mark and reads the text
// again.
#ifndef GATEWAY_COMMON_JSON_DECODER_H_
#define GATEWAY_COMMON_JSON_DECODER_H_

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/common/json_cursor.h"
#include "gateway/common/wire_schema.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"

namespace gateway {

// JsonDecoder fills one message from JSON text, driven by a WireSchema: a
// decoder lives for one Decode call.
//
// Ownership: Decode borrows the schema, the text and the message for the
// call. Thread safety: Decode is safe to call concurrently.
class JsonDecoder {
 public:
  // Decode fills `message` (which must be empty) from `json_text`. On error,
  // `message` is cleared. See JsonCodec::FromJson.
  static absl::Status Decode(const WireSchema& schema,
                             absl::string_view json_text,
                             google::protobuf::Message* message);

 private:
  explicit JsonDecoder(const WireSchema& schema) : schema_(schema) {}

  // Each Read/Set below consumes the value at the cursor, or fails: with the
  // cursor's error when the text is broken (in.ok() is then false), otherwise
  // with the reason the value does not fit, leaving the cursor anywhere: the
  // caller goes back to the value's Mark to keep it raw.
  absl::Status ReadMessage(JsonCursor& in, google::protobuf::Message* message);
  absl::Status ReadObject(JsonCursor& in, const MessageInfo& info,
                          google::protobuf::Message* message);
  absl::Status ReadObjectAgain(JsonCursor& in, const JsonCursor::Mark& object,
                               const MessageInfo& info,
                               google::protobuf::Message* message);
  absl::Status ReadMember(JsonCursor& in, const MessageInfo& info,
                          absl::string_view name, const FieldInfo* field,
                          google::protobuf::Message* message,
                          google::protobuf::Struct** extra);
  absl::Status SetField(JsonCursor& in, const FieldInfo& field,
                        google::protobuf::Message* message);
  absl::Status SetMap(JsonCursor& in, const FieldInfo& field,
                      google::protobuf::Message* message);
  absl::Status SetMapAgain(JsonCursor& in, const JsonCursor::Mark& object,
                           const FieldInfo& field, const FieldInfo& value_info,
                           google::protobuf::Message* message);
  absl::Status AddMapEntry(JsonCursor& in, const FieldInfo& field,
                           const FieldInfo& value_info, absl::string_view key,
                           google::protobuf::Message* message);
  absl::Status SetSingular(JsonCursor& in, const FieldInfo& field,
                           google::protobuf::Message* message);
  absl::Status AddElement(JsonCursor& in, const FieldInfo& field,
                          google::protobuf::Message* message);
  absl::Status ReadMessageValue(JsonCursor& in, WellKnown kind,
                                google::protobuf::Message* value);

  const WireSchema& schema_;
  // The offsets of the objects known to need a second look, so that an
  // object read again inside an enclosing object read again goes straight to
  // it: each object is read at most twice per time its parent is.
  absl::flat_hash_set<size_t> read_again_;
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_JSON_DECODER_H_
