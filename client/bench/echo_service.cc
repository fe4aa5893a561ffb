#include "client/bench/echo_service.h"

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/impl/rpc_service_method.h>

#include <cstdlib>
#include <iostream>
#include <utility>

#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"

namespace client::bench {
namespace {

// A bulk sync shaped like the API's answers (ids, schedules, configuration,
// actors, stamps), so the response costs what a real one costs on the wire.
constexpr char kBulkSyncJson[] = R"json({
  "data": {
    "id": "0b7d8f6e-3c1a-4b2e-9f5d-6a7e8c9d0f1a",
    "organization_id": "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "name": "Salesforce to Snowflake (production, hourly)",
    "source_connection_id": "3f2e1d0c-9b8a-4765-a4b3-c2d1e0f9a8b7",
    "destination_connection_id": "7c6b5a49-3827-4160-9f8e-7d6c5b4a3928",
    "mode": "BULK_SYNC_MODE_REPLICATE",
    "active": true,
    "default_schedule": {
      "id": "5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170",
      "frequency": "SCHEDULE_FREQUENCY_HOURLY",
      "minute": "15"
    },
    "additional_schedules": [{
      "id": "6f5e4d3c-2b1a-4098-a7b6-c5d4e3f2a1b0",
      "frequency": "SCHEDULE_FREQUENCY_WEEKLY",
      "minute": "0", "hour": "3", "day_of_week": "sunday",
      "resync_mode": "BULK_SCHEDULE_SYNC_MODE_RESYNC",
      "selective_mode": "BULK_SELECTIVE_MODE_NONE"
    }, {
      "id": "7a6b5c4d-3e2f-4109-8b7a-6c5d4e3f2a1b",
      "frequency": "SCHEDULE_FREQUENCY_DAILY",
      "minute": "30", "hour": "1",
      "resync_mode": "BULK_SCHEDULE_SYNC_MODE_REFETCH",
      "selective_mode": "BULK_SELECTIVE_MODE_INCREMENTAL_FIELDS",
      "schemas": ["Account", "Contact", "Opportunity"]
    }],
    "automatically_add_new_fields": "BULK_DISCOVER_ALL",
    "automatically_add_new_objects": "BULK_DISCOVER_NONE",
    "normalize_names": "BULK_NORMALIZE_NAMES_ENABLED",
    "disable_record_timestamps": false,
    "concurrency_limit": "8",
    "resync_concurrency_limit": "2",
    "destination_configuration": {
      "schema": "salesforce_raw", "database": "ANALYTICS",
      "warehouse": "LOADING_WH", "role": "POLYTOMIC_LOADER",
      "file_format": "parquet", "truncate_existing": false
    },
    "data_cutoff_timestamp": "2020-01-01T00:00:00Z",
    "source_configuration": {"lookback_days": 30, "use_bulk_api": true,
                             "excluded_objects": ["EventLogFile", "LoginHistory"],
                             "api_version": "v59.0"},
    "policies": ["1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a",
                 "2e3d4c5b-6a7f-4e8d-9c0b-1a2f3e4d5c6b"],
    "created_at": "2024-03-18T09:12:45Z",
    "created_by": {"id": "a1b2c3d4-e5f6-4789-abcd-ef0123456789",
                   "name": "Data Platform Team", "type": "user"},
    "updated_at": "2025-01-07T16:40:02Z",
    "updated_by": {"id": "b2c3d4e5-f6a7-4890-bcde-f01234567890",
                   "name": "deploy-bot", "type": "api_key"}
  }
})json";

}  // namespace

polytomic::v1::GetBulkSyncResponse RealisticGetBulkSyncResponse() {
  polytomic::v1::GetBulkSyncResponse response;
  const auto status =
      google::protobuf::util::JsonStringToMessage(kBulkSyncJson, &response);
  if (!status.ok()) {
    // A constant that no longer matches the contract is a build-time bug.
    std::cerr << "RealisticGetBulkSyncResponse: " << status.ToString() << "\n";
    std::abort();
  }
  return response;
}

EchoService::EchoService(
    std::string method_path, const google::protobuf::Descriptor* request_type,
    std::string response,
    std::vector<std::pair<std::string, std::string>> initial_metadata)
    : method_path_(std::move(method_path)),
      request_prototype_(
          request_type == nullptr
              ? nullptr
              : google::protobuf::MessageFactory::generated_factory()
                    ->GetPrototype(request_type)),
      response_(response),
      initial_metadata_(std::move(initial_metadata)) {}

std::unique_ptr<EchoService> EchoService::Create(
    const std::string& method_path,
    const google::protobuf::Descriptor* request_type, std::string response,
    std::vector<std::pair<std::string, std::string>> initial_metadata) {
  std::unique_ptr<EchoService> service(
      new EchoService(method_path, request_type, std::move(response),
                      std::move(initial_metadata)));
  // The same two calls the gateway's ContractService makes per method: a
  // NORMAL_RPC method, then a raw callback handler for it.
  service->AddMethod(new grpc::internal::RpcServiceMethod(
      service->method_path_.c_str(), grpc::internal::RpcMethod::NORMAL_RPC,
      nullptr));
  const EchoService* self = service.get();
  service->MarkMethodRawCallback(
      0,
      new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer,
                                               grpc::ByteBuffer>(
          [self](grpc::CallbackServerContext* context,
                 const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
            return self->Handle(context, request, response);
          }));
  return service;
}

grpc::ServerUnaryReactor* EchoService::Handle(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) const {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request_prototype_ != nullptr) {
    std::unique_ptr<google::protobuf::Message> parsed(
        request_prototype_->New());
    grpc::ByteBuffer copy(*request);  // Deserialize consumes its input.
    if (!grpc::GenericDeserialize<grpc::ProtoBufferReader,
                                  google::protobuf::Message>(&copy,
                                                             parsed.get())
             .ok()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   "malformed request"));
      return reactor;
    }
  }
  for (const auto& [key, value] : initial_metadata_) {
    context->AddInitialMetadata(key, value);
  }
  grpc::Slice slice = response_;  // A reference, not a copy of the bytes.
  *response = grpc::ByteBuffer(&slice, 1);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace client::bench
