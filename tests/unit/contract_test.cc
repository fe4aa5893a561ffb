// Contract test: the gRPC contract (proto/polytomic/v1, read from the generated
// descriptor pool) against the REST reference (tests/testdata/openapi.json).
//
// For every operation of the reference there must be exactly one RPC whose
// `rest` option names it, with the same method and path; its request message
// must bind exactly the reference's path, header, query and body parameters,
// and its response message must mirror the 200 body, recursively, with the
// same wire names, compatible types and the same required members. On top of
// that every message and enum of the package must follow the conventions of
// options.proto (explicit json_name, wire values, additional_fields, optional
// scalars, int64, UUID formats).
//
// Where the contract deliberately differs from the reference the difference
// is listed, with its reason, in kDiscrepancies below, and nowhere else.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "polytomic/v1/bulk_sync.pb.h"
#include "polytomic/v1/bulk_sync_execution.pb.h"
#include "polytomic/v1/bulk_sync_schedule.pb.h"
#include "polytomic/v1/bulk_sync_schema.pb.h"
#include "polytomic/v1/common.pb.h"
#include "polytomic/v1/model_sync.pb.h"
#include "polytomic/v1/model_sync_execution.pb.h"
#include "polytomic/v1/model_sync_target.pb.h"
#include "polytomic/v1/options.pb.h"

#ifndef POLYTOMIC_OPENAPI_JSON
#error "POLYTOMIC_OPENAPI_JSON must name tests/testdata/openapi.json"
#endif

namespace {

namespace pb = google::protobuf;
namespace pv1 = polytomic::v1;
using json = nlohmann::json;

constexpr std::size_t kExpectedOperations = 50;

// ---------------------------------------------------------------------------
// Documented discrepancies between the contract and the reference. Each entry
// exempts one field in one comparison:
//   "response <schema>"  the field is absent from that response schema;
//   "request <schema>"   the field is absent from that request schema, or the
//                        schema's property is served by an OUTPUT_ONLY field;
//   "query <operation>"  the query parameter is absent from the reference or
//                        has another shape there.
// <schema> is a component schema name, or "<operationId> body" for an inline
// request body. Every entry must be used (DiscrepancyTable.EveryEntryIsUsed).
struct Discrepancy {
  const char* field;    // full proto name of the field
  const char* context;  // the comparison it is exempt from
  const char* reason;
};

constexpr const char kPaginatedBulkList[] =
    "endpoints.md: the 2025-09-18 bulk sync list is paginated (page_token, "
    "limit, pagination.next_page_token), though the SDK's request and "
    "BulkSyncListEnvelope do not model it";
constexpr const char kListItemSchema[] =
    "one BulkSchema message serves list, get, patch and update; "
    "BulkSchemaListItem omits fields and filters ('not populated on the list "
    "endpoint')";
constexpr const char kComputedOutputName[] =
    "the PATCH body reuses the response schema; output_name is computed (the "
    "effective destination name), so it is OUTPUT_ONLY and user_output_name "
    "is the writable name";

constexpr Discrepancy kDiscrepancies[] = {
    {"polytomic.v1.ListBulkSyncsResponse.pagination",
     "response BulkSyncListEnvelope", kPaginatedBulkList},
    {"polytomic.v1.ListBulkSyncsRequest.page_token", "query bulkSync.list",
     kPaginatedBulkList},
    {"polytomic.v1.ListBulkSyncsRequest.limit", "query bulkSync.list",
     kPaginatedBulkList},
    {"polytomic.v1.BulkSyncSchedule.id", "response BulkBulkSyncSchedule",
     "a schedule must carry its id to be addressable (Get/Update/Delete); "
     "the API returns it though BulkBulkSyncSchedule does not declare it"},
    {"polytomic.v1.BulkSchema.fields", "response BulkSchemaListItem",
     kListItemSchema},
    {"polytomic.v1.BulkSchema.filters", "response BulkSchemaListItem",
     kListItemSchema},
    {"polytomic.v1.BulkSchema.id", "request bulkSync.schemas.update body",
     "the PUT body has no id (the path's schema_id names the schema); "
     "BulkSchema.id is what matches schemas in PATCH, callers leave it unset "
     "on PUT"},
    {"polytomic.v1.BulkSchema.output_name", "request BulkSchema",
     kComputedOutputName},
    {"polytomic.v1.BulkField.output_name", "request BulkField",
     kComputedOutputName},
    {"polytomic.v1.ListModelSyncsRequest.mode", "query modelSync.list",
     "endpoints.md marks `mode` [repeated] (the SDK takes one value or a "
     "list); the reference schema declares one value. Sent as one query "
     "parameter per value"},
};

// Path parameters that are not UUIDs (endpoints.md, section 6).
const std::set<std::string>& NonUuidPathParams() {
  static const auto* const names =
      new std::set<std::string>{"schema_id", "type", "filename", "property"};
  return *names;
}

// The header every call carries; the gateway sets it, not the caller.
constexpr const char kVersionHeader[] = "X-Polytomic-Version";
constexpr const char kIdempotencyHeader[] = "Idempotency-Key";

// ---------------------------------------------------------------------------
// The reference.

const json& Spec() {
  static const json* const spec = [] {
    std::ifstream in(POLYTOMIC_OPENAPI_JSON);
    if (!in) {
      std::cerr << "cannot open " << POLYTOMIC_OPENAPI_JSON << "\n";
      return new json(json::object());
    }
    return new json(json::parse(in));
  }();
  return *spec;
}

const json& Resolve(const json& schema) {
  const json* cur = &schema;
  for (int depth = 0; depth < 16 && cur->is_object() && cur->contains("$ref");
       ++depth) {
    const std::string ref = (*cur)["$ref"].get<std::string>();
    cur = &Spec().at(json::json_pointer(ref.substr(1)));
  }
  return *cur;
}

// Name of the component a schema refers to ("" for inline schemas).
std::string RefName(const json& schema) {
  std::string name;
  const json* cur = &schema;
  for (int depth = 0; depth < 16 && cur->is_object() && cur->contains("$ref");
       ++depth) {
    const std::string ref = (*cur)["$ref"].get<std::string>();
    name = ref.substr(ref.rfind('/') + 1);
    cur = &Spec().at(json::json_pointer(ref.substr(1)));
  }
  return name;
}

struct Operation {
  std::string id;
  std::string method;  // lower case
  std::string path;
  const json* op = nullptr;
  std::vector<const json*> params;  // resolved, path item's first
};

const std::vector<Operation>& Operations() {
  static const auto* const ops = [] {
    auto* out = new std::vector<Operation>;
    if (!Spec().contains("paths")) return out;
    const json& paths = Spec().at("paths");
    for (auto p = paths.begin(); p != paths.end(); ++p) {
      std::vector<const json*> shared;
      if (p->contains("parameters")) {
        for (const json& prm : (*p)["parameters"])
          shared.push_back(&Resolve(prm));
      }
      for (auto m = p->begin(); m != p->end(); ++m) {
        if (m.key() == "parameters" || !m->is_object() ||
            !m->contains("operationId")) {
          continue;
        }
        Operation op;
        op.id = (*m)["operationId"].get<std::string>();
        op.method = m.key();
        op.path = p.key();
        op.op = &*m;
        op.params = shared;
        if (m->contains("parameters")) {
          for (const json& prm : (*m)["parameters"]) {
            op.params.push_back(&Resolve(prm));
          }
        }
        out->push_back(op);
      }
    }
    return out;
  }();
  return *ops;
}

// ---------------------------------------------------------------------------
// The contract. Referencing one message of each file links its generated code
// (and so registers its services) into this binary.

struct ServiceAnchor {
  const pb::Descriptor* anchor;
  const char* service;
};

const std::vector<const pb::ServiceDescriptor*>& Services() {
  static const auto* const services = [] {
    const ServiceAnchor anchors[] = {
        {pv1::ListBulkSyncsRequest::descriptor(), "BulkSyncService"},
        {pv1::ListBulkSyncExecutionsRequest::descriptor(),
         "BulkSyncExecutionService"},
        {pv1::ListBulkSyncSchemasRequest::descriptor(),
         "BulkSyncSchemaService"},
        {pv1::ListBulkSyncSchedulesRequest::descriptor(),
         "BulkSyncScheduleService"},
        {pv1::ListModelSyncsRequest::descriptor(), "ModelSyncService"},
        {pv1::ListModelSyncExecutionsRequest::descriptor(),
         "ModelSyncExecutionService"},
        {pv1::ListModelSyncTargetObjectsRequest::descriptor(),
         "ModelSyncTargetService"},
    };
    auto* out = new std::vector<const pb::ServiceDescriptor*>;
    for (const ServiceAnchor& a : anchors) {
      const pb::ServiceDescriptor* s =
          a.anchor->file()->FindServiceByName(a.service);
      if (s != nullptr) out->push_back(s);
    }
    return out;
  }();
  return *services;
}

// Every file of package polytomic.v1 reachable from the services, except
// options.proto (the options themselves are not part of the wire contract).
const std::vector<const pb::FileDescriptor*>& ContractFiles() {
  static const auto* const files = [] {
    auto* out = new std::vector<const pb::FileDescriptor*>;
    std::set<const pb::FileDescriptor*> seen;
    std::vector<const pb::FileDescriptor*> todo;
    for (const auto* s : Services()) todo.push_back(s->file());
    while (!todo.empty()) {
      const pb::FileDescriptor* f = todo.back();
      todo.pop_back();
      if (!seen.insert(f).second || f->package() != "polytomic.v1") continue;
      if (f != pv1::RestRoute::descriptor()->file()) out->push_back(f);
      for (int i = 0; i < f->dependency_count(); ++i) {
        todo.push_back(f->dependency(i));
      }
    }
    std::sort(out->begin(), out->end(), [](const auto* a, const auto* b) {
      return a->name() < b->name();
    });
    return out;
  }();
  return *files;
}

std::vector<const pb::Descriptor*> ContractMessages() {
  std::vector<const pb::Descriptor*> out;
  std::vector<const pb::Descriptor*> todo;
  for (const auto* f : ContractFiles()) {
    for (int i = 0; i < f->message_type_count(); ++i) {
      todo.push_back(f->message_type(i));
    }
  }
  while (!todo.empty()) {
    const pb::Descriptor* d = todo.back();
    todo.pop_back();
    if (d->options().map_entry()) continue;
    out.push_back(d);
    for (int i = 0; i < d->nested_type_count(); ++i) {
      todo.push_back(d->nested_type(i));
    }
  }
  return out;
}

std::vector<const pb::EnumDescriptor*> ContractEnums() {
  std::vector<const pb::EnumDescriptor*> out;
  for (const auto* f : ContractFiles()) {
    for (int i = 0; i < f->enum_type_count(); ++i)
      out.push_back(f->enum_type(i));
  }
  for (const auto* d : ContractMessages()) {
    for (int i = 0; i < d->enum_type_count(); ++i)
      out.push_back(d->enum_type(i));
  }
  return out;
}

const pv1::FieldRules& Rules(const pb::FieldDescriptor* f) {
  return f->options().GetExtension(pv1::field);
}
const pv1::MessageRules& MessageRulesOf(const pb::Descriptor* d) {
  return d->options().GetExtension(pv1::message);
}
bool IsAdditional(const pb::FieldDescriptor* f) {
  return Rules(f).additional_fields();
}
bool IsOutputOnly(const pb::FieldDescriptor* f) {
  return Rules(f).behavior() == pv1::FIELD_BEHAVIOR_OUTPUT_ONLY;
}
bool IsInputOnly(const pb::FieldDescriptor* f) {
  return Rules(f).behavior() == pv1::FIELD_BEHAVIOR_INPUT_ONLY;
}
bool IsGateway(const pb::FieldDescriptor* f) {
  return Rules(f).behavior() == pv1::FIELD_BEHAVIOR_GATEWAY;
}

std::string MethodName(pv1::HttpMethod m) {
  switch (m) {
    case pv1::HTTP_METHOD_GET:
      return "get";
    case pv1::HTTP_METHOD_POST:
      return "post";
    case pv1::HTTP_METHOD_PUT:
      return "put";
    case pv1::HTTP_METHOD_PATCH:
      return "patch";
    case pv1::HTTP_METHOD_DELETE:
      return "delete";
    default:
      return "unspecified";
  }
}

// The RPCs carrying a `rest` option, by operation id (several per id is a
// failure reported by Operations.OneRpcPerOperation).
std::multimap<std::string, const pb::MethodDescriptor*> RpcsByOperation() {
  std::multimap<std::string, const pb::MethodDescriptor*> out;
  for (const auto* s : Services()) {
    for (int i = 0; i < s->method_count(); ++i) {
      const pb::MethodDescriptor* m = s->method(i);
      if (m->options().HasExtension(pv1::rest)) {
        out.emplace(m->options().GetExtension(pv1::rest).operation_id(), m);
      }
    }
  }
  return out;
}

// Names of the `{param}`s of a path template.
std::vector<std::string> PathParams(const std::string& path) {
  std::vector<std::string> out;
  static const std::regex re("\\{([^}]+)\\}");
  for (auto it = std::sregex_iterator(path.begin(), path.end(), re);
       it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

// Full proto names of every path-bound request field.
std::set<std::string> PathFieldNames() {
  std::set<std::string> out;
  for (const auto& [op, rpc] : RpcsByOperation()) {
    for (const std::string& p :
         PathParams(rpc->options().GetExtension(pv1::rest).path())) {
      out.insert(rpc->input_type()->full_name() + "." + p);
    }
  }
  return out;
}

std::string UpperSnake(const std::string& camel) {
  std::string out;
  for (std::size_t i = 0; i < camel.size(); ++i) {
    const char c = camel[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0) out += '_';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// ---------------------------------------------------------------------------
// The comparison of one operation.

enum class Dir { kRequest, kResponse, kQuery, kPath };

const char* DirName(Dir d) {
  switch (d) {
    case Dir::kRequest:
      return "request";
    case Dir::kResponse:
      return "response";
    case Dir::kQuery:
      return "query";
    case Dir::kPath:
      return "path";
  }
  return "?";
}

enum class Kind {
  kAny,
  kFreeObject,
  kObject,
  kMap,
  kArray,
  kString,
  kDateTime,
  kInteger,
  kNumber,
  kBoolean,
  kEnum,
  kUnion
};

struct Shape {
  Kind kind;
  const json* schema;  // resolved
  std::string name;    // component name, "" when inline
};

Shape Classify(const json& schema) {
  Shape sh{Kind::kAny, &Resolve(schema), RefName(schema)};
  const json& s = *sh.schema;
  if (!s.is_object()) return sh;
  if (s.contains("oneOf") || s.contains("anyOf")) {
    sh.kind = Kind::kUnion;
  } else if (s.contains("enum")) {
    sh.kind = Kind::kEnum;
  } else {
    const std::string type = s.value("type", "");
    if (type == "array") {
      sh.kind = Kind::kArray;
    } else if (type == "object") {
      if (s.contains("properties")) {
        sh.kind = Kind::kObject;
      } else if (s.contains("additionalProperties") &&
                 s["additionalProperties"].is_object()) {
        sh.kind = Kind::kMap;
      } else {
        sh.kind = Kind::kFreeObject;
      }
    } else if (type == "string") {
      sh.kind = s.value("format", "") == "date-time" ? Kind::kDateTime
                                                     : Kind::kString;
    } else if (type == "integer") {
      sh.kind = Kind::kInteger;
    } else if (type == "number") {
      sh.kind = Kind::kNumber;
    } else if (type == "boolean") {
      sh.kind = Kind::kBoolean;
    }
  }
  return sh;
}

std::string Describe(const Shape& sh) {
  switch (sh.kind) {
    case Kind::kAny:
      return "any";
    case Kind::kFreeObject:
      return "free-form object";
    case Kind::kObject:
      return "object " + (sh.name.empty() ? "(inline)" : sh.name);
    case Kind::kMap:
      return "map";
    case Kind::kArray:
      return "array";
    case Kind::kString:
      return "string";
    case Kind::kDateTime:
      return "string(date-time)";
    case Kind::kInteger:
      return "integer";
    case Kind::kNumber:
      return "number";
    case Kind::kBoolean:
      return "boolean";
    case Kind::kEnum:
      return "enum " + sh.name;
    case Kind::kUnion:
      return "oneOf";
  }
  return "?";
}

std::string Describe(const pb::FieldDescriptor* f) {
  std::string t = f->type() == pb::FieldDescriptor::TYPE_MESSAGE
                      ? f->message_type()->full_name()
                  : f->type() == pb::FieldDescriptor::TYPE_ENUM
                      ? f->enum_type()->full_name()
                      : f->type_name();
  if (f->is_map()) return "map";
  return f->is_repeated() ? "repeated " + t : t;
}

class Checker {
 public:
  explicit Checker(std::set<std::string>* used) : used_(used) {}

  const std::vector<std::string>& errors() const { return errors_; }
  int checks() const { return checks_; }

  void CheckOperation(const Operation& op) {
    const std::string where_op =
        "operation " + op.id + " (" + op.method + " " + op.path + ")";
    const auto rpcs = RpcsByOperation();
    const auto range = rpcs.equal_range(op.id);
    const auto count = std::distance(range.first, range.second);
    if (count != 1) {
      Fail(where_op, "has " + std::to_string(count) +
                         " RPCs with this operation_id, want 1");
      if (count == 0) return;
    }
    const pb::MethodDescriptor* rpc = range.first->second;
    const pv1::RestRoute& route = rpc->options().GetExtension(pv1::rest);
    const std::string where = "RPC " + rpc->full_name() + " [" + op.id + "]";
    Expect(MethodName(route.method()) == op.method, where,
           "method " + MethodName(route.method()) + ", reference " + op.method);
    Expect(route.path() == op.path, where,
           "path " + Quote(route.path()) + ", reference " + Quote(op.path));
    Expect(rpc->input_type()->name() == rpc->name() + "Request", where,
           "request message is " + rpc->input_type()->name() + ", want " +
               rpc->name() + "Request");
    Expect(rpc->output_type()->name() == rpc->name() + "Response", where,
           "response message is " + rpc->output_type()->name() + ", want " +
               rpc->name() + "Response");

    const pb::Descriptor* in = rpc->input_type();
    std::set<const pb::FieldDescriptor*> bound;

    // Path parameters.
    std::set<std::string> template_params;
    for (const std::string& name : PathParams(route.path())) {
      template_params.insert(name);
      const pb::FieldDescriptor* f = in->FindFieldByName(name);
      const std::string w = where + " path {" + name + "}";
      if (f == nullptr) {
        Fail(w, "is not a top-level field of " + in->full_name());
        continue;
      }
      bound.insert(f);
      const json* param = FindParam(op, "path", name);
      if (param == nullptr) {
        Fail(w, "is not a path parameter of the reference");
        continue;
      }
      ++checks_;
      Expect(f->json_name() == name, w, "json_name " + Quote(f->json_name()));
      Expect(
          !f->is_repeated() && !f->has_optional_keyword() &&
              (f->type() == pb::FieldDescriptor::TYPE_STRING ||
               f->type() == pb::FieldDescriptor::TYPE_ENUM),
          w,
          "must be a plain (non-optional) string or enum, is " + Describe(f));
      CheckElement(f, param->value("schema", json::object()), w, Dir::kPath);
      const bool uuid = Rules(f).format() == pv1::FIELD_FORMAT_UUID;
      const bool want_uuid = NonUuidPathParams().count(name) == 0;
      Expect(uuid == want_uuid, w,
             want_uuid ? "must have (field).format = FIELD_FORMAT_UUID"
                       : "is not a UUID and must not have a UUID format");
    }
    for (const json* p : op.params) {
      if (p->value("in", "") == "path" &&
          template_params.count(p->value("name", "")) == 0) {
        Fail(where, "reference path parameter " + p->value("name", "") +
                        " is not in the path");
      }
    }

    // Header parameters.
    std::set<std::string> spec_headers;
    for (const json* p : op.params) {
      if (p->value("in", "") != "header") continue;
      const std::string name = p->value("name", "");
      if (name == kVersionHeader) continue;
      spec_headers.insert(name);
    }
    std::set<std::string> field_headers;
    for (int i = 0; i < in->field_count(); ++i) {
      const pb::FieldDescriptor* f = in->field(i);
      const std::string& header = Rules(f).header();
      if (header.empty()) continue;
      bound.insert(f);
      field_headers.insert(header);
      const std::string w =
          where + " header " + header + " (" + f->full_name() + ")";
      ++checks_;
      if (spec_headers.count(header) == 0) {
        Fail(w, "the reference operation has no such header parameter");
      }
      Expect(f->type() == pb::FieldDescriptor::TYPE_STRING &&
                 f->has_optional_keyword(),
             w, "must be an optional string");
      if (header == kIdempotencyHeader) {
        Expect(
            f->name() == "idempotency_key" &&
                f->json_name() == "idempotency_key",
            w,
            "must be named idempotency_key with json_name \"idempotency_key\"");
        Expect(Rules(f).format() == pv1::FIELD_FORMAT_IDEMPOTENCY_KEY, w,
               "must have (field).format = FIELD_FORMAT_IDEMPOTENCY_KEY");
      }
    }
    for (const std::string& h : spec_headers) {
      if (field_headers.count(h) == 0) {
        Fail(where,
             "reference header parameter " + h +
                 " has no request field with (field).header = " + Quote(h));
      }
    }

    // Gateway-only fields are bound to nothing upstream.
    for (int i = 0; i < in->field_count(); ++i) {
      if (IsGateway(in->field(i))) bound.insert(in->field(i));
    }

    // Body.
    const bool spec_body = op.op->contains("requestBody");
    const json body_schema =
        spec_body
            ? (*op.op)["requestBody"]["content"]["application/json"].value(
                  "schema", json::object())
            : json::object();
    const std::string body_ctx_inline = op.id + " body";
    if (route.body().empty()) {
      Expect(!spec_body, where,
             "has no body but the reference operation has a request body");
    } else if (!spec_body) {
      Fail(where, "has body " + Quote(route.body()) +
                      " but the reference operation has none");
    } else if (route.body() == "*") {
      ++checks_;
      const Shape sh = Classify(body_schema);
      if (sh.kind != Kind::kObject) {
        Fail(where, "body \"*\" but the reference body is " + Describe(sh));
      } else {
        CheckMessage(in, *sh.schema,
                     sh.name.empty() ? body_ctx_inline : sh.name, Dir::kRequest,
                     &bound);
      }
    } else {
      const pb::FieldDescriptor* f = in->FindFieldByName(route.body());
      const std::string w = where + " body field " + Quote(route.body());
      if (f == nullptr || f->type() != pb::FieldDescriptor::TYPE_MESSAGE ||
          f->is_repeated()) {
        Fail(w, "must be a singular message field of " + in->full_name());
      } else {
        ++checks_;
        bound.insert(f);
        const bool body_required =
            (*op.op)["requestBody"].value("required", false);
        Expect(Rules(f).required() == body_required, w,
               std::string("(field).required is ") +
                   (Rules(f).required() ? "true" : "false") +
                   ", reference requestBody.required is " +
                   (body_required ? "true" : "false"));
        const Shape sh = Classify(body_schema);
        if (sh.kind != Kind::kObject) {
          Fail(w, "the reference body is " + Describe(sh));
        } else {
          CheckMessage(f->message_type(), *sh.schema,
                       sh.name.empty() ? body_ctx_inline : sh.name,
                       Dir::kRequest);
        }
      }
    }

    // Query parameters: every request field bound to nothing else.
    std::map<std::string, const json*> spec_query;
    for (const json* p : op.params) {
      if (p->value("in", "") == "query") spec_query[p->value("name", "")] = p;
    }
    std::set<std::string> field_query;
    if (route.body() != "*") {
      for (int i = 0; i < in->field_count(); ++i) {
        const pb::FieldDescriptor* f = in->field(i);
        if (bound.count(f) != 0 || IsAdditional(f)) continue;
        const std::string w = where + " query " + Quote(f->json_name()) + " (" +
                              f->full_name() + ")";
        field_query.insert(f->json_name());
        const auto it = spec_query.find(f->json_name());
        if (it == spec_query.end()) {
          if (!Allowed(f, "query " + op.id)) {
            Fail(w, "the reference operation has no such query parameter");
          }
          continue;
        }
        ++checks_;
        const json& param = *it->second;
        const json schema = param.value("schema", json::object());
        const bool required = param.value("required", false);
        Expect(Rules(f).required() == required, w,
               std::string("(field).required must be ") +
                   (required ? "true" : "false"));
        const Shape sh = Classify(schema);
        Expect(Rules(f).query_json() ==
                   (sh.kind == Kind::kMap || sh.kind == Kind::kObject ||
                    sh.kind == Kind::kFreeObject),
               w,
               "(field).query_json must be set exactly for object-valued "
               "parameters");
        if (f->is_repeated() && !f->is_map() && sh.kind != Kind::kArray &&
            sh.kind != Kind::kUnion && Allowed(f, "query " + op.id)) {
          CheckElement(f, schema, w, Dir::kQuery);
        } else {
          CheckFieldType(f, schema, w, Dir::kQuery);
        }
      }
    }
    for (const auto& [name, p] : spec_query) {
      if (field_query.count(name) == 0) {
        Fail(where, "reference query parameter " + Quote(name) +
                        " has no request field with that json_name (not bound "
                        "to path, body, "
                        "header or gateway)");
      }
    }

    // Response.
    const json& ok = (*op.op)["responses"].value("200", json::object());
    const pb::Descriptor* out = rpc->output_type();
    if (ok.contains("content")) {
      const json schema =
          ok["content"]["application/json"].value("schema", json::object());
      const Shape sh = Classify(schema);
      if (sh.kind != Kind::kObject) {
        Fail(where, "the reference 200 body is " + Describe(sh) +
                        ", not an object envelope");
      } else {
        ++checks_;
        CheckMessage(out, *sh.schema,
                     sh.name.empty() ? op.id + " response" : sh.name,
                     Dir::kResponse);
      }
    } else {
      ++checks_;
      for (int i = 0; i < out->field_count(); ++i) {
        Expect(IsAdditional(out->field(i)), where,
               "the reference 200 has no body, so " + out->full_name() +
                   " may only hold additional_fields, not " +
                   out->field(i)->name());
      }
      Expect(out->field_count() == 1, where,
             out->full_name() + " must hold exactly additional_fields");
    }
  }

 private:
  void Fail(const std::string& where, const std::string& what) {
    errors_.push_back(where + ": " + what);
  }
  void Expect(bool ok, const std::string& where, const std::string& what) {
    ++checks_;
    if (!ok) Fail(where, what);
  }

  bool Allowed(const pb::FieldDescriptor* f, const std::string& context) {
    for (const Discrepancy& d : kDiscrepancies) {
      if (f->full_name() == d.field && context == d.context) {
        used_->insert(std::string(d.field) + " @ " + d.context);
        return true;
      }
    }
    return false;
  }

  static const json* FindParam(const Operation& op, const std::string& in,
                               const std::string& name) {
    for (const json* p : op.params) {
      if (p->value("in", "") == in && p->value("name", "") == name) return p;
    }
    return nullptr;
  }

  // A field (with its cardinality) against a property schema.
  void CheckFieldType(const pb::FieldDescriptor* f, const json& schema,
                      const std::string& where, Dir dir) {
    const Shape sh = Classify(schema);
    if (f->is_map()) {
      if (sh.kind != Kind::kMap) {
        Fail(where, "is a proto map but the reference has " + Describe(sh));
        return;
      }
      const pb::Descriptor* entry = f->message_type();
      Expect(entry->map_key()->type() == pb::FieldDescriptor::TYPE_STRING,
             where, "map keys must be strings");
      CheckElement(entry->map_value(), (*sh.schema)["additionalProperties"],
                   where + " (map value)", dir);
      return;
    }
    if (f->is_repeated()) {
      const json* items = nullptr;
      if (sh.kind == Kind::kArray) {
        items = &(*sh.schema)["items"];
      } else if (sh.kind == Kind::kUnion && dir == Dir::kQuery) {
        // `T | T[]` query parameters repeat the parameter once per value.
        for (const json& v : sh.schema->at("oneOf")) {
          const Shape vs = Classify(v);
          if (vs.kind == Kind::kArray) items = &(*vs.schema)["items"];
        }
      }
      if (items == nullptr) {
        Fail(where, "is repeated but the reference has " + Describe(sh));
        return;
      }
      CheckElement(f, *items, where + "[]", dir);
      return;
    }
    CheckElement(f, schema, where, dir);
  }

  // The field's element type (cardinality aside) against a schema.
  void CheckElement(const pb::FieldDescriptor* f, const json& schema,
                    const std::string& where, Dir dir) {
    ++checks_;
    const Shape sh = Classify(schema);
    const pb::Descriptor* m = f->type() == pb::FieldDescriptor::TYPE_MESSAGE
                                  ? f->message_type()
                                  : nullptr;
    const std::string mname = m != nullptr ? m->full_name() : "";
    const std::string got =
        "proto " + Describe(f) + " vs reference " + Describe(sh);
    switch (sh.kind) {
      case Kind::kAny:
        Expect(mname == "google.protobuf.Value", where,
               got + ": want google.protobuf.Value");
        return;
      case Kind::kFreeObject:
        Expect(mname == "google.protobuf.Struct", where,
               got + ": want google.protobuf.Struct");
        return;
      case Kind::kString:
        Expect(f->type() == pb::FieldDescriptor::TYPE_STRING, where,
               got + ": want string");
        return;
      case Kind::kDateTime:
        Expect(mname == "google.protobuf.Timestamp", where,
               got + ": want google.protobuf.Timestamp");
        return;
      case Kind::kInteger:
        Expect(f->type() == pb::FieldDescriptor::TYPE_INT64, where,
               got + ": want int64");
        return;
      case Kind::kNumber:
        Expect(f->type() == pb::FieldDescriptor::TYPE_DOUBLE, where,
               got + ": want double");
        return;
      case Kind::kBoolean:
        Expect(f->type() == pb::FieldDescriptor::TYPE_BOOL, where,
               got + ": want bool");
        return;
      case Kind::kEnum:
        if (f->type() != pb::FieldDescriptor::TYPE_ENUM) {
          Fail(where, got + ": want a proto enum");
        } else {
          CheckEnumValues(f->enum_type(), *sh.schema,
                          where + " enum " + sh.name);
        }
        return;
      case Kind::kMap:
        Fail(where, got + ": a map property needs a proto map field");
        return;
      case Kind::kArray:
        if (m != nullptr && MessageRulesOf(m).json_list() &&
            m->field_count() == 1) {
          CheckFieldType(m->field(0), *sh.schema,
                         where + " (" + m->name() + ")", dir);
        } else {
          Fail(
              where,
              got +
                  ": an array needs a repeated field (or a json_list message)");
        }
        return;
      case Kind::kUnion:
        if (m != nullptr && MessageRulesOf(m).json_union()) {
          CheckUnion(m, *sh.schema, where, dir);
        } else {
          Fail(where, got + ": a oneOf needs a json_union message");
        }
        return;
      case Kind::kObject:
        if (m == nullptr || m->file()->package() != "polytomic.v1") {
          Fail(
              where,
              got + ": an object with properties needs a polytomic.v1 message");
        } else {
          CheckMessage(m, *sh.schema, sh.name.empty() ? where : sh.name, dir);
        }
        return;
    }
  }

  void CheckEnumValues(const pb::EnumDescriptor* e, const json& schema,
                       const std::string& where) {
    std::set<std::string> proto_values;
    for (int i = 0; i < e->value_count(); ++i) {
      const pb::EnumValueDescriptor* v = e->value(i);
      if (v->number() == 0) continue;
      proto_values.insert(v->options().GetExtension(pv1::wire_value));
    }
    std::set<std::string> spec_values;
    for (const json& v : schema.value("enum", json::array())) {
      if (v.is_string()) spec_values.insert(v.get<std::string>());
    }
    for (const std::string& v : spec_values) {
      Expect(proto_values.count(v) != 0, where,
             e->full_name() + " has no value with wire_value " + Quote(v));
    }
    for (const std::string& v : proto_values) {
      Expect(spec_values.count(v) != 0, where,
             e->full_name() + " wire_value " + Quote(v) +
                 " is not a reference value");
    }
  }

  void CheckUnion(const pb::Descriptor* m, const json& schema,
                  const std::string& where, Dir dir) {
    if (m->real_oneof_decl_count() != 1 ||
        m->field_count() != m->oneof_decl(0)->field_count()) {
      Fail(where,
           m->full_name() +
               " (json_union) must hold exactly one oneof and nothing else");
      return;
    }
    const json& variants =
        schema.contains("oneOf") ? schema.at("oneOf") : schema.at("anyOf");
    Expect(static_cast<int>(variants.size()) == m->field_count(), where,
           m->full_name() + " has " + std::to_string(m->field_count()) +
               " oneof members, the reference union " +
               std::to_string(variants.size()));
    for (const json& v : variants) {
      const Shape vs = Classify(v);
      const pb::FieldDescriptor* match = nullptr;
      for (int i = 0; i < m->field_count(); ++i) {
        const pb::FieldDescriptor* f = m->field(i);
        const bool is_msg = f->type() == pb::FieldDescriptor::TYPE_MESSAGE;
        if ((vs.kind == Kind::kObject && is_msg) ||
            (vs.kind != Kind::kObject && !is_msg)) {
          match = f;
        }
      }
      if (match == nullptr) {
        Fail(where, m->full_name() + " has no oneof member for union variant " +
                        Describe(vs));
        continue;
      }
      CheckElement(match, v,
                   where + " (" + m->name() + "." + match->name() + ")", dir);
    }
  }

  // A message against an object schema. `skip` holds request fields bound
  // elsewhere (path, header, gateway) when the message is the body itself.
  void CheckMessage(
      const pb::Descriptor* m, const json& schema, const std::string& ctx,
      Dir dir, const std::set<const pb::FieldDescriptor*>* skip = nullptr) {
    const Dir d = dir == Dir::kResponse ? Dir::kResponse : Dir::kRequest;
    const std::string key = m->full_name() + "|" + ctx + "|" + DirName(d);
    if (!visited_.insert(key).second) return;
    const std::string where_ctx = std::string(DirName(d)) + " " + ctx;
    const json props = schema.value("properties", json::object());
    std::set<std::string> required;
    for (const json& r : schema.value("required", json::array())) {
      required.insert(r.get<std::string>());
    }

    bool has_additional = false;
    std::map<std::string, const pb::FieldDescriptor*> by_json;
    for (int i = 0; i < m->field_count(); ++i) {
      const pb::FieldDescriptor* f = m->field(i);
      if (skip != nullptr && skip->count(f) != 0) continue;
      if (IsAdditional(f)) {
        has_additional = true;
        continue;
      }
      // The gateway's own fields (etags, update masks) never travel.
      if (IsGateway(f)) continue;
      if (!by_json.emplace(f->json_name(), f).second) {
        Fail(m->full_name(),
             "two fields share json_name " + Quote(f->json_name()));
      }
    }
    Expect(
        has_additional, m->full_name(),
        "maps a JSON object (" + where_ctx +
            ") but has no `google.protobuf.Struct additional_fields = 1000`");

    for (const auto& [jn, f] : by_json) {
      const std::string where =
          f->full_name() + " (json " + Quote(jn) + ") vs " + where_ctx;
      const bool travels =
          d == Dir::kRequest ? !IsOutputOnly(f) : !IsInputOnly(f);
      ++checks_;
      if (!props.contains(jn)) {
        if (!travels || Allowed(f, where_ctx)) continue;
        Fail(where, "the reference schema has no such property");
        continue;
      }
      CheckFieldType(f, props[jn], where, d);
      if (d == Dir::kRequest && !travels) {
        if (!Allowed(f, where_ctx)) {
          Fail(where,
               "is a property of the request schema but the field is "
               "OUTPUT_ONLY");
        }
      } else if (d == Dir::kRequest) {
        const bool want = required.count(jn) != 0;
        Expect(Rules(f).required() == want, where,
               std::string("(field).required must be ") +
                   (want ? "true" : "false") + " (reference `required`)");
      }
    }
    for (auto it = props.begin(); it != props.end(); ++it) {
      ++checks_;
      if (by_json.count(it.key()) == 0) {
        Fail(m->full_name(), "property " + Quote(it.key()) + " of " +
                                 where_ctx +
                                 " has no field with that json_name");
      }
    }
  }

  std::set<std::string>* used_;
  std::set<std::string> visited_;
  std::vector<std::string> errors_;
  int checks_ = 0;
};

std::string TestName(const std::string& operation_id) {
  std::string out;
  for (char c : operation_id) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  return out;
}

std::vector<std::string> OperationIds() {
  std::vector<std::string> out;
  for (const Operation& op : Operations()) out.push_back(op.id);
  return out;
}

// ---------------------------------------------------------------------------
// Tests.

TEST(Reference, Loads) {
  ASSERT_TRUE(Spec().contains("paths"))
      << "cannot read " << POLYTOMIC_OPENAPI_JSON;
  EXPECT_EQ(Operations().size(), kExpectedOperations);
}

TEST(Operations, OneRpcPerOperation) {
  ASSERT_EQ(Services().size(), 7u) << "a service of polytomic.v1 is not linked";
  std::set<std::string> spec_ids;
  for (const Operation& op : Operations()) spec_ids.insert(op.id);

  int rest_rpcs = 0;
  std::set<std::string> rpc_names;
  for (const auto* s : Services()) {
    for (int i = 0; i < s->method_count(); ++i) {
      const pb::MethodDescriptor* m = s->method(i);
      EXPECT_TRUE(rpc_names.insert(m->name()).second)
          << "RPC name " << m->name()
          << " is used by two services; RPC names must be unique "
          << "across polytomic.v1";
      if (!m->options().HasExtension(pv1::rest)) {
        ADD_FAILURE() << "RPC " << m->full_name() << " has no (rest) option";
        continue;
      }
      ++rest_rpcs;
      const std::string& id =
          m->options().GetExtension(pv1::rest).operation_id();
      EXPECT_EQ(spec_ids.count(id), 1u)
          << "RPC " << m->full_name() << " names operation " << Quote(id)
          << ", which the reference does not have";
    }
  }
  EXPECT_EQ(rest_rpcs, static_cast<int>(kExpectedOperations));

  const auto rpcs = RpcsByOperation();
  for (const std::string& id : spec_ids) {
    EXPECT_EQ(rpcs.count(id), 1u)
        << "operation " << id << " must have exactly one RPC";
  }
}

class OperationContract : public ::testing::TestWithParam<std::string> {};

TEST_P(OperationContract, MatchesReference) {
  const Operation* op = nullptr;
  for (const Operation& o : Operations()) {
    if (o.id == GetParam()) op = &o;
  }
  ASSERT_NE(op, nullptr);
  std::set<std::string> used;
  Checker checker(&used);
  checker.CheckOperation(*op);
  for (const std::string& e : checker.errors()) ADD_FAILURE() << e;
  EXPECT_GT(checker.checks(), 0);
}

INSTANTIATE_TEST_SUITE_P(Reference, OperationContract,
                         ::testing::ValuesIn(OperationIds()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return TestName(info.param);
                         });

TEST(DiscrepancyTable, EveryEntryIsUsed) {
  std::set<std::string> used;
  int checks = 0;
  std::size_t errors = 0;
  for (const Operation& op : Operations()) {
    Checker checker(&used);
    checker.CheckOperation(op);
    checks += checker.checks();
    errors += checker.errors().size();
  }
  for (const Discrepancy& d : kDiscrepancies) {
    const std::string key = std::string(d.field) + " @ " + d.context;
    EXPECT_EQ(used.count(key), 1u)
        << "discrepancy " << key << " is not used by any comparison; remove it";
    const std::string full = d.field;
    const auto dot = full.rfind('.');
    const pb::Descriptor* m =
        pb::DescriptorPool::generated_pool()->FindMessageTypeByName(
            full.substr(0, dot));
    EXPECT_TRUE(m != nullptr &&
                m->FindFieldByName(full.substr(dot + 1)) != nullptr)
        << "discrepancy names unknown field " << full;
    EXPECT_GT(std::string(d.reason).size(), 20u)
        << "discrepancy " << key << " needs a reason";
  }
  std::cout << "[ contract ] " << Operations().size() << " operations, "
            << checks << " comparisons, " << errors << " mismatches, "
            << (sizeof(kDiscrepancies) / sizeof(kDiscrepancies[0]))
            << " documented discrepancies\n";
}

TEST(Conventions, EveryFieldDeclaresItsJsonName) {
  for (const pb::Descriptor* m : ContractMessages()) {
    const pv1::MessageRules& mr = MessageRulesOf(m);
    for (int i = 0; i < m->field_count(); ++i) {
      const pb::FieldDescriptor* f = m->field(i);
      if (IsAdditional(f)) {
        EXPECT_TRUE(f->name() == "additional_fields" && f->number() == 1000 &&
                    f->type() == pb::FieldDescriptor::TYPE_MESSAGE &&
                    f->message_type()->full_name() ==
                        "google.protobuf.Struct" &&
                    !f->is_repeated())
            << f->full_name()
            << ": (field).additional_fields must be `google.protobuf.Struct "
               "additional_fields = 1000`";
        EXPECT_FALSE(f->has_json_name())
            << f->full_name() << ": additional_fields has no wire name";
        continue;
      }
      EXPECT_NE(f->name(), "additional_fields")
          << f->full_name() << " needs [(field).additional_fields = true]";
      if (mr.json_union() || mr.json_list())
        continue;  // no member name of their own
      EXPECT_TRUE(f->has_json_name())
          << f->full_name() << " has no explicit json_name";
      EXPECT_FALSE(f->json_name().empty()) << f->full_name();
    }
  }
}

TEST(Conventions, ScalarsAreOptionalAndIntegersInt64) {
  const std::set<std::string> path_fields = PathFieldNames();
  for (const pb::Descriptor* m : ContractMessages()) {
    const pv1::MessageRules& mr = MessageRulesOf(m);
    for (int i = 0; i < m->field_count(); ++i) {
      const pb::FieldDescriptor* f = m->field(i);
      switch (f->type()) {
        case pb::FieldDescriptor::TYPE_INT32:
        case pb::FieldDescriptor::TYPE_UINT32:
        case pb::FieldDescriptor::TYPE_UINT64:
        case pb::FieldDescriptor::TYPE_SINT32:
        case pb::FieldDescriptor::TYPE_SINT64:
        case pb::FieldDescriptor::TYPE_FIXED32:
        case pb::FieldDescriptor::TYPE_FIXED64:
        case pb::FieldDescriptor::TYPE_SFIXED32:
        case pb::FieldDescriptor::TYPE_SFIXED64:
        case pb::FieldDescriptor::TYPE_FLOAT:
        case pb::FieldDescriptor::TYPE_BYTES:
          ADD_FAILURE() << f->full_name() << " is " << f->type_name()
                        << "; JSON integers are int64, numbers double";
          break;
        default:
          break;
      }
      const bool scalar = f->type() != pb::FieldDescriptor::TYPE_MESSAGE &&
                          f->type() != pb::FieldDescriptor::TYPE_ENUM;
      if (!scalar || f->is_repeated() || mr.json_union()) continue;
      if (path_fields.count(f->full_name()) != 0) {
        EXPECT_FALSE(f->has_optional_keyword())
            << f->full_name()
            << " is a path parameter: a plain, non-optional field";
      } else {
        EXPECT_TRUE(f->has_optional_keyword())
            << f->full_name() << " is a scalar and must be `optional`";
      }
    }
  }
}

TEST(Conventions, FieldRulesAreCoherent) {
  for (const pb::Descriptor* m : ContractMessages()) {
    for (int i = 0; i < m->field_count(); ++i) {
      const pb::FieldDescriptor* f = m->field(i);
      const pv1::FieldRules& r = Rules(f);
      EXPECT_FALSE(r.required() &&
                   r.behavior() == pv1::FIELD_BEHAVIOR_OUTPUT_ONLY)
          << f->full_name() << " cannot be both required and OUTPUT_ONLY";
      if (r.format() != pv1::FIELD_FORMAT_UNSPECIFIED) {
        EXPECT_EQ(f->type(), pb::FieldDescriptor::TYPE_STRING)
            << f->full_name() << ": (field).format applies to strings only";
      }
      if (r.query_json()) {
        EXPECT_TRUE(f->is_map())
            << f->full_name() << ": (field).query_json is for map fields";
      }
      const std::string& n = f->name();
      const bool connection_id =
          n == "connection_id" ||
          (n.size() > 14 &&
           n.compare(n.size() - 14, 14, "_connection_id") == 0);
      if (connection_id && f->type() == pb::FieldDescriptor::TYPE_STRING) {
        EXPECT_EQ(r.format(), pv1::FIELD_FORMAT_UUID)
            << f->full_name()
            << " is a connection id: (field).format = FIELD_FORMAT_UUID";
      }
    }
  }
}

TEST(Conventions, EnumsHaveUnspecifiedZeroAndWireValues) {
  std::set<std::string> enum_values;
  for (const pb::EnumDescriptor* e : ContractEnums()) {
    const std::string prefix = UpperSnake(e->name()) + "_";
    std::set<std::string> wire;
    for (int i = 0; i < e->value_count(); ++i) {
      const pb::EnumValueDescriptor* v = e->value(i);
      EXPECT_EQ(v->name().rfind(prefix, 0), 0u)
          << v->full_name() << " must start with " << prefix;
      EXPECT_TRUE(enum_values.insert(v->name()).second)
          << v->full_name() << " is not unique";
      const bool has_wire = v->options().HasExtension(pv1::wire_value);
      if (v->number() == 0) {
        EXPECT_EQ(v->name(), prefix + "UNSPECIFIED")
            << e->full_name() << " zero value";
        EXPECT_FALSE(has_wire)
            << v->full_name() << " is never sent and has no wire_value";
        continue;
      }
      EXPECT_TRUE(has_wire &&
                  !v->options().GetExtension(pv1::wire_value).empty())
          << v->full_name() << " has no (wire_value)";
      EXPECT_TRUE(
          wire.insert(v->options().GetExtension(pv1::wire_value)).second)
          << v->full_name() << " repeats a wire_value";
    }
  }
}

TEST(Conventions, ResponsesArePerRpcMessages) {
  std::set<const pb::Descriptor*> seen;
  for (const auto* s : Services()) {
    for (int i = 0; i < s->method_count(); ++i) {
      const pb::MethodDescriptor* m = s->method(i);
      EXPECT_TRUE(seen.insert(m->input_type()).second)
          << m->input_type()->full_name() << " is the request of two RPCs";
      EXPECT_TRUE(seen.insert(m->output_type()).second)
          << m->output_type()->full_name() << " is the response of two RPCs";
    }
  }
}

}  // namespace
