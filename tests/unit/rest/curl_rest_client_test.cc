// Tests of CurlRestClient against ScriptedHttpServer on 127.0.0.1:0: what is
// sent, what comes back, failures, cancellation, that a request is never
// sent twice, and the threading contract: Send may start a transfer on the
// caller's thread, but every callback runs on the loop thread, exactly once,
// never inside Send or Cancel.
#include "gateway/rest/curl_rest_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gateway/common/error_details.h"
#include "gateway/config/v1/config.pb.h"
#include "gateway/rest/curl_transfer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/scripted_http_server.h"

namespace gateway::rest {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using Reply = testsupport::ScriptedHttpServer::Reply;
using ServerRequest = testsupport::ScriptedHttpServer::Request;

// A deadline no test reaches unless it means to.
constexpr absl::Duration kGenerous = absl::Seconds(60);

config::v1::Upstream UpstreamFor(const std::string& base_url,
                                 int max_connections = 16,
                                 absl::Duration connect_timeout = kGenerous) {
  config::v1::Upstream upstream;
  upstream.set_base_url(base_url);
  upstream.set_max_connections(max_connections);
  upstream.set_max_response_bytes(1000);
  upstream.mutable_connect_timeout()->set_seconds(
      absl::ToInt64Seconds(connect_timeout));
  upstream.mutable_connect_timeout()->set_nanos(static_cast<int>(
      absl::ToInt64Nanoseconds(connect_timeout % absl::Seconds(1))));
  return upstream;
}

std::unique_ptr<CurlRestClient> NewClient(
    const config::v1::Upstream& upstream) {
  auto client = CurlRestClient::Create(upstream);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

std::unique_ptr<testsupport::ScriptedHttpServer> StartServer(
    testsupport::ScriptedHttpServer::Script script) {
  auto server = testsupport::ScriptedHttpServer::Start(std::move(script));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

// AnswerOk answers every request with 200 and its target as the body.
Reply AnswerOk(const ServerRequest& request) {
  return Reply::Answer(200, request.target);
}

HttpRequest Request(std::string method, std::string target,
                    std::string body = "") {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.body = std::move(body);
  request.deadline = absl::Now() + kGenerous;
  request.account = "default";
  request.operation = "test.call";
  return request;
}

// Outcome receives one callback and remembers the thread it ran on.
class Outcome {
 public:
  RestClient::Callback Callback() {
    return [this](absl::StatusOr<HttpResponse> result) {
      result_ = std::move(result);
      thread_ = std::this_thread::get_id();
      done_.Notify();
    };
  }
  const absl::StatusOr<HttpResponse>& Wait() {
    done_.WaitForNotification();
    return result_;
  }
  std::thread::id thread() {
    done_.WaitForNotification();
    return thread_;
  }

 private:
  absl::Notification done_;
  absl::StatusOr<HttpResponse> result_ = absl::UnknownError("no callback");
  std::thread::id thread_;
};

// Call sends `request` and waits for its outcome.
absl::StatusOr<HttpResponse> Call(RestClient& client, HttpRequest request) {
  Outcome outcome;
  client.Send(std::move(request), outcome.Callback());
  return outcome.Wait();
}

// LoopThreadOf returns the thread `client` runs callbacks on, found with one
// call to `server`.
std::thread::id LoopThreadOf(RestClient& client) {
  Outcome outcome;
  client.Send(Request("GET", "/which-thread"), outcome.Callback());
  EXPECT_TRUE(outcome.Wait().ok()) << outcome.Wait().status();
  return outcome.thread();
}

// Ledger records every callback of a batch of requests, by index: how often
// it ran, its last result and its thread.
class Ledger {
 public:
  struct Entry {
    int calls = 0;
    absl::StatusOr<HttpResponse> result = absl::UnknownError("no callback");
    std::thread::id thread;
  };

  explicit Ledger(int size) : entries_(size) {}

  RestClient::Callback Callback(int index) {
    return [this, index](absl::StatusOr<HttpResponse> result) {
      absl::MutexLock lock(&mu_);
      Entry& entry = entries_[index];
      if (entry.calls++ == 0) ++finished_;
      entry.result = std::move(result);
      entry.thread = std::this_thread::get_id();
    };
  }

  // WaitForAll blocks until every request had its callback.
  void WaitForAll() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Ledger::AllFinished));
  }

  std::vector<Entry> entries() {
    absl::MutexLock lock(&mu_);
    return entries_;
  }

 private:
  bool AllFinished() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return finished_ == entries_.size();
  }

  absl::Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  size_t finished_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(CurlRestClientTest, GetReturnsStatusLowerCasedHeadersAndBody) {
  auto server = StartServer([](const ServerRequest&) {
    return Reply::Answer(200, R"({"id":"1"})", {{"X-Request-Id", "abc"}});
  });
  auto client = NewClient(UpstreamFor(server->base_url()));

  auto response = Call(*client, Request("GET", "/api/bulk/syncs?active=true"));

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("x-request-id"), "abc");
  EXPECT_EQ(response->Header("content-length"), "10");
  EXPECT_EQ(response->body, R"({"id":"1"})");
  std::vector<ServerRequest> received = server->requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "GET");
  EXPECT_EQ(received[0].target, "/api/bulk/syncs?active=true");
  EXPECT_EQ(received[0].Header("expect"), "");
}

TEST(CurlRestClientTest, AnAnswerOverTheLimitIsRefusedNamingIt) {
  // UpstreamFor's limit is 1,000 bytes; one byte more is refused, exactly
  // 1,000 is not.
  auto server = StartServer([](const ServerRequest& request) {
    return Reply::Answer(
        200, std::string(request.target == "/big" ? 1001 : 1000, 'x'));
  });
  auto client = NewClient(UpstreamFor(server->base_url()));

  auto fits = Call(*client, Request("GET", "/fits"));
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->body.size(), 1000u);
  auto big = Call(*client, Request("GET", "/big"));
  ASSERT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(big.status().message()),
              HasSubstr("upstream.max_response_bytes (1000 bytes)"));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(big.status(), &info));
  EXPECT_EQ(info.reason(), "UPSTREAM_RESPONSE_TOO_LARGE");
}

TEST(CurlTransferTest, ABodyGrowingPastTheLimitStopsTheTransfer) {
  // An answer without Content-Length is cut off as it arrives.
  Transfer transfer;
  transfer.max_response_bytes = 10;
  char chunk[6] = "abcde";
  EXPECT_EQ(OnBody(chunk, 1, 5, &transfer), 5u);
  EXPECT_EQ(OnBody(chunk, 1, 5, &transfer), 5u);
  EXPECT_EQ(OnBody(chunk, 1, 1, &transfer), 0u);  // curl: CURLE_WRITE_ERROR
  EXPECT_TRUE(transfer.response_too_large);
  EXPECT_EQ(transfer.response.body, "abcdeabcde");
  absl::Status status = TransportError(CURLE_WRITE_ERROR, transfer);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
}

TEST(CurlTransferTest, OnlyFailuresBeforeSendingAreMarkedNotSent) {
  Transfer transfer;
  transfer.request.method = "POST";
  transfer.request.target = "/api/syncs";
  transfer.request.deadline = absl::InfiniteFuture();
  EXPECT_TRUE(WasNotSent(TransportError(CURLE_COULDNT_CONNECT, transfer)));
  transfer.send_attempts = 1;
  absl::Status reset = TransportError(CURLE_RECV_ERROR, transfer);
  EXPECT_EQ(reset.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(WasNotSent(reset));
}

TEST(CurlRestClientTest, PostSendsBodyAsJson) {
  auto server = StartServer(AnswerOk);
  auto client = NewClient(UpstreamFor(server->base_url()));

  auto response = Call(*client, Request("POST", "/api/syncs", R"({"a":1})"));

  ASSERT_TRUE(response.ok()) << response.status();
  std::vector<ServerRequest> received = server->requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "POST");
  EXPECT_EQ(received[0].body, R"({"a":1})");
  EXPECT_EQ(received[0].Header("content-type"), "application/json");
  EXPECT_EQ(received[0].Header("expect"), "");
}

TEST(CurlRestClientTest, PutKeepsTheCallersContentType) {
  auto server = StartServer(AnswerOk);
  auto client = NewClient(UpstreamFor(server->base_url()));
  HttpRequest request = Request("PUT", "/api/syncs/1", "{}");
  request.headers = {{"Content-Type", "application/merge-patch+json"}};

  ASSERT_TRUE(Call(*client, std::move(request)).ok());

  std::vector<ServerRequest> received = server->requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "PUT");
  EXPECT_EQ(received[0].body, "{}");
  EXPECT_EQ(received[0].Header("content-type"), "application/merge-patch+json");
}

TEST(CurlRestClientTest, SendsCustomHeaders) {
  auto server = StartServer(AnswerOk);
  auto client = NewClient(UpstreamFor(server->base_url()));
  HttpRequest request = Request("DELETE", "/api/syncs/1");
  request.headers = {{"Authorization", "Bearer k"},
                     {"X-Polytomic-Version", "2025-09-18"}};

  ASSERT_TRUE(Call(*client, std::move(request)).ok());

  std::vector<ServerRequest> received = server->requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "DELETE");
  EXPECT_EQ(received[0].Header("authorization"), "Bearer k");
  EXPECT_EQ(received[0].Header("x-polytomic-version"), "2025-09-18");
  EXPECT_EQ(received[0].body, "");
}

TEST(CurlRestClientTest, ServerErrorIsAResponseNotAFailure) {
  auto server = StartServer([](const ServerRequest&) {
    return Reply::Answer(500, R"({"error":"boom"})");
  });
  auto client = NewClient(UpstreamFor(server->base_url()));

  auto response = Call(*client, Request("GET", "/api/x"));

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body, R"({"error":"boom"})");
}

TEST(CurlRestClientTest, ReusesTheKeepAliveConnection) {
  auto server = StartServer(AnswerOk);
  auto client = NewClient(UpstreamFor(server->base_url()));

  ASSERT_TRUE(Call(*client, Request("GET", "/one")).ok());
  ASSERT_TRUE(Call(*client, Request("POST", "/two", "{}")).ok());

  EXPECT_EQ(server->connections(), 1);
}

TEST(CurlRestClientTest, DeadlineGivesDeadlineExceeded) {
  auto server =
      StartServer([](const ServerRequest&) { return Reply::NeverAnswer(); });
  auto client = NewClient(UpstreamFor(server->base_url()));
  HttpRequest request = Request("GET", "/slow");
  request.deadline = absl::Now() + absl::Milliseconds(50);

  auto response = Call(*client, std::move(request));

  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded)
      << response.status();
}

// The loop is idle, so Send finds curl free and fails the transfer itself;
// the callback must still wait for the loop thread.
TEST(CurlRestClientTest, PassedDeadlineFailsOnTheLoopThread) {
  auto server = StartServer(AnswerOk);
  auto client = NewClient(UpstreamFor(server->base_url()));
  std::thread::id loop = LoopThreadOf(*client);
  HttpRequest request = Request("GET", "/late");
  request.deadline = absl::Now() - absl::Seconds(1);
  Outcome outcome;

  client->Send(std::move(request), outcome.Callback());

  EXPECT_EQ(outcome.Wait().status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(outcome.thread(), std::this_thread::get_id());
  EXPECT_EQ(outcome.thread(), loop);
  EXPECT_EQ(server->CountRequests("/late"), 0);
}

TEST(CurlRestClientTest, CancelGivesCancelled) {
  auto server =
      StartServer([](const ServerRequest&) { return Reply::NeverAnswer(); });
  auto client = NewClient(UpstreamFor(server->base_url()));
  Outcome outcome;

  RestClient::RequestId id =
      client->Send(Request("GET", "/hanging"), outcome.Callback());
  server->WaitForRequests(1);
  client->Cancel(id);

  EXPECT_EQ(outcome.Wait().status().code(), absl::StatusCode::kCancelled);
  EXPECT_NE(outcome.thread(), std::this_thread::get_id());
}

TEST(CurlRestClientTest, CancelRightAfterSendGivesCancelled) {
  auto server =
      StartServer([](const ServerRequest&) { return Reply::NeverAnswer(); });
  auto client = NewClient(UpstreamFor(server->base_url()));
  Outcome outcome;

  client->Cancel(client->Send(Request("GET", "/hanging"), outcome.Callback()));

  EXPECT_EQ(outcome.Wait().status().code(), absl::StatusCode::kCancelled);
}

TEST(CurlRestClientTest, CancelOfAnUnknownIdIsIgnored) {
  auto server = StartServer(AnswerOk);
  auto client = NewClient(UpstreamFor(server->base_url()));

  client->Cancel(12345);

  EXPECT_TRUE(Call(*client, Request("GET", "/fine")).ok());
}

TEST(CurlRestClientTest, ConnectionRefusedGivesUnavailable) {
  // A bound socket that does not listen refuses connections, and holding it
  // keeps anyone else off the port.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), size), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  auto client = NewClient(
      UpstreamFor(absl::StrCat("http://127.0.0.1:", ntohs(address.sin_port))));
  Outcome outcome;

  // curl learns of the refusal from the socket (on the loop thread), or
  // within Send's own curl call if the kernel already has it.
  client->Send(Request("POST", "/api/syncs", "{}"), outcome.Callback());

  const absl::StatusOr<HttpResponse>& response = outcome.Wait();
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(response.status().message()),
              AllOf(HasSubstr("POST /api/syncs"), HasSubstr("not sent")));
  EXPECT_NE(outcome.thread(), std::this_thread::get_id());
  close(fd);
}

TEST(CurlRestClientTest, ConnectTimeoutIsUnavailableNotDeadlineExceeded) {
  // A listener with a full accept queue drops further SYNs, so connecting
  // hangs until the connect timeout; the request's own deadline is far off.
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), size), 0);
  ASSERT_EQ(listen(listener, 0), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size),
            0);
  int filler = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(filler, reinterpret_cast<sockaddr*>(&address), size), 0);
  auto client = NewClient(
      UpstreamFor(absl::StrCat("http://127.0.0.1:", ntohs(address.sin_port)),
                  16, absl::Milliseconds(100)));

  auto response = Call(*client, Request("GET", "/api/x"));

  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
  EXPECT_THAT(std::string(response.status().message()),
              HasSubstr("connect timeout"));
  close(filler);
  close(listener);
}

// A keep-alive connection that the upstream closes after reading a request,
// without answering: libcurl on its own would send the request again on a
// fresh connection. The client must not.
class NoResendTest : public ::testing::TestWithParam<const char*> {};

TEST_P(NoResendTest, ReusedConnectionClosedWithoutAnswerIsNotResent) {
  const std::string method = GetParam();
  auto server = StartServer([](const ServerRequest& request) {
    if (absl::StartsWith(request.target, "/api/doomed")) {
      return Reply::CloseWithoutAnswer();
    }
    return AnswerOk(request);
  });
  auto client = NewClient(UpstreamFor(server->base_url()));
  std::string body = method == "GET" ? "" : R"({"secret_field":"s3"})";
  ASSERT_TRUE(Call(*client, Request(method, "/first", body)).ok());

  HttpRequest doomed = Request(method, "/api/doomed?token=hush", body);
  doomed.headers = {{"Authorization", "Bearer hunter2"}};
  auto response = Call(*client, std::move(doomed));

  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
  EXPECT_THAT(std::string(response.status().message()),
              AllOf(HasSubstr(absl::StrCat(method, " /api/doomed")),
                    HasSubstr("may have reached the upstream"),
                    HasSubstr("not re-sent"), Not(HasSubstr("hush")),
                    Not(HasSubstr("hunter2")), Not(HasSubstr("s3"))));
  EXPECT_EQ(server->CountRequests("/api/doomed?token=hush"), 1);
  // It was the second request on the first, reused, connection.
  std::vector<ServerRequest> received = server->requests();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[1].connection, 1);
  EXPECT_EQ(received[1].index, 2);

  // A fresh connection works afterwards.
  auto after = Call(*client, Request(method, "/after", body));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->body, "/after");
  EXPECT_EQ(server->CountRequests("/api/doomed?token=hush"), 1);
}

INSTANTIATE_TEST_SUITE_P(Methods, NoResendTest,
                         ::testing::Values("POST", "GET", "PUT"));

TEST(CurlRestClientTest, IdleConnectionClosedByServerIsReplacedQuietly) {
  auto server = StartServer([](const ServerRequest& request) {
    if (request.target == "/first") return Reply::AnswerThenClose(200, "one");
    return AnswerOk(request);
  });
  auto client = NewClient(UpstreamFor(server->base_url()));
  ASSERT_TRUE(Call(*client, Request("POST", "/first", "{}")).ok());
  server->WaitForServerCloses(1);

  auto response = Call(*client, Request("POST", "/second", "{}"));

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "/second");
  std::vector<ServerRequest> received = server->requests();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[1].connection, 2);
  EXPECT_EQ(received[1].index, 1);
}

TEST(CurlRestClientTest, ManyConcurrentRequestsFromSeveralThreadsAllComplete) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  constexpr int kRequests = kThreads * kPerThread;
  constexpr int kMaxConnections = 16;  // most requests wait for a connection
  auto server = StartServer(AnswerOk);
  auto client = NewClient(UpstreamFor(server->base_url(), kMaxConnections));
  absl::BlockingCounter pending(kRequests);
  absl::Mutex mu;
  std::vector<absl::StatusOr<HttpResponse>> results(
      kRequests, absl::UnknownError("no callback"));

  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      for (int i = t * kPerThread; i < (t + 1) * kPerThread; ++i) {
        client->Send(Request("GET", absl::StrCat("/item/", i)),
                     [&, i](absl::StatusOr<HttpResponse> result) {
                       {
                         absl::MutexLock lock(&mu);
                         results[i] = std::move(result);
                       }
                       pending.DecrementCount();
                     });
      }
    });
  }
  for (std::thread& sender : senders) sender.join();
  pending.Wait();

  absl::MutexLock lock(&mu);
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
    EXPECT_EQ(results[i]->body, absl::StrCat("/item/", i));
  }
  EXPECT_EQ(server->requests().size(), static_cast<size_t>(kRequests));
  EXPECT_LE(server->connections(), kMaxConnections);
}

// The loop keeps one timer for curl and re-arms it lazily: sooner when curl
// needs it sooner, and, when curl's next deadline moved later, only once the
// timer has fired early. Both kinds of deadline must still fire.
TEST(CurlRestClientTest, ADeadlineSoonerThanOneAlreadySetFires) {
  auto server =
      StartServer([](const ServerRequest&) { return Reply::NeverAnswer(); });
  auto client = NewClient(UpstreamFor(server->base_url()));
  Outcome later;
  Outcome sooner;

  RestClient::RequestId later_id =
      client->Send(Request("GET", "/later"), later.Callback());
  server->WaitForRequests(1);
  HttpRequest request = Request("GET", "/sooner");
  request.deadline = absl::Now() + absl::Milliseconds(50);
  client->Send(std::move(request), sooner.Callback());

  EXPECT_EQ(sooner.Wait().status().code(), absl::StatusCode::kDeadlineExceeded)
      << sooner.Wait().status();
  client->Cancel(later_id);
  EXPECT_EQ(later.Wait().status().code(), absl::StatusCode::kCancelled);
}

TEST(CurlRestClientTest, ALaterDeadlineFiresAfterTheSoonerRequestEnded) {
  auto server =
      StartServer([](const ServerRequest&) { return Reply::NeverAnswer(); });
  auto client = NewClient(UpstreamFor(server->base_url()));
  Outcome sooner;
  Outcome later;
  HttpRequest sooner_request = Request("GET", "/sooner");
  sooner_request.deadline = absl::Now() + absl::Seconds(1);
  HttpRequest later_request = Request("GET", "/later");
  later_request.deadline = absl::Now() + absl::Milliseconds(1500);

  RestClient::RequestId sooner_id =
      client->Send(std::move(sooner_request), sooner.Callback());
  client->Send(std::move(later_request), later.Callback());
  server->WaitForRequests(2);
  // Normally well before its deadline, so the timer set for it fires with
  // nothing due and must be re-armed for the later one; either way the
  // later deadline must fire.
  client->Cancel(sooner_id);

  EXPECT_THAT(sooner.Wait().status().code(),
              ::testing::AnyOf(absl::StatusCode::kCancelled,
                               absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(later.Wait().status().code(), absl::StatusCode::kDeadlineExceeded)
      << later.Wait().status();
}

TEST(CurlRestClientTest, DestroyingTheClientCancelsWhatIsInFlight) {
  constexpr int kRequests = 20;
  constexpr int kMaxConnections = 16;  // so some wait for a connection
  auto server =
      StartServer([](const ServerRequest&) { return Reply::NeverAnswer(); });
  auto client = NewClient(UpstreamFor(server->base_url(), kMaxConnections));
  absl::Mutex mu;
  std::vector<absl::Status> statuses;

  for (int i = 0; i < kRequests; ++i) {
    client->Send(Request("GET", absl::StrCat("/hang/", i)),
                 [&](absl::StatusOr<HttpResponse> result) {
                   absl::MutexLock lock(&mu);
                   statuses.push_back(result.status());
                 });
  }
  server->WaitForRequests(kMaxConnections);
  client.reset();

  absl::MutexLock lock(&mu);
  ASSERT_EQ(statuses.size(), static_cast<size_t>(kRequests));
  for (const absl::Status& status : statuses) {
    EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  }
}

TEST(CurlRestClientTest, SendFromInsideACallback) {
  auto server = StartServer(AnswerOk);
  auto client = NewClient(UpstreamFor(server->base_url()));
  Outcome second;
  absl::Notification first_done;

  client->Send(Request("GET", "/first"),
               [&](absl::StatusOr<HttpResponse> result) {
                 EXPECT_TRUE(result.ok()) << result.status();
                 client->Send(Request("GET", "/second"), second.Callback());
                 first_done.Notify();
               });
  first_done.WaitForNotification();

  const absl::StatusOr<HttpResponse>& result = second.Wait();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->body, "/second");
}

// SendChain sends `remaining` requests one after the other, each from the
// previous one's callback (on the loop thread), then counts down `done`.
void SendChain(RestClient* client, int remaining, absl::BlockingCounter* done,
               std::atomic<int>* failures) {
  client->Send(Request("GET", "/chain"),
               [=](absl::StatusOr<HttpResponse> result) {
                 if (!result.ok()) failures->fetch_add(1);
                 if (remaining > 1) {
                   SendChain(client, remaining - 1, done, failures);
                 } else {
                   done->DecrementCount();
                 }
               });
}

// Senders on several threads race each other and the loop, which is busy
// with the answers of request chains (each answer's callback sends the
// next): some Sends drive curl themselves, some find it taken and queue.
// Every request is answered, exactly once, on the loop thread.
TEST(CurlRestClientTest, SendsFromManyThreadsWhileTheLoopIsBusyCompleteOnce) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100;
  constexpr int kRequests = kThreads * kPerThread;
  constexpr int kChains = 8;
  constexpr int kChainLength = 50;
  constexpr int kMaxConnections = 8;  // so requests also wait inside curl
  auto server = StartServer(AnswerOk);
  auto client = NewClient(UpstreamFor(server->base_url(), kMaxConnections));
  std::thread::id loop = LoopThreadOf(*client);
  Ledger ledger(kRequests);
  absl::BlockingCounter chains_done(kChains);
  std::atomic<int> chain_failures{0};
  absl::Notification go;

  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      go.WaitForNotification();
      for (int i = t * kPerThread; i < (t + 1) * kPerThread; ++i) {
        client->Send(Request("GET", absl::StrCat("/item/", i)),
                     ledger.Callback(i));
      }
    });
  }
  for (int c = 0; c < kChains; ++c) {
    SendChain(client.get(), kChainLength, &chains_done, &chain_failures);
  }
  go.Notify();
  for (std::thread& sender : senders) sender.join();
  ledger.WaitForAll();
  chains_done.Wait();
  client.reset();  // a second callback would have run by now

  std::vector<Ledger::Entry> entries = ledger.entries();
  for (int i = 0; i < kRequests; ++i) {
    const Ledger::Entry& entry = entries[i];
    EXPECT_EQ(entry.calls, 1) << i;
    ASSERT_TRUE(entry.result.ok()) << i << ": " << entry.result.status();
    EXPECT_EQ(entry.result->body, absl::StrCat("/item/", i));
    EXPECT_EQ(entry.thread, loop) << i;
  }
  EXPECT_EQ(chain_failures.load(), 0);
  EXPECT_EQ(server->requests().size(),
            static_cast<size_t>(1 + kRequests + kChains * kChainLength));
  EXPECT_LE(server->connections(), kMaxConnections);
}

// Sends from inside a callback run on the loop thread with curl free, so they
// drive curl themselves; their callbacks, even one that fails at once, run
// after the sending callback returned, on the loop thread.
TEST(CurlRestClientTest, SendsFromInsideACallbackAnswerAfterItReturns) {
  auto server = StartServer(AnswerOk);
  auto client = NewClient(UpstreamFor(server->base_url()));
  std::thread::id loop = LoopThreadOf(*client);
  std::atomic<bool> in_first_callback{false};
  std::atomic<bool> inline_callback{false};
  Outcome fine;
  Outcome late;
  auto checked = [&](Outcome& outcome) -> RestClient::Callback {
    return [&, done = outcome.Callback()](
               absl::StatusOr<HttpResponse> result) mutable {
      if (in_first_callback.load()) inline_callback.store(true);
      std::move(done)(std::move(result));
    };
  };
  Outcome first;

  client->Send(Request("GET", "/first"),
               [&, done = first.Callback()](
                   absl::StatusOr<HttpResponse> result) mutable {
                 in_first_callback.store(true);
                 client->Send(Request("GET", "/second"), checked(fine));
                 HttpRequest expired = Request("GET", "/expired");
                 expired.deadline = absl::Now() - absl::Seconds(1);
                 client->Send(std::move(expired), checked(late));
                 in_first_callback.store(false);
                 std::move(done)(std::move(result));
               });

  ASSERT_TRUE(first.Wait().ok()) << first.Wait().status();
  const absl::StatusOr<HttpResponse>& second = fine.Wait();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->body, "/second");
  EXPECT_EQ(late.Wait().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(inline_callback.load());
  EXPECT_EQ(first.thread(), loop);
  EXPECT_EQ(fine.thread(), loop);
  EXPECT_EQ(late.thread(), loop);
}

// Cancel races the answer of a request Send may already have written: each
// request ends once, answered or cancelled, on the loop thread.
TEST(CurlRestClientTest, CancelRightAfterSendFromManyThreadsEndsEachOnce) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  constexpr int kRequests = kThreads * kPerThread;
  auto server = StartServer(AnswerOk);
  auto client = NewClient(UpstreamFor(server->base_url()));
  std::thread::id loop = LoopThreadOf(*client);
  Ledger ledger(kRequests);

  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      for (int i = t * kPerThread; i < (t + 1) * kPerThread; ++i) {
        client->Cancel(client->Send(Request("GET", absl::StrCat("/item/", i)),
                                    ledger.Callback(i)));
      }
    });
  }
  for (std::thread& sender : senders) sender.join();
  ledger.WaitForAll();
  client.reset();

  std::vector<Ledger::Entry> entries = ledger.entries();
  for (int i = 0; i < kRequests; ++i) {
    const Ledger::Entry& entry = entries[i];
    EXPECT_EQ(entry.calls, 1) << i;
    EXPECT_EQ(entry.thread, loop) << i;
    if (entry.result.ok()) {
      EXPECT_EQ(entry.result->body, absl::StrCat("/item/", i));
    } else {
      EXPECT_EQ(entry.result.status().code(), absl::StatusCode::kCancelled)
          << i << ": " << entry.result.status();
    }
  }
}

// Threads keep sending while the client is destroyed: the first half of
// their requests race the start of the shutdown, the second half are sent
// while it runs (after the loop stopped letting Send start transfers). All
// end CANCELLED, once, on the loop thread, before the destructor returns.
// Such Sends must return before a callback the destructor runs returns
// (header): here a request in flight holds the shutdown, in its callback,
// until the senders are done. That callback blocks, which real callbacks
// must not.
TEST(CurlRestClientTest, DestroyingTheClientWhileOtherThreadsSend) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  constexpr int kRequests = kThreads * kPerThread;
  auto server =
      StartServer([](const ServerRequest&) { return Reply::NeverAnswer(); });
  auto client = NewClient(UpstreamFor(server->base_url()));
  absl::Notification shutting_down;
  absl::BlockingCounter senders_left(kThreads);
  Outcome held;
  client->Send(
      Request("GET", "/held"),
      [&, done = held.Callback()](absl::StatusOr<HttpResponse> result) mutable {
        shutting_down.Notify();
        senders_left.Wait();
        std::move(done)(std::move(result));
      });
  server->WaitForRequests(1);
  Ledger ledger(kRequests);
  absl::Notification go;
  // The senders keep using the client while the unique_ptr is reset.
  RestClient* raw = client.get();

  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      go.WaitForNotification();
      for (int i = t * kPerThread; i < (t + 1) * kPerThread; ++i) {
        if (i == t * kPerThread + kPerThread / 2) {
          shutting_down.WaitForNotification();
        }
        raw->Send(Request("GET", absl::StrCat("/item/", i)),
                  ledger.Callback(i));
      }
      senders_left.DecrementCount();
    });
  }
  go.Notify();
  client.reset();

  for (std::thread& sender : senders) sender.join();
  EXPECT_EQ(held.Wait().status().code(), absl::StatusCode::kCancelled);
  std::vector<Ledger::Entry> entries = ledger.entries();
  for (int i = 0; i < kRequests; ++i) {
    const Ledger::Entry& entry = entries[i];
    EXPECT_EQ(entry.calls, 1) << i;
    EXPECT_EQ(entry.result.status().code(), absl::StatusCode::kCancelled)
        << i << ": " << entry.result.status();
    EXPECT_EQ(entry.thread, held.thread()) << i;
  }
}

// A transfer curl fails within Send's own curl call (no connection is even
// tried for a scheme it does not speak) still gets its callback on the loop
// thread.
TEST(CurlRestClientTest, ATransferThatFailsInsideSendAnswersOnTheLoopThread) {
  auto client = NewClient(UpstreamFor("nosuchscheme://127.0.0.1:1"));
  Outcome outcome;

  client->Send(Request("POST", "/api/syncs", "{}"), outcome.Callback());

  EXPECT_EQ(outcome.Wait().status().code(), absl::StatusCode::kUnavailable)
      << outcome.Wait().status();
  EXPECT_THAT(std::string(outcome.Wait().status().message()),
              HasSubstr("not sent"));
  EXPECT_NE(outcome.thread(), std::this_thread::get_id());
}

TEST(CurlRestClientTest, CreateRefusesAnIncompleteUpstream) {
  config::v1::Upstream no_url = UpstreamFor("");
  config::v1::Upstream no_connections = UpstreamFor("http://127.0.0.1:1", 0);
  config::v1::Upstream no_connect_timeout = UpstreamFor("http://127.0.0.1:1");
  no_connect_timeout.clear_connect_timeout();

  for (const auto& upstream : {no_url, no_connections, no_connect_timeout}) {
    EXPECT_EQ(CurlRestClient::Create(upstream).status().code(),
              absl::StatusCode::kInvalidArgument)
        << upstream.ShortDebugString();
  }
}

}  // namespace
}  // namespace gateway::rest
