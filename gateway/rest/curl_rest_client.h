// curl_rest_client.h: the RestClient that talks HTTP/1.1 with libcurl.
//
// One event-loop thread drives a curl multi handle through curl's socket API
// (epoll for the sockets curl asks about, a timerfd for curl's timer, an
// eventfd to wake the loop for new work), so the cost of an event does not
// grow with the number of requests in flight. A Send that finds curl free
// starts its transfer on the caller's thread, so the request is written
// without waking the loop, which sleeps on until the answer. Keep-alive
// connections are reused across requests, open connections are bounded
// (requests beyond the bound wait inside curl), and no request is ever sent
// twice: libcurl's own silent re-send on a reused connection that died is
// refused.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<CurlRestClient> client,
//                    CurlRestClient::Create(config.upstream()));
//   client->Send(std::move(request), std::move(done));
//
// This is the only place in the gateway that links libcurl; CURLcode is
// turned into absl::Status here.
#ifndef GATEWAY_REST_CURL_REST_CLIENT_H_
#define GATEWAY_REST_CURL_REST_CLIENT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "gateway/common/rest_client.h"
#include "gateway/config/v1/config.pb.h"

namespace gateway::rest {

// CurlRestClient sends requests to one upstream base URL.
//
// Each request is sent at most once. When libcurl would re-send it (a reused
// keep-alive connection closed before any answer, so curl retries on a fresh
// one), the request fails with UNAVAILABLE instead, saying it may have
// reached the upstream; a connection found closed *before* the request is
// written to it is simply replaced, which is not a re-send.
//
// Thread safety: Send and Cancel may be called from any thread, including
// from inside a callback, and never wait for curl work on another thread.
// Send drives libcurl itself when no other thread is driving it at that
// moment (it tries the lock that serializes libcurl, never waits for it) and
// otherwise queues the request for the event-loop thread; Cancel always
// queues. Callbacks run on the event-loop thread only, never inline in Send
// or Cancel (even for a request that fails within Send, e.g. a deadline
// already passed), exactly once, and must not block.
//
// Destroying the client cancels what is still in flight (callbacks get
// CANCELLED, on the loop thread, before the destructor returns) and joins the
// loop thread; it must not be destroyed from inside one of its callbacks.
// A Send from another thread may overlap the destructor only if it returns
// before some callback the destructor runs has returned (for instance, that
// callback waits for it); such requests are cancelled like the rest. Any
// other Send racing the destructor may find the client gone.
class CurlRestClient final : public RestClient {
 public:
  // Create starts the event loop for `upstream`: base_url (request targets
  // are appended to it), max_connections (the bound on open connections, also
  // how many idle ones are kept) and connect_timeout (time allowed to
  // connect, within each request's deadline). Defaults are the config
  // loader's business: Create takes the message as loaded and fails with
  // INVALID_ARGUMENT when a field is missing or not positive, and with
  // FAILED_PRECONDITION when the libcurl found at run time is older than
  // 7.80 (it could not refuse re-sends).
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
