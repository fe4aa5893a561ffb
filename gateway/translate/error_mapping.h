// error_mapping.h: the one table from upstream outcomes to gRPC status codes.
//
//   | upstream                  | code               | ErrorInfo.reason       |
//   |---------------------------|--------------------|------------------------|
//   | 400, 422                  | INVALID_ARGUMENT   | UPSTREAM_REJECTED_...  |
//   |                           |                    |   ...REQUEST           |
//   | 401                       | UNAVAILABLE        | UPSTREAM_CREDENTIAL_...|
//   |                           |                    |   ...REJECTED          |
//   | 403                       | PERMISSION_DENIED  | UPSTREAM_PERMISSION_...|
//   |                           |                    |   ...DENIED            |
//   | 404                       | NOT_FOUND          | UPSTREAM_NOT_FOUND     |
//   | 408, 504, timeout         | DEADLINE_EXCEEDED  | UPSTREAM_TIMEOUT       |
//   | 409                       | ABORTED            | UPSTREAM_CONFLICT      |
//   | 413                       | INVALID_ARGUMENT   | UPSTREAM_REQUEST_...   |
//   |                           |                    |   ...TOO_LARGE         |
//   | 429                       | RESOURCE_EXHAUSTED | UPSTREAM_RATE_LIMITED  |
//   | other 5xx, connect/reset  | UNAVAILABLE        | UPSTREAM_UNAVAILABLE   |
//   | other statuses            | INTERNAL           | UPSTREAM_UNEXPECTED_...|
//   |                           |                    |   ...STATUS            |
//   | 2xx body not JSON / shape | INTERNAL           | UPSTREAM_BAD_RESPONSE  |
//   | caller cancelled          | CANCELLED          | CANCELLED              |
//
// Every error carries ErrorInfo (domain "polytomic-gateway") with metadata
// `operation` and, for HTTP answers, `http_status`; 400/422 add a BadRequest
// built from the ApiError body (its `metadata.fields`), with wire paths
// translated to proto field paths; 429 and 503 with Retry-After add
// RetryInfo. 401 is not the caller's fault: the message says so and does not
// repeat the upstream's text.
#ifndef GATEWAY_TRANSLATE_ERROR_MAPPING_H_
#define GATEWAY_TRANSLATE_ERROR_MAPPING_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/common/rest_client.h"
#include "gateway/translate/route_table.h"

namespace gateway::translate {

// UpstreamHttpError maps a non-2xx answer.
absl::Status UpstreamHttpError(const Route& route, const WireSchema& schema,
                               const HttpResponse& response, absl::Time now);

// UpstreamTransportError maps a RestClient failure (no HTTP answer). A
// failure that already carries an ErrorInfo (a decorator's refusal, e.g.
// missing credentials) is returned as it is.
absl::Status UpstreamTransportError(const Route& route,
                                    const absl::Status& transport);

// BadUpstreamBody is the INTERNAL error for a 2xx answer the gateway cannot
// read.
absl::Status BadUpstreamBody(const Route& route, int http_status,
                             absl::string_view why);

}  // namespace gateway::translate

#endif  // GATEWAY_TRANSLATE_ERROR_MAPPING_H_
