// proto_json_matcher.h: checks that a gRPC response carries exactly what an
// upstream JSON body said, field by field.
//
//   EXPECT_TRUE(MatchesUpstreamJson(response, logged_reply["response"]));
//
// Written independently of the gateway's codec: it walks the JSON and the
// message side by side using only the descriptors (json_name, the
// `wire_value` enum option, the well-known types). Every JSON member must be
// in a typed field with an equal value, or, verbatim, in the message's
// `additional_fields`; every set field of the message must come from a JSON
// member. JSON null counts as absent, and an empty JSON array (object) as an
// empty repeated (map) field: proto3 lists have no presence. An etag must be
// the SHA-256 of the object's compact JSON; other gateway-only fields are
// ignored.
#ifndef TESTS_SUPPORT_PROTO_JSON_MATCHER_H_
#define TESTS_SUPPORT_PROTO_JSON_MATCHER_H_

#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace testsupport {

::testing::AssertionResult MatchesUpstreamJson(
    const google::protobuf::Message& message,
    const nlohmann::ordered_json& json);

}  // namespace testsupport

#endif  // TESTS_SUPPORT_PROTO_JSON_MATCHER_H_
