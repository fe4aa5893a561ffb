// curl_transfer.h: one libcurl transfer of the transport (curl_rest_client)
// as its callbacks see it, and how a failed one maps to a status.
//
//   auto transfer = std::make_unique<Transfer>();
//   curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
//   curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
//   ...
//   done(TransportError(code, *transfer));  // when curl reports a failure
//
// Internal to gateway/rest.
#ifndef GATEWAY_REST_CURL_TRANSFER_H_
#define GATEWAY_REST_CURL_TRANSFER_H_

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "gateway/common/rest_client.h"

namespace gateway::rest {

// Transfer is one request from Send until its callback ran. Owned by the
// transport's loop; the callbacks below get it as their user pointer and run
// on whichever thread drives curl at the time.
struct Transfer {
  RestClient::RequestId id = 0;
  HttpRequest request;
  RestClient::Callback done;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpResponse response;
  // How often libcurl was about to write the request to a connection.
  int send_attempts = 0;
  // upstream.max_response_bytes; OnBody stops the transfer beyond it.
  std::int64_t max_response_bytes = 0;
  bool response_too_large = false;
};

// Describe names a request in error messages: method and path, never the
// query string, headers or body.
std::string Describe(const HttpRequest& request);

// OnBody is CURLOPT_WRITEFUNCTION: appends to the response body, or stops
// the transfer (CURLE_WRITE_ERROR) when the body would exceed
// max_response_bytes, so an oversized answer is never held whole.
size_t OnBody(char* data, size_t size, size_t count, void* user);

// OnHeader is CURLOPT_HEADERFUNCTION: collects response headers. A new
// status line starts a new header block (interim 1xx answers), so earlier
// headers are dropped.
size_t OnHeader(char* data, size_t size, size_t count, void* user);

// OnPrerequest is CURLOPT_PREREQFUNCTION. It runs each time libcurl is about
// to write the request to a connection, new or reused. The first time is the
// request itself. A second time is libcurl retrying on a fresh connection
// because the reused one died before any answer (Curl_retry_request: after a
// read of nothing, or a send error, on a reused connection): the first copy
// may have reached the upstream, so the retry is refused and the transfer
// fails with CURLE_ABORTED_BY_CALLBACK. A cached connection found dead before
// use is dropped before this runs, so replacing it is not a second attempt.
int OnPrerequest(void* user, char* remote_ip, char* local_ip, int remote_port,
                 int local_port);

// TransportError maps a failed transfer. A timeout before the request's own
// deadline and before any send attempt is the connect timeout: the upstream
// did not take the connection, which is unavailability, not the caller's
// deadline running out. A failure before any send attempt is marked
// kRequestNotSent. An answer over max_response_bytes is RESOURCE_EXHAUSTED
// (reason UPSTREAM_RESPONSE_TOO_LARGE). Messages name the request as
// Describe does.
absl::Status TransportError(CURLcode code, const Transfer& transfer);

}  // namespace gateway::rest

#endif  // GATEWAY_REST_CURL_TRANSFER_H_
