#include "tests/sandbox/operation.h"

#include <utility>

#include "absl/strings/numbers.h"

namespace sandbox {

std::optional<std::string> Call::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::optional<bool> Call::QueryBool(const std::string& name,
                                    FieldErrors& errors) const {
  std::optional<std::string> value = Query(name);
  if (!value.has_value()) return std::nullopt;
  if (*value == "true") return true;
  if (*value == "false") return false;
  errors.AddSyntax(name, "must be true or false");
  return std::nullopt;
}

int Call::QueryLimit(const std::string& name, int default_limit, int max_limit,
                     FieldErrors& errors) const {
  std::optional<std::string> value = Query(name);
  if (!value.has_value()) return default_limit;
  int64_t limit = 0;
  if (!absl::SimpleAtoi(*value, &limit)) {
    errors.AddSyntax(name, "must be an integer");
    return default_limit;
  }
  if (limit <= 0) return default_limit;
  return limit > max_limit ? max_limit : static_cast<int>(limit);
}

void OpRegistry::Handle(const std::string& operation_id, OpHandler handler) {
  handlers_[operation_id] = std::move(handler);
}

const OpHandler* OpRegistry::Find(const std::string& operation_id) const {
  auto it = handlers_.find(operation_id);
  return it == handlers_.end() ? nullptr : &it->second;
}

int SemanticErrorStatus(const std::string& operation_id) {
  if (operation_id == "bulkSync.create" || operation_id == "modelSync.create" ||
      operation_id == "modelSync.update") {
    return 422;
  }
  return 400;
}

}  // namespace sandbox
