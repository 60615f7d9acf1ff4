// milk chaincode invoke | query
#include <ostream>

#include "node/ledger/formats.h"
#include "tools/client/invoke.h"
#include "tools/client/transaction.h"
#include "tools/milk/commands.h"
#include "tools/milk/output.h"

namespace milk::cli {
namespace {

constexpr int32_t kStatusOk = 200;

struct ChaincodeArgs {
  std::string chain_id;
  std::string chaincode;
  std::string function;
  std::vector<std::string> args;
};

void RunInvoke(const CliContext& ctx, const ChaincodeArgs& a) {
  const client::Signer signer = ctx.Identity();
  const std::vector<client::GatewayClient> clients = ctx.Clients();
  std::vector<const client::GatewayClient*> endorsers;
  for (const client::GatewayClient& c : clients) endorsers.push_back(&c);
  const client::InvokeResult result =
      ctx.Take(client::Invoke(signer, endorsers, clients.front(), a.chain_id, a.chaincode,
                              a.function, a.args, ctx.clock.NowMs()));
  const std::string code = ledger::ValidationCodeName(result.code);
  if (ctx.options.json) {
    Json out = {{"tx_id", result.tx_id},
                {"block", result.block_number},
                {"tx_index", result.tx_index},
                {"validation_code", code}};
    if (result.sequenced_response.has_value()) {
      out["result"] = {{"status", result.sequenced_response->status()},
                       {"message", result.sequenced_response->message()},
                       {"payload", result.sequenced_response->payload()}};
    }
    PrintJson(ctx.out, out);
  } else {
    ctx.out << "tx_id: " << result.tx_id << "\n"
            << "block: " << result.block_number << "\n"
            << "code:  " << code << "\n";
    // A sequenced call's real answer comes from its execution at commit (docs/chaincode.md).
    if (result.sequenced_response.has_value()) {
      const milkpb::Response& r = *result.sequenced_response;
      ctx.out << "result: " << (r.status() == 200 ? r.payload() : r.message()) << "\n";
    }
  }
  if (result.code != milkpb::VALID) {
    std::string why;
    if (result.sequenced_response.has_value()) why = ": " + result.sequenced_response->message();
    ctx.Fail(Aborted("transaction " + result.tx_id + " committed in block " +
                     std::to_string(result.block_number) + " as " + code + why));
  }
}

void RunQuery(const CliContext& ctx, const ChaincodeArgs& a) {
  const client::Signer signer = ctx.Identity();
  const client::GatewayClient peer(ctx.Peers().front(), ctx.Gateway());
  const client::BuiltProposal proposal = ctx.Take(client::BuildProposal(
      signer, a.chain_id, a.chaincode, a.function, a.args, ctx.clock.NowMs()));
  const milkpb::Response response = ctx.Take(peer.Evaluate(proposal.signed_proposal));
  if (response.status() != kStatusOk) {
    ctx.Fail(FailedPrecondition(response.message() + " (" + a.chaincode + "." + a.function +
                                " returned status " + std::to_string(response.status()) + ")"));
  }
  const RenderedPayload payload = RenderPayload(response.payload());
  if (ctx.options.json) {
    PrintJson(ctx.out, {{"status", response.status()},
                        {"payload", payload.text},
                        {"encoding", payload.is_hex ? "hex" : "utf8"}});
    return;
  }
  ctx.out << payload.text;
  if (payload.text.empty() || payload.text.back() != '\n') ctx.out << "\n";
}

void AddCallOptions(CLI::App* command, ChaincodeArgs* a) {
  command->add_option("-C,--chain", a->chain_id, "chain id")->required()->type_name("CHAIN");
  command->add_option("-n,--name", a->chaincode, "chaincode name")
      ->required()
      ->type_name("CHAINCODE");
  command->add_option("function", a->function, "chaincode function")->required();
  command->add_option("args", a->args,
                      "function arguments (use -- before any that start "
                      "with -)");
}

}  // namespace

void RegisterChaincodeCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* chaincode = app.add_subcommand("chaincode", "call chaincode");
  chaincode->require_subcommand(1);
  auto args = std::make_shared<ChaincodeArgs>();

  CLI::App* invoke = chaincode->add_subcommand(
      "invoke", "endorse on every --peer, submit to the first and wait for the commit");
  AddCallOptions(invoke, args.get());
  invoke->callback([ctx, args] { RunInvoke(*ctx, *args); });

  CLI::App* query =
      chaincode->add_subcommand("query", "evaluate on the first --peer; nothing is written");
  AddCallOptions(query, args.get());
  query->callback([ctx, args] { RunQuery(*ctx, *args); });
}

}  // namespace milk::cli
