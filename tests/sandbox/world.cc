#include "tests/sandbox/world.h"

namespace sandbox {

nlohmann::ordered_json Connection::ToJson() const {
  return nlohmann::ordered_json{{"id", id},
                                {"name", name},
                                {"type", type},
                                {"organization_id", organization_id},
                                {"created_at", created_at}};
}

void World::Clear() {
  connections.clear();
  bulk_syncs.clear();
  model_syncs.clear();
  model_targets.clear();
  page_tokens.clear();
  extensions.clear();
}

const Connection* World::FindConnection(const std::string& organization_id,
                                        const std::string& id) const {
  auto it = connections.find(id);
  if (it == connections.end() || it->second.organization_id != organization_id)
    return nullptr;
  return &it->second;
}

BulkSyncRecord* World::FindBulkSync(const std::string& organization_id,
                                    const std::string& id) {
  auto it = bulk_syncs.find(id);
  if (it == bulk_syncs.end() || it->second.organization_id != organization_id)
    return nullptr;
  return &it->second;
}

ModelSyncRecord* World::FindModelSync(const std::string& organization_id,
                                      const std::string& id) {
  auto it = model_syncs.find(id);
  if (it == model_syncs.end() || it->second.organization_id != organization_id)
    return nullptr;
  return &it->second;
}

const std::vector<ExtensionField>& World::Extensions(
    const std::string& resource) const {
  static const std::vector<ExtensionField>* const kNone =
      new std::vector<ExtensionField>();
  auto it = extensions.find(resource);
  return it == extensions.end() ? *kNone : it->second;
}

std::string World::IssuePageToken(const PageCursor& cursor, IdGenerator& ids) {
  std::string token = ids.Token();
  page_tokens[token] = cursor;
  return token;
}

const PageCursor* World::FindPageToken(const std::string& token,
                                       const std::string& operation,
                                       const std::string& organization_id,
                                       const std::string& scope) const {
  auto it = page_tokens.find(token);
  if (it == page_tokens.end()) return nullptr;
  const PageCursor& c = it->second;
  if (c.operation != operation || c.organization_id != organization_id ||
      c.scope != scope) {
    return nullptr;
  }
  return &c;
}

}  // namespace sandbox
