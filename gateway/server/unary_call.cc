#include "gateway/server/unary_call.h"

#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "gateway/common/error_details.h"
#include "gateway/server/grpc_status.h"
#include "google/protobuf/message.h"

namespace gateway::server {
namespace {

// NewRequestId is 128 random bits in hex: unique without coordination
// between replicas.
std::string NewRequestId() {
  thread_local absl::BitGen bits;
  return absl::StrCat(
      absl::Hex(absl::Uniform<uint64_t>(bits), absl::kZeroPad16),
      absl::Hex(absl::Uniform<uint64_t>(bits), absl::kZeroPad16));
}

// OriginOf reads who is calling from the transport: the verified client
// certificate's SANs and the bearer token of the `authorization` metadata.
Origin OriginOf(const grpc::CallbackServerContext& context) {
  Origin origin;
  origin.request_id = NewRequestId();
  origin.peer = context.peer();
  const auto& client_metadata = context.client_metadata();
  auto traceparent = client_metadata.find("traceparent");
  origin.trace = TraceContext::Continue(
      traceparent == client_metadata.end()
          ? absl::string_view()
          : absl::string_view(traceparent->second.data(),
                              traceparent->second.size()));
  if (auto auth = context.auth_context(); auth != nullptr) {
    for (const grpc::string_ref& uri : auth->FindPropertyValues("peer_uri")) {
      origin.identity.uri_sans.emplace_back(uri.data(), uri.size());
    }
    for (const grpc::string_ref& dns : auth->FindPropertyValues("peer_dns")) {
      origin.identity.dns_sans.emplace_back(dns.data(), dns.size());
    }
  }
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    absl::string_view value(it->second.data(), it->second.size());
    constexpr absl::string_view kBearer = "bearer ";
    if (value.size() >= kBearer.size() &&
        absl::EqualsIgnoreCase(value.substr(0, kBearer.size()), kBearer)) {
      value.remove_prefix(kBearer.size());
    }
    origin.bearer_token = std::string(absl::StripAsciiWhitespace(value));
  }
  // Cache-Control directives are case-insensitive and comma-separated
  // (RFC 9111, 5.2); only no-cache means something to the gateway.
  auto [begin, end] = metadata.equal_range("cache-control");
  for (auto it = begin; it != end && !origin.no_cache; ++it) {
    for (absl::string_view directive : absl::StrSplit(
             absl::string_view(it->second.data(), it->second.size()), ',')) {
      if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(directive),
                                 "no-cache")) {
        origin.no_cache = true;
      }
    }
  }
  return origin;
}

// SliceOf wraps shared bytes in a slice without copying them; the slice
// keeps them alive.
grpc::Slice SliceOf(const ResponseBytes& bytes) {
  auto* owner = new ResponseBytes(bytes);
  return grpc::Slice(
      grpc_slice_new_with_user_data(
          const_cast<char*>(bytes->data()), bytes->size(),
          [](void* owner) { delete static_cast<ResponseBytes*>(owner); },
          owner),
      grpc::Slice::STEAL_REF);
}

// Trouble says whether a call ending with `code` is worth a warning: the
// gateway or the upstream, not the caller, may be at fault.
bool Trouble(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnknown:
      return true;
    default:
      return false;
  }
}

class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  UnaryCall(const translate::Route& route, absl::Time started,
            absl::Time deadline, Origin origin,
            const CallEnvironment& environment,
            grpc::CallbackServerContext* context, grpc::ByteBuffer* response)
      : in_flight_(environment.in_flight),
        clock_(environment.clock),
        call_duration_(environment.call_duration),
        logger_(environment.logger),
        context_(context),
        response_(response),
        call_(std::make_shared<CallContext>(&route, started, deadline,
                                            std::move(origin))) {}

  void Start(const CallEnvironment& environment,
             const grpc::ByteBuffer* request) {
    if (environment.in_flight->closed()) {
      Complete(ErrorWithInfo(
          absl::StatusCode::kUnavailable,
          "the gateway is shutting down and takes no new calls; retry on "
          "another replica",
          "GATEWAY_DRAINING", {}));
      return;
    }
    if (static_cast<std::int64_t>(request->Length()) >
        environment.max_request_bytes) {
      Complete(ErrorWithInfo(
          absl::StatusCode::kResourceExhausted,
          absl::StrCat("the request is ", request->Length(),
                       " bytes, more than listener.max_request_bytes (",
                       environment.max_request_bytes, ")"),
          "REQUEST_TOO_LARGE",
          {{"limit", absl::StrCat(environment.max_request_bytes)}}));
      return;
    }
    grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(request));
    if (!call_->mutable_request()->ParseFromZeroCopyStream(&reader)) {
      Complete(ErrorWithInfo(
          absl::StatusCode::kInvalidArgument,
          absl::StrCat("request is not a valid ",
                       call_->route().method->input_type()->full_name()),
          "INVALID_REQUEST", {}));
      return;
    }
    environment.pipeline->Run(
        call_, [this](absl::Status status) { Complete(status); });
  }

  void OnCancel() override { call_->Cancel(); }
  void OnDone() override {
    in_flight_->Leave();
    delete this;
  }
  // Both reactions are short and never block (OnCancel hands the cancel to
  // the step in progress), so gRPC may run them where the event happens
  // instead of waking one of its executor threads for each: for a call
  // finished from the upstream loop, that wake-up was one context switch and
  // ~18 us of CPU per call. (gRPC marks this hook "not API"; it is stable in
  // the gRPC this builds with, 1.51.)
  bool InternalInlineable() override { return true; }

 private:
  // Complete answers with the response bytes (on success) and finishes the
  // call; after Finish, gRPC may delete this reactor at any time.
  void Complete(const absl::Status& status) {
    const google::protobuf::MethodDescriptor& method = *call_->route().method;
    const absl::AlphaNum code(static_cast<int>(status.code()));
    const absl::Duration took = clock_->Now() - call_->started();
    call_duration_
        ->WithLabels(
            {method.service()->full_name(), method.name(), code.Piece()})
        ->Observe(absl::ToDoubleSeconds(took));
    LogLevel level =
        Trouble(status.code()) ? LogLevel::kWarning : LogLevel::kDebug;
    if (logger_->Enabled(level)) {
      const Origin& origin = call_->origin();
      logger_->Log(
          level, status.ok() ? "call" : "call failed",
          {{"request_id", origin.request_id},
           {"trace_id", origin.trace.trace_id()},
           {"method", call_->route().full_method},
           {"code", code.Piece()},
           {"error", status.message()},
           {"duration_ms", absl::StrCat(absl::ToDoubleMilliseconds(took))}});
    }
    if (call_->route().IsRead()) {
      const absl::string_view cache_status = call_->cache_status();
      context_->AddInitialMetadata(
          "x-cache-status",
          std::string(cache_status.data(), cache_status.size()));
    }
    if (status.ok()) {
      grpc::Slice slice = SliceOf(call_->response_bytes());
      *response_ = grpc::ByteBuffer(&slice, 1);
      Finish(grpc::Status::OK);
      return;
    }
    Finish(ToGrpcStatus(status));
  }

  CallsInFlight* const in_flight_;
  const Clock* const clock_;
  Family<Histogram>* const call_duration_;
  const Logger* const logger_;
  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const response_;
  const std::shared_ptr<CallContext> call_;
};

}  // namespace

grpc::ServerUnaryReactor* StartUnaryCall(const CallEnvironment& environment,
                                         const translate::Route& route,
                                         grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) {
  absl::Time deadline = absl::Now() + environment.default_timeout;
  if (context->deadline() != std::chrono::system_clock::time_point::max()) {
    deadline = std::min(deadline, absl::FromChrono(context->deadline()));
  }
  Origin origin = OriginOf(*context);
  context->AddInitialMetadata("x-request-id", origin.request_id);
  context->AddInitialMetadata("traceparent", origin.trace.Header());
  environment.in_flight->Enter();
  auto* call = new UnaryCall(route, environment.clock->Now(), deadline,
                             std::move(origin), environment, context, response);
  call->Start(environment, request);
  return call;
}

}  // namespace gateway::server
