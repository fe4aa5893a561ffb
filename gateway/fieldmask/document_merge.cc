#include "gateway/fieldmask/document_merge.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"

namespace gateway::fieldmask {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// NestedInfo is the MessageInfo of a message-typed field (not well-known).
const MessageInfo* NestedInfo(const FieldInfo& field,
                              const WireSchema& schema) {
  const FieldDescriptor* d = field.descriptor;
  if (d->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || d->is_map() ||
      field.well_known != WellKnown::kNone) {
    return nullptr;
  }
  return schema.Message(d->message_type());
}

// ApplyAdditional writes one member the contract does not model, from the
// additional_fields of the message the path leads to, or removes it.
void ApplyAdditional(const MaskPath& path, const Message& resource, Json& doc) {
  const Message* holder = &resource;
  for (const FieldInfo* field : path.fields) {
    holder = &holder->GetReflection()->GetMessage(*holder, field->descriptor);
  }
  const google::protobuf::Value* value = nullptr;
  const auto* d = holder->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto& rules =
        d->field(i)->options().GetExtension(polytomic::v1::field);
    if (!rules.additional_fields()) continue;
    const auto& extra = static_cast<const google::protobuf::Struct&>(
        holder->GetReflection()->GetMessage(*holder, d->field(i)));
    auto it = extra.fields().find(path.additional_member);
    if (it != extra.fields().end()) value = &it->second;
  }
  if (value == nullptr) {
    // Removing never creates parents: an absent member has nothing to remove.
    Json* parent = &doc;
    for (const FieldInfo* field : path.fields) {
      if (!parent->is_object()) return;
      auto it = parent->find(field->wire_name);
      if (it == parent->end()) return;
      parent = &*it;
    }
    if (parent->is_object()) parent->erase(path.additional_member);
    return;
  }
  Json* parent = &doc;
  for (const FieldInfo* field : path.fields) {
    if (!parent->is_object()) *parent = Json::object();
    Json& child = (*parent)[field->wire_name];
    if (!child.is_object()) child = Json::object();
    parent = &child;
  }
  if (!parent->is_object()) *parent = Json::object();
  (*parent)[path.additional_member] = JsonCodec::ValueToJson(*value);
}

bool IsEmptyValue(const Json& value) {
  return value.is_null() ||
         (value.is_string() && value.get_ref<const std::string&>().empty()) ||
         ((value.is_array() || value.is_object()) && value.empty());
}

}  // namespace

void DropOutputOnly(Json& doc, const MessageInfo& info,
                    const WireSchema& schema) {
  if (!doc.is_object()) return;
  for (auto it = doc.begin(); it != doc.end();) {
    const FieldInfo* field = info.FindWire(it.key());
    if (field != nullptr && field->output_only()) {
      it = doc.erase(it);
      continue;
    }
    if (field != nullptr) {
      if (const MessageInfo* nested = NestedInfo(*field, schema)) {
        if (it->is_array()) {
          for (Json& item : *it) DropOutputOnly(item, *nested, schema);
        } else {
          DropOutputOnly(*it, *nested, schema);
        }
      }
    }
    ++it;
  }
}

void ApplyPlan(const MaskPlan& plan, const Message& resource,
               const JsonCodec& codec, Json& doc) {
  if (plan.full_replacement) {
    doc = codec.ToJson(resource);
    return;
  }
  for (const MaskPath& path : plan.paths) {
    if (!path.additional_member.empty()) {
      ApplyAdditional(path, resource, doc);
      continue;
    }
    // The proto message holding the leaf (default instances for unset parents).
    const Message* holder = &resource;
    for (size_t i = 0; i + 1 < path.fields.size(); ++i) {
      holder = &holder->GetReflection()->GetMessage(*holder,
                                                    path.fields[i]->descriptor);
    }
    Json value = codec.FieldToJson(*holder, *path.fields.back());
    if (value.is_null()) {
      Erase(doc, path.fields);
    } else {
      Put(doc, path.fields, std::move(value));
    }
  }
}

std::vector<FieldChain> WriteOnlyChains(const MessageInfo& info,
                                        const WireSchema& schema) {
  std::vector<FieldChain> chains;
  for (const FieldInfo& field : info.fields) {
    if (field.rules.behavior() == polytomic::v1::FIELD_BEHAVIOR_INPUT_ONLY &&
        !field.rules.kept_when_omitted()) {
      chains.push_back({&field});
      continue;
    }
    if (field.descriptor->is_repeated()) continue;
    if (const MessageInfo* nested = NestedInfo(field, schema)) {
      for (FieldChain& chain : WriteOnlyChains(*nested, schema)) {
        chain.insert(chain.begin(), &field);
        chains.push_back(std::move(chain));
      }
    }
  }
  return chains;
}

const Json* Find(const Json& doc, absl::Span<const FieldInfo* const> chain) {
  const Json* node = &doc;
  for (const FieldInfo* field : chain) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(field->wire_name);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

void Put(Json& doc, absl::Span<const FieldInfo* const> chain, Json value) {
  Json* node = &doc;
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    if (!node->is_object()) *node = Json::object();
    Json& child = (*node)[chain[i]->wire_name];
    if (!child.is_object())
      child = Json::object();  // a missing parent is created
    node = &child;
  }
  if (!node->is_object()) *node = Json::object();
  (*node)[chain.back()->wire_name] = std::move(value);
}

void Erase(Json& doc, absl::Span<const FieldInfo* const> chain) {
  if (chain.empty()) return;
  Json* node = &doc;
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    if (!node->is_object()) return;
    auto it = node->find(chain[i]->wire_name);
    if (it == node->end()) return;
    node = &*it;
  }
  if (node->is_object()) node->erase(chain.back()->wire_name);
}

std::vector<std::string> MissingRequired(const Json& doc,
                                         const MessageInfo& info,
                                         const WireSchema& schema) {
  std::vector<std::string> missing;
  if (!doc.is_object()) return missing;
  for (const FieldInfo& field : info.fields) {
    if (field.output_only() || field.gateway_only()) continue;
    auto it = doc.find(field.wire_name);
    bool present = it != doc.end() && !IsEmptyValue(*it);
    if (!present) {
      if (field.rules.required()) missing.push_back(field.descriptor->name());
      continue;
    }
    const MessageInfo* nested = NestedInfo(field, schema);
    if (nested == nullptr) continue;
    auto prefix = [&](const std::string& inner, const std::string& at) {
      return absl::StrCat(field.descriptor->name(), at, ".", inner);
    };
    if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        for (const std::string& inner :
             MissingRequired((*it)[i], *nested, schema)) {
          missing.push_back(prefix(inner, absl::StrCat("[", i, "]")));
        }
      }
    } else {
      for (const std::string& inner : MissingRequired(*it, *nested, schema)) {
        missing.push_back(prefix(inner, ""));
      }
    }
  }
  return missing;
}

std::string ChainPath(absl::Span<const FieldInfo* const> chain) {
  std::string path;
  for (const FieldInfo* field : chain) {
    absl::StrAppend(&path, path.empty() ? "" : ".", field->descriptor->name());
  }
  return path;
}

}  // namespace gateway::fieldmask
