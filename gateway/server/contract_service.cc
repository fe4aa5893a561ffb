#include "gateway/server/contract_service.h"

#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/impl/rpc_service_method.h>

#include "absl/strings/str_cat.h"

namespace gateway::server {

absl::StatusOr<std::unique_ptr<ContractService>> ContractService::Create(
    const google::protobuf::ServiceDescriptor* service,
    const translate::RouteTable& routes, UnaryHandler handler) {
  std::unique_ptr<ContractService> result(new ContractService());
  for (int i = 0; i < service->method_count(); ++i) {
    const translate::Route* route = routes.Find(absl::StrCat(
        "/", service->full_name(), "/", service->method(i)->name()));
    if (route == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("no route for ", service->method(i)->full_name()));
    }
    // The method name must outlive the service: it points into the route.
    result->AddMethod(new grpc::internal::RpcServiceMethod(
        route->full_method.c_str(), grpc::internal::RpcMethod::NORMAL_RPC,
        nullptr));
    result->MarkMethodRawCallback(
        i, new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer,
                                                    grpc::ByteBuffer>(
               [route, handler](grpc::CallbackServerContext* context,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response) {
                 return handler(*route, context, request, response);
               }));
  }
  return result;
}

}  // namespace gateway::server
