// curl_rest_client.h: the RestClient that talks HTTP/1.1 with libcurl.
//
// One event-loop thread drives a curl multi handle for every request in
// flight: no thread per call, keep-alive connections reused across requests,
// a bound on open connections (requests beyond it wait inside curl), no
// signals (CURLOPT_NOSIGNAL) and no `Expect: 100-continue` round trip.
//
//   CurlRestClient::Options options;
//   options.base_url = "http://127.0.0.1:8081";
//   ASSIGN_OR_RETURN(auto client, CurlRestClient::Create(options));
//   client->Send(std::move(request), std::move(done));
//
// This is the only place in the gateway that links libcurl; CURLcode is
// turned into absl::Status here.
#ifndef GATEWAY_REST_CURL_REST_CLIENT_H_
#define GATEWAY_REST_CURL_REST_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/common/rest_client.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::rest {

// CurlRestClient sends requests to one upstream base URL.
//
// Thread safety: Send and Cancel may be called from any thread, including
// from inside a callback. Callbacks run on the event-loop thread, never inline
// in Send or Cancel, and must not block. Destroying the client cancels what is
// still in flight (callbacks get CANCELLED) and joins the loop thread; it must
// not be destroyed from inside one of its callbacks.
class CurlRestClient final : public RestClient {
 public:
  struct Options {
    // Scheme, host and port (and optional path prefix) that request targets
    // are appended to, e.g. "https://app.polytomic.com".
    std::string base_url;
    // Upper bound on open upstream connections; more concurrent requests wait
    // for a free connection (their deadline keeps running).
    int max_connections = 256;
    // Time allowed to establish a connection, within the request deadline.
    absl::Duration connect_timeout = absl::Seconds(5);
  };

  // Create starts the event loop. Fails if libcurl cannot be initialised or
  // the base URL is empty.
  static absl::StatusOr<std::unique_ptr<CurlRestClient>> Create(
      const Options& options);
  static absl::StatusOr<std::unique_ptr<CurlRestClient>> Create(
      const config::v1::Upstream& upstream);

  ~CurlRestClient() override;
  CurlRestClient(const CurlRestClient&) = delete;
  CurlRestClient& operator=(const CurlRestClient&) = delete;

  RequestId Send(HttpRequest request, Callback done) override;
  void Cancel(RequestId id) override;

 private:
  class Loop;
  explicit CurlRestClient(std::unique_ptr<Loop> loop);
  std::unique_ptr<Loop> loop_;
};

}  // namespace gateway::rest

#endif  // GATEWAY_REST_CURL_REST_CLIENT_H_
