// scripted_http_server.h: a tiny HTTP/1.1 server on 127.0.0.1:0 whose every
// answer comes from a test's script, for testing HTTP clients' connection
// handling (keep-alive, closes without an answer, answers that never come).
//
//   auto server = ScriptedHttpServer::Start(
//       [](const ScriptedHttpServer::Request& request) {
//         if (request.target == "/doomed") return Reply::CloseWithoutAnswer();
//         return Reply::Answer(200, "{}");
//       });
//   ... send to (*server)->base_url() ...
//   EXPECT_EQ((*server)->CountRequests("/doomed"), 1);
//
// It speaks just enough HTTP for tests: requests with Content-Length bodies
// (no chunked uploads, no pipelining), answers with Content-Length.
#ifndef TESTS_SUPPORT_SCRIPTED_HTTP_SERVER_H_
#define TESTS_SUPPORT_SCRIPTED_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gateway/common/rest_client.h"

namespace testsupport {

// ScriptedHttpServer accepts connections on 127.0.0.1 and hands each
// complete request to the script, which says what to do with it.
//
// Thread safety: the script runs on the server's own thread, one request at a
// time; every other method may be called from any thread. The destructor
// stops the thread and closes every connection.
class ScriptedHttpServer {
 public:
  // Request is one request as received.
  struct Request {
    int connection = 0;  // 1-based, in the order connections were accepted
    int index = 0;       // 1-based position on its connection
    std::string method;
    std::string target;
    gateway::HttpHeaders headers;  // names lower-cased
    std::string body;

    // Header returns the first value of `lower_case_name`, or "".
    absl::string_view Header(absl::string_view lower_case_name) const;
  };

  // Reply is what the server does with a request.
  struct Reply {
    enum class Kind {
      kAnswer,              // answer; keep the connection open
      kAnswerThenClose,     // answer (without "Connection: close"), then
                            // close once the client has the FIN
      kCloseWithoutAnswer,  // close the connection, answering nothing
      kNeverAnswer,         // keep the connection open, answering nothing
    };
    Kind kind = Kind::kAnswer;
    int status = 200;
    gateway::HttpHeaders headers;
    std::string body;

    static Reply Answer(int status, std::string body,
                        gateway::HttpHeaders headers = {});
    static Reply AnswerThenClose(int status, std::string body);
    static Reply CloseWithoutAnswer();
    static Reply NeverAnswer();
  };

  using Script = std::function<Reply(const Request&)>;

  // Start listens on an ephemeral port of 127.0.0.1 and serves from a new
  // thread.
  static absl::StatusOr<std::unique_ptr<ScriptedHttpServer>> Start(
      Script script);

  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  // base_url is "http://127.0.0.1:<port>".
  std::string base_url() const;

  // requests returns every request received so far, in order.
  std::vector<Request> requests() const;
  // CountRequests counts the requests received for exactly `target`.
  int CountRequests(absl::string_view target) const;
  // connections counts the connections accepted so far.
  int connections() const;

  // WaitForRequests blocks until `count` requests were received.
  void WaitForRequests(int count) const;
  // WaitForServerCloses blocks until the server closed `count` connections
  // itself (kAnswerThenClose, kCloseWithoutAnswer). After a kAnswerThenClose
  // close the client's kernel has acknowledged the FIN.
  void WaitForServerCloses(int count) const;

 private:
  struct Connection;

  ScriptedHttpServer(Script script, int listen_fd, int wake_fd, int port);
  void Run();
  // Serve handles the complete requests buffered on `connection`; false when
  // the connection is to be dropped.
  bool Serve(Connection& connection);

  const Script script_;
  const int listen_fd_;
  const int wake_fd_;
  const int port_;

  mutable absl::Mutex mu_;
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
  int server_closes_ ABSL_GUARDED_BY(mu_) = 0;

  std::thread thread_;
};

}  // namespace testsupport

#endif  // TESTS_SUPPORT_SCRIPTED_HTTP_SERVER_H_
