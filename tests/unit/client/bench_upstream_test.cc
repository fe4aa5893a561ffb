// Tests for client/bench/bench_upstream.h: the server in-process on port 0,
// driven with plain blocking sockets. Each test writes its requests, closes
// its sending side and reads until the server closes: the server answers
// everything it read before it closes, so the answers counted are all the
// answers there will be, without waiting for anything by time.
#include "client/bench/bench_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/bench/echo_service.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace client::bench {
namespace {

// Answer is one parsed response.
struct Answer {
  std::string status_line;
  std::string content_type;
  std::string body;
};

// Client is one blocking connection to the server.
class Client {
 public:
  explicit Client(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    // A server that never answers fails the test instead of hanging it.
    timeval timeout{};
    timeout.tv_sec = 30;
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<const sockaddr*>(&address),
                         sizeof(address)) == 0;
  }
  ~Client() { close(fd_); }

  bool connected() const { return connected_; }

  bool Write(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = write(fd_, bytes.data() + done, bytes.size() - done);
      if (n <= 0) return false;
      done += n;
    }
    return true;
  }

  // FinishAndReadAll closes the sending side and returns every byte the
  // server sends until it closes; "" plus a test failure on a read error.
  std::string FinishAndReadAll() {
    shutdown(fd_, SHUT_WR);
    std::string received;
    char buffer[4096];
    for (;;) {
      const ssize_t n = read(fd_, buffer, sizeof(buffer));
      if (n == 0) return received;
      if (n < 0) {
        ADD_FAILURE() << "read failed (errno " << errno << ") after "
                      << received.size() << " bytes";
        return "";
      }
      received.append(buffer, n);
    }
  }

 private:
  const int fd_;
  bool connected_ = false;
};

// ParseAnswers splits a stream of responses by their Content-Length; a
// malformed stream adds a test failure and ends the list.
std::vector<Answer> ParseAnswers(absl::string_view stream) {
  std::vector<Answer> answers;
  while (!stream.empty()) {
    const size_t headers_end = stream.find("\r\n\r\n");
    if (headers_end == absl::string_view::npos) {
      ADD_FAILURE() << "incomplete headers: " << stream;
      break;
    }
    Answer answer;
    int64_t length = -1;
    for (absl::string_view line :
         absl::StrSplit(stream.substr(0, headers_end), "\r\n")) {
      if (answer.status_line.empty()) {
        answer.status_line = std::string(line);
      } else if (absl::ConsumePrefix(&line, "Content-Type: ")) {
        answer.content_type = std::string(line);
      } else if (absl::ConsumePrefix(&line, "Content-Length: ")) {
        EXPECT_TRUE(absl::SimpleAtoi(line, &length)) << line;
      }
    }
    stream.remove_prefix(headers_end + 4);
    if (length < 0 || static_cast<size_t>(length) > stream.size()) {
      ADD_FAILURE() << "bad Content-Length " << length << " for "
                    << stream.size() << " bytes left";
      break;
    }
    answer.body = std::string(stream.substr(0, length));
    stream.remove_prefix(length);
    answers.push_back(std::move(answer));
  }
  return answers;
}

std::unique_ptr<BenchUpstream> StartUpstream(BenchUpstreamOptions options) {
  absl::StatusOr<std::unique_ptr<BenchUpstream>> upstream =
      BenchUpstream::Start(std::move(options));
  EXPECT_TRUE(upstream.ok()) << upstream.status();
  if (!upstream.ok()) return nullptr;
  EXPECT_GT((*upstream)->port(), 0);
  return *std::move(upstream);
}

constexpr char kGet[] =
    "GET /api/bulk/syncs/0b7d8f6e-3c1a-4b2e-9f5d-6a7e8c9d0f1a HTTP/1.1\r\n"
    "Host: 127.0.0.1\r\nAuthorization: Bearer k\r\nAccept: */*\r\n\r\n";

// Post()'s body is itself a request: a scanner that missed the body would
// answer it.
constexpr char kPostBody[] = "GET /not-a-request HTTP/1.1\r\n\r\n";
std::string Post() {
  return absl::StrCat(
      "POST /api/bulk/syncs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "content-length: ",
      sizeof(kPostBody) - 1, "\r\nContent-Type: application/json\r\n\r\n",
      kPostBody);
}

TEST(BenchUpstreamTest, GetIsAnsweredWithTheRealisticDocument) {
  std::unique_ptr<BenchUpstream> upstream = StartUpstream({});
  ASSERT_NE(upstream, nullptr);
  Client client(upstream->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Write(kGet));
  const std::vector<Answer> answers = ParseAnswers(client.FinishAndReadAll());
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(answers[0].content_type, "application/json");
  EXPECT_EQ(answers[0].body, RealisticBulkSyncDocument());
}

TEST(BenchUpstreamTest, PipelinedPostAndGetAreAnsweredInOrder) {
  BenchUpstreamOptions options;
  options.body = R"({"data":{"id":"x"}})";
  std::unique_ptr<BenchUpstream> upstream = StartUpstream(options);
  ASSERT_NE(upstream, nullptr);
  Client client(upstream->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Write(Post() + kGet));  // One write.
  const std::vector<Answer> answers = ParseAnswers(client.FinishAndReadAll());
  ASSERT_EQ(answers.size(), 2u);
  for (const Answer& answer : answers) {
    EXPECT_EQ(answer.status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(answer.body, options.body);
  }
}

TEST(BenchUpstreamTest, RequestSplitAcrossWritesIsAnsweredOnce) {
  std::unique_ptr<BenchUpstream> upstream = StartUpstream({});
  ASSERT_NE(upstream, nullptr);
  Client client(upstream->port());
  ASSERT_TRUE(client.connected());
  // Byte by byte, so the lines, the blank line and the body arrive in
  // pieces (how many reads the server makes of them is up to the kernel).
  for (char c : Post()) ASSERT_TRUE(client.Write(std::string(1, c)));
  EXPECT_EQ(ParseAnswers(client.FinishAndReadAll()).size(), 1u);
}

TEST(BenchUpstreamTest, ManyLargeAnswersOnOneConnectionAllArrive) {
  BenchUpstreamOptions options;
  options.body = std::string(64 * 1024, 'x');
  std::unique_ptr<BenchUpstream> upstream = StartUpstream(options);
  ASSERT_NE(upstream, nullptr);
  Client client(upstream->port());
  ASSERT_TRUE(client.connected());
  // More answers than one sendmsg() carries, and more bytes (13 MB) than
  // the socket buffers take while the client is not reading yet: sends come
  // up short, and the rest waits until the socket drains.
  std::string requests;
  for (int i = 0; i < 200; ++i) requests += i % 2 == 0 ? Post() : kGet;
  ASSERT_TRUE(client.Write(requests));
  const std::vector<Answer> answers = ParseAnswers(client.FinishAndReadAll());
  ASSERT_EQ(answers.size(), 200u);
  EXPECT_EQ(std::count_if(answers.begin(), answers.end(),
                          [&](const Answer& answer) {
                            return answer.body == options.body;
                          }),
            200);
}

TEST(BenchUpstreamTest, DelayedServerAnswers) {
  BenchUpstreamOptions options;
  options.delay = absl::Milliseconds(5);
  std::unique_ptr<BenchUpstream> upstream = StartUpstream(options);
  ASSERT_NE(upstream, nullptr);
  Client first(upstream->port());
  Client second(upstream->port());
  ASSERT_TRUE(first.connected());
  ASSERT_TRUE(second.connected());
  ASSERT_TRUE(first.Write(kGet + Post()));
  ASSERT_TRUE(second.Write(kGet));
  // The clients close their sending side before the answers are due: the
  // server still owes them and answers before closing.
  EXPECT_EQ(ParseAnswers(first.FinishAndReadAll()).size(), 2u);
  EXPECT_EQ(ParseAnswers(second.FinishAndReadAll()).size(), 1u);
}

TEST(BenchUpstreamTest, ChunkedRequestIsRefused) {
  std::unique_ptr<BenchUpstream> upstream = StartUpstream({});
  ASSERT_NE(upstream, nullptr);
  Client client(upstream->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Write(
      "POST /api/bulk/syncs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n"));
  EXPECT_EQ(client.FinishAndReadAll(), "");
}

constexpr char kStats[] = "GET /_stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

TEST(BenchUpstreamTest, StatsCountRequestsAndConnections) {
  std::unique_ptr<BenchUpstream> upstream = StartUpstream({});
  ASSERT_NE(upstream, nullptr);
  {
    Client client(upstream->port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Write(kGet + Post() + kGet));
    // Every answer read: the server has counted all three requests.
    ASSERT_EQ(ParseAnswers(client.FinishAndReadAll()).size(), 3u);
  }
  Client stats(upstream->port());
  ASSERT_TRUE(stats.connected());
  ASSERT_TRUE(stats.Write(kStats));
  const std::vector<Answer> answers = ParseAnswers(stats.FinishAndReadAll());
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(answers[0].content_type, "application/json");
  EXPECT_EQ(nlohmann::json::parse(answers[0].body, nullptr, false),
            (nlohmann::json{{"requests", 3}, {"connections", 2}}));
}

TEST(BenchUpstreamTest, PipelinedStatsAreAnsweredInOrderAndNotCounted) {
  std::unique_ptr<BenchUpstream> upstream = StartUpstream({});
  ASSERT_NE(upstream, nullptr);
  Client client(upstream->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Write(kGet + std::string(kStats) + kGet + kStats +
                           "GET /_stats?pretty HTTP/1.1\r\n\r\n"));
  const std::vector<Answer> answers = ParseAnswers(client.FinishAndReadAll());
  ASSERT_EQ(answers.size(), 5u);
  EXPECT_EQ(answers[0].body, RealisticBulkSyncDocument());
  EXPECT_EQ(answers[1].body, R"({"requests":1,"connections":1})");
  EXPECT_EQ(answers[2].body, RealisticBulkSyncDocument());
  EXPECT_EQ(answers[3].body, R"({"requests":2,"connections":1})");
  EXPECT_EQ(answers[4].body, R"({"requests":2,"connections":1})");
}

TEST(BenchUpstreamTest, PathsThatOnlyStartLikeStatsAreOrdinaryRequests) {
  std::unique_ptr<BenchUpstream> upstream = StartUpstream({});
  ASSERT_NE(upstream, nullptr);
  Client client(upstream->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(
      client.Write("GET /_statsx HTTP/1.1\r\n\r\nPOST /_stats HTTP/1.1\r\n"
                   "Content-Length: 0\r\n\r\n"));
  const std::vector<Answer> answers = ParseAnswers(client.FinishAndReadAll());
  ASSERT_EQ(answers.size(), 2u);
  for (const Answer& answer : answers) {
    EXPECT_EQ(answer.body, RealisticBulkSyncDocument());
  }
}

// With a delay, /_stats is answered at once (an hour-long delay would time
// the read out), but not behind answers still owed on its connection.
TEST(BenchUpstreamTest, DelayedServerAnswersStatsAtOnceOnlyWhenNothingIsOwed) {
  BenchUpstreamOptions options;
  options.delay = absl::Hours(1);
  std::unique_ptr<BenchUpstream> upstream = StartUpstream(options);
  ASSERT_NE(upstream, nullptr);
  Client stats(upstream->port());
  ASSERT_TRUE(stats.connected());
  ASSERT_TRUE(stats.Write(kStats));
  const std::vector<Answer> answers = ParseAnswers(stats.FinishAndReadAll());
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].body, R"({"requests":0,"connections":1})");

  Client behind(upstream->port());
  ASSERT_TRUE(behind.connected());
  ASSERT_TRUE(behind.Write(kGet + std::string(kStats)));
  EXPECT_EQ(behind.FinishAndReadAll(), "");
}

TEST(BenchUpstreamTest, StartRefusesAHostThatIsNotIpv4) {
  BenchUpstreamOptions options;
  options.host = "localhost";
  EXPECT_EQ(BenchUpstream::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The upstream document is the echo server's response in the API's wire
// JSON: the same members, the same id and name.
TEST(RealisticBulkSyncDocumentTest, MatchesTheEchoResponse) {
  const nlohmann::json document =
      nlohmann::json::parse(RealisticBulkSyncDocument(), nullptr, false);
  ASSERT_FALSE(document.is_discarded());
  const nlohmann::json& data = document["data"];
  std::string echo_text;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(
                  RealisticGetBulkSyncResponse(), &echo_text, print)
                  .ok());
  const nlohmann::json echo = nlohmann::json::parse(echo_text)["data"];
  std::vector<std::string> document_keys, echo_keys;
  for (const auto& [key, value] : data.items()) document_keys.push_back(key);
  for (const auto& [key, value] : echo.items()) echo_keys.push_back(key);
  EXPECT_EQ(document_keys, echo_keys);
  EXPECT_EQ(data["id"], echo["id"]);
  EXPECT_EQ(data["name"], echo["name"]);
  EXPECT_EQ(data["additional_schedules"].size(),
            echo["additional_schedules"].size());
}

}  // namespace
}  // namespace client::bench
