// trace_context.h: the W3C Trace Context (`traceparent`) of one call.
//
//   TraceContext trace = TraceContext::Continue(metadata_value);  // or start
//   upstream_request.headers.emplace_back("traceparent", trace.Header());
//   audit_record.String("trace_id", trace.trace_id());
//
// A caller's valid `traceparent` (version 00: 32 hex digits of trace id, 16
// of parent span id, 2 of flags; neither id all zeros) is continued: same
// trace id and flags, the caller's span as parent. Anything else starts a
// new trace (flags 01, sampled: the gateway exports no spans, so the flag
// only tells the upstream the caller's choice, and a new trace has none).
// The gateway's span is new for every call; it is what Header() names as
// the parent of everything the call sends upstream, and what the caller gets
// back in the `traceparent` response metadata.
#ifndef GATEWAY_SERVER_TRACE_CONTEXT_H_
#define GATEWAY_SERVER_TRACE_CONTEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace gateway::server {

// TraceContext is immutable once made. Thread safety: as a value.
class TraceContext {
 public:
  // Continue continues `traceparent` (the caller's header, empty if none)
  // or starts a trace, with a new span of the gateway's.
  static TraceContext Continue(absl::string_view traceparent);

  TraceContext() = default;

  const std::string& trace_id() const { return trace_id_; }  // 32 hex
  const std::string& span_id() const { return span_id_; }    // 16 hex
  // parent_id is the caller's span, empty when the gateway started the trace.
  const std::string& parent_id() const { return parent_id_; }
  // Header is `00-<trace id>-<the gateway's span id>-<flags>`.
  std::string Header() const;

 private:
  std::string trace_id_;
  std::string span_id_;
  std::string parent_id_;
  std::string flags_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_TRACE_CONTEXT_H_
