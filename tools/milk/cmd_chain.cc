// milk chain create | join | leave | list | info | fetch
#include <optional>
#include <ostream>

#include "crypto/ed25519.h"
#include "node/ledger/formats.h"
#include "tools/client/genesis.h"
#include "tools/milk/commands.h"
#include "tools/milk/output.h"
#include "tools/milk/views.h"

namespace milk::cli {
namespace {

// A genesis block holds one config transaction (a few KiB); other blocks are bounded by the
// batch size (4 MiB by default). 64 MiB refuses a wrong file without refusing a big block.
constexpr size_t kBlockFileBytesMax = 64 * 1024 * 1024;

struct ChainArgs {
  std::string profile;
  std::string output;
  bool force = false;
  std::string genesis;
  std::string chain_id;
  std::optional<uint64_t> block;
  bool newest = false;
  bool oldest = false;
};

void RunCreate(const CliContext& ctx, const ChainArgs& args) {
  client::Signer admin = ctx.Identity();
  client::ChainProfile profile = ctx.Take(client::LoadChainProfile(args.profile));
  milkpb::Block block = ctx.Take(client::BuildGenesisBlock(profile, admin, ctx.clock.NowMs()));
  const std::string bytes = block.SerializeAsString();
  ctx.Check(WriteFileAtomically(args.output, bytes, args.force));
  const std::string header_hash = Hex(ledger::HeaderHash(block.header()));
  if (ctx.options.json) {
    PrintJson(ctx.out, {{"chain_id", block.header().chain_id()},
                        {"output", args.output},
                        {"header_hash", header_hash},
                        {"bytes", bytes.size()}});
    return;
  }
  ctx.out << "wrote the genesis block of chain " << block.header().chain_id() << " to "
          << args.output << " (header hash " << header_hash << ")\n";
}

milkpb::Block ReadBlockFile(const CliContext& ctx, const std::string& path) {
  const std::string bytes = ctx.Take(ReadWholeFile(path, kBlockFileBytesMax));
  milkpb::Block block;
  if (!block.ParseFromString(bytes) || !block.has_header()) {
    ctx.Fail(InvalidArgument(path + " is not a serialized block"));
  }
  return block;
}

void RunJoin(const CliContext& ctx, const ChainArgs& args) {
  client::Signer admin = ctx.Identity();
  milkpb::JoinChainRequest request;
  *request.mutable_genesis_block() = ReadBlockFile(ctx, args.genesis);
  if (request.genesis_block().header().number() != 0) {
    ctx.Fail(InvalidArgument(args.genesis + " holds block " +
                             std::to_string(request.genesis_block().header().number()) +
                             ", not a genesis block"));
  }
  request.set_creator(admin.identity_bytes);
  request.set_signature(
      crypto::Sign(admin.key.secret_key, ledger::HeaderHash(request.genesis_block().header())));
  Json joined = Json::array();
  for (const client::GatewayClient& peer : ctx.Clients()) {
    Result<std::string> joined_chain = peer.JoinChain(request);
    if (!joined_chain.ok()) ctx.Fail(client::WithEndpoint(joined_chain.status(), peer.endpoint()));
    const std::string& chain_id = *joined_chain;
    if (ctx.options.json) {
      joined.push_back({{"peer", peer.endpoint()}, {"chain_id", chain_id}});
    } else {
      ctx.out << "joined chain " << chain_id << " on " << peer.endpoint() << "\n";
    }
  }
  if (ctx.options.json) PrintJson(ctx.out, joined);
}

// Every --peer leaves the chain (its directory is moved aside on the node, not deleted).
void RunLeave(const CliContext& ctx, const ChainArgs& args) {
  client::Signer admin = ctx.Identity();
  Json left = Json::array();
  for (const client::GatewayClient& peer : ctx.Clients()) {
    Status status = peer.LeaveChain(args.chain_id, admin, ctx.clock.NowMs());
    if (!status.ok()) ctx.Fail(client::WithEndpoint(status, peer.endpoint()));
    if (ctx.options.json) {
      left.push_back({{"peer", peer.endpoint()}, {"chain_id", args.chain_id}});
    } else {
      ctx.out << "left chain " << args.chain_id << " on " << peer.endpoint() << "\n";
    }
  }
  if (ctx.options.json) PrintJson(ctx.out, left);
}

void RunList(const CliContext& ctx) {
  const client::GatewayClient peer(ctx.Peers().front(), ctx.Gateway());
  const std::vector<milkpb::ChainSummary> chains = ctx.Take(peer.ListChains());
  if (ctx.options.json) {
    PrintJson(ctx.out, ChainListJson(chains));
  } else {
    ctx.out << ChainListText(chains);
  }
}

void RunInfo(const CliContext& ctx, const ChainArgs& args) {
  const client::GatewayClient peer(ctx.Peers().front(), ctx.Gateway());
  const milkpb::ChainInfoResponse info = ctx.Take(peer.ChainInfo(args.chain_id));
  if (ctx.options.json) {
    PrintJson(ctx.out, ChainInfoJson(info));
  } else {
    ctx.out << ChainInfoText(info);
  }
}

void RunFetch(const CliContext& ctx, const ChainArgs& args) {
  const client::GatewayClient peer(ctx.Peers().front(), ctx.Gateway());
  uint64_t number = args.block.value_or(0);
  if (args.newest) {
    const milkpb::ChainInfoResponse info = ctx.Take(peer.ChainInfo(args.chain_id));
    if (info.summary().height() == 0) {
      ctx.Fail(NotFound("chain " + args.chain_id + " has no blocks yet"));
    }
    number = info.summary().height() - 1;
  }
  const milkpb::Block block = ctx.Take(peer.FetchBlock(args.chain_id, number));
  if (!args.output.empty()) {
    ctx.Check(WriteFileAtomically(args.output, block.SerializeAsString(), args.force));
    if (ctx.options.json) {
      PrintJson(ctx.out,
                {{"chain_id", args.chain_id}, {"number", number}, {"output", args.output}});
    } else {
      ctx.out << "wrote block " << number << " of chain " << args.chain_id << " to " << args.output
              << "\n";
    }
    return;
  }
  const BlockSummary summary = SummarizeBlock(block);
  if (ctx.options.json) {
    PrintJson(ctx.out, BlockSummaryJson(summary));
  } else {
    ctx.out << BlockSummaryText(summary);
  }
}

void AddChainOption(CLI::App* command, ChainArgs* args) {
  command->add_option("-C,--chain", args->chain_id, "chain id")->required()->type_name("CHAIN");
}

}  // namespace

void RegisterChainCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* chain = app.add_subcommand("chain", "create, join and inspect chains");
  chain->require_subcommand(1);
  RegisterConfigCommands(chain, ctx);
  auto args = std::make_shared<ChainArgs>();

  CLI::App* create = chain->add_subcommand(
      "create", "write a chain's genesis block from a profile (signed by --identity, an admin)");
  create->add_option("--profile", args->profile, "chain profile YAML")
      ->required()
      ->type_name("FILE");
  create->add_option("--output", args->output, "genesis block file to write")
      ->required()
      ->type_name("FILE");
  create->add_flag("--force", args->force, "replace an existing output file");
  create->callback([ctx, args] { RunCreate(*ctx, *args); });

  CLI::App* join = chain->add_subcommand(
      "join", "join every --peer to the chain of a genesis block (signed by --identity, an admin)");
  join->add_option("--genesis", args->genesis, "genesis block file")->required()->type_name("FILE");
  join->callback([ctx, args] { RunJoin(*ctx, *args); });

  CLI::App* leave = chain->add_subcommand(
      "leave", "make every --peer leave a chain at run time (signed by --identity, an admin)");
  AddChainOption(leave, args.get());
  leave->callback([ctx, args] { RunLeave(*ctx, *args); });

  CLI::App* list = chain->add_subcommand("list", "chains joined by the (first) --peer");
  list->callback([ctx] { RunList(*ctx); });

  CLI::App* info = chain->add_subcommand("info", "height, hashes and configuration of a chain");
  AddChainOption(info, args.get());
  info->callback([ctx, args] { RunInfo(*ctx, *args); });

  CLI::App* fetch = chain->add_subcommand("fetch", "one block: a summary, or the raw block");
  AddChainOption(fetch, args.get());
  CLI::Option_group* which = fetch->add_option_group("which block");
  which->add_option("--block", args->block, "block number")->type_name("N");
  which->add_flag("--newest", args->newest, "the last committed block");
  which->add_flag("--oldest", args->oldest, "the genesis block");
  which->require_option(1);
  fetch->add_option("--output", args->output, "write the serialized block to FILE")
      ->type_name("FILE");
  fetch->add_flag("--force", args->force, "replace an existing output file");
  fetch->callback([ctx, args] { RunFetch(*ctx, *args); });
}

}  // namespace milk::cli
