// caller_channel.h: gRPC channels that present a caller's bearer token on
// every call, even over plaintext (gRPC's call credentials refuse insecure
// channels, so an interceptor adds the `authorization` metadata).
//
//   auto channel = CallerChannel(address, "caller-token",
//                                grpc::InsecureChannelCredentials());
//   auto stub = polytomic::v1::BulkSyncService::NewStub(channel);
#ifndef TESTS_SUPPORT_CALLER_CHANNEL_H_
#define TESTS_SUPPORT_CALLER_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace testsupport {

// CallerChannel makes a channel to `target` whose calls carry
// `authorization: Bearer <token>` (none when `token` is empty).
std::shared_ptr<grpc::Channel> CallerChannel(
    const std::string& target, const std::string& token,
    std::shared_ptr<grpc::ChannelCredentials> credentials);

}  // namespace testsupport

#endif  // TESTS_SUPPORT_CALLER_CHANNEL_H_
