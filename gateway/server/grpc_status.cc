#include "gateway/server/grpc_status.h"

#include "gateway/common/error_details.h"
#include "google/rpc/status.pb.h"

namespace gateway::server {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  std::vector<google::protobuf::Any> details = DetailsAsAny(status);
  if (details.empty()) return grpc::Status(code, message);
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(message);
  for (auto& detail : details) *rpc_status.add_details() = std::move(detail);
  return grpc::Status(code, message, rpc_status.SerializeAsString());
}

}  // namespace gateway::server
