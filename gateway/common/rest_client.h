// rest_client.h: the gateway's one interface to an upstream REST API.
//
// Everything that talks HTTP to Polytomic goes through a RestClient. The
// libcurl transport lives in gateway/rest (the only target that links
// libcurl); decorators (credentials, metrics, and later retries, circuit
// breaking and tracing) wrap it, and one factory in gateway/rest alone knows
// their order (rest/upstream_client.h).
//
//   RestClient::RequestId id = client.Send(
//       HttpRequest{.method = "GET", .target = "/api/bulk/syncs",
//                   .deadline = absl::Now() + absl::Seconds(5),
//                   .account = "default", .operation = "bulkSync.list"},
//       [](absl::StatusOr<HttpResponse> r) { ... });
//   client.Cancel(id);  // if the caller gave up
#ifndef GATEWAY_COMMON_REST_CLIENT_H_
#define GATEWAY_COMMON_REST_CLIENT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gateway {

// HttpHeaders are header name/value pairs in the order they were added.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// HttpRequest is one upstream call.
struct HttpRequest {
  std::string method;  // "GET", "POST", "PUT", "PATCH" or "DELETE"
  // Path and query relative to the upstream base URL, already encoded:
  // "/api/bulk/syncs?active=true".
  std::string target;
  HttpHeaders headers;
  std::string body;  // JSON, or empty for no body
  // The call fails with DEADLINE_EXCEEDED if no answer arrived by then.
  absl::Time deadline = absl::InfiniteFuture();
  // The upstream account the request acts as. The credentials decorator
  // adds that account's Authorization header; nobody else sets credentials.
  std::string account;
  // The upstream operation ("bulkSync.get"), for error messages, metric
  // labels and, later, traces. Must outlive the request, its callback
  // included: the gateway points it into its route table.
  absl::string_view operation;
};

// HttpResponse is a complete upstream answer, whatever its status code.
struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // names lower-cased
  std::string body;

  // Header returns the first value of the header named `lower_case_name`, or
  // an empty view.
  absl::string_view Header(absl::string_view lower_case_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_case_name) return value;
    }
    return {};
  }
};

// kRequestNotSent is the absl::Status payload (empty) that marks a failure
// whose request certainly never reached the upstream: no connection was
// made, or the request was refused before a byte of it was written. Without
// it, a failure (UNAVAILABLE, DEADLINE_EXCEEDED) may have reached the
// upstream, and its effect is unknown.
inline constexpr absl::string_view kRequestNotSent =
    "gateway.rest/request-not-sent";

// MarkNotSent adds kRequestNotSent to a failure.
inline absl::Status MarkNotSent(absl::Status status) {
  status.SetPayload(kRequestNotSent, absl::Cord());
  return status;
}

// WasNotSent says whether `status` carries kRequestNotSent.
inline bool WasNotSent(const absl::Status& status) {
  return status.GetPayload(kRequestNotSent).has_value();
}

// RestClient sends HTTP requests upstream asynchronously.
//
// A request is sent at most once: no RestClient re-sends a request whose
// bytes may have reached the upstream (retries are the gateway's decision,
// made above the transport).
//
// Thread safety: all methods may be called from any thread, including from
// inside a callback. A callback runs on a transport thread, or inline inside
// Send when the request is refused before it reaches the transport (a
// decorator's refusal, e.g. an account without credentials); it must not
// block, and the caller of Send must not hold a lock the callback takes.
class RestClient {
 public:
  using RequestId = std::uint64_t;
  // Callback receives the answer (any HTTP status) or a failure:
  // DEADLINE_EXCEEDED (deadline passed), UNAVAILABLE (could not connect,
  // connection reset or closed before a complete answer; the message says
  // whether the request may have reached the upstream, and kRequestNotSent
  // marks those that certainly did not), RESOURCE_EXHAUSTED (the answer's
  // body exceeded the transport's limit), CANCELLED (Cancel was called), or
  // a decorator's refusal (its own code and message, with an ErrorInfo).
  using Callback = absl::AnyInvocable<void(absl::StatusOr<HttpResponse>) &&>;

  virtual ~RestClient() = default;

  // Send starts `request`; `done` runs exactly once. The returned id is only
  // good for Cancel.
  virtual RequestId Send(HttpRequest request, Callback done) = 0;

  // Cancel aborts a request that has not finished; its callback then gets
  // CANCELLED. Unknown or finished ids are ignored.
  virtual void Cancel(RequestId id) = 0;
};

}  // namespace gateway

#endif  // GATEWAY_COMMON_REST_CLIENT_H_
