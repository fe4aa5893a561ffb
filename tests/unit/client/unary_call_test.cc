// Tests for client/ctl/unary_call.h against client/bench's EchoService,
// in-process on port 0: the generic call path polytomicctl uses.
#include "client/ctl/unary_call.h"

#include <arpa/inet.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/bench/echo_service.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "polytomic/v1/bulk_sync.pb.h"

namespace client::ctl {
namespace {

constexpr char kGetBulkSync[] = "/polytomic.v1.BulkSyncService/GetBulkSync";

// LocalServer serves `Service` (a grpc::Service, or a CallbackGenericService)
// on 127.0.0.1:0 until destroyed.
template <typename Service>
class LocalServer {
 public:
  explicit LocalServer(std::unique_ptr<Service> service)
      : service_(std::move(service)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    if constexpr (std::is_base_of_v<grpc::CallbackGenericService, Service>) {
      builder.RegisterCallbackGenericService(service_.get());
    } else {
      builder.RegisterService(service_.get());
    }
    server_ = builder.BuildAndStart();
  }
  ~LocalServer() {
    if (server_ != nullptr) server_->Shutdown();
  }

  bool started() const { return server_ != nullptr && port_ != 0; }
  std::shared_ptr<grpc::Channel> Channel() const {
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                               grpc::InsecureChannelCredentials());
  }

 private:
  std::unique_ptr<Service> service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// EchoServer is an EchoService for GetBulkSync.
class EchoServer : public LocalServer<bench::EchoService> {
 public:
  EchoServer()
      : LocalServer(bench::EchoService::Create(
            kGetBulkSync, polytomic::v1::GetBulkSyncRequest::descriptor(),
            bench::RealisticGetBulkSyncResponse().SerializeAsString())) {}
};

// RejectingService fails every call with UNAUTHENTICATED and x-request-id
// metadata, without sending initial metadata first: the call is then
// trailers-only, as the gateway's authentication failures are.
class RejectingService final : public grpc::CallbackGenericService {
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Reactor(grpc::GenericCallbackServerContext* context) {
      context->AddInitialMetadata("x-request-id", "req-0001");
      Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "who are you"));
    }
    void OnDone() override { delete this; }
  };

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new Reactor(context);
  }
};

class RejectingServer : public LocalServer<RejectingService> {
 public:
  RejectingServer() : LocalServer(std::make_unique<RejectingService>()) {}
};

// Socket is a TCP socket bound to 127.0.0.1 on a free port, closed on
// destruction.
class Socket {
 public:
  Socket() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ < 0 ||
        bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
            0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
  }
  ~Socket() { Close(); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  bool Listen() { return listen(fd_, 16) == 0; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int fd_;
  int port_ = 0;
};

TEST(CallUnaryTest, CallsTheMethodAndReturnsItsResponse) {
  EchoServer server;
  ASSERT_TRUE(server.started());
  polytomic::v1::GetBulkSyncRequest request;
  request.set_id("0b7d8f6e-3c1a-4b2e-9f5d-6a7e8c9d0f1a");
  CallOptions options;
  options.timeout = absl::Seconds(30);
  options.metadata = {{"x-request-id", "42"}};
  std::string response_bytes = "stale";
  const grpc::Status status =
      CallUnary(server.Channel(), kGetBulkSync, request.SerializeAsString(),
                options, &response_bytes);
  ASSERT_TRUE(status.ok()) << status.error_message();
  polytomic::v1::GetBulkSyncResponse response;
  ASSERT_TRUE(response.ParseFromString(response_bytes));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      response, bench::RealisticGetBulkSyncResponse()));
  EXPECT_EQ(response.data().name(),
            "Salesforce to Snowflake (production, hourly)");
}

TEST(CallUnaryTest, AFailedCallStillReturnsTheServersMetadata) {
  RejectingServer server;
  ASSERT_TRUE(server.started());
  std::string response = "untouched";
  ServerMetadata metadata = {{"stale", "entry"}};
  const grpc::Status status = CallUnary(server.Channel(), kGetBulkSync, "",
                                        CallOptions(), &response, &metadata);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(FindMetadata(metadata, "x-request-id"), "req-0001");
  EXPECT_EQ(FindMetadata(metadata, "stale"), "");
  EXPECT_EQ(response, "untouched");
}

TEST(CallUnaryTest, NoServerNoMetadata) {
  Socket socket;  // Bound, never listening: connections are refused.
  ASSERT_NE(socket.port(), 0);
  std::string response;
  ServerMetadata metadata;
  const grpc::Status status = CallUnary(
      grpc::CreateChannel(socket.address(), grpc::InsecureChannelCredentials()),
      kGetBulkSync, "", CallOptions(), &response, &metadata);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(FindMetadata(metadata, "x-request-id"), "");
}

TEST(CallUnaryTest, AnotherMethodIsUnimplemented) {
  EchoServer server;
  ASSERT_TRUE(server.started());
  std::string response = "untouched";
  const grpc::Status status =
      CallUnary(server.Channel(), "/polytomic.v1.BulkSyncService/ListBulkSyncs",
                "", CallOptions(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(response, "untouched");
}

TEST(CallUnaryTest, MalformedRequestIsInvalidArgument) {
  EchoServer server;
  ASSERT_TRUE(server.started());
  std::string response;
  // Field 1 (id) claims 100 bytes and has 2.
  const grpc::Status status =
      CallUnary(server.Channel(), kGetBulkSync, std::string("\x0a\x64xy", 4),
                CallOptions(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "malformed request");
}

TEST(CallUnaryTest, ClosedPortIsUnavailable) {
  Socket socket;  // Bound, never listening: connections are refused.
  ASSERT_NE(socket.port(), 0);
  std::string response;
  CallOptions options;
  options.timeout = absl::Seconds(30);
  const grpc::Status status = CallUnary(
      grpc::CreateChannel(socket.address(), grpc::InsecureChannelCredentials()),
      kGetBulkSync, "", options, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST(CallUnaryTest, DeadlineEndsACallToASilentServer) {
  // The kernel accepts the TCP connection, but nothing ever answers the
  // HTTP/2 handshake: only the call's deadline can end it.
  Socket socket;
  ASSERT_NE(socket.port(), 0);
  ASSERT_TRUE(socket.Listen());
  std::string response;
  CallOptions options;
  options.timeout = absl::Milliseconds(200);
  const grpc::Status status = CallUnary(
      grpc::CreateChannel(socket.address(), grpc::InsecureChannelCredentials()),
      kGetBulkSync, "", options, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_message();
}

TEST(ByteBufferTest, RoundTripsBytesIncludingNul) {
  const std::string bytes("a\0b\xff", 4);
  EXPECT_EQ(FromByteBuffer(ToByteBuffer(bytes)), bytes);
  EXPECT_EQ(FromByteBuffer(ToByteBuffer("")), "");
}

}  // namespace
}  // namespace client::ctl
