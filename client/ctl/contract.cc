#include "client/ctl/contract.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "polytomic/v1/contract_files.h"
#include "polytomic/v1/options.pb.h"

namespace client::ctl {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::DescriptorPool;
using ::google::protobuf::EnumDescriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::MethodDescriptor;
using ::google::protobuf::ServiceDescriptor;

absl::string_view HttpMethodName(polytomic::v1::HttpMethod method) {
  switch (method) {
    case polytomic::v1::HTTP_METHOD_GET:
      return "GET";
    case polytomic::v1::HTTP_METHOD_POST:
      return "POST";
    case polytomic::v1::HTTP_METHOD_PUT:
      return "PUT";
    case polytomic::v1::HTTP_METHOD_PATCH:
      return "PATCH";
    case polytomic::v1::HTTP_METHOD_DELETE:
      return "DELETE";
    default:
      return "?";
  }
}

// ServiceMethodName is "pkg.Service/Method", the form `list` prints and
// FindMethod accepts.
std::string ServiceMethodName(const MethodDescriptor& method) {
  return absl::StrCat(method.service()->full_name(), "/", method.name());
}

bool IsWellKnownType(const Descriptor& type) {
  return absl::StartsWith(type.full_name(), "google.protobuf.");
}

// WellKnownHint says what JSON a well-known type takes on the command line.
absl::string_view WellKnownHint(const Descriptor& type) {
  const std::string& name = type.full_name();
  if (name == "google.protobuf.Struct") return " (JSON object)";
  if (name == "google.protobuf.Value") return " (any JSON value)";
  if (name == "google.protobuf.ListValue") return " (JSON array)";
  if (name == "google.protobuf.Timestamp") {
    return " (RFC 3339, e.g. 2024-01-31T12:00:00Z)";
  }
  if (name == "google.protobuf.Duration") return " (e.g. 1.5s)";
  if (name == "google.protobuf.FieldMask") return " (e.g. name,active)";
  return "";
}

std::string EnumValuesText(const EnumDescriptor& type) {
  std::vector<std::string> values;
  for (int i = 0; i < type.value_count(); ++i) {
    const auto* value = type.value(i);
    if (value->number() == 0) continue;  // *_UNSPECIFIED means "not set".
    const std::string& wire =
        value->options().GetExtension(polytomic::v1::wire_value);
    values.push_back(wire.empty() ? value->name() : wire);
  }
  return absl::StrJoin(values, " | ");
}

std::string TypeText(const FieldDescriptor& field) {
  if (field.is_map()) {
    return absl::StrCat("map<", TypeText(*field.message_type()->map_key()),
                        ", ", TypeText(*field.message_type()->map_value()),
                        ">");
  }
  std::string label;
  if (field.is_repeated()) {
    label = "repeated ";
  } else if (field.has_presence() && !field.real_containing_oneof() &&
             field.message_type() == nullptr) {
    label = "optional ";
  }
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return absl::StrCat(label, field.message_type()->full_name(),
                          WellKnownHint(*field.message_type()));
    case FieldDescriptor::CPPTYPE_ENUM:
      return absl::StrCat(label, "enum ", field.enum_type()->full_name(), " (",
                          EnumValuesText(*field.enum_type()), ")");
    default:
      return absl::StrCat(label, field.type_name());
  }
}

std::string RulesText(const FieldDescriptor& field) {
  std::vector<std::string> rules;
  if (field.real_containing_oneof() != nullptr) {
    rules.push_back(
        absl::StrCat("oneof ", field.real_containing_oneof()->name()));
  }
  const polytomic::v1::FieldRules& options =
      field.options().GetExtension(polytomic::v1::field);
  if (options.required()) rules.push_back("required");
  switch (options.format()) {
    case polytomic::v1::FIELD_FORMAT_UUID:
      rules.push_back("format=uuid");
      break;
    case polytomic::v1::FIELD_FORMAT_IDEMPOTENCY_KEY:
      rules.push_back("format=idempotency-key");
      break;
    default:
      break;
  }
  switch (options.behavior()) {
    case polytomic::v1::FIELD_BEHAVIOR_OUTPUT_ONLY:
      rules.push_back("output-only");
      break;
    case polytomic::v1::FIELD_BEHAVIOR_INPUT_ONLY:
      rules.push_back("input-only");
      break;
    case polytomic::v1::FIELD_BEHAVIOR_GATEWAY:
      rules.push_back("gateway");
      break;
    default:
      break;
  }
  if (!options.header().empty()) {
    rules.push_back(absl::StrCat("header=", options.header()));
  }
  if (options.query_json()) rules.push_back("query-json");
  if (options.additional_fields()) rules.push_back("unmodeled members");
  if (rules.empty()) return "";
  return absl::StrCat("  [", absl::StrJoin(rules, ", "), "]");
}

// PathParams are the names in a route template's {braces}.
std::vector<std::string> PathParams(const MethodDescriptor& method) {
  std::vector<std::string> names;
  absl::string_view path =
      method.options().GetExtension(polytomic::v1::rest).path();
  while (true) {
    const size_t open = path.find('{');
    const size_t close = path.find('}', open);
    if (open == absl::string_view::npos || close == absl::string_view::npos) {
      break;
    }
    names.emplace_back(path.substr(open + 1, close - open - 1));
    path.remove_prefix(close + 1);
  }
  return names;
}

// AppendFields describes the fields of `type`. `path_params` are the
// top-level fields bound to the route's path (only for the request itself).
// In a request, output-only fields are ignored, so their insides are noise:
// `request` leaves them unexpanded.
void AppendFields(const Descriptor& type, int indent,
                  const std::vector<std::string>& path_params, bool request,
                  std::vector<const Descriptor*>* stack, std::string* out) {
  const std::string pad(indent, ' ');
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& field = *type.field(i);
    absl::StrAppend(out, pad, field.name());
    if (field.json_name() != field.name()) {
      absl::StrAppend(out, " (json: ", field.json_name(), ")");
    }
    absl::StrAppend(out, ": ", TypeText(field), RulesText(field));
    if (std::find(path_params.begin(), path_params.end(), field.name()) !=
        path_params.end()) {
      absl::StrAppend(out, "  (in the path)");
    }
    const Descriptor* child = field.message_type();
    if (field.is_map())
      child = field.message_type()->map_value()->message_type();
    const bool output_only =
        request &&
        field.options().GetExtension(polytomic::v1::field).behavior() ==
            polytomic::v1::FIELD_BEHAVIOR_OUTPUT_ONLY;
    if (child == nullptr || IsWellKnownType(*child) || output_only) {
      absl::StrAppend(out, "\n");
      continue;
    }
    // A message already being expanded above would recurse forever.
    if (std::find(stack->begin(), stack->end(), child) != stack->end()) {
      absl::StrAppend(out, "  (recursive, see above)\n");
      continue;
    }
    absl::StrAppend(out, "\n");
    stack->push_back(child);
    AppendFields(*child, indent + 2, {}, request, stack, out);
    stack->pop_back();
  }
}

}  // namespace

absl::StatusOr<Contract> Contract::Load() {
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  std::vector<const ServiceDescriptor*> services;
  for (const char* file_name : polytomic::v1::kContractFiles) {
    const auto* file = pool->FindFileByName(file_name);
    if (file == nullptr) {
      return absl::InternalError(absl::StrCat(
          "contract file ", file_name, " is not linked into this binary"));
    }
    for (int i = 0; i < file->service_count(); ++i) {
      services.push_back(file->service(i));
    }
  }
  return Contract(std::move(services));
}

absl::StatusOr<const MethodDescriptor*> Contract::FindMethod(
    absl::string_view name) const {
  absl::string_view query = absl::StripAsciiWhitespace(name);
  absl::ConsumePrefix(&query, "/");
  std::vector<const MethodDescriptor*> matches;
  std::vector<const MethodDescriptor*> case_insensitive;
  for (const ServiceDescriptor* service : services_) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      const std::string forms[] = {
          method->name(),
          ServiceMethodName(*method),
          absl::StrCat(service->name(), "/", method->name()),
          method->full_name(),
      };
      for (const std::string& form : forms) {
        if (form == query) {
          matches.push_back(method);
          break;
        }
        if (absl::EqualsIgnoreCase(form, query)) {
          case_insensitive.push_back(method);
          break;
        }
      }
    }
  }
  if (matches.size() == 1) return matches.front();
  if (matches.size() > 1) {
    std::vector<std::string> names;
    for (const MethodDescriptor* method : matches) {
      names.push_back(ServiceMethodName(*method));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "method name '", name, "' is ambiguous: ", absl::StrJoin(names, ", "),
        "; use the full name"));
  }
  std::string hint;
  if (!case_insensitive.empty()) {
    hint =
        absl::StrCat(" (did you mean ", case_insensitive.front()->name(), "?)");
  }
  return absl::NotFoundError(
      absl::StrCat("unknown method '", name, "'", hint,
                   "; `polytomicctl list` shows every method"));
}

const Descriptor* Contract::FindMessage(absl::string_view name) const {
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  if (const Descriptor* type = pool->FindMessageTypeByName(std::string(name))) {
    return type;
  }
  for (const ServiceDescriptor* service : services_) {
    const Descriptor* type = pool->FindMessageTypeByName(
        absl::StrCat(service->file()->package(), ".", name));
    if (type != nullptr) return type;
  }
  return nullptr;
}

std::string Contract::ListMethods() const {
  size_t width = 0;
  for (const ServiceDescriptor* service : services_) {
    for (int i = 0; i < service->method_count(); ++i) {
      width = std::max(width, ServiceMethodName(*service->method(i)).size());
    }
  }
  std::string out;
  for (const ServiceDescriptor* service : services_) {
    absl::StrAppend(&out, service->full_name(), "\n");
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string name = ServiceMethodName(*service->method(i));
      const std::string route = RestRouteText(*service->method(i));
      // Pad the HTTP method too, so the paths line up.
      const size_t space = route.find(' ');
      const size_t pad = space < 6 ? 6 - space : 0;
      absl::StrAppend(&out, "  ", name, std::string(width - name.size(), ' '),
                      "  ", route.substr(0, space), std::string(pad, ' '),
                      space == std::string::npos ? "" : route.substr(space),
                      "\n");
    }
  }
  return out;
}

std::string GrpcMethodPath(const MethodDescriptor& method) {
  return absl::StrCat("/", ServiceMethodName(method));
}

std::string RestRouteText(const MethodDescriptor& method) {
  if (!method.options().HasExtension(polytomic::v1::rest)) {
    return "(no REST route)";
  }
  const polytomic::v1::RestRoute& route =
      method.options().GetExtension(polytomic::v1::rest);
  return absl::StrCat(HttpMethodName(route.method()), " ", route.path());
}

std::string DescribeMethod(const MethodDescriptor& method) {
  std::string out = absl::StrCat(ServiceMethodName(method), "\n");
  absl::StrAppend(&out, "  REST: ", RestRouteText(method));
  const polytomic::v1::RestRoute& route =
      method.options().GetExtension(polytomic::v1::rest);
  if (!route.body().empty()) absl::StrAppend(&out, "  body: ", route.body());
  if (!route.operation_id().empty()) {
    absl::StrAppend(&out, "  operation: ", route.operation_id());
  }
  absl::StrAppend(&out, "\nrequest ", method.input_type()->full_name(), "\n");
  std::vector<const Descriptor*> stack = {method.input_type()};
  AppendFields(*method.input_type(), 2, PathParams(method), /*request=*/true,
               &stack, &out);
  absl::StrAppend(&out, "response ", method.output_type()->full_name(),
                  "  (`polytomicctl describe ",
                  method.output_type()->full_name(), "` for its fields)\n");
  return out;
}

std::string DescribeMessage(const Descriptor& type, int indent) {
  std::string out;
  std::vector<const Descriptor*> stack = {&type};
  AppendFields(type, indent, {}, /*request=*/false, &stack, &out);
  return out;
}

}  // namespace client::ctl
