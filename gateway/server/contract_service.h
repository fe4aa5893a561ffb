// contract_service.h: registers every RPC of a contract service with the gRPC
// server, without generated per-RPC code.
//
//   ContractService bulk(service_descriptor, routes, handler);
//   builder.RegisterService(&bulk);
//
// Each method is a raw (ByteBuffer in, ByteBuffer out) callback method; the
// handler parses and answers using the route's message types. Registering
// real grpc::Service objects (rather than a generic service) keeps the
// services visible to server reflection and health checks. This uses
// grpc::internal::RpcServiceMethod and CallbackUnaryHandler, the same classes
// protoc-generated services use, stable across gRPC 1.x.
#ifndef GATEWAY_SERVER_CONTRACT_SERVICE_H_
#define GATEWAY_SERVER_CONTRACT_SERVICE_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include <functional>

#include "absl/status/statusor.h"
#include "gateway/translate/route_table.h"
#include "google/protobuf/descriptor.h"

namespace gateway::server {

// UnaryHandler starts one call and returns its reactor.
using UnaryHandler = std::function<grpc::ServerUnaryReactor*(
    const translate::Route& route, grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* request, grpc::ByteBuffer* response)>;

// ContractService is one gRPC service backed by the route table.
//
// Thread safety: immutable once registered. The route table and handler
// must outlive it.
class ContractService final : public grpc::Service {
 public:
  // Create fails if a method of `service` has no route.
  static absl::StatusOr<std::unique_ptr<ContractService>> Create(
      const google::protobuf::ServiceDescriptor* service,
      const translate::RouteTable& routes, UnaryHandler handler);

 private:
  ContractService() = default;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_CONTRACT_SERVICE_H_
