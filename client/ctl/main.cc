// polytomicctl: a descriptor-driven CLI for every RPC of the contract. See
// command_line.cc's UsageText() for the syntax.
//
// Exit codes: 0 success, 1 the call failed (or the CLI broke), 2 usage error
// (including a --token_file, --ca_file, ... that cannot be read).
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/ctl/command_line.h"
#include "client/ctl/contract.h"
#include "client/ctl/printer.h"
#include "client/ctl/request_builder.h"
#include "client/ctl/unary_call.h"
#include "google/protobuf/message.h"

namespace client::ctl {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitCallFailed = 1;
constexpr int kExitUsage = 2;

int UsageError(absl::string_view message) {
  std::cerr << "polytomicctl: " << message
            << "\nRun `polytomicctl --help` for usage.\n";
  return kExitUsage;
}

int Describe(const Contract& contract, const CommandLine& cl) {
  if (cl.positionals.size() != 1 || !cl.field_flags.empty()) {
    return UsageError("describe takes one method or message name");
  }
  const std::string& name = cl.positionals.front();
  absl::StatusOr<const google::protobuf::MethodDescriptor*> method =
      contract.FindMethod(name);
  if (method.ok()) {
    std::cout << DescribeMethod(**method);
    return kExitOk;
  }
  // Not a method: maybe a message (e.g. a response type).
  if (const google::protobuf::Descriptor* type = contract.FindMessage(name)) {
    std::cout << type->full_name() << "\n" << DescribeMessage(*type, 2);
    return kExitOk;
  }
  return UsageError(method.status().message());
}

// ChannelCredentials are plaintext, or TLS with --ca_file (and a client
// certificate with --cert_file/--key_file). The caller's token travels as
// call metadata, not as call credentials, which gRPC refuses to send on a
// plaintext channel.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(
    const CommandLine& cl) {
  if (cl.ca_file.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> pem = ReadFlagFile("ca_file", cl.ca_file);
  if (!pem.ok()) return pem.status();
  ssl.pem_root_certs = *std::move(pem);
  if (!cl.cert_file.empty()) {
    pem = ReadFlagFile("cert_file", cl.cert_file);
    if (!pem.ok()) return pem.status();
    ssl.pem_cert_chain = *std::move(pem);
    pem = ReadFlagFile("key_file", cl.key_file);
    if (!pem.ok()) return pem.status();
    ssl.pem_private_key = *std::move(pem);
  }
  return grpc::SslCredentials(ssl);
}

int Call(const Contract& contract, const CommandLine& cl) {
  absl::StatusOr<const google::protobuf::MethodDescriptor*> method =
      contract.FindMethod(cl.command);
  if (!method.ok()) return UsageError(method.status().message());
  if (cl.positionals.size() > 1) {
    return UsageError(absl::StrCat("expected at most one JSON argument after ",
                                   cl.command, ", got ", cl.positionals.size(),
                                   " (quote the JSON)"));
  }
  std::string json;
  if (!cl.positionals.empty()) {
    json = cl.positionals.front();
    if (json == "-") {
      json.assign(std::istreambuf_iterator<char>(std::cin),
                  std::istreambuf_iterator<char>());
      if (std::cin.bad()) return UsageError("cannot read the JSON on stdin");
    }
  }
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> request =
      BuildRequest(*(*method)->input_type(), json, cl.field_flags);
  if (!request.ok()) return UsageError(request.status().message());
  // Resolved before --dry-run too, so a dry run checks the token's source.
  absl::StatusOr<std::string> token =
      ResolveToken(cl, std::getenv(kTokenEnvVar));
  if (!token.ok()) return UsageError(token.status().message());

  if (cl.dry_run) {
    std::cout << "# " << GrpcMethodPath(**method) << "\n";
    absl::StatusOr<std::string> text = FormatResponse(**request);
    if (!text.ok()) return UsageError(text.status().message());
    std::cout << *text;
    return kExitOk;
  }

  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentials(cl);
  if (!credentials.ok()) return UsageError(credentials.status().message());
  CallOptions options;
  options.timeout = cl.timeout;
  options.metadata = cl.headers;
  if (!token->empty()) options.metadata.push_back(BearerMetadata(*token));
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(cl.addr, *credentials);
  std::string response_bytes;
  ServerMetadata server_metadata;
  const grpc::Status status = CallUnary(
      channel, GrpcMethodPath(**method), (*request)->SerializeAsString(),
      options, &response_bytes, &server_metadata);
  if (!status.ok()) {
    std::cerr << FormatGrpcError(status,
                                 FindMetadata(server_metadata, "x-request-id"));
    return kExitCallFailed;
  }
  std::unique_ptr<google::protobuf::Message> response(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype((*method)->output_type())
          ->New());
  if (!response->ParseFromString(response_bytes)) {
    std::cerr << "ERROR: the response is not a valid "
              << (*method)->output_type()->full_name() << "\n";
    return kExitCallFailed;
  }
  absl::StatusOr<std::string> text = FormatResponse(*response);
  if (!text.ok()) {
    std::cerr << "ERROR: " << text.status().message() << "\n";
    return kExitCallFailed;
  }
  std::cout << *text;
  return kExitOk;
}

int Main(int argc, char** argv) {
  absl::StatusOr<CommandLine> cl =
      ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (!cl.ok()) return UsageError(cl.status().message());
  if (cl->command == "help" || cl->command.empty()) {
    (cl->command.empty() ? std::cerr : std::cout) << UsageText();
    return cl->command.empty() ? kExitUsage : kExitOk;
  }
  absl::StatusOr<Contract> contract = Contract::Load();
  if (!contract.ok()) {
    std::cerr << "polytomicctl: " << contract.status().message() << "\n";
    return kExitCallFailed;
  }
  if (cl->command == "list") {
    if (!cl->positionals.empty() || !cl->field_flags.empty()) {
      return UsageError("list takes no arguments");
    }
    std::cout << contract->ListMethods();
    return kExitOk;
  }
  if (cl->command == "describe") return Describe(*contract, *cl);
  return Call(*contract, *cl);
}

}  // namespace
}  // namespace client::ctl

int main(int argc, char** argv) { return client::ctl::Main(argc, argv); }
