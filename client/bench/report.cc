#include "client/bench/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace client::bench {
namespace {

double Micros(absl::Duration d) { return absl::ToDoubleMicroseconds(d); }

std::string Human(absl::Duration d) {
  const double us = Micros(d);
  if (us < 10) return absl::StrFormat("%.1fus", us);
  if (us < 1000) return absl::StrFormat("%.0fus", us);
  if (us < 1e6) return absl::StrFormat("%.2fms", us / 1e3);
  return absl::StrFormat("%.2fs", us / 1e6);
}

std::string HumanKb(int64_t kb) {
  const double abs_kb = kb < 0 ? -kb : kb;
  if (abs_kb < 1024) return absl::StrCat(kb, " kB");
  return absl::StrFormat("%.1f MB", kb / 1024.0);
}

// JsonString quotes a string for JSON; only code names, URLs and addresses
// pass through here, but quote properly anyway.
std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

int64_t ErrorTotal(const std::map<std::string, int64_t>& errors) {
  int64_t total = 0;
  for (const auto& [code, count] : errors) total += count;
  return total;
}

// ErrorList renders counts by name (error codes, metadata values) as
// "2 x UNAVAILABLE, 1 x DEADLINE_EXCEEDED".
std::string ErrorList(const std::map<std::string, int64_t>& errors) {
  std::string out;
  for (const auto& [code, count] : errors) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", count, " x ", code);
  }
  return out;
}

std::string JsonCounts(const std::map<std::string, int64_t>& counts) {
  std::string out = "{";
  for (const auto& [key, count] : counts) {
    absl::StrAppend(&out, out.size() > 1 ? "," : "", JsonString(key), ":",
                    count);
  }
  return out + "}";
}

std::string Percentiles(const LatencyHistogram& h) {
  return absl::StrCat(
      "p50 ", Human(h.Percentile(50)), "  p90 ", Human(h.Percentile(90)),
      "  p99 ", Human(h.Percentile(99)), "  p99.9 ", Human(h.Percentile(99.9)),
      "  max ", Human(h.Max()), "  mean ", Human(h.Mean()));
}

// RssPerInFlightBytes is how much the target's VmRSS grew from idle (before
// the load) to the end of the window, divided by the calls in flight: what
// each in-flight call costs. A rough figure: it also holds connection
// buffers, allocator caches and page rounding.
double RssPerInFlightBytes(const Report& r) {
  const double in_flight = AverageInFlight(r);
  if (!r.target_process.has_value() || in_flight <= 0) return 0;
  const int64_t growth_kb = r.target_process->at_end.vm_rss_kb -
                            r.target_process->before_load.vm_rss_kb;
  return growth_kb * 1024.0 / in_flight;
}

// PerCall divides a window's total by the measured calls.
double PerCall(double total, const Report& r) {
  return r.calls > 0 ? total / r.calls : 0;
}

}  // namespace

double Throughput(const Report& r) {
  const double seconds = absl::ToDoubleSeconds(r.window);
  return seconds > 0 ? r.ok_calls / seconds : 0;
}

double AverageInFlight(const Report& r) {
  if (r.mode == "closed-loop") return r.concurrency;
  if (r.latency == nullptr) return 0;
  return Throughput(r) * absl::ToDoubleSeconds(r.latency->Mean());
}

std::string FormatText(const Report& r) {
  std::string out;
  absl::StrAppend(&out, r.tool, " -> ", r.target, "\n");
  absl::StrAppend(&out, "  mode        ", r.mode, ", ", r.connections,
                  " connections, ");
  if (r.mode == "closed-loop") {
    absl::StrAppend(&out, r.concurrency, " calls in flight");
  } else if (r.mode == "burst") {
    absl::StrAppend(&out, r.concurrency, " calls started at once");
  } else {
    absl::StrAppendFormat(&out, "%.0f calls/s intended", r.rate);
  }
  absl::StrAppend(&out, ", ", absl::FormatDuration(r.window), " measured\n");
  if (r.burst.has_value()) {
    absl::StrAppend(&out, "  burst       last answer ", Human(r.burst->span),
                    " after the first send (sends took ",
                    Human(r.burst->send_span), ", first answer after ",
                    Human(r.burst->first_answer), "); ",
                    r.burst->distinct_responses, " distinct responses\n");
  }
  absl::StrAppendFormat(&out,
                        "  calls       %d (%d ok, %d failed), throughput "
                        "%.1f calls/s\n",
                        r.calls, r.ok_calls, r.calls - r.ok_calls,
                        Throughput(r));
  if (r.latency != nullptr) {
    absl::StrAppend(&out, "  latency     ", Percentiles(*r.latency), "\n");
  }
  if (!r.errors.empty()) {
    absl::StrAppend(&out, "  errors      (latencies above include them)\n");
    for (const auto& [code, count] : r.errors) {
      absl::StrAppend(&out, "              ", count, " x ", code, "\n");
    }
  }
  if (r.mode == "fixed-rate") {
    absl::StrAppend(&out, "  schedule    ", r.behind_schedule,
                    " sends more than ", absl::FormatDuration(kBehindThreshold),
                    " behind schedule, max lag ", Human(r.max_send_lag),
                    " (latency counts from the intended send time)\n");
  }
  if (!r.metadata_key.empty()) {
    absl::StrAppend(
        &out, "  metadata    ", r.metadata_key, ": ",
        r.metadata_counts.empty() ? "no calls" : ErrorList(r.metadata_counts),
        "\n");
  }
  if (r.mode != "burst") {
    absl::StrAppend(
        &out, "  warm-up     ", r.warmup_calls, " calls, ",
        ErrorTotal(r.warmup_errors), " failed",
        r.warmup_errors.empty() ? "" : " (", ErrorList(r.warmup_errors),
        r.warmup_errors.empty() ? "" : ")", "; not counted above\n");
  }
  if (r.self.has_value()) {
    absl::StrAppend(&out, "  this proc   ", r.self->threads,
                    " threads, max RSS ", HumanKb(r.self->vm_hwm_kb), "\n");
  }
  if (r.target_process.has_value()) {
    const ProcWindow& w = *r.target_process;
    if (!w.valid) {
      absl::StrAppend(&out, "  pid ", r.target_pid,
                      "     not readable: ", w.error, "\n");
    } else {
      absl::StrAppend(&out, "  pid ", r.target_pid, "   threads ",
                      w.before_load.threads, " idle; ", w.at_start.threads,
                      " -> ", w.at_end.threads, " over the window (min ",
                      w.min_threads, ", max ", w.max_threads, ", ", w.samples,
                      " samples)\n");
      absl::StrAppend(&out, "              VmRSS ",
                      HumanKb(w.before_load.vm_rss_kb), " idle; ",
                      HumanKb(w.at_start.vm_rss_kb), " -> ",
                      HumanKb(w.at_end.vm_rss_kb), " over the window (peak ",
                      HumanKb(w.max_rss_kb), ")\n");
      absl::StrAppendFormat(&out,
                            "              load adds %.0f bytes of RSS per "
                            "in-flight call (%.1f in flight)\n",
                            RssPerInFlightBytes(r), AverageInFlight(r));
      absl::StrAppendFormat(
          &out,
          "              CPU %.1f us per call (%.3f s in the window); context "
          "switches per call %.2f voluntary, %.2f involuntary\n",
          PerCall(Micros(w.cpu), r), absl::ToDoubleSeconds(w.cpu),
          PerCall(w.context_switches.voluntary, r),
          PerCall(w.context_switches.involuntary, r));
    }
  }
  return out;
}

std::string FormatJson(const Report& r) {
  std::string out = "{";
  absl::StrAppend(&out, "\"tool\":", JsonString(r.tool),
                  ",\"target\":", JsonString(r.target),
                  ",\"mode\":", JsonString(r.mode),
                  ",\"connections\":", r.connections);
  if (r.mode == "closed-loop" || r.mode == "burst") {
    absl::StrAppend(&out, ",\"concurrency\":", r.concurrency);
  } else {
    absl::StrAppendFormat(&out, ",\"rate\":%.3f", r.rate);
  }
  absl::StrAppendFormat(&out, ",\"window_s\":%.3f",
                        absl::ToDoubleSeconds(r.window));
  absl::StrAppend(&out, ",\"calls\":", r.calls, ",\"ok\":", r.ok_calls,
                  ",\"errors\":", JsonCounts(r.errors));
  absl::StrAppendFormat(&out, ",\"throughput\":%.1f", Throughput(r));
  if (r.latency != nullptr) {
    const LatencyHistogram& h = *r.latency;
    absl::StrAppendFormat(
        &out,
        ",\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
        "\"max_us\":%.1f,\"mean_us\":%.1f",
        Micros(h.Percentile(50)), Micros(h.Percentile(90)),
        Micros(h.Percentile(99)), Micros(h.Percentile(99.9)), Micros(h.Max()),
        Micros(h.Mean()));
  }
  absl::StrAppend(&out, ",\"warmup_calls\":", r.warmup_calls,
                  ",\"warmup_errors\":", JsonCounts(r.warmup_errors));
  if (!r.metadata_key.empty()) {
    absl::StrAppend(&out, ",\"metadata_key\":", JsonString(r.metadata_key),
                    ",\"metadata_counts\":", JsonCounts(r.metadata_counts));
  }
  if (r.burst.has_value()) {
    absl::StrAppendFormat(&out,
                          ",\"burst\":{\"span_us\":%.1f,\"send_span_us\":%.1f,"
                          "\"first_answer_us\":%.1f,\"distinct_responses\":%d}",
                          Micros(r.burst->span), Micros(r.burst->send_span),
                          Micros(r.burst->first_answer),
                          r.burst->distinct_responses);
  }
  if (r.mode == "fixed-rate") {
    absl::StrAppendFormat(&out,
                          ",\"behind_schedule\":%d,\"max_send_lag_us\":%.1f",
                          r.behind_schedule, Micros(r.max_send_lag));
  }
  if (r.self.has_value()) {
    absl::StrAppend(&out, ",\"self_threads\":", r.self->threads,
                    ",\"self_max_rss_kb\":", r.self->vm_hwm_kb);
  }
  if (r.target_process.has_value()) {
    const ProcWindow& w = *r.target_process;
    absl::StrAppend(&out, ",\"target_process\":{\"pid\":", r.target_pid,
                    ",\"valid\":", w.valid ? "true" : "false");
    if (w.valid) {
      absl::StrAppend(
          &out, ",\"threads_idle\":", w.before_load.threads,
          ",\"rss_idle_kb\":", w.before_load.vm_rss_kb,
          ",\"threads_start\":", w.at_start.threads,
          ",\"threads_end\":", w.at_end.threads,
          ",\"threads_min\":", w.min_threads,
          ",\"threads_max\":", w.max_threads,
          ",\"rss_start_kb\":", w.at_start.vm_rss_kb,
          ",\"rss_end_kb\":", w.at_end.vm_rss_kb,
          ",\"rss_growth_kb\":", w.at_end.vm_rss_kb - w.at_start.vm_rss_kb,
          ",\"rss_peak_kb\":", w.max_rss_kb);
      absl::StrAppendFormat(&out,
                            ",\"avg_in_flight\":%.1f,"
                            "\"rss_per_in_flight_bytes\":%.0f",
                            AverageInFlight(r), RssPerInFlightBytes(r));
      absl::StrAppendFormat(
          &out,
          ",\"cpu_us\":%.0f,\"voluntary_ctxt_switches\":%d,"
          "\"involuntary_ctxt_switches\":%d,\"server_cpu_us_per_call\":%.2f,"
          "\"server_vcs_per_call\":%.3f,\"server_ivcs_per_call\":%.3f",
          Micros(w.cpu), w.context_switches.voluntary,
          w.context_switches.involuntary, PerCall(Micros(w.cpu), r),
          PerCall(w.context_switches.voluntary, r),
          PerCall(w.context_switches.involuntary, r));
    } else {
      absl::StrAppend(&out, ",\"error\":", JsonString(w.error));
    }
    absl::StrAppend(&out, "}");
  }
  absl::StrAppend(&out, "}\n");
  return out;
}

}  // namespace client::bench
