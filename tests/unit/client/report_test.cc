// Tests for client/bench/report.h: the documented JSON keys and figures.
#include "client/bench/report.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace client::bench {
namespace {

using ::testing::HasSubstr;

// ReportTest starts from a closed-loop run of 1000 calls, 3 of them failed,
// taking 1..1000 us.
class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 1000; ++i) histogram_.Record(absl::Microseconds(i));
    report_.tool = "polytomic-bench /polytomic.v1.BulkSyncService/GetBulkSync";
    report_.target = "127.0.0.1:1234";
    report_.mode = "closed-loop";
    report_.connections = 4;
    report_.concurrency = 16;
    report_.window = absl::Seconds(2);
    report_.calls = 1000;
    report_.ok_calls = 997;
    report_.errors = {{"UNAVAILABLE", 2}, {"DEADLINE_EXCEEDED", 1}};
    report_.warmup_calls = 40;
    report_.latency = &histogram_;
  }

  nlohmann::json Json() const {
    const std::string text = FormatJson(report_);
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(text.find('\n'), text.size() - 1) << "one line";
    nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) {
      ADD_FAILURE() << "not JSON: " << text;
      return nlohmann::json::object();
    }
    return json;
  }

  LatencyHistogram histogram_;
  Report report_;
};

TEST_F(ReportTest, JsonHasTheDocumentedKeys) {
  nlohmann::json json = Json();
  for (const char* key :
       {"tool", "target", "mode", "connections", "concurrency", "window_s",
        "calls", "ok", "errors", "throughput", "p50_us", "p90_us", "p99_us",
        "p999_us", "max_us", "mean_us", "warmup_calls", "warmup_errors"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["calls"], 1000);
  EXPECT_EQ(json["ok"], 997);
  EXPECT_EQ(json["errors"],
            (nlohmann::json{{"UNAVAILABLE", 2}, {"DEADLINE_EXCEEDED", 1}}));
  EXPECT_EQ(json["warmup_errors"], nlohmann::json::object());
  EXPECT_DOUBLE_EQ(json["throughput"].get<double>(), 498.5);
  EXPECT_DOUBLE_EQ(json["max_us"].get<double>(), 1000.0);
  EXPECT_NEAR(json["p50_us"].get<double>(), 500, 500.0 / 128);
  EXPECT_NEAR(json["p999_us"].get<double>(), 999, 999.0 / 128);
  EXPECT_FALSE(json.contains("rate"));
  EXPECT_FALSE(json.contains("behind_schedule"));
  EXPECT_FALSE(json.contains("target_process"));
}

TEST_F(ReportTest, FixedRateAddsTheSchedule) {
  report_.mode = "fixed-rate";
  report_.rate = 500;
  report_.behind_schedule = 7;
  report_.max_send_lag = absl::Microseconds(2500);
  nlohmann::json json = Json();
  EXPECT_DOUBLE_EQ(json["rate"].get<double>(), 500);
  EXPECT_EQ(json["behind_schedule"], 7);
  EXPECT_DOUBLE_EQ(json["max_send_lag_us"].get<double>(), 2500);
  EXPECT_FALSE(json.contains("concurrency"));
}

TEST_F(ReportTest, ProcessFigures) {
  report_.self = ProcStatus{9, 1000, 2048};
  ProcWindow window;
  window.valid = true;
  window.before_load = {5, 10000, 10000};
  window.at_start = {7, 12000, 12000};
  window.at_end = {7, 14000, 14000};
  window.min_threads = 7;
  window.max_threads = 8;
  window.max_rss_kb = 15000;
  window.samples = 12;
  window.cpu = absl::Milliseconds(250);
  window.context_switches = {3000, 500};
  report_.target_pid = 4242;
  report_.target_process = window;
  nlohmann::json json = Json();
  EXPECT_EQ(json["self_threads"], 9);
  EXPECT_EQ(json["self_max_rss_kb"], 2048);
  nlohmann::json& target = json["target_process"];
  EXPECT_EQ(target["pid"], 4242);
  EXPECT_EQ(target["valid"], true);
  EXPECT_EQ(target["threads_idle"], 5);
  EXPECT_EQ(target["threads_max"], 8);
  EXPECT_EQ(target["rss_growth_kb"], 2000);
  EXPECT_EQ(target["rss_peak_kb"], 15000);
  EXPECT_DOUBLE_EQ(target["avg_in_flight"].get<double>(), 16);
  // (14000 - 10000) kB over 16 calls in flight.
  EXPECT_DOUBLE_EQ(target["rss_per_in_flight_bytes"].get<double>(), 256000);
  EXPECT_DOUBLE_EQ(target["cpu_us"].get<double>(), 250000);
  EXPECT_EQ(target["voluntary_ctxt_switches"], 3000);
  EXPECT_EQ(target["involuntary_ctxt_switches"], 500);
  // Divided by the 1000 measured calls, failed ones included.
  EXPECT_DOUBLE_EQ(target["server_cpu_us_per_call"].get<double>(), 250);
  EXPECT_DOUBLE_EQ(target["server_vcs_per_call"].get<double>(), 3);
  EXPECT_DOUBLE_EQ(target["server_ivcs_per_call"].get<double>(), 0.5);
  EXPECT_THAT(FormatText(report_),
              HasSubstr("CPU 250.0 us per call (0.250 s in the window); "
                        "context switches per call 3.00 voluntary, 0.50 "
                        "involuntary"));
}

TEST_F(ReportTest, UnreadableProcess) {
  ProcWindow window;
  window.error = "cannot read \"/proc/1/status\"";
  report_.target_pid = 1;
  report_.target_process = window;
  nlohmann::json json = Json();
  EXPECT_EQ(json["target_process"]["valid"], false);
  EXPECT_EQ(json["target_process"]["error"], "cannot read \"/proc/1/status\"");
}

TEST_F(ReportTest, ThroughputAndInFlight) {
  EXPECT_DOUBLE_EQ(Throughput(report_), 498.5);
  EXPECT_DOUBLE_EQ(AverageInFlight(report_), 16);
  report_.mode = "fixed-rate";
  // Little's law: 498.5 calls/s x 500.5 us mean.
  EXPECT_NEAR(AverageInFlight(report_), 498.5 * 500.5e-6, 1e-9);
  report_.window = absl::ZeroDuration();
  EXPECT_EQ(Throughput(report_), 0);
}

TEST_F(ReportTest, MetadataCounts) {
  EXPECT_FALSE(Json().contains("metadata_key"));
  report_.metadata_key = "x-cache-status";
  report_.metadata_counts = {{"hit", 990}, {kNoMetadataValue, 10}};
  nlohmann::json json = Json();
  EXPECT_EQ(json["metadata_key"], "x-cache-status");
  EXPECT_EQ(json["metadata_counts"],
            (nlohmann::json{{"hit", 990}, {"(none)", 10}}));
  EXPECT_THAT(FormatText(report_),
              HasSubstr("x-cache-status: 10 x (none), 990 x hit"));
}

TEST_F(ReportTest, BurstFigures) {
  EXPECT_FALSE(Json().contains("burst"));
  report_.mode = "burst";
  report_.concurrency = 1000;
  report_.window = absl::Milliseconds(60);
  report_.warmup_calls = 0;
  BurstFigures burst;
  burst.span = absl::Milliseconds(60);
  burst.send_span = absl::Milliseconds(4);
  burst.first_answer = absl::Milliseconds(52);
  burst.distinct_responses = 1;
  report_.burst = burst;
  nlohmann::json json = Json();
  EXPECT_EQ(json["mode"], "burst");
  EXPECT_EQ(json["concurrency"], 1000);
  EXPECT_FALSE(json.contains("rate"));
  EXPECT_DOUBLE_EQ(json["burst"]["span_us"].get<double>(), 60000);
  EXPECT_DOUBLE_EQ(json["burst"]["send_span_us"].get<double>(), 4000);
  EXPECT_DOUBLE_EQ(json["burst"]["first_answer_us"].get<double>(), 52000);
  EXPECT_EQ(json["burst"]["distinct_responses"], 1);
  const std::string text = FormatText(report_);
  EXPECT_THAT(text, HasSubstr("1000 calls started at once"));
  EXPECT_THAT(text, HasSubstr("last answer 60.00ms after the first send"));
  EXPECT_THAT(text, HasSubstr("1 distinct responses"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("warm-up")));
}

TEST_F(ReportTest, TextNamesTheErrors) {
  const std::string text = FormatText(report_);
  EXPECT_THAT(text, HasSubstr("1000 (997 ok, 3 failed)"));
  EXPECT_THAT(text, HasSubstr("2 x UNAVAILABLE"));
  EXPECT_THAT(text, HasSubstr("1 x DEADLINE_EXCEEDED"));
  EXPECT_THAT(text, HasSubstr("warm-up     40 calls, 0 failed"));
}

}  // namespace
}  // namespace client::bench
