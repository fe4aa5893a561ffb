#include "gateway/translate/route_table.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/common/proto_duration.h"
#include "gateway/common/status_macros.h"
#include "polytomic/v1/options.pb.h"

namespace gateway::translate {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

absl::Status Broken(const MethodDescriptor* method, absl::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat("contract error in ", method->full_name(), ": ", what));
}

// ParsePath parses a path template into segments, binding each `{name}` to
// the top-level string or enum field `name` of `input` (recorded in
// `bound`).
absl::Status ParsePath(
    absl::string_view path, const MessageInfo& input,
    std::vector<Route::PathSegment>* segments,
    absl::flat_hash_map<const FieldDescriptor*, bool>* bound) {
  if (!absl::StartsWith(path, "/")) {
    return absl::InvalidArgumentError(
        absl::StrCat("path ", path, " must start with /"));
  }
  std::string literal;
  for (absl::string_view part : absl::StrSplit(path.substr(1), '/')) {
    absl::StrAppend(&literal, "/");
    if (absl::StartsWith(part, "{") && absl::EndsWith(part, "}")) {
      absl::string_view name = part.substr(1, part.size() - 2);
      const FieldInfo* field = input.FindProto(name);
      if (field == nullptr || field->descriptor->is_repeated() ||
          (field->descriptor->cpp_type() != FieldDescriptor::CPPTYPE_STRING &&
           field->descriptor->cpp_type() != FieldDescriptor::CPPTYPE_ENUM)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "path variable {", name, "} is not a string or enum field"));
      }
      segments->push_back({literal, nullptr});
      segments->push_back({"", field});
      literal.clear();
      (*bound)[field->descriptor] = true;
    } else {
      absl::StrAppend(&literal, part);
    }
  }
  if (!literal.empty()) segments->push_back({literal, nullptr});
  return absl::OkStatus();
}

// CacheRules reads the `rest` option's cache_ttl (reads) and invalidates
// (writes) into `route`.
absl::Status CacheRules(const polytomic::v1::RestRoute& rest, Route& route) {
  if (rest.has_cache_ttl()) {
    if (!route.IsRead()) {
      return absl::InvalidArgumentError("cache_ttl on a route that is no GET");
    }
    if (rest.cache_ttl().seconds() < 0 || rest.cache_ttl().nanos() < 0) {
      return absl::InvalidArgumentError("negative cache_ttl");
    }
    route.cache_ttl = ToAbslDuration(rest.cache_ttl());
  }
  if (route.IsRead()) {
    if (!rest.invalidates().empty()) {
      return absl::InvalidArgumentError("invalidates on a GET route");
    }
    return absl::OkStatus();
  }
  if (rest.invalidates().empty()) {
    return absl::InvalidArgumentError(
        "a write must say which reads it invalidates");
  }
  for (const std::string& entry : rest.invalidates()) {
    Route::Invalidation invalidation;
    absl::string_view path = entry;
    invalidation.subtree = absl::ConsumeSuffix(&path, "/**");
    absl::flat_hash_map<const FieldDescriptor*, bool> bound;
    if (absl::Status parsed =
            ParsePath(path, *route.input, &invalidation.path, &bound);
        !parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalidates ", entry, ": ", parsed.message()));
    }
    route.invalidates.push_back(std::move(invalidation));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MethodName(polytomic::v1::HttpMethod method) {
  switch (method) {
    case polytomic::v1::HTTP_METHOD_GET:
      return std::string("GET");
    case polytomic::v1::HTTP_METHOD_POST:
      return std::string("POST");
    case polytomic::v1::HTTP_METHOD_PUT:
      return std::string("PUT");
    case polytomic::v1::HTTP_METHOD_PATCH:
      return std::string("PATCH");
    case polytomic::v1::HTTP_METHOD_DELETE:
      return std::string("DELETE");
    default:
      return absl::InvalidArgumentError("no HTTP method");
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<RouteTable>> RouteTable::Build(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  std::vector<const google::protobuf::Descriptor*> roots;
  for (const auto* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      roots.push_back(service->method(i)->input_type());
      roots.push_back(service->method(i)->output_type());
    }
  }
  std::unique_ptr<RouteTable> table(new RouteTable());
  ASSIGN_OR_RETURN(table->schema_, WireSchema::Build(roots));
  for (const auto* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      ASSIGN_OR_RETURN(std::unique_ptr<Route> route,
                       table->BuildRoute(service->method(i)));
      if (!table->by_method_.emplace(route->full_method, route.get()).second) {
        return Broken(service->method(i), "registered twice");
      }
      table->routes_.push_back(std::move(route));
    }
  }
  for (auto& route : table->routes_) {
    if (route->update_mask == nullptr) continue;
    for (const auto& other : table->routes_) {
      if (other->http_method == "GET" &&
          other->path_template == route->path_template) {
        route->read = other.get();
      }
    }
    if (route->read == nullptr || route->resource == nullptr) {
      return Broken(route->method,
                    "an update_mask needs a resource field and a GET route "
                    "of the same path");
    }
  }
  return table;
}

const Route* RouteTable::Find(absl::string_view full_method) const {
  auto it = by_method_.find(full_method);
  return it == by_method_.end() ? nullptr : it->second;
}

absl::StatusOr<std::unique_ptr<Route>> RouteTable::BuildRoute(
    const MethodDescriptor* method) const {
  if (method->client_streaming() || method->server_streaming()) {
    return Broken(method, "streaming methods are not supported");
  }
  if (!method->options().HasExtension(polytomic::v1::rest)) {
    return Broken(method, "no (polytomic.v1.rest) option");
  }
  const polytomic::v1::RestRoute& rest =
      method->options().GetExtension(polytomic::v1::rest);
  auto route = std::make_unique<Route>();
  route->full_method =
      absl::StrCat("/", method->service()->full_name(), "/", method->name());
  route->method = method;
  route->input = schema_->Message(method->input_type());
  route->output = schema_->Message(method->output_type());
  route->operation_id = rest.operation_id();
  route->path_template = rest.path();
  auto http_method = MethodName(rest.method());
  if (!http_method.ok()) return Broken(method, "no HTTP method");
  route->http_method = *http_method;
  if (route->operation_id.empty()) return Broken(method, "no operation_id");

  absl::flat_hash_map<const FieldDescriptor*, bool> bound;
  if (absl::Status parsed =
          ParsePath(rest.path(), *route->input, &route->path, &bound);
      !parsed.ok()) {
    return Broken(method, parsed.message());
  }

  if (rest.body().empty()) {
    route->body = Route::Body::kNone;
  } else if (rest.body() == "*") {
    route->body = Route::Body::kRemainingFields;
  } else {
    route->body = Route::Body::kField;
    route->body_field = route->input->FindProto(rest.body());
    if (route->body_field == nullptr ||
        route->body_field->descriptor->cpp_type() !=
            FieldDescriptor::CPPTYPE_MESSAGE ||
        route->body_field->descriptor->is_repeated()) {
      return Broken(method, absl::StrCat("body field ", rest.body(),
                                         " is not a message field"));
    }
    bound[route->body_field->descriptor] = true;
  }
  for (const FieldInfo& field : route->input->fields) {
    if (field.well_known == WellKnown::kFieldMask) route->update_mask = &field;
    if (bound.contains(field.descriptor) || field.gateway_only()) continue;
    if (!field.rules.header().empty()) {
      route->header_fields.push_back(&field);
      if (field.rules.format() == polytomic::v1::FIELD_FORMAT_IDEMPOTENCY_KEY) {
        route->idempotency_key = &field;
      }
    } else if (route->body == Route::Body::kRemainingFields) {
      route->body_fields.push_back(&field);
    } else {
      route->query_fields.push_back(&field);
    }
  }
  if (route->body == Route::Body::kField) {
    route->resource = route->body_field;
  } else {
    std::vector<const FieldInfo*> messages;
    for (const FieldInfo* field : route->body_fields) {
      if (field->descriptor->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
          !field->descriptor->is_repeated() &&
          field->well_known == WellKnown::kNone) {
        messages.push_back(field);
      }
    }
    if (messages.size() == 1) route->resource = messages[0];
  }
  route->body_omits.assign(rest.body_omits().begin(), rest.body_omits().end());
  if (!route->body_omits.empty() && route->resource == nullptr) {
    return Broken(method, "body_omits needs a body resource");
  }
  if (absl::Status rules = CacheRules(rest, *route); !rules.ok()) {
    return Broken(method, rules.message());
  }
  return route;
}

}  // namespace gateway::translate
