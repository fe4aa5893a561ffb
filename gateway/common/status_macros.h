// status_macros.h: early-return helpers for absl::Status and absl::StatusOr.
//
// Abseil 20220623 (Debian bookworm) ships no status macros, so the gateway has
// its own two:
//
//   absl::Status Load(const Config& c) {
//     RETURN_IF_ERROR(Validate(c));
//     ASSIGN_OR_RETURN(std::string text, ReadFile(c.path()));
//     ...
//   }
//
// Both evaluate their argument exactly once.
#ifndef GATEWAY_COMMON_STATUS_MACROS_H_
#define GATEWAY_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// RETURN_IF_ERROR returns the status of `expr` from the enclosing function when
// it is not OK. `expr` is an absl::Status (or anything convertible to one).
#define RETURN_IF_ERROR(expr)                                             \
  do {                                                                    \
    if (::absl::Status gateway_status_ = (expr); !gateway_status_.ok()) { \
      return gateway_status_;                                             \
    }                                                                     \
  } while (false)

#define GATEWAY_STATUS_CONCAT_INNER_(a, b) a##b
#define GATEWAY_STATUS_CONCAT_(a, b) GATEWAY_STATUS_CONCAT_INNER_(a, b)

// ASSIGN_OR_RETURN evaluates `rexpr` (an absl::StatusOr<T>); on error it
// returns the status, otherwise it moves the value into `lhs`, which may be a
// declaration (`auto x`) or an existing variable.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  GATEWAY_ASSIGN_OR_RETURN_IMPL_(    \
      GATEWAY_STATUS_CONCAT_(gateway_statusor_, __LINE__), lhs, rexpr)

#define GATEWAY_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = *std::move(statusor)

#endif  // GATEWAY_COMMON_STATUS_MACROS_H_
