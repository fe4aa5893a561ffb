// The metrics registry: families and their handles, registration rules, and
// the Prometheus text exposition (exact bytes, escaping, ordering), checked
// by promtool too.
#include "gateway/common/metrics.h"

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/promtool.h"

namespace gateway {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, ACounterFamilyRendersHelpTypeAndSortedSeries) {
  MetricsRegistry registry;
  auto requests = registry.AddCounterFamily(
      "upstream_requests_total", "Upstream requests.", {"operation", "code"});
  ASSERT_TRUE(requests.ok()) << requests.status();
  (*requests)->WithLabels({"bulkSync.list", "200"})->Increment();
  (*requests)->WithLabels({"bulkSync.get", "404"})->Increment(2);
  (*requests)->WithLabels({"bulkSync.get", "200"})->Increment(3);
  EXPECT_EQ(registry.RenderText(),
            "# HELP upstream_requests_total Upstream requests.\n"
            "# TYPE upstream_requests_total counter\n"
            "upstream_requests_total{operation=\"bulkSync.get\",code=\"200\"} "
            "3\n"
            "upstream_requests_total{operation=\"bulkSync.get\",code=\"404\"} "
            "2\n"
            "upstream_requests_total{operation=\"bulkSync.list\",code=\"200\"} "
            "1\n");
}

TEST(MetricsTest, WithLabelsResolvesOneHandlePerLabelSet) {
  MetricsRegistry registry;
  Family<Counter>* family =
      *registry.AddCounterFamily("calls_total", "Calls.", {"method"});
  Counter* a = family->WithLabels({"A"});
  EXPECT_EQ(family->WithLabels({"A"}), a);
  Counter* b = family->WithLabels({"B"});
  EXPECT_NE(b, a);
  a->Increment();
  a->Increment();
  b->Increment(5);
  EXPECT_EQ(a->Value(), 2u);
  EXPECT_EQ(b->Value(), 5u);
  // A handle outlives the creation of many more series (the map rehashes).
  for (int i = 0; i < 1000; ++i) {
    family->WithLabels({std::to_string(i)})->Increment();
  }
  EXPECT_EQ(family->WithLabels({"A"}), a);
  a->Increment();
  EXPECT_EQ(family->WithLabels({"A"})->Value(), 3u);
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  MetricsRegistry registry;
  Family<Counter>* family = *registry.AddCounterFamily(
      "odd_total", "Help with a \\ backslash,\na newline and \"quotes\".",
      {"value"});
  family->WithLabels({"back\\slash \"quoted\"\nnext line"})->Increment();
  EXPECT_EQ(
      registry.RenderText(),
      "# HELP odd_total Help with a \\\\ backslash,\\na newline and "
      "\"quotes\".\n"
      "# TYPE odd_total counter\n"
      "odd_total{value=\"back\\\\slash \\\"quoted\\\"\\nnext line\"} 1\n");
}

TEST(MetricsTest, AnUnlabelledFamilyStartsAtZeroALabelledOneIsSilent) {
  MetricsRegistry registry;
  ASSERT_TRUE(registry.AddCounterFamily("started_total", "Starts.", {}).ok());
  ASSERT_TRUE(
      registry.AddCounterFamily("by_code_total", "By code.", {"code"}).ok());
  EXPECT_EQ(registry.RenderText(),
            "# HELP started_total Starts.\n"
            "# TYPE started_total counter\n"
            "started_total 0\n");
}

TEST(MetricsTest, GaugesAreSetMovedAndReadAtRenderTime) {
  MetricsRegistry registry;
  Family<Gauge>* level = *registry.AddGaugeFamily("level", "Level.", {"pool"});
  Gauge* pool = level->WithLabels({"main"});
  pool->Set(2.5);
  pool->Add(-1);
  EXPECT_EQ(pool->Value(), 1.5);
  double reading = 7;
  ASSERT_TRUE(registry
                  .AddCallbackGauge("reading", "Read when rendered.",
                                    [&reading] { return reading; })
                  .ok());
  EXPECT_THAT(registry.RenderText(), HasSubstr("\nreading 7\n"));
  reading = 0.1;
  EXPECT_EQ(registry.RenderText(),
            "# HELP level Level.\n"
            "# TYPE level gauge\n"
            "level{pool=\"main\"} 1.5\n"
            "# HELP reading Read when rendered.\n"
            "# TYPE reading gauge\n"
            "reading 0.1\n");
}

TEST(MetricsTest, SampleValuesKeepTheirPrecisionAndSpecialValues) {
  MetricsRegistry registry;
  Family<Gauge>* g = *registry.AddGaugeFamily("g", "G.", {"v"});
  g->WithLabels({"big"})->Set(12345678901234567.0);
  g->WithLabels({"inf"})->Set(std::numeric_limits<double>::infinity());
  g->WithLabels({"nan"})->Set(std::nan(""));
  g->WithLabels({"neg"})->Set(-std::numeric_limits<double>::infinity());
  g->WithLabels({"third"})->Set(1.0 / 3);
  Family<Counter>* c = *registry.AddCounterFamily("c_total", "C.", {});
  c->WithLabels({})->Increment(18446744073709551615u);
  std::string text = registry.RenderText();
  EXPECT_THAT(text, HasSubstr("g{v=\"big\"} 12345678901234568\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"inf\"} +Inf\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"nan\"} NaN\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"neg\"} -Inf\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"third\"} 0.33333333333333331\n"));
  EXPECT_THAT(text, HasSubstr("c_total 18446744073709551615\n"));
}

TEST(MetricsTest, FamiliesRenderSortedByNameWhateverTheRegistrationOrder) {
  MetricsRegistry first, second;
  for (const char* name : {"b_total", "a_total", "c_total"}) {
    (*first.AddCounterFamily(name, "X.", {}))->WithLabels({})->Increment();
  }
  for (const char* name : {"c_total", "b_total", "a_total"}) {
    (*second.AddCounterFamily(name, "X.", {}))->WithLabels({})->Increment();
  }
  std::string text = first.RenderText();
  EXPECT_EQ(text, second.RenderText());
  EXPECT_LT(text.find("a_total"), text.find("b_total"));
  EXPECT_LT(text.find("b_total"), text.find("c_total"));
  EXPECT_EQ(text, first.RenderText());  // rendering changes nothing
}

TEST(MetricsTest, NamesAreChecked) {
  MetricsRegistry registry;
  EXPECT_EQ(registry.AddCounterFamily("", "X.", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounterFamily("1st_total", "X.", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounterFamily("a-b_total", "X.", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(registry.AddCounterFamily("ns:sub_total", "X.", {}).ok());
  EXPECT_EQ(registry.AddCounterFamily("l_total", "X.", {"a:b"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      registry.AddCounterFamily("l_total", "X.", {"__name"}).status().code(),
      absl::StatusCode::kInvalidArgument);
  absl::Status twice =
      registry.AddCounterFamily("l_total", "X.", {"a", "a"}).status();
  EXPECT_EQ(twice.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(twice.message()), HasSubstr("twice"));
  EXPECT_EQ(
      registry.AddCallbackGauge("bad name", "X.", [] { return 0.0; }).code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(MetricsTest, TheSameFamilyAgainIsSharedAnythingElseIsRefused) {
  MetricsRegistry registry;
  Family<Counter>* family =
      *registry.AddCounterFamily("shared_total", "Shared.", {"op"});
  auto again = registry.AddCounterFamily("shared_total", "Shared.", {"op"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, family);
  EXPECT_EQ(registry.AddCounterFamily("shared_total", "Other.", {"op"})
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.AddCounterFamily("shared_total", "Shared.", {"code"})
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.AddGaugeFamily("shared_total", "Shared.", {"op"})
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(
      registry.AddCallbackGauge("shared_total", "Shared.", [] { return 0.0; })
          .code(),
      absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(
      registry.AddCallbackGauge("callback", "Once.", [] { return 1.0; }).ok());
  EXPECT_EQ(
      registry.AddCallbackGauge("callback", "Once.", [] { return 1.0; }).code(),
      absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.AddGaugeFamily("callback", "Once.", {}).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST(MetricsTest, AWrongNumberOfLabelValuesIsABug) {
  MetricsRegistry registry;
  Family<Counter>* family =
      *registry.AddCounterFamily("pairs_total", "Pairs.", {"a", "b"});
  // Debug builds stop; release builds keep the exposition well-formed.
  EXPECT_DEBUG_DEATH(family->WithLabels({"only"})->Increment(),
                     "one value per label name");
  EXPECT_DEBUG_DEATH(family->WithLabels({"x", "y", "z"})->Increment(),
                     "one value per label name");
#ifdef NDEBUG
  EXPECT_EQ(registry.RenderText(),
            "# HELP pairs_total Pairs.\n"
            "# TYPE pairs_total counter\n"
            "pairs_total{a=\"only\",b=\"\"} 1\n"
            "pairs_total{a=\"x\",b=\"y\"} 1\n");
#endif
}

TEST(MetricsTest, ConcurrentIncrementsAndNewSeriesAllCount) {
  MetricsRegistry registry;
  Family<Counter>* family =
      *registry.AddCounterFamily("work_total", "Work.", {"kind"});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([family, t] {
      Counter* shared = family->WithLabels({"shared"});
      for (int i = 0; i < kPerThread; ++i) {
        shared->Increment();
        // Resolved every time, and new label sets while others read.
        family->WithLabels({i % 2 == 0 ? "even" : "odd"})->Increment();
        if (i % 1000 == 0) {
          family
              ->WithLabels({"t" + std::to_string(t) + "-" + std::to_string(i)})
              ->Increment();
        }
      }
    });
  }
  std::string during = registry.RenderText();  // renders while they run
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(family->WithLabels({"shared"})->Value(),
            static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(family->WithLabels({"even"})->Value() +
                family->WithLabels({"odd"})->Value(),
            static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_THAT(registry.RenderText(),
              HasSubstr("work_total{kind=\"t3-9000\"} 1"));
  EXPECT_TRUE(during.empty() || during.rfind("# HELP work_total", 0) == 0);
}

TEST(MetricsTest, PromtoolAcceptsAPopulatedRegistry) {
  MetricsRegistry registry;
  Family<Counter>* requests = *registry.AddCounterFamily(
      "polytomic_gateway_upstream_requests_total",
      "Upstream HTTP requests, by operation and HTTP status (or \"error\").",
      {"operation", "code"});
  requests->WithLabels({"bulkSync.get", "200"})->Increment(3);
  requests->WithLabels({"bulkSync.list", "error"})->Increment();
  requests->WithLabels({"odd \"one\"\\\n", "503"})->Increment();
  Family<Gauge>* level =
      *registry.AddGaugeFamily("polytomic_gateway_level", "A level.", {"pool"});
  level->WithLabels({"a"})->Set(-2.25);
  level->WithLabels({"b"})->Set(std::numeric_limits<double>::infinity());
  level->WithLabels({"c"})->Set(std::nan(""));
  ASSERT_TRUE(registry
                  .AddCallbackGauge("polytomic_gateway_reading", "A reading.",
                                    [] { return 42.0; })
                  .ok());
  ASSERT_TRUE(registry
                  .AddCounterFamily("polytomic_gateway_silent_total",
                                    "No series yet.", {"code"})
                  .ok());
  std::string text = registry.RenderText();
  absl::Status checked = testsupport::PromtoolCheckMetrics(text);
  EXPECT_TRUE(checked.ok()) << checked << "\n" << text;
}

}  // namespace
}  // namespace gateway
