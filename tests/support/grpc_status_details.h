// grpc_status_details.h: reading google.rpc details off a grpc::Status in
// tests.
//
//   google::rpc::ErrorInfo info = ErrorInfoOf(status);
//   EXPECT_EQ(info.reason(), "UPSTREAM_NOT_FOUND");
#ifndef TESTS_SUPPORT_GRPC_STATUS_DETAILS_H_
#define TESTS_SUPPORT_GRPC_STATUS_DETAILS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace testsupport {

// DetailOf unpacks the detail of type T from the status's
// grpc-status-details-bin trailer; false if there is none.
template <typename T>
bool DetailOf(const grpc::Status& status, T* detail) {
  google::rpc::Status rpc_status;
  if (!rpc_status.ParseFromString(status.error_details())) return false;
  for (const auto& any : rpc_status.details()) {
    if (any.Is<T>()) return any.UnpackTo(detail);
  }
  return false;
}

inline google::rpc::ErrorInfo ErrorInfoOf(const grpc::Status& status) {
  google::rpc::ErrorInfo info;
  EXPECT_TRUE(DetailOf(status, &info))
      << "no ErrorInfo on " << status.error_message();
  return info;
}

// Describe renders a status for assertion messages.
inline std::string Describe(const grpc::Status& status) {
  return std::to_string(status.error_code()) + " " + status.error_message();
}

}  // namespace testsupport

#define ASSERT_GRPC_OK(expr)                         \
  do {                                               \
    const ::grpc::Status grpc_ok_status_ = (expr);   \
    ASSERT_TRUE(grpc_ok_status_.ok())                \
        << ::testsupport::Describe(grpc_ok_status_); \
  } while (false)

#endif  // TESTS_SUPPORT_GRPC_STATUS_DETAILS_H_
