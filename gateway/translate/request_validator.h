// request_validator.h: checks a caller's request before anything goes
// upstream.
//
//   RETURN_IF_ERROR(ValidateRequest(*route, request));
//
// Rules come from the contract: path variables must be set; fields marked
// `required` must be set wherever their message is set; `format` fields must
// match (UUIDs, Idempotency-Keys); enum fields must hold a value the contract
// defines; union messages must have a member. Output-only and gateway fields
// are not checked (the translator never sends them). Failures are
// INVALID_ARGUMENT with reason INVALID_REQUEST and one BadRequest field
// violation per problem, named by proto field path
// (`bulk_sync.additional_schedules[1].frequency`).
#ifndef GATEWAY_TRANSLATE_REQUEST_VALIDATOR_H_
#define GATEWAY_TRANSLATE_REQUEST_VALIDATOR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gateway/common/wire_schema.h"
#include "gateway/translate/route_table.h"
#include "google/protobuf/message.h"
#include "google/rpc/error_details.pb.h"

namespace gateway::translate {

// ValidationOptions relax the checks for special flows.
struct ValidationOptions {
  // Skip `required` checks inside the resource (partial updates check the
  // merged document instead).
  bool skip_required_in_body = false;
};

// ValidateRequest checks `request` against the route's rules.
absl::Status ValidateRequest(const Route& route,
                             const google::protobuf::Message& request,
                             const WireSchema& schema,
                             const ValidationOptions& options = {});

// ValidateMessage appends the violations of `message` (and what it contains)
// to `violations`, with field paths starting at `prefix`.
void ValidateMessage(
    const google::protobuf::Message& message, const WireSchema& schema,
    const std::string& prefix, bool check_required,
    std::vector<google::rpc::BadRequest::FieldViolation>* violations);

// IsUuid says whether `value` is a UUID in 8-4-4-4-12 hex form.
bool IsUuid(absl::string_view value);

// IsIdempotencyKey says whether `value` is 8 to 255 characters of
// [A-Za-z0-9_-].
bool IsIdempotencyKey(absl::string_view value);

}  // namespace gateway::translate

#endif  // GATEWAY_TRANSLATE_REQUEST_VALIDATOR_H_
