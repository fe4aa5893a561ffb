// RateLimiter: a bucket per limited principal, refilled at its rate, with
// QuotaFailure and RetryInfo when empty; reconfiguring keeps unchanged
// buckets.
#include "gateway/auth/rate_limiter.h"

#include "gateway/common/error_details.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gateway::auth {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1714564800);

config::v1::Callers Limits(double rate, int burst) {
  config::v1::Callers callers;
  auto* policy = callers.add_policies();
  policy->set_principal("billing");
  policy->mutable_rate_limit()->set_requests_per_second(rate);
  policy->mutable_rate_limit()->set_burst(burst);
  callers.add_policies()->set_principal("unlimited");
  return callers;
}

TEST(RateLimiterTest, ABurstThenTheRate) {
  RateLimiter limiter;
  limiter.Configure(Limits(/*rate=*/2, /*burst=*/3));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("billing", kNow).ok());
  absl::Status limited = limiter.Take("billing", kNow);
  ASSERT_EQ(limited.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(limited.message()), HasSubstr("billing"));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(GetDetail(limited, &info));
  EXPECT_EQ(info.reason(), "RATE_LIMITED");
  google::rpc::QuotaFailure quota;
  ASSERT_TRUE(GetDetail(limited, &quota));
  EXPECT_EQ(quota.violations(0).subject(), "principal:billing");
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(GetDetail(limited, &retry));
  EXPECT_EQ(retry.retry_delay().nanos(), 500'000'000);  // one token at 2/s
  // Half a second later, one token more, and no more than that.
  EXPECT_TRUE(limiter.Take("billing", kNow + absl::Milliseconds(500)).ok());
  EXPECT_FALSE(limiter.Take("billing", kNow + absl::Milliseconds(500)).ok());
  // Refills stop at the burst.
  absl::Time later = kNow + absl::Hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("billing", later).ok());
  EXPECT_FALSE(limiter.Take("billing", later).ok());
}

TEST(RateLimiterTest, PrincipalsWithoutALimitAreNotLimited) {
  RateLimiter limiter;
  limiter.Configure(Limits(1, 1));
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(limiter.Take("unlimited", kNow).ok());
    EXPECT_TRUE(limiter.Take("stranger", kNow).ok());
  }
}

TEST(RateLimiterTest, ReconfiguringKeepsOnlyUnchangedBuckets) {
  RateLimiter limiter;
  limiter.Configure(Limits(1, 1));
  EXPECT_TRUE(limiter.Take("billing", kNow).ok());
  limiter.Configure(Limits(1, 1));  // unchanged: still empty
  EXPECT_FALSE(limiter.Take("billing", kNow).ok());
  limiter.Configure(Limits(1, 2));  // changed: starts full
  EXPECT_TRUE(limiter.Take("billing", kNow).ok());
  EXPECT_TRUE(limiter.Take("billing", kNow).ok());
  EXPECT_FALSE(limiter.Take("billing", kNow).ok());
  limiter.Configure(config::v1::Callers());  // no longer limited
  EXPECT_TRUE(limiter.Take("billing", kNow).ok());
}

}  // namespace
}  // namespace gateway::auth
