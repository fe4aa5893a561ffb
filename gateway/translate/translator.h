// translator.h: the one descriptor-driven translator between the gRPC
// contract and Polytomic's REST API.
//
//   ASSIGN_OR_RETURN(auto translator, Translator::Create(services));
//   const Route* route = translator->routes().Find(full_method);
//   RETURN_IF_ERROR(translator->Validate(*route, request));
//   ASSIGN_OR_RETURN(HttpRequest http, translator->ToHttp(*route, request));
//   ... send ...
//   ASSIGN_OR_RETURN(Json body, translator->FromHttp(*route, answer, &response,
//                                                    absl::Now()));
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

  // ToHttp builds the upstream request (without credentials or deadline).
  absl::StatusOr<HttpRequest> ToHttp(
      const Route& route, const google::protobuf::Message& request) const;

  // ParseBody reads a 2xx answer's body as JSON (null for an empty body), or
  // returns the mapped error for any other answer.
  absl::StatusOr<Json> ParseBody(const Route& route,
                                 const HttpResponse& response,
                                 absl::Time now) const;

  // FromJson fills `response` straight from a 2xx answer's body text (an
  // empty or `null` body leaves it empty).
  absl::Status FromJson(const Route& route, const HttpResponse& answer,
                        google::protobuf::Message* response) const;

  // FromHttp maps a non-2xx answer like ParseBody, then fills `response` with
  // FromJson. For a write it also returns the parsed body (for what the
  // caller does next with the upstream document); for a read (route.IsRead())
  // it returns null and parses nothing more.
  absl::StatusOr<Json> FromHttp(const Route& route, const HttpResponse& answer,
                                google::protobuf::Message* response,
                                absl::Time now) const;

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
