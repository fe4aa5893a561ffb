// route_table.h: the REST mapping of every RPC, read from the `rest` method
// option of the services it is given.
//
//   ASSIGN_OR_RETURN(auto routes, RouteTable::Build(services));
//   const Route* route =
//   routes->Find("/polytomic.v1.BulkSyncService/GetBulkSync");
//
// Build rejects a contract it cannot serve (a path variable that is not a
// top-level string or enum field, a body field that does not exist, a method
// without a route), so mistakes surface at start-up.
#ifndef GATEWAY_TRANSLATE_ROUTE_TABLE_H_
#define GATEWAY_TRANSLATE_ROUTE_TABLE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/common/wire_schema.h"
#include "google/protobuf/descriptor.h"

namespace gateway::translate {

// Route is how one RPC maps onto one REST call.
struct Route {
  // Where the request body comes from.
  enum class Body { kNone, kRemainingFields, kField };
  // PathSegment is a literal piece of the path, or a request field.
  struct PathSegment {
    std::string literal;
    const FieldInfo* field = nullptr;
  };

  std::string full_method;  // "/polytomic.v1.BulkSyncService/GetBulkSync"
  const google::protobuf::MethodDescriptor* method = nullptr;
  const MessageInfo* input = nullptr;
  const MessageInfo* output = nullptr;
  std::string http_method;    // "GET", "POST", ...
  std::string operation_id;   // e.g. "bulkSync.get"
  std::string path_template;  // e.g. "/api/bulk/syncs/{id}"
  std::vector<PathSegment> path;
  Body body = Body::kNone;
  const FieldInfo* body_field = nullptr;      // Body::kField
  std::vector<const FieldInfo*> body_fields;  // Body::kRemainingFields
  std::vector<const FieldInfo*> query_fields;
  std::vector<const FieldInfo*> header_fields;
  // The Idempotency-Key header field, when the operation accepts one.
  const FieldInfo* idempotency_key = nullptr;
  // Members of the resource never sent (the `rest` option's body_omits).
  std::vector<std::string> body_omits;
  // The resource the request carries: the body field, or the one message
  // field of a "*" body (e.g. `schedule`); nullptr if none.
  const FieldInfo* resource = nullptr;
  // Partial updates: the gateway-only FieldMask, and the GET route of the
  // same path the update reads the current document from.
  const FieldInfo* update_mask = nullptr;
  const Route* read = nullptr;

  // Reads: the cache TTL the contract states (the `rest` option's
  // cache_ttl), when it states one.
  std::optional<absl::Duration> cache_ttl;
  // Writes: the reads a write may change (the `rest` option's invalidates):
  // those of `path` filled from the request, and when `subtree` of every
  // path below it.
  struct Invalidation {
    std::vector<PathSegment> path;
    bool subtree = false;
  };
  std::vector<Invalidation> invalidates;
  // IsRead says whether the call leaves upstream state unchanged.
  bool IsRead() const { return http_method == "GET"; }
};

// RouteTable owns the routes and the WireSchema of their messages.
//
// Thread safety: immutable after Build.
class RouteTable {
 public:
  static absl::StatusOr<std::unique_ptr<RouteTable>> Build(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  // Find returns the route of a full method name, or nullptr.
  const Route* Find(absl::string_view full_method) const;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }
  const WireSchema& schema() const { return *schema_; }

 private:
  RouteTable() = default;
  absl::StatusOr<std::unique_ptr<Route>> BuildRoute(
      const google::protobuf::MethodDescriptor* method) const;

  std::unique_ptr<WireSchema> schema_;
  std::vector<std::unique_ptr<Route>> routes_;
  absl::flat_hash_map<std::string, const Route*> by_method_;
};

}  // namespace gateway::translate

#endif  // GATEWAY_TRANSLATE_ROUTE_TABLE_H_
