// contract.h: the gRPC contract as the CLI sees it: every service and method
// of polytomic.v1, found in the generated descriptor pool, and their
// human-readable descriptions for `polytomicctl list` and `describe`.
//
//   absl::StatusOr<client::ctl::Contract> contract =
//       client::ctl::Contract::Load();
//   absl::StatusOr<const google::protobuf::MethodDescriptor*> method =
//       contract->FindMethod("GetBulkSync");
//   std::cout << contract->ListMethods();
//   std::cout << client::ctl::DescribeMethod(**method);
//
// Nothing here names a service: the services are those of the files listed in
// polytomic::v1::kContractFiles, so a new RPC in proto/ shows up without a
// code change.
#ifndef CLIENT_CTL_CONTRACT_H_
#define CLIENT_CTL_CONTRACT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace client::ctl {

// Contract is the list of the contract's services.
//
// Thread safety: immutable after Load(); the descriptors it points to belong
// to the generated pool and live as long as the process.
class Contract {
 public:
  // Load finds every service of the contract's files in the generated pool.
  // Fails if a file of kContractFiles is not linked into the binary.
  static absl::StatusOr<Contract> Load();

  // Services in file order, then declaration order.
  const std::vector<const google::protobuf::ServiceDescriptor*>& services()
      const {
    return services_;
  }

  // FindMethod resolves a method by its bare name ("GetBulkSync", which must
  // be unique across the contract), by "Service/Method" with the service's
  // full or short name, by the gRPC path "/pkg.Service/Method", or by the
  // dotted full name "pkg.Service.Method". NotFound (with a suggestion when
  // the case differs) or InvalidArgument for an ambiguous bare name.
  absl::StatusOr<const google::protobuf::MethodDescriptor*> FindMethod(
      absl::string_view name) const;

  // FindMessage resolves a message type of the generated pool by full name
  // ("polytomic.v1.BulkSync") or by a name relative to any contract package
  // ("BulkSync"). nullptr when there is none.
  const google::protobuf::Descriptor* FindMessage(absl::string_view name) const;

  // ListMethods is the text of `polytomicctl list`: each service on a line,
  // then each of its methods indented, as "Service/Method", with the REST
  // route of its (polytomic.v1.rest) option.
  std::string ListMethods() const;

 private:
  explicit Contract(
      std::vector<const google::protobuf::ServiceDescriptor*> services)
      : services_(std::move(services)) {}

  std::vector<const google::protobuf::ServiceDescriptor*> services_;
};

// GrpcMethodPath is the method's HTTP/2 path, "/polytomic.v1.Service/Method",
// the name a generic stub calls it by.
std::string GrpcMethodPath(const google::protobuf::MethodDescriptor& method);

// RestRouteText is the method's (polytomic.v1.rest) route as
// "GET /api/bulk/syncs/{id}", or "(no REST route)".
std::string RestRouteText(const google::protobuf::MethodDescriptor& method);

// DescribeMethod is the text of `polytomicctl describe <Method>`: the route,
// then the request message's fields, recursively (see DescribeMessage; fields
// bound to the path are marked, output-only ones are not expanded since a
// request ignores them), then the response type's name.
std::string DescribeMethod(const google::protobuf::MethodDescriptor& method);

// DescribeMessage lists the fields of `type`, one per line, indented by
// `indent` spaces: proto name, JSON name when it differs, type, and the
// (polytomic.v1.field) rules (required, format, behaviour, header). Message
// fields are expanded below their line, two spaces deeper; well-known types
// (Struct, Value, Timestamp, ...) and recursive references are not.
std::string DescribeMessage(const google::protobuf::Descriptor& type,
                            int indent);

}  // namespace client::ctl

#endif  // CLIENT_CTL_CONTRACT_H_
