#include "gateway/translate/translator.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/json_cursor.h"
#include "gateway/common/status_macros.h"
#include "gateway/translate/error_mapping.h"
#include "gateway/translate/request_builder.h"
#include "polytomic/v1/contract_files.h"

namespace gateway::translate {

absl::StatusOr<std::vector<const google::protobuf::ServiceDescriptor*>>
ContractServices() {
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const char* name : polytomic::v1::kContractFiles) {
    const auto* file =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
            name);
    if (file == nullptr) {
      return absl::InternalError(
          absl::StrCat("contract file ", name, " is not linked in"));
    }
    for (int i = 0; i < file->service_count(); ++i) {
      services.push_back(file->service(i));
    }
  }
  return services;
}

absl::StatusOr<std::unique_ptr<Translator>> Translator::Create(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  ASSIGN_OR_RETURN(std::unique_ptr<RouteTable> routes,
                   RouteTable::Build(services));
  return std::unique_ptr<Translator>(new Translator(std::move(routes)));
}

Translator::Translator(std::unique_ptr<RouteTable> routes)
    : routes_(std::move(routes)), codec_(&routes_->schema()) {}

absl::Status Translator::Validate(const Route& route,
                                  const google::protobuf::Message& request,
                                  const ValidationOptions& options) const {
  return ValidateRequest(route, request, routes_->schema(), options);
}

absl::StatusOr<HttpRequest> Translator::ToHttp(
    const Route& route, const google::protobuf::Message& request,
    absl::string_view idempotency_key) const {
  return BuildHttpRequest(route, request, codec_, idempotency_key);
}

absl::StatusOr<HttpRequest> Translator::ToHttpWith(
    const Route& route, const google::protobuf::Message& request,
    absl::string_view idempotency_key, Json resource) const {
  return BuildHttpRequestWith(route, request, codec_, idempotency_key,
                              std::move(resource));
}

absl::Status Translator::FromHttpError(const Route& route,
                                       const HttpResponse& answer,
                                       absl::Time now) const {
  return UpstreamHttpError(route, routes_->schema(), answer, now);
}

absl::StatusOr<Json> Translator::ParseBody(const Route& route,
                                           const HttpResponse& answer) const {
  if (absl::StripAsciiWhitespace(answer.body).empty()) return Json();
  // As deep as FromHttp reads: the update copies and prints this document.
  if (NestsDeeperThan(answer.body)) {
    return BadUpstreamBody(route, answer.status,
                           absl::StrCat("it nests more than ",
                                        JsonCursor::kMaxDepth, " levels deep"));
  }
  Json json = Json::parse(answer.body, nullptr, false);
  if (json.is_discarded()) {
    return BadUpstreamBody(route, answer.status, "it is not JSON");
  }
  return json;
}

absl::Status Translator::FromHttp(const Route& route,
                                  const HttpResponse& answer,
                                  google::protobuf::Message* response) const {
  if (absl::StripAsciiWhitespace(answer.body).empty()) return absl::OkStatus();
  JsonCursor null_body(answer.body);
  if (null_body.ReadNull().ok() && null_body.ExpectEnd().ok()) {
    return absl::OkStatus();
  }
  absl::Status status = codec_.FromJson(answer.body, response);
  if (!status.ok()) {
    return BadUpstreamBody(route, answer.status, status.message());
  }
  return absl::OkStatus();
}

absl::Status Translator::FromTransportError(
    const Route& route, const absl::Status& transport) const {
  return UpstreamTransportError(route, transport);
}

}  // namespace gateway::translate
