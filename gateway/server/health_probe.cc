#include "gateway/server/health_probe.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace gateway::server {
namespace {

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const HealthProbeOptions& options) {
  if (options.tls_ca_file.empty()) return grpc::InsecureChannelCredentials();
  std::ifstream in(options.tls_ca_file, std::ios::binary);
  std::stringstream pem;
  pem << in.rdbuf();
  if (!in || pem.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("health: cannot read --tls_ca ", options.tls_ca_file));
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pem.str();
  return grpc::SslCredentials(ssl);
}

}  // namespace

std::string EncodeHealthCheckRequest(absl::string_view service) {
  std::string out;
  if (service.empty()) return out;
  out.push_back(0x0a);
  for (uint64_t n = service.size();; n >>= 7) {  // varint length
    if (n < 0x80) {
      out.push_back(static_cast<char>(n));
      break;
    }
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
  }
  out.append(service.data(), service.size());
  return out;
}

absl::StatusOr<HealthState> DecodeHealthCheckResponse(absl::string_view bytes) {
  int64_t status = 0;
  size_t pos = 0;
  while (pos < bytes.size()) {
    const uint8_t tag = static_cast<uint8_t>(bytes[pos++]);
    if ((tag & 0x07) != 0) {
      return absl::DataLossError("health: unexpected field in the response");
    }
    uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      if (pos >= bytes.size() || shift > 63) {
        return absl::DataLossError("health: truncated response");
      }
      const uint8_t byte = static_cast<uint8_t>(bytes[pos++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    if ((tag >> 3) == 1) status = static_cast<int64_t>(value);
  }
  if (status < 0 || status > 3) return HealthState::kUnknown;
  return static_cast<HealthState>(status);
}

absl::string_view HealthStateName(HealthState state) {
  switch (state) {
    case HealthState::kServing:
      return "SERVING";
    case HealthState::kNotServing:
      return "NOT_SERVING";
    case HealthState::kServiceUnknown:
      return "SERVICE_UNKNOWN";
    case HealthState::kUnknown:
      break;
  }
  return "UNKNOWN";
}

absl::StatusOr<HealthState> ProbeHealth(const HealthProbeOptions& options) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError("health: --address is required");
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      Credentials(options);
  if (!credentials.ok()) return credentials.status();
  grpc::GenericStub stub(grpc::CreateChannel(options.address, *credentials));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  grpc::CompletionQueue queue;
  grpc::Slice slice(EncodeHealthCheckRequest(options.service));
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      stub.PrepareUnaryCall(&context, kCheckMethod, request, &queue);
  call->StartCall();
  call->Finish(&response, &status, &queue);
  void* tag = nullptr;
  bool ok = false;
  queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat("health: ", options.address, ": ",
                                     status.error_message()));
  }
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) {
    return absl::DataLossError("health: unreadable response");
  }
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return DecodeHealthCheckResponse(bytes);
}

}  // namespace gateway::server
