// translator.h: the one descriptor-driven translator between the gRPC
// contract and Polytomic's REST API.
//
//   ASSIGN_OR_RETURN(auto translator, Translator::Create(services));
//   const Route* route = translator->routes().Find(full_method);
//   RETURN_IF_ERROR(translator->Validate(*route, request));
//   ASSIGN_OR_RETURN(HttpRequest http,
//                    translator->ToHttp(*route, request, request_id));
//   ... send ...
//   if (answer.status / 100 != 2) return translator->FromHttpError(...);
//   RETURN_IF_ERROR(translator->FromHttp(*route, answer, &response));
//
// It holds no per-call state; every RPC of every service given to Create is
// served by the same code, driven by the `rest` option and field rules.
#ifndef GATEWAY_TRANSLATE_TRANSLATOR_H_
#define GATEWAY_TRANSLATE_TRANSLATOR_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/rest_client.h"
#include "gateway/translate/request_validator.h"
#include "gateway/translate/route_table.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace gateway::translate {

// ContractServices returns every service of the polytomic.v1 contract (all
// files listed in polytomic/v1/contract_files.h).
absl::StatusOr<std::vector<const google::protobuf::ServiceDescriptor*>>
ContractServices();

// Translator converts requests to HTTP and answers back.
//
// Thread safety: immutable after Create; all methods are safe to call
// concurrently.
class Translator {
 public:
  static absl::StatusOr<std::unique_ptr<Translator>> Create(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  const RouteTable& routes() const { return *routes_; }
  const JsonCodec& codec() const { return codec_; }

  // Validate checks the caller's request; INVALID_ARGUMENT with BadRequest.
  absl::Status Validate(const Route& route,
                        const google::protobuf::Message& request,
                        const ValidationOptions& options = {}) const;

  // ToHttp builds the upstream request (without credentials or deadline);
  // `idempotency_key` is sent when the operation accepts one and the request
  // sets none (see BuildHttpRequest).
  absl::StatusOr<HttpRequest> ToHttp(const Route& route,
                                     const google::protobuf::Message& request,
                                     absl::string_view idempotency_key) const;

  // ToHttpWith is ToHttp with `resource` as the body's resource.
  absl::StatusOr<HttpRequest> ToHttpWith(
      const Route& route, const google::protobuf::Message& request,
      absl::string_view idempotency_key, Json resource) const;

  // FromHttpError maps a non-2xx answer.
  absl::Status FromHttpError(const Route& route, const HttpResponse& answer,
                             absl::Time now) const;

  // ParseBody reads a 2xx answer's body as a JSON document (null for an
  // empty body); INTERNAL (UPSTREAM_BAD_RESPONSE) if it is not JSON.
  absl::StatusOr<Json> ParseBody(const Route& route,
                                 const HttpResponse& answer) const;

  // FromHttp fills `response` straight from a 2xx answer's body text (an
  // empty or `null` body leaves it empty), without a JSON document; INTERNAL
  // (UPSTREAM_BAD_RESPONSE) if the body cannot be read into it.
  absl::Status FromHttp(const Route& route, const HttpResponse& answer,
                        google::protobuf::Message* response) const;

  // FromTransportError maps a RestClient failure.
  absl::Status FromTransportError(const Route& route,
                                  const absl::Status& transport) const;

 private:
  explicit Translator(std::unique_ptr<RouteTable> routes);

  std::unique_ptr<RouteTable> routes_;
  JsonCodec codec_;
};

}  // namespace gateway::translate

#endif  // GATEWAY_TRANSLATE_TRANSLATOR_H_
