#include "gateway/server/unary_call.h"

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/common/error_details.h"
#include "gateway/server/grpc_status.h"
#include "google/protobuf/message.h"

namespace gateway::server {
namespace {

std::unique_ptr<google::protobuf::Message> NewMessage(
    const google::protobuf::Descriptor* type) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(type)
          ->New());
}

class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  UnaryCall(const translate::Route& route, absl::Time deadline,
            grpc::ByteBuffer* response)
      : response_(response),
        call_(std::make_shared<CallContext>(
            &route, NewMessage(route.method->input_type()),
            NewMessage(route.method->output_type()), deadline)) {}

  void Start(const Pipeline& pipeline, const grpc::ByteBuffer* request) {
    grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(request));
    if (!call_->mutable_request()->ParseFromZeroCopyStream(&reader)) {
      Complete(ErrorWithInfo(
          absl::StatusCode::kInvalidArgument,
          absl::StrCat("request is not a valid ",
                       call_->route().method->input_type()->full_name()),
          "INVALID_REQUEST", {}));
      return;
    }
    pipeline.Run(call_, [this](absl::Status status) { Complete(status); });
  }

  void OnCancel() override { call_->Cancel(); }
  void OnDone() override { delete this; }

 private:
  // Complete serializes the response (on success) and finishes the call;
  // after Finish, gRPC may delete this reactor at any time.
  void Complete(const absl::Status& status) {
    if (status.ok()) {
      bool own_buffer = false;
      grpc::Status serialized =
          grpc::SerializationTraits<google::protobuf::Message>::Serialize(
              call_->response(), response_, &own_buffer);
      Finish(serialized);
      return;
    }
    Finish(ToGrpcStatus(status));
  }

  grpc::ByteBuffer* const response_;
  const std::shared_ptr<CallContext> call_;
};

}  // namespace

grpc::ServerUnaryReactor* StartUnaryCall(const Pipeline* pipeline,
                                         const translate::Route& route,
                                         absl::Duration default_timeout,
                                         grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) {
  absl::Time deadline = absl::Now() + default_timeout;
  if (context->deadline() != std::chrono::system_clock::time_point::max()) {
    deadline = std::min(deadline, absl::FromChrono(context->deadline()));
  }
  auto* call = new UnaryCall(route, deadline, response);
  call->Start(*pipeline, request);
  return call;
}

}  // namespace gateway::server
