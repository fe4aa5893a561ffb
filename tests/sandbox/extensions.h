// extensions.h: extra writable fields that tests add at run time to mimic a
// newer API version (`POST /_sandbox/extensions`).
//
//   FieldErrors errors;
//   AddExtension(world, {{"resource", "bulk_sync"}, {"field", "priority"},
//                        {"default", "normal"}}, errors);
//   // every bulk sync now has "priority": "normal"; create and PUT store a
//   // sent value and a PUT that omits it resets it to "normal".
//   ApplyExtensions(world.Extensions(kBulkSyncResource), &request, doc, "",
//                   errors);
//
// A sent value must have the JSON type of the default (any number for a
// numeric default; anything when the default is null). Extension names may
// not shadow a documented field of the resource.
//
// Thread safety: none; callers hold the World lock.
#ifndef TESTS_SANDBOX_EXTENSIONS_H_
#define TESTS_SANDBOX_EXTENSIONS_H_

#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/sandbox/api_reply.h"
#include "tests/sandbox/world.h"

namespace sandbox {

inline constexpr char kBulkSyncResource[] = "bulk_sync";
inline constexpr char kModelSyncResource[] = "model_sync";
inline constexpr char kBulkSyncScheduleResource[] = "bulk_sync_schedule";
inline constexpr char kBulkSyncSchemaResource[] = "bulk_sync_schema";

// AddExtension validates the hook body and registers (or re-registers, with a
// new default) the field; existing resources that lack it get the default.
// Returns the registered extension, or null with `errors` filled.
nlohmann::ordered_json AddExtension(World& world,
                                    const nlohmann::ordered_json& body,
                                    FieldErrors& errors);

// ApplyExtensions sets each extension field of `doc` from `request` (when it
// carries the field) or to its default. `request` may be null. Type
// mismatches are syntax errors reported under `path` + field.
void ApplyExtensions(const std::vector<ExtensionField>& fields,
                     const nlohmann::ordered_json* request,
                     nlohmann::ordered_json& doc, const std::string& path,
                     FieldErrors& errors);

}  // namespace sandbox

#endif  // TESTS_SANDBOX_EXTENSIONS_H_
