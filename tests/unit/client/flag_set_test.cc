// Tests for client/bench/flag_set.h, the bench tools' flag parser.
#include "client/bench/flag_set.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace client::bench {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Flags is a FlagSet with one flag of every kind, and their variables.
struct Flags {
  Flags() : set("intro text") {
    set.String("target", &target, "where");
    set.Int("channels", &channels, "how many");
    set.Double("rate", &rate, "calls/s");
    set.Duration("duration", &duration, "how long");
    set.Bool("json", &json, "JSON out");
    set.Repeated("header", &headers, "K=V");
  }

  FlagSet set;
  std::string target = "127.0.0.1:50051";
  int channels = 4;
  double rate = 0;
  absl::Duration duration = absl::Seconds(10);
  bool json = false;
  std::vector<std::string> headers;
};

TEST(FlagSetTest, BothValueFormsAndBareBools) {
  Flags f;
  ASSERT_TRUE(f.set
                  .Parse({"--target", "h:1", "--channels=8", "--rate", "2.5",
                          "--duration=500ms", "--json", "--header", "a=b,c",
                          "--header=d: e"})
                  .ok());
  EXPECT_EQ(f.target, "h:1");
  EXPECT_EQ(f.channels, 8);
  EXPECT_EQ(f.rate, 2.5);
  EXPECT_EQ(f.duration, absl::Milliseconds(500));
  EXPECT_TRUE(f.json);
  // Repeated values are not split on commas.
  EXPECT_THAT(f.headers, ElementsAre("a=b,c", "d: e"));
  EXPECT_TRUE(f.set.WasSet("rate"));
}

TEST(FlagSetTest, DefaultsStayAndWasSetTellsThemApart) {
  Flags f;
  ASSERT_TRUE(f.set.Parse({"--json=false", "--duration", "3"}).ok());
  EXPECT_FALSE(f.json);
  EXPECT_TRUE(f.set.WasSet("json"));
  EXPECT_EQ(f.duration, absl::Seconds(3));
  EXPECT_EQ(f.channels, 4);
  EXPECT_FALSE(f.set.WasSet("channels"));
}

TEST(FlagSetTest, Errors) {
  const std::vector<std::vector<std::string>> bad = {
      {"--nope=1"},        {"positional"},     {"--channels"},
      {"--channels=many"}, {"--rate=fast"},    {"--duration=soon"},
      {"--duration=-1s"},  {"--duration=nan"}, {"--json=perhaps"},
  };
  for (const std::vector<std::string>& args : bad) {
    Flags f;
    EXPECT_EQ(f.set.Parse(args).code(), absl::StatusCode::kInvalidArgument)
        << args.front();
  }
}

TEST(FlagSetTest, HelpIsCancelledAndUsageShowsDefaults) {
  Flags f;
  EXPECT_EQ(f.set.Parse({"--channels=2", "--help"}).code(),
            absl::StatusCode::kCancelled);
  const std::string usage = f.set.Usage();
  EXPECT_THAT(usage, HasSubstr("intro text"));
  EXPECT_THAT(usage, HasSubstr("(default 4)"));
  EXPECT_THAT(usage, HasSubstr("(default 127.0.0.1:50051)"));
}

}  // namespace
}  // namespace client::bench
