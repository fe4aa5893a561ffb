// update_mask_fuzzer.cc: the partial-update path on untrusted input: the
// caller's update_mask (fieldmask::PlanMask) and the merge of the caller's
// resource onto the upstream JSON document (DropOutputOnly, ApplyPlan,
// MissingRequired, SentValues).
//
// Input: the first byte picks an update route (one with an update_mask,
// modulo their number); then three parts, split at the first two newlines:
//   1. the mask's paths, comma-separated (an empty line is an empty mask);
//   2. the resource, as the upstream's JSON (read with the route's codec;
//      an empty resource when it cannot be read);
//   3. the upstream document the update starts from (any text, read as
//      Translator::ParseBody reads the GET answer).
// For example:
//   \x00name,schedule.frequency,additional_fields.brand_new
//   {"name": "orders", "active": false}
//   {"id": "s1", "name": "old", "brand_new": [1], "kept": {"a": 1}}
//
// Checked besides "no crash, leak or UB": a refused mask is
// INVALID_ARGUMENT; the plan names each of its own paths; a full
// replacement leaves exactly the resource's JSON; each named field not
// overlapped by another path ends up as the resource's value (or absent when
// it has none); top-level members no path touches are unchanged; applying the
// plan twice changes nothing more (but member order).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/rest_client.h"
#include "gateway/fieldmask/document_merge.h"
#include "gateway/fieldmask/mask_plan.h"
#include "gateway/fieldmask/write_only_fields.h"
#include "gateway/translate/translator.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/common.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using ::gateway::FieldInfo;
using ::gateway::Json;
using ::gateway::MessageInfo;
using ::gateway::WireSchema;
using ::gateway::fieldmask::MaskPath;
using ::gateway::fieldmask::MaskPlan;
using ::gateway::translate::Route;
using ::gateway::translate::Translator;
using ::google::protobuf::Message;

// Contract is the translator and its update routes, built once per process:
// building the route table is the slow part, and it is immutable afterwards.
struct Contract {
  std::unique_ptr<Translator> translator;
  std::vector<const Route*> updates;
};

const Contract& TheContract() {
  static const Contract* const contract = [] {
    auto services = gateway::translate::ContractServices();
    FUZZ_CHECK(services.ok(), "the contract's services are linked in");
    auto created = Translator::Create(*services);
    FUZZ_CHECK(created.ok(), "the contract builds a route table");
    auto* built = new Contract{*std::move(created), {}};
    for (const auto& route : built->translator->routes().routes()) {
      if (route->update_mask != nullptr) built->updates.push_back(route.get());
    }
    FUZZ_CHECK(!built->updates.empty(), "the contract has update routes");
    return built;
  }();
  return *contract;
}

// WireChain is where a path writes in the document: the wire names of its
// fields, then its additional member if any.
std::vector<std::string> WireChain(const MaskPath& path) {
  std::vector<std::string> chain;
  for (const FieldInfo* field : path.fields) chain.push_back(field->wire_name);
  if (!path.additional_member.empty()) {
    chain.push_back(path.additional_member);
  }
  return chain;
}

// Overlapped says whether another path of the plan (not a repeat of
// plan.paths[index]) writes above, at or below where it does: its final
// value then depends on the order of the two.
bool Overlapped(const MaskPlan& plan, size_t index) {
  const MaskPath& mine = plan.paths[index];
  const std::vector<std::string> my_chain = WireChain(mine);
  for (size_t i = 0; i < plan.paths.size(); ++i) {
    const MaskPath& other = plan.paths[i];
    if (i == index || (other.fields == mine.fields &&
                       other.additional_member == mine.additional_member)) {
      continue;
    }
    const std::vector<std::string> other_chain = WireChain(other);
    const size_t common = std::min(my_chain.size(), other_chain.size());
    if (std::equal(my_chain.begin(), my_chain.begin() + common,
                   other_chain.begin())) {
      return true;
    }
  }
  return false;
}

// CheckMerged checks the document after ApplyPlan against the plan.
void CheckMerged(const Translator& translator, const MaskPlan& plan,
                 const Message& resource, const Json& before,
                 const Json& after) {
  const gateway::JsonCodec& codec = translator.codec();
  if (plan.full_replacement) {
    FUZZ_CHECK(after == codec.ToJson(resource),
               "a full replacement leaves the resource's JSON");
    return;
  }
  for (size_t i = 0; i < plan.paths.size(); ++i) {
    const MaskPath& path = plan.paths[i];
    if (!path.additional_member.empty() || Overlapped(plan, i)) continue;
    const Message* holder = &resource;
    for (size_t j = 0; j + 1 < path.fields.size(); ++j) {
      holder = &holder->GetReflection()->GetMessage(*holder,
                                                    path.fields[j]->descriptor);
    }
    const Json expected = codec.FieldToJson(*holder, *path.fields.back());
    const Json* found = gateway::fieldmask::Find(after, path.fields);
    if (expected.is_null()) {
      FUZZ_CHECK(found == nullptr, "a named field without a value is removed");
    } else {
      FUZZ_CHECK(found != nullptr && *found == expected,
                 "a named field gets the resource's value");
    }
  }
  if (!before.is_object()) return;
  for (const auto& [key, value] : before.items()) {
    bool touched = false;
    for (const MaskPath& path : plan.paths) {
      touched = touched || WireChain(path).front() == key;
    }
    if (touched) continue;
    auto it = after.find(key);
    FUZZ_CHECK(it != after.end() && *it == value,
               "a member no path names is left as it was");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Contract& contract = TheContract();
  const Translator& translator = *contract.translator;
  const WireSchema& schema = translator.routes().schema();
  const Route& route = *contract.updates[data[0] % contract.updates.size()];
  std::vector<absl::string_view> parts = absl::StrSplit(
      absl::string_view(reinterpret_cast<const char*>(data) + 1, size - 1),
      absl::MaxSplits('\n', 2));
  parts.resize(3);

  // A gRPC request never carries a path that is not UTF-8: proto3 parsing
  // refuses the message first.
  if (!google::protobuf::internal::IsStructurallyValidUTF8(
          parts[0].data(), static_cast<int>(parts[0].size()))) {
    return 0;
  }
  google::protobuf::FieldMask mask;
  if (!parts[0].empty()) {
    for (absl::string_view path : absl::StrSplit(parts[0], ',')) {
      mask.add_paths(std::string(path));
    }
  }
  const google::protobuf::Descriptor* type =
      route.resource->descriptor->message_type();
  std::unique_ptr<Message> resource(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(type)
          ->New());
  if (!translator.codec().FromJson(parts[1], resource.get()).ok()) {
    resource->Clear();
  }

  absl::StatusOr<MaskPlan> plan =
      gateway::fieldmask::PlanMask(mask, *resource, schema);
  if (!plan.ok()) {
    FUZZ_CHECK(plan.status().code() == absl::StatusCode::kInvalidArgument,
               "a refused mask is INVALID_ARGUMENT");
    return 0;
  }
  plan->Describe();
  for (const MaskPath& path : plan->paths) {
    FUZZ_CHECK(!path.fields.empty() || !path.additional_member.empty(),
               "a path names a field or an additional member");
    if (path.additional_member.empty()) {
      FUZZ_CHECK(plan->Names(path.fields), "the plan names its own paths");
    }
  }

  // Read as the update reads its GET answer (and refused where it is).
  gateway::HttpResponse got;
  got.status = 200;
  got.body = std::string(parts[2]);
  absl::StatusOr<Json> read = translator.ParseBody(*route.read, got);
  if (!read.ok()) return 0;
  Json doc = *std::move(read);
  const MessageInfo& info = *schema.Message(type);
  gateway::fieldmask::DropOutputOnly(doc, info, schema);
  const Json before = doc;
  gateway::fieldmask::ApplyPlan(*plan, *resource, translator.codec(), doc);
  CheckMerged(translator, *plan, *resource, before, doc);
  Json again = doc;
  gateway::fieldmask::ApplyPlan(*plan, *resource, translator.codec(), again);
  // Member order aside: a path under a parent that an earlier path removes
  // puts the parent back last.
  FUZZ_CHECK(nlohmann::json::parse(gateway::Dump(again)) ==
                 nlohmann::json::parse(gateway::Dump(doc)),
             "applying a plan twice changes nothing more");

  gateway::fieldmask::MissingRequired(doc, info, schema);
  gateway::fieldmask::SentValues(
      gateway::fieldmask::WriteOnlyChains(info, schema), doc);
  gateway::Dump(doc);  // what the PUT sends
  return 0;
}
