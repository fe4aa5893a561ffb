#include "gateway/audit/changed_fields.h"

namespace gateway::audit {
namespace {

void Compare(const Json& before, const Json& after, Json& out_before,
             Json& out_after) {
  for (const auto& [name, value] : before.items()) {
    auto other = after.find(name);
    if (other == after.end()) {
      out_before[name] = value;
    } else if (value.is_object() && other->is_object()) {
      Json nested_before = Json::object();
      Json nested_after = Json::object();
      Compare(value, *other, nested_before, nested_after);
      if (!nested_before.empty()) out_before[name] = std::move(nested_before);
      if (!nested_after.empty()) out_after[name] = std::move(nested_after);
    } else if (value != *other) {
      out_before[name] = value;
      out_after[name] = *other;
    }
  }
  for (const auto& [name, value] : after.items()) {
    if (!before.contains(name)) out_after[name] = value;
  }
}

}  // namespace

Json ChangedFields(const Json& before, const Json& after) {
  Json out_before = Json::object();
  Json out_after = Json::object();
  if (before.is_object() && after.is_object()) {
    Compare(before, after, out_before, out_after);
  } else if (before != after) {
    return Json{{"before", before}, {"after", after}};
  }
  return Json{{"before", std::move(out_before)},
              {"after", std::move(out_after)}};
}

}  // namespace gateway::audit
