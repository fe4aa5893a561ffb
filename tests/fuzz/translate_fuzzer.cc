// translate_fuzzer.cc: upstream answers -> gRPC responses, the part of the
// translator that reads what the network sends (Translator::FromHttp and
// FromHttpError).
//
// Input: the first byte picks a route (modulo the number of routes); the
// rest is the body of a 200 answer to it, and of an error answer whose
// status the body's length picks; the body's first line is also its
// Retry-After header. For example `\x02{"data": {"name": "orders"}}` (route 2
// is GetBulkSync today; a new RPC shifts the routes after it, and the seeds
// stay good inputs for whichever route they then pick).
//
// Checked besides "no crash, leak or UB":
// - a body FromHttp refuses leaves the response empty, with INTERNAL;
// - an accepted response serializes to bytes that parse back to it (what
//   the gRPC client will do with it);
// - the codec's JSON of an accepted response reads back into the same
//   message, twice over (output-only members are dropped on the first trip);
// - an error answer never maps to OK.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/common/json_codec.h"
#include "gateway/common/rest_client.h"
#include "gateway/translate/translator.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/message_differencer.h"
#include "polytomic/v1/options.pb.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using ::gateway::HttpResponse;
using ::gateway::translate::Route;
using ::gateway::translate::Translator;
using ::google::protobuf::Message;
using ::google::protobuf::util::MessageDifferencer;

// The statuses with a row of their own in error_mapping.cc, a range row's
// ends, and a few that no row names.
constexpr int kErrorStatuses[] = {0,   100, 204, 301, 400, 401, 403, 404,
                                  408, 409, 413, 418, 422, 429, 499, 500,
                                  502, 503, 504, 599, 600, -1};

// TheTranslator is built once per process: building the route table is the
// slow part, and it is immutable afterwards.
const Translator& TheTranslator() {
  static const Translator* const translator = [] {
    auto services = gateway::translate::ContractServices();
    FUZZ_CHECK(services.ok(), "the contract's services are linked in");
    auto created = Translator::Create(*services);
    FUZZ_CHECK(created.ok(), "the contract builds a route table");
    return created->release();
  }();
  return *translator;
}

// IgnoreEtags makes a MessageDifferencer skip the gateway's etag fields.
class IgnoreEtags : public MessageDifferencer::IgnoreCriteria {
 public:
  bool IsIgnored(
      const Message&, const Message&,
      const google::protobuf::FieldDescriptor* field,
      const std::vector<MessageDifferencer::SpecificField>&) override {
    return field->options().GetExtension(polytomic::v1::field).etag();
  }
};

std::unique_ptr<Message> NewOutput(const Route& route) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(route.method->output_type())
          ->New());
}

// CheckRoundTrips checks what the rest of the gateway relies on in a
// response that FromHttp accepted.
void CheckRoundTrips(const Translator& translator, const Route& route,
                     const Message& response) {
  std::string bytes;
  FUZZ_CHECK(response.SerializeToString(&bytes), "the response serializes");
  std::unique_ptr<Message> parsed = NewOutput(route);
  FUZZ_CHECK(parsed->ParseFromString(bytes),
             "a client can parse the serialized response");
  FUZZ_CHECK(MessageDifferencer::Equals(response, *parsed),
             "the serialized response parses back to itself");

  std::unique_ptr<Message> once = NewOutput(route);
  absl::Status read_once = translator.codec().FromJson(
      gateway::Dump(translator.codec().ToJson(response)), once.get());
  FUZZ_CHECK(read_once.ok(), "the codec reads back its own JSON");
  std::unique_ptr<Message> twice = NewOutput(route);
  absl::Status read_twice = translator.codec().FromJson(
      gateway::Dump(translator.codec().ToJson(*once)), twice.get());
  FUZZ_CHECK(read_twice.ok(), "the codec reads back its own JSON again");
  // Etags are of the exact text read, and Struct members print in hash
  // order, so two equal messages can print with different etags.
  MessageDifferencer differencer;
  differencer.AddIgnoreCriteria(new IgnoreEtags());
  FUZZ_CHECK(differencer.Compare(*once, *twice),
             "the codec's JSON round trip is stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Translator& translator = TheTranslator();
  const auto& routes = translator.routes().routes();
  const Route& route = *routes[data[0] % routes.size()];
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);

  HttpResponse ok_answer;
  ok_answer.status = 200;
  ok_answer.body = body;
  std::unique_ptr<Message> response = NewOutput(route);
  absl::Status read = translator.FromHttp(route, ok_answer, response.get());
  if (read.ok()) {
    CheckRoundTrips(translator, route, *response);
  } else {
    FUZZ_CHECK(read.code() == absl::StatusCode::kInternal,
               "an unreadable body is INTERNAL");
    FUZZ_CHECK(response->ByteSizeLong() == 0,
               "a refused body leaves the response empty");
  }

  const int status =
      kErrorStatuses[body.size() % (sizeof(kErrorStatuses) / sizeof(int))];
  absl::string_view first_line = body;
  first_line = first_line.substr(0, first_line.find('\n'));
  HttpResponse error_answer;
  error_answer.status = status;
  error_answer.headers = {
      {"retry-after", std::string(first_line.substr(0, 64))}};
  error_answer.body = body;
  absl::Status mapped = translator.FromHttpError(
      route, error_answer, absl::FromUnixSeconds(1700000000));
  FUZZ_CHECK(!mapped.ok(), "an error answer is never OK");
  return 0;
}
