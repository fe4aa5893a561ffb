// wire_schema.h: what the translator needs to know about each message, read
// once from the descriptors and their polytomic.v1 options.
//
//   ASSIGN_OR_RETURN(auto schema,
//   WireSchema::Build({GetBulkSyncResponse::descriptor()})); const MessageInfo&
//   info = schema->Message(BulkSync::descriptor()); const FieldInfo* name =
//   info.FindWire("name");
//
// Build walks every message reachable from the roots and checks the options
// are coherent (each enum value but the zero one has a wire value, unions have
// one oneof, additional_fields is a Struct), so a broken contract fails at
// start-up instead of on a call.
#ifndef GATEWAY_COMMON_WIRE_SCHEMA_H_
#define GATEWAY_COMMON_WIRE_SCHEMA_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "polytomic/v1/options.pb.h"

namespace gateway {

// WellKnown is how a message-typed field is represented in JSON.
enum class WellKnown {
  kNone,       // a polytomic.v1 message: a JSON object (or union/list form)
  kTimestamp,  // google.protobuf.Timestamp: an RFC 3339 string
  kStruct,     // google.protobuf.Struct: any JSON object
  kValue,      // google.protobuf.Value: any JSON value
  kListValue,  // google.protobuf.ListValue: any JSON array
  kFieldMask,  // google.protobuf.FieldMask: gateway-only, never on the wire
};

// EnumInfo maps an enum between proto numbers and wire strings.
struct EnumInfo {
  const google::protobuf::EnumDescriptor* descriptor = nullptr;
  absl::flat_hash_map<std::string, int> number_by_wire;
  absl::flat_hash_map<int, std::string> wire_by_number;
};

// FieldInfo is one field with its rules.
struct FieldInfo {
  const google::protobuf::FieldDescriptor* descriptor = nullptr;
  std::string wire_name;  // the json_name
  polytomic::v1::FieldRules rules;
  WellKnown well_known = WellKnown::kNone;  // for message-typed fields
  const EnumInfo* enum_info = nullptr;      // for enum-typed fields

  bool output_only() const {
    return rules.behavior() == polytomic::v1::FIELD_BEHAVIOR_OUTPUT_ONLY;
  }
  bool gateway_only() const {
    return rules.behavior() == polytomic::v1::FIELD_BEHAVIOR_GATEWAY;
  }
};

// MessageInfo is one message with its fields in declaration order.
struct MessageInfo {
  const google::protobuf::Descriptor* descriptor = nullptr;
  std::vector<FieldInfo> fields;  // all but additional_fields
  const google::protobuf::FieldDescriptor* additional_fields = nullptr;
  bool json_union = false;
  bool json_list = false;
  int etag_index = -1;  // the gateway-only etag field, if any

  // etag returns the message's etag field, or nullptr.
  const FieldInfo* etag() const {
    return etag_index < 0 ? nullptr : &fields[etag_index];
  }

  // FindWire returns the field with this wire name, or nullptr.
  const FieldInfo* FindWire(absl::string_view wire_name) const;
  // FindProto returns the field with this proto name, or nullptr.
  const FieldInfo* FindProto(absl::string_view proto_name) const;

  absl::flat_hash_map<std::string, int> index_by_wire;
  absl::flat_hash_map<std::string, int> index_by_proto;
};

// WireSchema holds MessageInfo for every message reachable from some roots.
//
// Thread safety: immutable after Build; safe to share across threads.
class WireSchema {
 public:
  static absl::StatusOr<std::unique_ptr<WireSchema>> Build(
      const std::vector<const google::protobuf::Descriptor*>& roots);

  // Message returns the info of a message reachable from the roots; nullptr
  // for well-known types and unknown messages.
  const MessageInfo* Message(const google::protobuf::Descriptor* d) const;

  // WellKnownOf classifies a message type.
  static WellKnown WellKnownOf(const google::protobuf::Descriptor* d);

 private:
  WireSchema() = default;
  absl::Status Add(const google::protobuf::Descriptor* d);
  absl::StatusOr<const EnumInfo*> AddEnum(
      const google::protobuf::EnumDescriptor* d);

  absl::flat_hash_map<const google::protobuf::Descriptor*,
                      std::unique_ptr<MessageInfo>>
      messages_;
  absl::flat_hash_map<const google::protobuf::EnumDescriptor*,
                      std::unique_ptr<EnumInfo>>
      enums_;
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_WIRE_SCHEMA_H_
