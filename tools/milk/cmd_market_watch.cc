// milk market watch: the exchange's price announcements, block by block (docs/cli.md).
#include <ostream>

#include "tools/client/price_announcements.h"
#include "tools/milk/economy_call.h"

namespace milk::cli {
namespace {

struct WatchArgs {
  CallTarget target;
  uint64_t from_block = 0;
  uint64_t blocks = 0;  // stop after this many announcing blocks; 0 = follow until interrupted
};

void RunWatch(const CliContext& ctx, const WatchArgs& args) {
  const std::vector<client::GatewayClient> clients = ctx.Clients();
  uint64_t announced_blocks = 0;
  Status failure;
  const Status streamed = clients.front().ChaincodeEvents(
      args.target.chain_id, args.target.chaincode, args.from_block,
      [&](const milkpb::ChaincodeEventsResponse& block) {
        Result<std::vector<client::PriceAnnouncement>> announced =
            client::PriceAnnouncements(block, args.target.chaincode);
        if (!announced.ok()) {
          failure = announced.status();
          return false;
        }
        if (announced->empty()) return true;
        for (const client::PriceAnnouncement& a : *announced) {
          // Never fail (throw) inside the stream's callback: end the stream, then report.
          Result<Amount> price = chaincode::ParseAmount(a.price_micro_krw);
          if (!price.ok()) {
            failure = DataLoss("exchange announced a malformed price \"" + a.price_micro_krw +
                               "\" for " + a.brand + " in block " +
                               std::to_string(a.block_number));
            return false;
          }
          if (ctx.options.json) {
            ctx.out << Json{{"block", a.block_number},   {"brand", a.brand},
                            {"price_micro_krw", a.price_micro_krw}, {"inventory", a.inventory},
                            {"trades", a.trades}}
                           .dump()
                    << "\n";
          } else {
            ctx.out << "block " << a.block_number << "  " << a.brand << "  "
                    << FormatDecimal(*price, kKrwDecimals) << " KRW per BT  inventory "
                    << a.inventory << "  (" << a.trades << " trade" << (a.trades == 1 ? "" : "s")
                    << ")\n";
          }
        }
        ctx.out.flush();
        return args.blocks == 0 || ++announced_blocks < args.blocks;
      });
  ctx.Check(failure);
  ctx.Check(streamed);
}

}  // namespace

void AddMarketWatchCommand(CLI::App* market, const std::shared_ptr<CliContext>& ctx) {
  auto args = std::make_shared<WatchArgs>();
  CLI::App* watch = market->add_subcommand(
      "watch", "the price announcements: each block's new price of every market it moved");
  AddTargetOptions(watch, &args->target, "exchange");
  watch->add_option("--from", args->from_block, "first block to read (default 0)");
  watch->add_option("--blocks", args->blocks,
                    "stop after this many announcing blocks (default: follow)");
  watch->callback([ctx, args] { RunWatch(*ctx, *args); });
}

}  // namespace milk::cli
