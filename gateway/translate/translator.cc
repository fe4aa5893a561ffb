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
    const Route& route, const google::protobuf::Message& request) const {
  return BuildHttpRequest(route, request, codec_);
}

absl::StatusOr<Json> Translator::ParseBody(const Route& route,
                                           const HttpResponse& response,
                                           absl::Time now) const {
  if (response.status < 200 || response.status > 299) {
    return UpstreamHttpError(route, routes_->schema(), response, now);
  }
  if (absl::StripAsciiWhitespace(response.body).empty()) return Json();
  Json json = Json::parse(response.body, nullptr, false);
  if (json.is_discarded()) {
    return BadUpstreamBody(route, response.status, "it is not JSON");
  }
  return json;
}

absl::Status Translator::FromJson(const Route& route,
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

absl::StatusOr<Json> Translator::FromHttp(const Route& route,
                                          const HttpResponse& answer,
                                          google::protobuf::Message* response,
                                          absl::Time now) const {
  if (answer.status < 200 || answer.status > 299) {
    return UpstreamHttpError(route, routes_->schema(), answer, now);
  }
  RETURN_IF_ERROR(FromJson(route, answer, response));
  if (route.IsRead()) return Json();
  return ParseBody(route, answer, now);
}

absl::Status Translator::FromTransportError(
    const Route& route, const absl::Status& transport) const {
  return UpstreamTransportError(route, transport);
}

}  // namespace gateway::translate
