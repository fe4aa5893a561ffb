// read_merge_write_exchange.h: the exchange of a partial update (an RPC
// with an `update_mask`) over Polytomic's full-replacement PUTs.
//
//   ReadMergeWriteExchange exchange(&translator, &upstream, &locks, &values,
//                                   config.updates());
//   exchange.Run(call, done);
//
// Per resource, one update at a time (UpdateLocks), and for each exactly one
// fresh GET and one PUT:
//   [the resource's lock] -> GET -> etag check -> drop output-only members
//   -> merge the named fields onto the upstream document -> restore unnamed
//   write-only fields -> required check -> PUT (once the write gate opens)
// Everything the mask does not name is sent back exactly as the GET returned
// it, members the contract does not model included. The lock stays held in
// the call until the pipeline has remembered what was written.
#ifndef GATEWAY_SERVER_READ_MERGE_WRITE_EXCHANGE_H_
#define GATEWAY_SERVER_READ_MERGE_WRITE_EXCHANGE_H_

#include <memory>

#include "gateway/common/update_locks.h"
#include "gateway/common/write_only_values.h"
#include "gateway/config/v1/config.pb.h"
#include "gateway/server/exchange.h"
#include "gateway/server/upstream.h"
#include "gateway/translate/translator.h"

namespace gateway::server {

// ReadMergeWriteExchange borrows its collaborators, which must outlive it.
//
// Thread safety: as Exchange.
class ReadMergeWriteExchange final : public Exchange {
 public:
  ReadMergeWriteExchange(const translate::Translator* translator,
                         const Upstream* upstream, UpdateLocks* locks,
                         WriteOnlyValues* write_only,
                         const config::v1::Updates& updates)
      : translator_(translator),
        upstream_(upstream),
        locks_(locks),
        write_only_(write_only),
        resend_held_(updates.write_only_policy() !=
                     config::v1::Updates::WRITE_ONLY_POLICY_REFUSE) {}

  void Run(std::shared_ptr<CallContext> call, Done done) const override;

 private:
  struct Update;
  void Read(std::shared_ptr<Update> update) const;
  void Recall(std::shared_ptr<Update> update, HttpResponse got) const;
  void Write(std::shared_ptr<Update> update, HttpResponse got,
             const HeldValues& held) const;

  const translate::Translator* const translator_;
  const Upstream* const upstream_;
  UpdateLocks* const locks_;
  WriteOnlyValues* const write_only_;
  const bool resend_held_;
};

}  // namespace gateway::server

#endif  // GATEWAY_SERVER_READ_MERGE_WRITE_EXCHANGE_H_
