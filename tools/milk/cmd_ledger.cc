// milk ledger verify: the auditor's full replay of a chain, from a node's data directory or
// from a peer's Deliver service.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "chaincode/builtin.h"
#include "crypto/bytes.h"
#include "node/verify.h"
#include "tools/milk/commands.h"

namespace milk::cli {
namespace {

struct VerifyArgs {
  std::string chain_id;
  std::string data_dir;  // empty = use Deliver from the first --peer
  std::string scratch_dir;
  size_t threads = 0;
};

void PrintReport(CliContext& ctx, const milk::node::VerifyReport& report) {
  if (ctx.options.json) {
    nlohmann::json j;
    j["ok"] = true;
    j["chain"] = report.chain_id;
    j["blocks"] = report.blocks;
    j["transactions"] = report.transactions;
    j["codes"] = report.codes;
    j["last_header_hash"] = ToHex(report.last_header_hash);
    j["commit_hash"] = ToHex(report.commit_hash);
    ctx.out << j.dump() << "\n";
    return;
  }
  ctx.out << "chain " << report.chain_id << ": verified " << report.blocks << " blocks, "
          << report.transactions << " transactions\n";
  for (const auto& [code, count] : report.codes) ctx.out << "  " << code << ": " << count << "\n";
  ctx.out << "  last header hash: " << ToHex(report.last_header_hash) << "\n"
          << "  commit hash:      " << ToHex(report.commit_hash) << "\n"
          << "hash chain, data hashes, consenter signatures, endorsement policies, validation "
             "codes and commit hashes all check out\n";
}

void RunVerify(CliContext& ctx, const VerifyArgs& args) {
  static chaincode::Registry registry;
  if (registry.Names().empty()) chaincode::RegisterBuiltinChaincodes(registry);
  std::string scratch = args.scratch_dir.empty()
                            ? "/tmp/milk-verify-" + std::to_string(getpid())
                            : args.scratch_dir;
  auto verifier = ctx.Take(milk::node::LedgerVerifier::Create(scratch, registry, args.threads));
  Status status;
  if (!args.data_dir.empty()) {
    status = milk::node::ReadBlockFiles(args.data_dir + "/chains/" + args.chain_id,
                                        [&](const milkpb::Block& block) { return verifier->Verify(block); });
  } else {
    milkpb::DeliverRequest request;
    request.set_chain_id(args.chain_id);
    request.set_start_block(0);
    Status inner;
    status = ctx.Clients().front().Blocks(request, [&](const milkpb::Block& block) {
      inner = verifier->Verify(block);
      return inner.ok();
    });
    if (status.ok()) status = inner;
  }
  if (status.ok() && verifier->report().blocks == 0) {
    status = NotFound("chain '" + args.chain_id + "' has no blocks to verify");
  }
  if (!status.ok()) {
    std::string reason = "ledger verify failed: " + status.message();
    verifier.reset();
    ctx.Fail(Status(status.code(), reason));
  }
  PrintReport(ctx, verifier->report());
}

}  // namespace

void RegisterLedgerCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* ledger = app.add_subcommand("ledger", "Audit a chain's ledger");
  ledger->require_subcommand(1);
  CLI::App* verify = ledger->add_subcommand(
      "verify", "Replay a chain from genesis and check every hash, signature, policy and result");
  auto args = std::make_shared<VerifyArgs>();
  verify->add_option("--chain,-C", args->chain_id, "Chain id")->required();
  verify->add_option("--data-dir", args->data_dir,
                     "Read the block files of a node's data directory instead of Deliver "
                     "(the node may be stopped; nothing is modified)");
  verify->add_option("--scratch-dir", args->scratch_dir,
                     "Where the replayed state is kept while verifying (removed afterwards)");
  verify->add_option("--threads", args->threads, "Signature-checking threads (0 = all cores)");
  verify->callback([ctx, args] { RunVerify(*ctx, *args); });
}

}  // namespace milk::cli
