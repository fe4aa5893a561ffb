#include "client/ctl/unary_call.h"

#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/slice.h>

#include "absl/synchronization/notification.h"

namespace client::ctl {

grpc::ByteBuffer ToByteBuffer(absl::string_view bytes) {
  grpc::Slice slice(bytes.data(), bytes.size());
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

grpc::Status CallUnary(std::shared_ptr<grpc::ChannelInterface> channel,
                       const std::string& method_path,
                       absl::string_view request, const CallOptions& options,
                       std::string* response, ServerMetadata* server_metadata) {
  grpc::GenericStub stub(std::move(channel));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  for (const auto& [key, value] : options.metadata) {
    context.AddMetadata(key, value);
  }
  const grpc::ByteBuffer request_buffer = ToByteBuffer(request);
  grpc::ByteBuffer response_buffer;
  grpc::Status result;
  absl::Notification done;
  stub.UnaryCall(&context, method_path, grpc::StubOptions(), &request_buffer,
                 &response_buffer, [&result, &done](grpc::Status status) {
                   result = std::move(status);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (result.ok()) *response = FromByteBuffer(response_buffer);
  if (server_metadata != nullptr) {
    server_metadata->clear();
    for (const auto* received : {&context.GetServerInitialMetadata(),
                                 &context.GetServerTrailingMetadata()}) {
      for (const auto& [key, value] : *received) {
        server_metadata->emplace_back(std::string(key.data(), key.size()),
                                      std::string(value.data(), value.size()));
      }
    }
  }
  return result;
}

std::string FindMetadata(const ServerMetadata& metadata,
                         absl::string_view key) {
  for (const auto& [name, value] : metadata) {
    if (name == key) return value;
  }
  return "";
}

}  // namespace client::ctl
