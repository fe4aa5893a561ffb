#include "gateway/audit/redaction.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gateway::audit {
namespace {

constexpr char kRedacted[] = "[REDACTED]";

TEST(RedactionTest, SecretNamesAreRecognised) {
  for (const char* name :
       {"encryption_passphrase", "password", "db_passwd", "Client_Secret",
        "api_token", "apiKey", "api_key", "X-Api-Key", "private_key",
        "privateKey", "Authorization", "aws_credentials", "token_count"}) {
    EXPECT_TRUE(IsSecretName(name)) << name;
  }
  for (const char* name : {"name", "id", "configuration", "username", "host",
                           "api", "key", "pass"}) {
    EXPECT_FALSE(IsSecretName(name)) << name;
  }
}

TEST(RedactionTest, RedactsTopLevelPassphrase) {
  const Json request = Json::parse(
      R"({"name":"sync","encryption_passphrase":"hunter2","active":true})");
  const Json redacted = Redact(request);
  EXPECT_EQ(redacted["encryption_passphrase"], kRedacted);
  EXPECT_EQ(redacted["name"], "sync");
  EXPECT_EQ(redacted["active"], true);
}

TEST(RedactionTest, RedactsAtAnyDepthIncludingArrays) {
  const Json request = Json::parse(R"({
    "name": "warehouse",
    "configuration": {
      "host": "db.example.com",
      "password": "p1",
      "nested": {"api_token": "t1", "Client_Secret": "s1", "port": 5432},
      "connections": [
        {"user": "u", "password": "p2"},
        [{"apiKey": "k1"}],
        "plain string"
      ]
    }
  })");
  const Json redacted = Redact(request);
  const Json& config = redacted["configuration"];
  EXPECT_EQ(config["host"], "db.example.com");
  EXPECT_EQ(config["password"], kRedacted);
  EXPECT_EQ(config["nested"]["api_token"], kRedacted);
  EXPECT_EQ(config["nested"]["Client_Secret"], kRedacted);
  EXPECT_EQ(config["nested"]["port"], 5432);
  EXPECT_EQ(config["connections"][0]["user"], "u");
  EXPECT_EQ(config["connections"][0]["password"], kRedacted);
  EXPECT_EQ(config["connections"][1][0]["apiKey"], kRedacted);
  EXPECT_EQ(config["connections"][2], "plain string");
  EXPECT_EQ(redacted["name"], "warehouse");
  // Nothing of the secrets survives anywhere in the output.
  const std::string dumped = Dump(redacted);
  for (const char* secret : {"p1", "p2", "t1", "s1", "k1"}) {
    EXPECT_EQ(dumped.find(std::string("\"") + secret + "\""), std::string::npos)
        << secret;
  }
}

TEST(RedactionTest, RedactsWholeValuesOfAnyType) {
  const Json request = Json::parse(
      R"({"credentials":{"user":"u","key":"k"},"tokens":["a","b"],
          "token_count":3})");
  const Json redacted = Redact(request);
  EXPECT_EQ(redacted["credentials"], kRedacted);
  EXPECT_EQ(redacted["tokens"], kRedacted);
  // Decision: any name containing "token" is redacted, counts included.
  EXPECT_EQ(redacted["token_count"], kRedacted);
}

TEST(RedactionTest, KeepsMemberOrderAndDoesNotModifyTheOriginal) {
  const Json request =
      Json::parse(R"({"z":1,"password":"p","a":{"secret":"s"}})");
  const Json copy = request;
  const Json redacted = Redact(request);
  EXPECT_EQ(request, copy);
  EXPECT_EQ(request["password"], "p");
  EXPECT_EQ(Dump(redacted),
            R"({"z":1,"password":"[REDACTED]","a":{"secret":"[REDACTED]"}})");
}

TEST(RedactionTest, NonObjectValuesPassThrough) {
  EXPECT_EQ(Redact(Json("password")), Json("password"));
  EXPECT_EQ(Redact(Json::array({1, "x"})), Json::array({1, "x"}));
  EXPECT_EQ(Redact(Json()), Json());
}

}  // namespace
}  // namespace gateway::audit
