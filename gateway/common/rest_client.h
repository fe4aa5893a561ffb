// rest_client.h: the gateway's one interface to an upstream REST API.
//
// Everything that talks HTTP to Polytomic goes through a RestClient. The
// libcurl implementation lives in gateway/rest (the only target that links
// libcurl); decorators (credentials, and later retries and metrics) wrap it,
// and server/ alone composes them.
//
//   RestClient::RequestId id = client.Send(
//       HttpRequest{.method = "GET", .target = "/api/bulk/syncs",
//                   .deadline = absl::Now() + absl::Seconds(5)},
//       [](absl::StatusOr<HttpResponse> r) { ... });
//   client.Cancel(id);  // if the caller gave up
#ifndef GATEWAY_COMMON_REST_CLIENT_H_
#define GATEWAY_COMMON_REST_CLIENT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
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

// RestClient sends HTTP requests upstream asynchronously.
//
// Thread safety: all methods may be called from any thread. Callbacks never
// run inline inside Send() or Cancel(); they run on a transport thread and
// must not block.
class RestClient {
 public:
  using RequestId = std::uint64_t;
  // Callback receives the answer (any HTTP status) or a transport failure:
  // DEADLINE_EXCEEDED (deadline passed), UNAVAILABLE (could not connect,
  // connection reset or closed early), CANCELLED (Cancel was called).
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
