// request_builder.h: turns a validated request message into its upstream
// HTTP request, following the route.
//
//   ASSIGN_OR_RETURN(HttpRequest http, BuildHttpRequest(*route, request,
//   codec));
//
// Path variables are percent-encoded; query parameters are sent for set
// fields only (repeated fields once per value, `query_json` fields as one
// JSON-encoded value); header fields become headers; the body is the JSON of
// the body field or of the remaining fields, without the route's body_omits.
// Credentials, version header and deadline are added by the caller.
#ifndef GATEWAY_TRANSLATE_REQUEST_BUILDER_H_
#define GATEWAY_TRANSLATE_REQUEST_BUILDER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/rest_client.h"
#include "gateway/translate/route_table.h"
#include "google/protobuf/message.h"

namespace gateway::translate {

// BuildHttpRequest builds the upstream request for `request` (which must have
// passed ValidateRequest). When the operation accepts an Idempotency-Key and
// the request sets none, `idempotency_key` is sent (the gateway passes one
// per call, so every attempt of one call carries the same key).
absl::StatusOr<HttpRequest> BuildHttpRequest(
    const Route& route, const google::protobuf::Message& request,
    const JsonCodec& codec, absl::string_view idempotency_key);

// BuildHttpRequestWith is BuildHttpRequest with `resource` (the resource's
// JSON, e.g. a merged upstream document) in the body instead of the
// request's resource field.
absl::StatusOr<HttpRequest> BuildHttpRequestWith(
    const Route& route, const google::protobuf::Message& request,
    const JsonCodec& codec, absl::string_view idempotency_key, Json resource);

// PathValue is the value of a path field of `request` as the API spells it
// (an enum by its wire name), not yet percent-encoded.
std::string PathValue(const FieldInfo& field,
                      const google::protobuf::Message& request);

// PathFor returns the route's path with the request's values filled in.
std::string PathFor(const Route& route,
                    const google::protobuf::Message& request);

// ResourceId is the value of the route's last path variable: the id of the
// resource a write acts on ("" when the path has none). A UUID is
// lower-cased: one resource, however the caller spelled it.
std::string ResourceId(const Route& route,
                       const google::protobuf::Message& request);

// CanonicalPath is `path` filled with the request's values, percent-encoded,
// UUIDs lower-cased: one string per upstream path however the caller spelled
// it (for locks, and the cache's keys and invalidations).
std::string CanonicalPath(const std::vector<Route::PathSegment>& path,
                          const google::protobuf::Message& request);

// ResourceKey is the CanonicalPath of the route's path: one key per upstream
// resource, for locks.
std::string ResourceKey(const Route& route,
                        const google::protobuf::Message& request);

// PercentEncode escapes everything but RFC 3986 unreserved characters.
std::string PercentEncode(absl::string_view value);

}  // namespace gateway::translate

#endif  // GATEWAY_TRANSLATE_REQUEST_BUILDER_H_
