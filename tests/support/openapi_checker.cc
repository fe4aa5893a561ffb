// openapi_checker.cc: see openapi_checker.h.
//
// The checker walks the parsed OpenAPI document directly instead of compiling
// it into its own schema tree: the file is small, the subset is small, and
// keeping the document makes messages and `$ref` names trivially exact.
// Everything that could fail (bad JSON, dangling or cyclic `$ref`, unknown
// `type`, duplicate operationId) fails once in FromJson, so checking never
// meets a malformed schema.
#include "tests/support/openapi_checker.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "tests/support/openapi_embedded.h"

namespace openapi {
namespace internal {

using Json = nlohmann::json;

// RefMap maps every `$ref` string reachable from an operation to its target
// inside the owning document. Filled and validated once by FromJson.
using RefMap = std::unordered_map<std::string, const Json*>;

// BodySchema is what an operation declares for one request or response body.
struct BodySchema {
  bool present = false;          // false: the body must be empty
  const Json* schema = nullptr;  // null with present: not JSON, accept any
};

struct TemplateSegment {
  std::string literal;  // the parameter name when is_param
  bool is_param = false;
};

// OperationData is the checking side of one Operation (same index).
struct OperationData {
  std::vector<TemplateSegment> segments;
  BodySchema request;
  std::map<std::string, BodySchema> responses;  // by status key ("200")
};

}  // namespace internal

struct Spec::Impl {
  internal::Json doc;  // never modified after load: pointers below point in
  internal::RefMap refs;
  std::vector<Operation> operations;
  std::vector<internal::OperationData> data;
  std::map<std::string, size_t, std::less<>> by_id;
  const internal::Json* api_error = nullptr;
};

namespace {

using internal::BodySchema;
using internal::Json;
using internal::OperationData;
using internal::RefMap;
using internal::TemplateSegment;

// A `$ref` chain longer than this is treated as a cycle.
constexpr int kMaxRefHops = 32;
// Guards against schemas that recurse without consuming the value (a oneOf
// whose branch is the schema itself); no real document nests this deep.
constexpr int kMaxDepth = 256;
constexpr const char* kMethods[] = {"get",   "put",  "post",    "delete",
                                    "patch", "head", "options", "trace"};
constexpr const char* kTypes[] = {"object",  "array",  "string",
                                  "integer", "number", "boolean"};

const Json* Member(const Json& object, const std::string& key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const std::string* StringMember(const Json& object, const std::string& key) {
  const Json* member = Member(object, key);
  if (member == nullptr || !member->is_string()) return nullptr;
  return &member->get_ref<const std::string&>();
}

// ResolvePointer resolves a local JSON reference ("#/components/schemas/X",
// RFC 6901 escapes) without nlohmann's json_pointer, which throws on bad
// syntax.
const Json* ResolvePointer(const Json& doc, const std::string& ref) {
  if (!absl::StartsWith(ref, "#/")) return nullptr;
  const Json* node = &doc;
  for (absl::string_view raw :
       absl::StrSplit(absl::string_view(ref).substr(2), '/')) {
    std::string token = absl::StrReplaceAll(raw, {{"~1", "/"}, {"~0", "~"}});
    if (node->is_object()) {
      node = Member(*node, token);
    } else if (node->is_array()) {
      size_t index = 0;
      if (!absl::SimpleAtoi(token, &index) || index >= node->size()) {
        return nullptr;
      }
      node = &(*node)[index];
    } else {
      return nullptr;
    }
    if (node == nullptr) return nullptr;
  }
  return node;
}

std::string LastRefComponent(const std::string& ref) {
  size_t slash = ref.rfind('/');
  return slash == std::string::npos ? ref : ref.substr(slash + 1);
}

std::string Dump(const Json& value) {
  // `replace` keeps dump() from throwing on invalid UTF-8 in a string.
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string JsonKind(const Json& value) {
  if (value.is_number_float()) return "number";
  if (value.is_number()) return "integer";
  return value.type_name();  // null, boolean, string, array, object
}

// Describe names a value for a message: its kind and, for scalars, the
// value itself (shortened).
std::string Describe(const Json& value) {
  if (value.is_structured() || value.is_null()) return JsonKind(value);
  std::string text = Dump(value);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return absl::StrCat(JsonKind(value), " ", text);
}

bool TypeMatches(const std::string& type, const Json& value) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  // Integral means written without fraction or exponent: the real API
  // decodes into Go ints, which reject `3.0` as well as `3.5`.
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  return true;  // unreachable: FromJson rejects other types
}

std::string ChildPath(const std::string& path, const std::string& key) {
  return path.empty() ? key : absl::StrCat(path, ".", key);
}

absl::Status Invalid(const std::string& where, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("openapi: ", where, ": ", what));
}

// Loader validates the parts of the document the checker reads and records
// every `$ref` it meets.
class Loader {
 public:
  Loader(const Json& doc, RefMap* refs) : doc_(doc), refs_(*refs) {}

  // Deref follows `$ref` on a non-schema object (parameter, response).
  absl::StatusOr<const Json*> Deref(const Json& node,
                                    const std::string& where) {
    const Json* current = &node;
    for (int hops = 0; hops < kMaxRefHops; ++hops) {
      const Json* ref = Member(*current, "$ref");
      if (ref == nullptr) return current;
      if (!ref->is_string()) return Invalid(where, "$ref is not a string");
      const Json* target = ResolvePointer(doc_, ref->get<std::string>());
      if (target == nullptr) {
        return Invalid(where, absl::StrCat("unresolved $ref ", Dump(*ref)));
      }
      current = target;
    }
    return Invalid(where, "$ref cycle");
  }

  absl::Status Schema(const Json& schema, const std::string& where) {
    if (schema.is_boolean()) return absl::OkStatus();
    if (!schema.is_object()) return Invalid(where, "schema is not an object");
    if (const Json* ref = Member(schema, "$ref")) {
      // OpenAPI 3.0 ignores the siblings of `$ref`, and so do we.
      if (!ref->is_string()) return Invalid(where, "$ref is not a string");
      const std::string& name = ref->get_ref<const std::string&>();
      const Json* target = ResolvePointer(doc_, name);
      if (target == nullptr) return Invalid(where, "unresolved $ref " + name);
      refs_[name] = target;
      if (!visited_.insert(name).second) return absl::OkStatus();
      return Schema(*target, name);
    }
    if (const Json* type = Member(schema, "type")) {
      if (!type->is_string() ||
          std::find(std::begin(kTypes), std::end(kTypes),
                    type->get_ref<const std::string&>()) == std::end(kTypes)) {
        return Invalid(where, "unsupported type " + Dump(*type));
      }
    }
    if (const Json* properties = Member(schema, "properties")) {
      if (!properties->is_object()) return Invalid(where, "bad properties");
      for (auto it = properties->begin(); it != properties->end(); ++it) {
        absl::Status status =
            Schema(it.value(), absl::StrCat(where, "/properties/", it.key()));
        if (!status.ok()) return status;
      }
    }
    if (const Json* required = Member(schema, "required")) {
      bool ok = required->is_array() &&
                std::all_of(required->begin(), required->end(),
                            [](const Json& r) { return r.is_string(); });
      if (!ok) return Invalid(where, "required is not an array of strings");
    }
    if (const Json* items = Member(schema, "items")) {
      absl::Status status = Schema(*items, where + "/items");
      if (!status.ok()) return status;
    }
    if (const Json* additional = Member(schema, "additionalProperties")) {
      absl::Status status =
          Schema(*additional, where + "/additionalProperties");
      if (!status.ok()) return status;
    }
    if (const Json* values = Member(schema, "enum");
        values && !values->is_array()) {
      return Invalid(where, "enum is not an array");
    }
    for (const char* keyword : {"oneOf", "anyOf", "allOf"}) {
      const Json* branches = Member(schema, keyword);
      if (branches == nullptr) continue;
      if (!branches->is_array() || branches->empty()) {
        return Invalid(where,
                       absl::StrCat(keyword, " is not a non-empty array"));
      }
      for (size_t i = 0; i < branches->size(); ++i) {
        absl::Status status =
            Schema((*branches)[i], absl::StrCat(where, "/", keyword, "/", i));
        if (!status.ok()) return status;
      }
    }
    return absl::OkStatus();
  }

  // Body reads a requestBody or response object's JSON schema.
  absl::StatusOr<BodySchema> Body(const Json& node, const std::string& where) {
    absl::StatusOr<const Json*> body = Deref(node, where);
    if (!body.ok()) return body.status();
    BodySchema result;
    const Json* content = Member(**body, "content");
    if (content == nullptr || !content->is_object() || content->empty()) {
      return result;  // declared without a body
    }
    result.present = true;
    for (auto it = content->begin(); it != content->end(); ++it) {
      if (!absl::StartsWith(it.key(), "application/json")) continue;
      const Json* schema = Member(it.value(), "schema");
      if (schema == nullptr) break;  // JSON of any shape
      absl::Status status = Schema(*schema, where + "/content/schema");
      if (!status.ok()) return status;
      result.schema = schema;
      break;
    }
    return result;
  }

 private:
  const Json& doc_;
  RefMap& refs_;
  std::set<std::string> visited_;
};

// Checker appends the violations of one value against one schema.
class Checker {
 public:
  Checker(const RefMap& refs, const CheckOptions& options,
          std::vector<Violation>* out)
      : refs_(refs), options_(options), out_(*out) {}

  void Check(const Json& schema, const Json& value, const std::string& path,
             int depth) {
    if (depth > kMaxDepth) return;
    std::string name;
    const Json* resolved = Resolve(schema, &name);
    if (resolved == nullptr || !resolved->is_object()) return;
    const Json& s = *resolved;
    if (value.is_null()) {
      const Json* nullable = Member(s, "nullable");
      if (nullable != nullptr && nullable->is_boolean() &&
          nullable->get<bool>()) {
        return;
      }
    }
    if (const std::string* type = StringMember(s, "type")) {
      if (!TypeMatches(*type, value)) {
        Add(Violation::Kind::kWrongType, path,
            absl::StrCat("expected ", *type, ", got ", Describe(value)));
        return;
      }
    }
    if (const Json* values = Member(s, "enum")) {
      if (std::find(values->begin(), values->end(), value) == values->end()) {
        Add(Violation::Kind::kBadEnum, path,
            absl::StrCat(Describe(value), " is not one of ", Dump(*values)));
      }
    }
    for (const char* keyword : {"oneOf", "anyOf"}) {
      if (const Json* branches = Member(s, keyword)) {
        CheckUnion(*branches, value, path, depth);
      }
    }
    if (const Json* branches = Member(s, "allOf")) {
      for (const Json& branch : *branches)
        Check(branch, value, path, depth + 1);
    }
    if (value.is_object()) {
      CheckObject(s, name, value, path, depth);
    } else if (value.is_array()) {
      if (const Json* items = Member(s, "items")) {
        for (size_t i = 0; i < value.size(); ++i) {
          Check(*items, value[i], absl::StrCat(path, "[", i, "]"), depth + 1);
        }
      }
    }
  }

 private:
  // Resolve follows `$ref`; `name` receives the last component name seen.
  const Json* Resolve(const Json& schema, std::string* name) const {
    const Json* current = &schema;
    for (int hops = 0; hops < kMaxRefHops; ++hops) {
      const std::string* ref = StringMember(*current, "$ref");
      if (ref == nullptr) return current;
      auto it = refs_.find(*ref);
      if (it == refs_.end()) return nullptr;
      *name = LastRefComponent(*ref);
      current = it->second;
    }
    return nullptr;
  }

  void CheckObject(const Json& s, const std::string& name, const Json& value,
                   const std::string& path, int depth) {
    const Json* properties = Member(s, "properties");
    const Json* required = Member(s, "required");
    const Json* additional = Member(s, "additionalProperties");
    auto is_required = [required](const std::string& key) {
      return required != nullptr &&
             std::find(required->begin(), required->end(), key) !=
                 required->end();
    };
    if (required != nullptr) {
      for (const Json& key : *required) {
        const std::string& k = key.get_ref<const std::string&>();
        if (!value.contains(k)) {
          Add(Violation::Kind::kMissingRequired, ChildPath(path, k),
              "required property is missing");
        }
      }
    }
    for (auto it = value.begin(); it != value.end(); ++it) {
      const std::string& key = it.key();
      std::string child_path = ChildPath(path, key);
      if (const Json* property =
              properties == nullptr ? nullptr : Member(*properties, key)) {
        // The real API writes null for unset optional fields (timestamps,
        // actors), so null is fine wherever the property may be absent.
        if (it.value().is_null() && !is_required(key)) continue;
        Check(*property, it.value(), child_path, depth + 1);
      } else if (additional != nullptr && additional->is_boolean()) {
        if (!additional->get<bool>()) {
          Add(Violation::Kind::kUnknownField, child_path,
              "property not allowed (additionalProperties: false)");
        }
      } else if (additional != nullptr) {
        Check(*additional, it.value(), child_path, depth + 1);
      } else if (properties != nullptr && !options_.allow_unknown_fields) {
        Add(Violation::Kind::kUnknownField, child_path,
            name.empty()
                ? "unknown property"
                : absl::StrCat("unknown property (not in ", name, ")"));
      }
    }
  }

  // CheckUnion accepts the value if any branch does (oneOf is not held to
  // "exactly one": the API decodes the first shape that fits). Otherwise it
  // reports one violation at the union's path that quotes the closest
  // branch, so callers see one problem per value rather than one per branch.
  void CheckUnion(const Json& branches, const Json& value,
                  const std::string& path, int depth) {
    std::vector<std::string> labels;
    std::vector<Violation> best;
    std::string best_label;
    size_t best_score = 0;
    for (const Json& branch : branches) {
      std::vector<Violation> found;
      Checker(refs_, options_, &found).Check(branch, value, path, depth + 1);
      if (found.empty()) return;
      std::string label = "schema";
      if (const std::string* ref = StringMember(branch, "$ref")) {
        label = LastRefComponent(*ref);
      } else if (const std::string* type = StringMember(branch, "type")) {
        label = *type;
      }
      labels.push_back(label);
      // A branch of the wrong kind altogether says less than one that
      // failed somewhere inside.
      bool wrong_kind = std::any_of(found.begin(), found.end(), [&](auto& v) {
        return v.kind == Violation::Kind::kWrongType && v.path == path;
      });
      size_t score = found.size() + (wrong_kind ? 1000 : 0);
      if (best.empty() || score < best_score) {
        best = std::move(found);
        best_label = label;
        best_score = score;
      }
    }
    std::string text =
        absl::StrCat("matches none of ", absl::StrJoin(labels, " | "));
    if (!best.empty()) {
      absl::StrAppend(&text, "; as ", best_label, ": ", best.front().message);
      if (best.size() > 1) {
        absl::StrAppend(&text, " (and ", best.size() - 1, " more)");
      }
    }
    Add(Violation::Kind::kWrongType, path, text);
  }

  void Add(Violation::Kind kind, const std::string& path,
           absl::string_view text) {
    out_.push_back(Violation{
        kind, path, absl::StrCat(path.empty() ? "(body)" : path, ": ", text)});
  }

  const RefMap& refs_;
  const CheckOptions& options_;
  std::vector<Violation>& out_;
};

std::vector<TemplateSegment> ParseTemplate(absl::string_view path) {
  std::vector<TemplateSegment> segments;
  if (absl::StartsWith(path, "/")) path.remove_prefix(1);
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    TemplateSegment segment;
    segment.is_param =
        part.size() >= 2 && part.front() == '{' && part.back() == '}';
    segment.literal =
        std::string(segment.is_param ? part.substr(1, part.size() - 2) : part);
    segments.push_back(std::move(segment));
  }
  return segments;
}

// MoreSpecific orders two templates that both match a path: at the first
// segment where one is literal and the other a parameter, the literal wins.
bool MoreSpecific(const std::vector<TemplateSegment>& a,
                  const std::vector<TemplateSegment>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].is_param != b[i].is_param) return !a[i].is_param;
  }
  return false;
}

absl::Status LoadOperation(Loader& loader, const std::string& path,
                           const std::string& method, const Json& node,
                           const Json* shared_params, Operation* op,
                           OperationData* data) {
  std::string where = absl::StrCat("paths/", path, "/", method);
  if (!node.is_object()) return Invalid(where, "operation is not an object");
  const std::string* id = StringMember(node, "operationId");
  if (id == nullptr) return Invalid(where, "missing operationId");
  op->id = *id;
  op->method =
      absl::AsciiStrToUpper(absl::string_view(method.data(), method.size()));
  op->path_template = path;
  data->segments = ParseTemplate(path);

  std::set<std::string> declared_path_params;
  for (const Json* list : {shared_params, Member(node, "parameters")}) {
    if (list == nullptr) continue;
    if (!list->is_array()) return Invalid(where, "parameters is not an array");
    for (const Json& raw : *list) {
      absl::StatusOr<const Json*> param = loader.Deref(raw, where);
      if (!param.ok()) return param.status();
      const std::string* name = StringMember(**param, "name");
      const std::string* in = StringMember(**param, "in");
      if (name == nullptr || in == nullptr) {
        return Invalid(where, "parameter without name or in");
      }
      if (const Json* schema = Member(**param, "schema")) {
        absl::Status status = loader.Schema(*schema, where + "/" + *name);
        if (!status.ok()) return status;
      }
      if (*in == "path") declared_path_params.insert(*name);
      if (*in == "query" &&
          std::find(op->query_params.begin(), op->query_params.end(), *name) ==
              op->query_params.end()) {
        op->query_params.push_back(*name);
      }
    }
  }
  for (const TemplateSegment& segment : data->segments) {
    if (!segment.is_param) continue;
    if (declared_path_params.count(segment.literal) == 0) {
      return Invalid(where, "undeclared path parameter " + segment.literal);
    }
    op->path_params.push_back(segment.literal);
  }

  if (const Json* body = Member(node, "requestBody")) {
    absl::StatusOr<BodySchema> request = loader.Body(*body, where);
    if (!request.ok()) return request.status();
    data->request = *request;
    // A requestBody without content still means the operation takes one.
    data->request.present = true;
    op->has_request_body = true;
  }
  const Json* responses = Member(node, "responses");
  if (responses == nullptr || !responses->is_object()) {
    return Invalid(where, "missing responses");
  }
  for (auto it = responses->begin(); it != responses->end(); ++it) {
    absl::StatusOr<BodySchema> response =
        loader.Body(it.value(), absl::StrCat(where, "/responses/", it.key()));
    if (!response.ok()) return response.status();
    data->responses[it.key()] = *response;
  }
  return absl::OkStatus();
}

void CheckBody(const RefMap& refs, const BodySchema& body_schema,
               const Json& body, const CheckOptions& options,
               std::vector<Violation>* out) {
  if (!body_schema.present) {
    if (!body.is_null()) {
      out->push_back(Violation{
          Violation::Kind::kWrongType, "",
          absl::StrCat("(body): expected no body, got ", Describe(body))});
    }
    return;
  }
  if (body_schema.schema != nullptr) {
    Checker(refs, options, out).Check(*body_schema.schema, body, "", 0);
  }
}

}  // namespace

Spec::Spec(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Spec::~Spec() = default;

absl::StatusOr<std::unique_ptr<Spec>> Spec::FromJson(std::string_view text) {
  auto impl = std::make_unique<Impl>();
  impl->doc = Json::parse(text.begin(), text.end(), nullptr,
                          /*allow_exceptions=*/false);
  if (impl->doc.is_discarded()) {
    return absl::InvalidArgumentError("openapi: document is not valid JSON");
  }
  const Json* paths = Member(impl->doc, "paths");
  if (paths == nullptr || !paths->is_object()) {
    return absl::InvalidArgumentError("openapi: document has no paths object");
  }
  Loader loader(impl->doc, &impl->refs);
  for (auto path = paths->begin(); path != paths->end(); ++path) {
    const Json* shared_params = Member(path.value(), "parameters");
    for (const char* method : kMethods) {
      const Json* node = Member(path.value(), method);
      if (node == nullptr) continue;
      Operation op;
      OperationData data;
      absl::Status status = LoadOperation(loader, path.key(), method, *node,
                                          shared_params, &op, &data);
      if (!status.ok()) return status;
      if (!impl->by_id.emplace(op.id, impl->operations.size()).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("openapi: duplicate operationId ", op.id));
      }
      impl->operations.push_back(std::move(op));
      impl->data.push_back(std::move(data));
    }
  }
  // Undeclared statuses are checked against ApiError when the file has one.
  if (const Json* api_error =
          ResolvePointer(impl->doc, "#/components/schemas/ApiError")) {
    absl::Status status =
        loader.Schema(*api_error, "#/components/schemas/ApiError");
    if (!status.ok()) return status;
    impl->api_error = api_error;
  }
  // Each ref resolved on its own; a chain of refs could still loop.
  for (const auto& [name, target] : impl->refs) {
    absl::StatusOr<const Json*> end = loader.Deref(*target, name);
    if (!end.ok()) return end.status();
  }
  return std::unique_ptr<Spec>(new Spec(std::move(impl)));
}

const Spec& Spec::Embedded() {
  // Leaked on purpose: callers may use it from static destructors and
  // threads that outlive main.
  static const Spec* const spec = [] {
    absl::StatusOr<std::unique_ptr<Spec>> parsed =
        FromJson(internal::EmbeddedSpecText());
    if (!parsed.ok()) {
      // The file is compiled in, so this is a build defect, not user input.
      std::fprintf(stderr, "openapi: embedded spec is invalid: %s\n",
                   parsed.status().ToString().c_str());
      std::abort();
    }
    return parsed->release();
  }();
  return *spec;
}

const std::vector<Operation>& Spec::operations() const {
  return impl_->operations;
}

const Operation* Spec::Find(std::string_view operation_id) const {
  auto it = impl_->by_id.find(operation_id);
  return it == impl_->by_id.end() ? nullptr : &impl_->operations[it->second];
}

const Operation* Spec::Match(std::string_view method,
                             std::string_view path) const {
  path = path.substr(0, path.find('?'));
  if (path.empty() || path.front() != '/') return nullptr;
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(path.data() + 1, path.size() - 1), '/');
  std::string upper =
      absl::AsciiStrToUpper(absl::string_view(method.data(), method.size()));
  const Operation* best = nullptr;
  const std::vector<TemplateSegment>* best_segments = nullptr;
  for (size_t i = 0; i < impl_->operations.size(); ++i) {
    const Operation& op = impl_->operations[i];
    const std::vector<TemplateSegment>& segments = impl_->data[i].segments;
    if (op.method != upper || segments.size() != parts.size()) continue;
    bool matches = true;
    for (size_t s = 0; s < parts.size() && matches; ++s) {
      matches = segments[s].is_param ? !parts[s].empty()
                                     : segments[s].literal == parts[s];
    }
    if (!matches) continue;
    if (best == nullptr || MoreSpecific(segments, *best_segments)) {
      best = &op;
      best_segments = &segments;
    }
  }
  return best;
}

std::vector<Violation> Spec::CheckRequestBody(
    const Operation& op, const nlohmann::json& body,
    const CheckOptions& options) const {
  std::vector<Violation> out;
  const Operation* own = Find(op.id);
  if (own == nullptr) {
    out.push_back(Violation{Violation::Kind::kWrongType, "",
                            "(body): unknown operation " + op.id});
    return out;
  }
  const OperationData& data = impl_->data[own - impl_->operations.data()];
  CheckBody(impl_->refs, data.request, body, options, &out);
  return out;
}

std::vector<Violation> Spec::CheckResponse(const Operation& op, int status,
                                           const nlohmann::json& body,
                                           const CheckOptions& options) const {
  std::vector<Violation> out;
  const Operation* own = Find(op.id);
  if (own == nullptr) {
    out.push_back(Violation{Violation::Kind::kWrongType, "",
                            "(body): unknown operation " + op.id});
    return out;
  }
  const OperationData& data = impl_->data[own - impl_->operations.data()];
  std::string code = std::to_string(status);
  for (const std::string& key :
       {code, absl::StrCat(code.substr(0, 1), "XX"), std::string("default")}) {
    auto it = data.responses.find(key);
    if (it != data.responses.end()) {
      CheckBody(impl_->refs, it->second, body, options, &out);
      return out;
    }
  }
  if (impl_->api_error != nullptr) {
    Checker(impl_->refs, options, &out).Check(*impl_->api_error, body, "", 0);
  }
  return out;
}

}  // namespace openapi
