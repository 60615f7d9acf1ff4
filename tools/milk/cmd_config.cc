// milk chain consenter add | remove, milk chain update approve | submit: config updates
// (docs/cli.md, "Config updates"; docs/chain_config.md for the rules the node enforces).
#include <ostream>

#include "crypto/key_files.h"
#include "tools/client/config_update.h"
#include "tools/milk/commands.h"
#include "tools/milk/output.h"

namespace milk::cli {
namespace {

// A config update holds one chain config (a few KiB per org and consenter).
constexpr size_t kUpdateFileBytesMax = 16 * 1024 * 1024;

struct ConfigArgs {
  std::string chain_id;
  std::string cert_file;
  std::string tls_cert_file;
  std::string endpoint;
  uint64_t raft_id = 0;
  std::string org;
  std::string output;
  std::string update_file;
  bool force = false;
};

milkpb::ConfigTransaction ReadUpdate(const CliContext& ctx, const std::string& path) {
  const std::string bytes = ctx.Take(ReadWholeFile(path, kUpdateFileBytesMax));
  milkpb::ConfigTransaction update;
  if (!update.ParseFromString(bytes) || !update.has_config()) {
    ctx.Fail(InvalidArgument(path + " is not a config update (milk chain consenter ... --output)"));
  }
  return update;
}

// Submits the update signed by --identity and waits for its block; prints the outcome.
void Submit(const CliContext& ctx, milkpb::ConfigTransaction update) {
  client::Signer admin = ctx.Identity();
  const std::string chain_id = update.config().chain_id();
  const milkpb::Envelope envelope =
      client::BuildConfigEnvelope(std::move(update), admin, ctx.clock.NowMs());
  const client::GatewayClient peer(ctx.Peers().front(), ctx.Gateway());
  const milkpb::SubmitResponse submitted = ctx.Take(peer.Submit(chain_id, envelope));
  const milkpb::CommitStatusResponse status =
      ctx.Take(peer.CommitStatus(chain_id, submitted.tx_id(), true));
  const bool valid = status.code() == milkpb::VALID;
  if (ctx.options.json) {
    PrintJson(ctx.out, {{"chain_id", chain_id},
                        {"tx_id", submitted.tx_id()},
                        {"block", static_cast<uint64_t>(status.block_number())},
                        {"code", milkpb::TxValidationCode_Name(status.code())}});
  } else {
    ctx.out << "config update " << submitted.tx_id() << " in block " << status.block_number()
            << ": " << milkpb::TxValidationCode_Name(status.code()) << "\n";
  }
  if (!valid) {
    ctx.Fail(FailedPrecondition("the config update did not take effect (" +
                                milkpb::TxValidationCode_Name(status.code()) +
                                "); see the node's log for why"));
  }
}

// Writes the update for others to approve, or submits it.
void Finish(const CliContext& ctx, const ConfigArgs& args, milkpb::ChainConfig next) {
  milkpb::ConfigTransaction update;
  *update.mutable_config() = std::move(next);
  if (args.output.empty()) return Submit(ctx, std::move(update));
  ctx.Check(WriteFileAtomically(args.output, update.SerializeAsString(), args.force));
  ctx.out << "wrote the config update (sequence " << update.config().sequence() << ") to "
          << args.output << "; approve it with `milk chain update approve`, then submit it\n";
}

milkpb::ChainConfig CurrentConfig(const CliContext& ctx, const std::string& chain_id) {
  const client::GatewayClient peer(ctx.Peers().front(), ctx.Gateway());
  return ctx.Take(peer.ChainInfo(chain_id)).config();
}

void RunAdd(const CliContext& ctx, const ConfigArgs& args) {
  milkpb::Certificate cert = ctx.Take(crypto::ReadCertificateFile(args.cert_file));
  milkpb::CertificateBody body;
  if (!body.ParseFromString(cert.body()) || body.role() != milkpb::CONSENTER) {
    ctx.Fail(InvalidArgument(args.cert_file + " is not a consenter's certificate"));
  }
  milkpb::ConsenterConfig consenter;
  consenter.set_org(body.org());
  consenter.set_certificate(cert.SerializeAsString());
  consenter.set_endpoint(args.endpoint);
  consenter.set_raft_id(args.raft_id);
  if (!args.tls_cert_file.empty()) {
    consenter.set_tls_certificate(ctx.Take(ReadWholeFile(args.tls_cert_file, kUpdateFileBytesMax)));
  }
  Finish(ctx, args,
         ctx.Take(client::ConfigAddingConsenter(CurrentConfig(ctx, args.chain_id), consenter)));
}

void RunRemove(const CliContext& ctx, const ConfigArgs& args) {
  Finish(ctx, args,
         ctx.Take(client::ConfigRemovingConsenter(CurrentConfig(ctx, args.chain_id), args.raft_id)));
}

void RunApprove(const CliContext& ctx, const ConfigArgs& args) {
  milkpb::ConfigTransaction update = ReadUpdate(ctx, args.update_file);
  *update.add_approvals() = client::ApproveConfig(update.config(), ctx.Identity());
  ctx.Check(WriteFileAtomically(args.update_file, update.SerializeAsString(), true));
  ctx.out << "approved; " << update.approvals_size() << " approval(s) in " << args.update_file
          << "\n";
}

}  // namespace

void RegisterConfigCommands(CLI::App* chain, const std::shared_ptr<CliContext>& ctx) {
  auto args = std::make_shared<ConfigArgs>();
  CLI::App* consenter = chain->add_subcommand(
      "consenter", "add or remove one consenter (a config update signed by --identity, an admin)");
  consenter->require_subcommand(1);
  auto common = [&](CLI::App* command) {
    command->add_option("-C,--chain", args->chain_id, "chain id")->required()->type_name("CHAIN");
    command->add_option("--output", args->output,
                        "write the update to FILE for other orgs' admins to approve, instead of "
                        "submitting it")->type_name("FILE");
    command->add_flag("--force", args->force, "replace --output if it exists");
  };
  CLI::App* add = consenter->add_subcommand("add", "add a consenter to the chain");
  common(add);
  add->add_option("--cert", args->cert_file, "the consenter's certificate (members/<name>/cert)")
      ->required()->check(CLI::ExistingFile);
  add->add_option("--endpoint", args->endpoint, "its gRPC endpoint host:port")->required();
  add->add_option("--consenter-tls-cert", args->tls_cert_file,
                  "its TLS certificate (members/<name>/tls.crt); required when the chain binds "
                  "TLS certificates")
      ->check(CLI::ExistingFile);
  add->add_option("--raft-id", args->raft_id, "its Raft id (default: one above every id used)");
  add->callback([ctx, args] { RunAdd(*ctx, *args); });
  CLI::App* remove = consenter->add_subcommand("remove", "remove a consenter from the chain");
  common(remove);
  remove->add_option("--raft-id", args->raft_id, "the consenter's Raft id (milk chain info)")
      ->required();
  remove->callback([ctx, args] { RunRemove(*ctx, *args); });

  CLI::App* update = chain->add_subcommand("update", "approve or submit a config update file");
  update->require_subcommand(1);
  CLI::App* approve = update->add_subcommand("approve", "add --identity's approval to the file");
  approve->add_option("--update", args->update_file, "config update file")->required()
      ->check(CLI::ExistingFile);
  approve->callback([ctx, args] { RunApprove(*ctx, *args); });
  CLI::App* submit = update->add_subcommand("submit", "submit the file, signed by --identity");
  submit->add_option("--update", args->update_file, "config update file")->required()
      ->check(CLI::ExistingFile);
  submit->callback([ctx, args] { Submit(*ctx, ReadUpdate(*ctx, args->update_file)); });
}

}  // namespace milk::cli
