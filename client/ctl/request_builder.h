// request_builder.h: builds a request message from a JSON object and
// `--field.path=value` flags, for any message type of the contract.
//
//   const google::protobuf::Descriptor* type = method->input_type();
//   absl::StatusOr<std::unique_ptr<google::protobuf::Message>> request =
//       client::ctl::BuildRequest(*type, R"({"id": "5b3c..."})",
//                                 {{"refresh_schemas", "true"}});
//
// Everything is descriptor-driven (reflection on the generated message
// classes), so every RPC of the contract works without per-RPC code.
//
// Rules, applied in order:
// - The JSON is parsed with protobuf's JSON mapping (proto or JSON field
//   names; unknown members are an error). Enums may also be given by their
//   wire value, as the REST API spells them ("replicate").
// - Each flag then sets one field. A singular field takes the last flag's
//   value. The first flag naming a repeated or map field clears what the JSON
//   gave; each further flag adds one element (map flags merge objects).
// - Scalars are plain text: bools true/false/1/0/yes/no, integers, floats,
//   bytes as base64. Enums take the value name, the (polytomic.v1.wire_value)
//   string or the number.
// - Message, map, Struct and Value fields take a JSON value. If the text is
//   not valid JSON for the field it is retried as a JSON string, so
//   `--created_at=2024-01-31T00:00:00Z` or `--filter.value=abc` work unquoted.
#ifndef CLIENT_CTL_REQUEST_BUILDER_H_
#define CLIENT_CTL_REQUEST_BUILDER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/ctl/command_line.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace client::ctl {

// BuildRequest makes a new message of `type` (from the generated factory)
// from `json` (may be empty) and then `flags`. InvalidArgument, naming the
// flag or the JSON problem, on any error. `type` must be a generated type.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> BuildRequest(
    const google::protobuf::Descriptor& type, absl::string_view json,
    const std::vector<FieldFlag>& flags);

// MergeJsonObject parses `json` (protobuf JSON mapping) into `message`,
// merging with what is set. InvalidArgument when `json` is not a JSON object
// of the message's type.
absl::Status MergeJsonObject(absl::string_view json,
                             google::protobuf::Message* message);

// ApplyFieldFlags applies `flags` to `message` in order, with the rules in
// the file comment. Stops at the first error.
absl::Status ApplyFieldFlags(const std::vector<FieldFlag>& flags,
                             google::protobuf::Message* message);

// ParseEnumValue finds the value of `type` named by `text`: the value's
// name, its (polytomic.v1.wire_value), or its number. InvalidArgument listing
// the accepted values otherwise.
absl::StatusOr<const google::protobuf::EnumValueDescriptor*> ParseEnumValue(
    const google::protobuf::EnumDescriptor& type, absl::string_view text);

}  // namespace client::ctl

#endif  // CLIENT_CTL_REQUEST_BUILDER_H_
