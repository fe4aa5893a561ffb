// pipeline.h: the one place that knows the order of the stages every RPC
// goes through.
//
//   authenticate -> authorize -> validate -> cache/coalesce -> translate ->
//   upstream (deadline, cancellation) -> translate back -> cache store ->
//   audit -> finish
//
// Stages not built yet (caller identity, method policy, cache, audit) slot in
// here when their issues land; nothing else in the gateway orders them.
//
//   Pipeline pipeline(translator, upstream, credentials, clock, options);
//   pipeline.Run(call, [](absl::Status status) { ...finish the RPC... });
#ifndef GATEWAY_SERVER_PIPELINE_H_
#define GATEWAY_SERVER_PIPELINE_H_

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "gateway/common/clock.h"
#include "gateway/common/credential_source.h"
#include "gateway/common/rest_client.h"
#include "gateway/server/call_context.h"
#include "gateway/translate/translator.h"

namespace gateway::server {

// Pipeline serves calls. It holds no per-call state.
//
// Thread safety: Run may be called concurrently. `done` runs exactly once,
// possibly inline in Run (for errors found before any upstream call) or on
// the upstream transport's thread; it must not block.
class Pipeline {
 public:
  struct Options {
    std::string api_version;          // X-Polytomic-Version
    std::string account = "default";  // upstream account calls act as
  };
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // All pointers are borrowed and must outlive the pipeline.
  Pipeline(const translate::Translator* translator, RestClient* upstream,
           const CredentialSource* credentials, const Clock* clock,
           Options options)
      : translator_(translator),
        upstream_(upstream),
        credentials_(credentials),
        clock_(clock),
        options_(std::move(options)) {}

  // Run serves `call`; its response is filled when `done` gets OK.
  void Run(std::shared_ptr<CallContext> call, Done done) const;

 private:
  // PrepareUpstream adds credentials, API version and the call's deadline.
  absl::Status PrepareUpstream(const CallContext& call,
                               HttpRequest& request) const;
  // SendUpstream sends a prepared request and tracks it for cancellation.
  void SendUpstream(const std::shared_ptr<CallContext>& call,
                    HttpRequest request, RestClient::Callback on_answer) const;

  const translate::Translator* const translator_;
  RestClient* const upstream_;
  const CredentialSource* const credentials_;
  const Clock* const clock_;
  const Options options_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_PIPELINE_H_
