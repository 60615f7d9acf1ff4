// milk chain view: an endorsed view (docs/views.md) from every --peer, merged into one proof,
// printed as JSON and optionally written as a serialized ViewProof (what a relay carries).
#include <memory>
#include <string>
#include <vector>

#include "crypto/identity.h"
#include "tools/client/view_client.h"
#include "tools/milk/commands.h"
#include "tools/milk/output.h"

namespace milk::cli {
namespace {

struct ViewArgs {
  std::string chain_id;
  std::string chaincode;
  std::string function;
  std::vector<std::string> args;
  std::string output;
  bool force = false;
};

Json Rendered(const std::string& bytes) {
  const RenderedPayload rendered = RenderPayload(bytes);
  return {{"text", rendered.text}, {"encoding", rendered.is_hex ? "hex" : "utf8"}};
}

Json SignerJson(const milkpb::ViewSignature& signature) {
  Result<crypto::IdentityInfo> id = crypto::ParseIdentity(signature.endorser());
  if (!id.ok()) return {{"error", id.status().message()}};
  return {{"org", id->org},
          {"name", id->name},
          {"role", crypto::RoleName(id->role)},
          {"public_key", Hex(id->public_key)}};
}

Json ViewProofJson(const milkpb::ViewProof& proof) {
  const milkpb::ViewResult& r = proof.result();
  Json args = Json::array();
  for (const std::string& arg : r.args()) args.push_back(Rendered(arg));
  Json signers = Json::array();
  for (const milkpb::ViewSignature& signature : proof.signatures()) {
    signers.push_back(SignerJson(signature));
  }
  return {{"version", r.version()},
          {"chain_id", r.chain_id()},
          {"height", r.height()},
          {"block_hash", Hex(r.block_hash())},
          {"block_time_ms", r.block_time_ms()},
          {"block_time", IsoTimeMs(r.block_time_ms())},
          {"chaincode", r.chaincode()},
          {"function", r.function()},
          {"args", args},
          {"status", r.status()},
          {"payload", Rendered(r.payload())},
          {"signers", signers}};
}

void RunView(const CliContext& ctx, const ViewArgs& a) {
  milkpb::ViewRequest request;
  request.set_chain_id(a.chain_id);
  request.set_chaincode(a.chaincode);
  request.set_function(a.function);
  for (const std::string& arg : a.args) request.add_args(arg);
  std::vector<client::ViewClient> clients;
  for (const std::string& peer : ctx.Peers()) clients.emplace_back(peer, ctx.Gateway());
  std::vector<const client::ViewClient*> peers;
  for (const client::ViewClient& client : clients) peers.push_back(&client);
  const milkpb::ViewProof proof = ctx.Take(client::QueryAndMerge(peers, request));
  Json out = ViewProofJson(proof);
  if (!a.output.empty()) {
    ctx.Check(WriteFileAtomically(a.output, proof.SerializeAsString(), a.force));
    out["output"] = a.output;
  }
  PrintJson(ctx.out, out);
}

}  // namespace

void RegisterViewCommand(CLI::App* chain, const std::shared_ptr<CliContext>& ctx) {
  auto a = std::make_shared<ViewArgs>();
  CLI::App* view = chain->add_subcommand(
      "view", "a signed view of a query at the last committed block, from every --peer, merged");
  view->add_option("-C,--chain", a->chain_id, "chain id")->required()->type_name("CHAIN");
  view->add_option("-n,--name", a->chaincode, "chaincode name")
      ->required()
      ->type_name("CHAINCODE");
  view->add_option("function", a->function, "query function")->required();
  view->add_option("args", a->args, "function arguments (use -- before any that start with -)");
  view->add_option("--output", a->output, "write the serialized ViewProof to FILE")
      ->type_name("FILE");
  view->add_flag("--force", a->force, "replace an existing output file");
  view->callback([ctx, a] { RunView(*ctx, *a); });
}

}  // namespace milk::cli
