// changed_fields.h: what a mutation changed, for its audit record.
//
//   Json changes = ChangedFields(document_before, document_after);
//   // {"before": {"name": "old"}, "after": {"name": "new"}}
#ifndef GATEWAY_AUDIT_CHANGED_FIELDS_H_
#define GATEWAY_AUDIT_CHANGED_FIELDS_H_

#include "gateway/common/json_codec.h"

namespace gateway::audit {

// ChangedFields compares two JSON documents member by member, descending
// into objects present on both sides (lists and scalars compare whole), and
// returns {"before": ..., "after": ...} holding only the members that differ;
// a member on one side only appears on that side. Not redacted.
Json ChangedFields(const Json& before, const Json& after);

}  // namespace gateway::audit

#endif  // GATEWAY_AUDIT_CHANGED_FIELDS_H_
