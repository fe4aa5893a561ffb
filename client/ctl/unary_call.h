// unary_call.h: one unary call by method path with serialized bytes in and
// out, over grpc::GenericStub's callback API; no generated stub needed.
//
//   auto channel = grpc::CreateChannel("127.0.0.1:50051",
//                                      grpc::InsecureChannelCredentials());
//   client::ctl::CallOptions options;
//   options.timeout = absl::Seconds(5);
//   std::string response;
//   grpc::Status status = client::ctl::CallUnary(
//       channel, "/polytomic.v1.BulkSyncService/GetBulkSync",
//       request.SerializeAsString(), options, &response);
#ifndef CLIENT_CTL_UNARY_CALL_H_
#define CLIENT_CTL_UNARY_CALL_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace client::ctl {

// CallOptions are the per-call settings.
struct CallOptions {
  // Deadline, counted from the start of the call.
  absl::Duration timeout = absl::Seconds(30);
  // Extra metadata; keys must be lower case.
  std::vector<std::pair<std::string, std::string>> metadata;
};

// ServerMetadata is the metadata a server sent with a call: its initial
// metadata, then its trailing metadata, in order.
using ServerMetadata = std::vector<std::pair<std::string, std::string>>;

// CallUnary calls `method_path` ("/pkg.Service/Method") on `channel` with
// the serialized `request` and blocks until the call completes; on OK,
// `*response` holds the serialized response. The returned status carries
// the server's error details (grpc-status-details-bin). When
// `server_metadata` is not null it receives what the server sent, whether
// the call failed or not: a server failing a call before it responds sends
// trailers only, so look in both.
//
// Thread safety: may be called from any thread except a gRPC callback
// thread (it waits for a callback).
grpc::Status CallUnary(std::shared_ptr<grpc::ChannelInterface> channel,
                       const std::string& method_path,
                       absl::string_view request, const CallOptions& options,
                       std::string* response,
                       ServerMetadata* server_metadata = nullptr);

// FindMetadata is the first value of `key` in `metadata`, or "".
std::string FindMetadata(const ServerMetadata& metadata, absl::string_view key);

// ToByteBuffer copies `bytes` into a ByteBuffer.
grpc::ByteBuffer ToByteBuffer(absl::string_view bytes);

// FromByteBuffer flattens a ByteBuffer into a string.
std::string FromByteBuffer(const grpc::ByteBuffer& buffer);

}  // namespace client::ctl

#endif  // CLIENT_CTL_UNARY_CALL_H_
