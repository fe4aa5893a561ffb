// pass_through_exchange.h: the exchange of every RPC but partial updates:
// one upstream request built from the call's request, its answer as it is.
//
//   PassThroughExchange exchange(&translator, &upstream);
//   exchange.Run(call, done);
#ifndef GATEWAY_SERVER_PASS_THROUGH_EXCHANGE_H_
#define GATEWAY_SERVER_PASS_THROUGH_EXCHANGE_H_

#include <memory>

#include "gateway/server/exchange.h"
#include "gateway/server/upstream.h"
#include "gateway/translate/translator.h"

namespace gateway::server {

// PassThroughExchange borrows its collaborators, which must outlive it.
//
// Thread safety: as Exchange.
class PassThroughExchange final : public Exchange {
 public:
  PassThroughExchange(const translate::Translator* translator,
                      const Upstream* upstream)
      : translator_(translator), upstream_(upstream) {}

  void Run(std::shared_ptr<CallContext> call, Done done) const override;

 private:
  const translate::Translator* const translator_;
  const Upstream* const upstream_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_PASS_THROUGH_EXCHANGE_H_
