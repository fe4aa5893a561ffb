// echo_service.h: a gRPC service with one unary method that answers at once
// with a fixed response: the "physical floor" the gateway is measured
// against, on the same machine, with the same gRPC library and the same
// registration as the gateway's own services.
//
//   auto service = client::bench::EchoService::Create(
//       "/polytomic.v1.BulkSyncService/GetBulkSync",
//       polytomic::v1::GetBulkSyncRequest::descriptor(),
//       client::bench::RealisticGetBulkSyncResponse().SerializeAsString());
//   grpc::ServerBuilder builder;
//   builder.RegisterService(service.get());
//
// The method is a raw (ByteBuffer in and out) callback method on a real
// grpc::Service, the way the gateway registers its contract services, so
// the two servers differ only in what happens inside the handler. Serving
// the contract's own method name means polytomic-bench sends the identical
// request to both.
#ifndef CLIENT_BENCH_ECHO_SERVICE_H_
#define CLIENT_BENCH_ECHO_SERVICE_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "polytomic/v1/bulk_sync.pb.h"

namespace client::bench {

// EchoService serves one unary method.
//
// Thread safety: immutable once created; handlers run concurrently on gRPC's
// threads and finish inline, never blocking.
class EchoService final : public grpc::Service {
 public:
  // Create serves `method_path` ("/pkg.Service/Method"). Each call's request
  // is parsed as `request_type` (when not null; a malformed request fails
  // with INVALID_ARGUMENT, as any real server would) and answered with
  // `response` (serialized bytes, shared by all calls, never copied) and
  // `initial_metadata` (lower-case keys; e.g. {"x-cache-status", "hit"}, so
  // the floor sends what a gateway's cache hit sends).
  static std::unique_ptr<EchoService> Create(
      const std::string& method_path,
      const google::protobuf::Descriptor* request_type, std::string response,
      std::vector<std::pair<std::string, std::string>> initial_metadata = {});

 private:
  EchoService(
      std::string method_path, const google::protobuf::Descriptor* request_type,
      std::string response,
      std::vector<std::pair<std::string, std::string>> initial_metadata);

  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) const;

  const std::string method_path_;  // Registered by pointer; must stay put.
  const google::protobuf::Message* request_prototype_;  // Not owned.
  const grpc::Slice response_;
  const std::vector<std::pair<std::string, std::string>> initial_metadata_;
};

// RealisticGetBulkSyncResponse is a bulk sync as the API returns it, with
// schedules, configuration and actors: about 1 KB serialized.
polytomic::v1::GetBulkSyncResponse RealisticGetBulkSyncResponse();

}  // namespace client::bench

#endif  // CLIENT_BENCH_ECHO_SERVICE_H_
