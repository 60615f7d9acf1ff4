// milk wallet create | address | balance | transfer (MLK, chaincode "mlk").
#include <filesystem>
#include <ostream>

#include "crypto/ed25519.h"
#include "crypto/identity.h"
#include "crypto/key_files.h"
#include "tools/milk/economy_call.h"

namespace milk::cli {
namespace {

struct WalletArgs {
  CallTarget target;
  std::string output;
  std::string address;
  std::string to;
  std::string amount;
  bool units = false;
};

// Writes DIR/key (0600) and DIR/address as `milk crypto generate` writes wallets/<name>/, so
// --identity DIR signs as the new wallet. Checks both paths first: an existing wallet is never
// touched, and a half-written one (key without address) is reported, not completed.
void RunCreate(const CliContext& ctx, const WalletArgs& args) {
  const std::string key_path = args.output + "/key";
  const std::string address_path = args.output + "/address";
  for (const std::string& path : {key_path, address_path}) {
    std::error_code error;
    const bool exists = std::filesystem::exists(path, error);
    if (error) ctx.Fail(FailedPrecondition("cannot check " + path + ": " + error.message()));
    if (exists) {
      ctx.Fail(AlreadyExists(path + " exists: " + args.output +
                             " already holds a wallet; choose another --output directory"));
    }
  }
  const crypto::KeyPair key = crypto::GenerateKeyPair();
  const std::string address = crypto::WalletAddress(key.public_key);
  ctx.Check(crypto::WriteSecretKeyFile(key_path, key));
  ctx.Check(WriteFileAtomically(address_path, address + "\n", /*replace=*/false));
  if (ctx.options.json) {
    PrintJson(ctx.out, {{"address", address}, {"key", key_path}, {"address_file", address_path}});
    return;
  }
  ctx.out << address << "\n";
}

void RunAddress(const CliContext& ctx) {
  const std::string address = OwnAddress(ctx);
  if (ctx.options.json) {
    PrintJson(ctx.out, {{"address", address}});
    return;
  }
  ctx.out << address << "\n";
}

// mlk balance: {"address","unlocked","locked","lots":[{"unlock_ms","amount"}],"burned"}.
void RunBalance(const CliContext& ctx, const WalletArgs& args) {
  const std::string address = AddressOrOwn(ctx, args.address);
  const std::string payload = QueryOrFail(ctx, args.target, "balance", {address});
  const Json balance = ParseJsonOrFail(ctx, payload, args.target.chaincode + ".balance");
  if (ctx.options.json) {
    PrintJson(ctx.out, balance);
    return;
  }
  const std::string unit = args.units ? " units" : " MLK";
  auto text = [&](const char* key) {
    const Json& value = balance.contains(key) ? balance[key] : Json();
    return ShowToken(value.is_string() ? value.get<std::string>() : value.dump(), args.units);
  };
  ctx.out << "address:  " << address << "\n"
          << "unlocked: " << text("unlocked") << unit << "\n"
          << "locked:   " << text("locked") << unit << "\n";
  if (balance.contains("lots") && balance["lots"].is_array()) {
    for (const Json& lot : balance["lots"]) {
      const Json amount = lot.value("amount", Json());
      ctx.out << "  lot "
              << ShowToken(amount.is_string() ? amount.get<std::string>() : "?", args.units) << unit
              << " unlocks " << IsoTimeMs(lot.value("unlock_ms", int64_t{0})) << "\n";
    }
  }
  if (balance.contains("burned")) ctx.out << "burned:   " << text("burned") << unit << "\n";
}

void RunTransfer(const CliContext& ctx, const WalletArgs& args) {
  ctx.Check(CheckAddressArg(args.to, "to"));
  const Amount amount = ctx.Take(ParseTokenArg(args.amount, args.units, "amount"));
  const CallResult result =
      InvokeOrFail(ctx, args.target, "transfer", {args.to, chaincode::FormatAmount(amount)});
  PrintTransaction(ctx, result,
                   "transferred " + FormatDecimal(amount, args.units ? 0 : kTokenDecimals) +
                       (args.units ? " units" : " MLK") + " to " + args.to);
}

void AddUnitsFlag(CLI::App* command, bool* units) {
  command->add_flag("--units", *units, "amounts in smallest units (10^-18 MLK), not whole MLK");
}

}  // namespace

void RegisterWalletCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* wallet = app.add_subcommand("wallet", "customer wallets and their MLK");
  wallet->require_subcommand(1);
  auto args = std::make_shared<WalletArgs>();

  CLI::App* create = wallet->add_subcommand(
      "create", "write a new wallet key and address into a directory; prints the address");
  create->add_option("--output", args->output, "wallet directory to create (use as --identity)")
      ->required()
      ->type_name("DIR");
  create->callback([ctx, args] { RunCreate(*ctx, *args); });

  CLI::App* address = wallet->add_subcommand("address", "the --identity's wallet address");
  address->callback([ctx] { RunAddress(*ctx); });

  CLI::App* balance = wallet->add_subcommand("balance", "MLK held by an address (default: own)");
  AddTargetOptions(balance, &args->target, "mlk");
  balance->add_option("address", args->address, "wallet address");
  AddUnitsFlag(balance, &args->units);
  balance->callback([ctx, args] { RunBalance(*ctx, *args); });

  CLI::App* transfer = wallet->add_subcommand("transfer", "send own unlocked MLK");
  AddTargetOptions(transfer, &args->target, "mlk");
  transfer->add_option("to", args->to, "recipient's wallet address")->required();
  transfer->add_option("amount", args->amount, "MLK, up to 18 decimals")->required();
  AddUnitsFlag(transfer, &args->units);
  transfer->callback([ctx, args] { RunTransfer(*ctx, *args); });
}

}  // namespace milk::cli
