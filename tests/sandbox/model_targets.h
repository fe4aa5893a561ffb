// model_targets.h: the objects a model-sync target connection offers (its
// catalog objects plus those created through a sync's `target.create`) and
// their wire shapes (TargetObject, TargetResponse, TargetCreator, ...).
//
//   std::vector<ModelTarget> objects =
//       ModelTargetObjects(world, *connection, *type);
//   std::optional<ModelTarget> contact =
//       FindModelTarget(world, *connection, *type, "Contact");
//   if (contact && ModeRequiresIdentity(*contact->spec, "updateOrCreate")) {
//     ...
//   }
//
// A created object copies the fields and modes of the template object that
// `create[type.create_kind_property]` picks (LinkedIn: audience_type contact
// or company); its id is the template's id prefix plus a new number
// (`contact_audience:2837461`), its name the template's prefix plus
// `create.name`.
//
// Thread safety: none; callers hold the World lock.
#ifndef TESTS_SANDBOX_MODEL_TARGETS_H_
#define TESTS_SANDBOX_MODEL_TARGETS_H_

#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"
#include "tests/sandbox/catalog.h"
#include "tests/sandbox/id_generator.h"
#include "tests/sandbox/world.h"

namespace sandbox {

// ModelTarget is one target object of a connection.
struct ModelTarget {
  std::string id;
  std::string name;
  const TargetObjectSpec* spec = nullptr;  // fields and modes; never null
};

// ModelTargetObjects lists the catalog objects, then the created ones in
// creation order.
std::vector<ModelTarget> ModelTargetObjects(const World& world,
                                            const Connection& connection,
                                            const ConnectionType& type);

// FindModelTarget returns the object with this id, if the connection has it.
std::optional<ModelTarget> FindModelTarget(const World& world,
                                           const Connection& connection,
                                           const ConnectionType& type,
                                           const std::string& object_id);

// CheckTargetCreate validates a `create` map (every create property present
// and non-empty, enum values among the property's values, no unknown keys);
// problems are semantic, reported under `path` + "." + key.
void CheckTargetCreate(const ConnectionType& type,
                       const nlohmann::ordered_json& create,
                       const std::string& path, FieldErrors& errors);

// CreateTemplate is the object whose fields and modes a target created from
// `create` gets (nullptr when `create` does not pick one).
const TargetObjectSpec* CreateTemplate(const ConnectionType& type,
                                       const nlohmann::ordered_json& create);

// CreateModelTarget stores a new object made from a checked `create` map
// and returns it.
ModelTarget CreateModelTarget(World& world, IdGenerator& ids,
                              const Connection& connection,
                              const ConnectionType& type,
                              const nlohmann::ordered_json& create);

// ModeRequiresIdentity reports the SupportedMode's requires_identity.
bool ModeRequiresIdentity(const TargetObjectSpec& spec,
                          const std::string& mode);

// FindTargetField returns the field of an object, or nullptr.
const TargetFieldSpec* FindTargetField(const TargetObjectSpec& spec,
                                       const std::string& field_id);

// TargetObjectJson is the TargetObject document (modes as SupportedMode).
nlohmann::ordered_json TargetObjectJson(const ModelTarget& target);

// TargetResponseJson is the TargetResponse document of
// modelSync.targets.getTargetFields.
nlohmann::ordered_json TargetResponseJson(const ModelTarget& target,
                                          const ConnectionType& type,
                                          const std::string& refreshed_at);

// TargetCreatorJson is the TargetCreator document (`target_creation`).
nlohmann::ordered_json TargetCreatorJson(const ConnectionType& type);

// CreatePropertyJson is the TargetPropertyValues document of one property.
nlohmann::ordered_json CreatePropertyJson(const CreateProperty& property);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_MODEL_TARGETS_H_
