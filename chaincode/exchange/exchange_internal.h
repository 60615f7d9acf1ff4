// Private to chaincode/exchange: configuration, state access, roles, markets, calls to the other
// chaincodes and idempotency records. The public contract is exchange.h.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "chaincode/exchange/pricing.h"
#include "chaincode/shim/amount.h"
#include "chaincode/shim/stub.h"
#include "crypto/status.h"

namespace milk::chaincode::exchange {

using Json = nlohmann::ordered_json;
using Args = std::vector<std::string>;

// The Init JSON, stored under ("config").
struct Config {
  std::string operator_org;
  std::string mlk_chaincode;
  std::string lzm_chaincode;  // "" pays no trade rewards
  std::string alliance_chaincode;
  std::string fee_account;
  int64_t feed_max_age_ms = 0;
  std::string swap_chaincode;  // the brand chains' swap chaincode (proofs must come from it)
  int64_t proof_max_age_ms = 0;
};

// Strict: every key required, no other accepted (kInvalidArgument naming the key).
Result<Config> ParseConfig(const std::string& text);
// The stored configuration; kDataLoss when missing or corrupt.
Result<Config> LoadConfig(Stub& stub);
Json ConfigJson(const Config& config);

// A JSON value under the composite key (type, attrs); null when absent; kDataLoss when corrupt.
Result<Json> Load(Stub& stub, const std::string& type, const Args& attrs);
Status Save(Stub& stub, const std::string& type, const Args& attrs, const Json& value);
// The amount in the string field of a stored object; kDataLoss when missing or malformed.
Result<Amount> FieldAmount(const Json& object, const char* field);
Result<int64_t> FieldInt(const Json& object, const char* field);

// Argument checks (kInvalidArgument).
Status CheckName(const std::string& what, const std::string& value);  // [A-Za-z0-9._:-]{1,64}
Status CheckAddress(const std::string& address);
// A brand chain id as the alliance registers it: [a-z0-9][a-z0-9.-]{0,63}.
Status CheckChainId(const std::string& chain_id);
// A swap id: 64 lower-case hex characters (docs/swaps.md, "The swap id").
Status CheckSwapId(const std::string& swap_id);
Result<Amount> ParsePositive(const std::string& text, const std::string& what);
Result<int64_t> ParseMs(const std::string& text, const std::string& what);

// Roles (kPermissionDenied naming the caller).
Status RequireOperatorAdmin(Stub& stub, const Config& config, const std::string& function);
Status RequireOracle(Stub& stub, const Config& config);
// The signer's wallet address; kPermissionDenied unless the signer is a wallet.
Result<std::string> RequireWallet(Stub& stub, const std::string& function);

// One market as stored under ("market", brand).
struct Market {
  std::string brand;
  std::string partner_org;
  std::string chain_id;  // the brand chain its BT lives on (alliance brand_chain)
  MarketParams params;  // fee_bps and min_price_bps: the values last applied
  Amount inventory = 0;
  Amount seeded = 0;
  Amount sold = 0;    // BT TICA bought from customers (sells)
  Amount bought = 0;  // BT customers bought from TICA (buys)
  Amount fees_mlk = 0;
  Amount price_micro_krw = 0;  // SpotPrice(params, inventory), kept for announcements
};

Result<Market> MarketFromJson(const Json& value);  // kDataLoss when malformed
Json MarketJson(const Market& market);
// kNotFound "no market for brand ..." when absent.
Result<Market> LoadMarket(Stub& stub, const std::string& brand);
// Recomputes price_micro_krw from the parameters and inventory, then stores.
Status SaveMarket(Stub& stub, Market& market);
// The market trading on brand chain chain_id; kNotFound "no market trades on ..." when none.
Result<Market> MarketOfChain(Stub& stub, const std::string& chain_id);

// Another chaincode's answer as a value: its payload parsed as JSON (a bare string when it is not
// an object), or its status mapped back (400, 403, 404, 409, 412; anything else kInternal), the
// message prefixed with "<chaincode> <function>: ".
Result<Json> Call(Stub& stub, const std::string& chaincode, const std::string& function,
                  const Args& args);
// Applies the alliance's current fee_bps and the partner's min_price_bps to market.params.
// kFailedPrecondition when the partner is no longer in the registry.
Status RefreshParams(Stub& stub, const Config& config, Market& market);
// The feed, fresh at the tx time: 412 "no MLK/KRW price yet" or stale.
Result<MlkFeed> FreshFeed(Stub& stub, const Config& config);
// The liquidity account's unlocked MLK (mlk `params`, then `balance`).
Result<Amount> LiquidityReserve(Stub& stub, const Config& config);
// pricing's errors as the exchange answers them: kOutOfRange becomes kInvalidArgument (400).
Status FromPricing(const Status& status);
// Prices a trade on market with the alliance's current parameters and a fresh feed (market's
// params are refreshed); the MLK reserve is read for sells only.
Result<TradeQuote> PriceTrade(Stub& stub, const Config& config, Market& market, Side side,
                              Amount bt_amount);
// The trade event's JSON.
Json TradeJson(const TradeQuote& quote, const std::string& brand, const std::string& owner,
               const std::string& tx);
// total += amount, kInvalidArgument naming what on overflow.
Status AddTo(Amount& total, Amount amount, const std::string& what);
// After the MLK of a trade moved: the market's inventory and fees, the partner's trade volume,
// the "trade" event (event_extra's fields added), the LZM trade reward (an exhausted pool pays
// 0 and the trade stands). Answers the event plus "lzm_reward".
Result<Json> FinishTrade(Stub& stub, const Config& config, Market& market,
                         const TradeQuote& quote, const std::string& owner,
                         const Json& event_extra);

// The swap id of docs/swaps.md: hex(SHA-256("milk-swap-v1" | lp(chain_id) | lp(owner) |
// lp(ref))), computed by the brand chains' SwapId (chaincode/swap/swap.h) so both agree.
std::string SwapIdOf(const std::string& chain_id, const std::string& owner,
                     const std::string& ref);

// Idempotency under ("ref", kind, ref): the stored result when the same request was made with
// this ref, nullopt when the ref is new, kAlreadyExists (409) when it was used differently.
Result<std::optional<Json>> Replay(Stub& stub, const std::string& kind, const std::string& ref,
                                   const Json& request);
Status Record(Stub& stub, const std::string& kind, const std::string& ref, const Json& request,
              const Json& result);

// The functions, one per file group (exchange_admin.cc, exchange_trade.cc, exchange_swap.cc,
// exchange_query.cc).
Result<milkpb::Response> OpenMarket(Stub& stub, const Config& config, const Args& args);
Result<milkpb::Response> SettleContribution(Stub& stub, const Config& config, const Args& args);
Result<milkpb::Response> SetFeed(Stub& stub, const Config& config, const Args& args);
Result<milkpb::Response> Buy(Stub& stub, const Config& config, const Args& args);
Result<milkpb::Response> SettleSwap(Stub& stub, const Config& config, const Args& args);
Result<milkpb::Response> AbortSwap(Stub& stub, const Config& config, const Args& args);
// quote <brand> <buy|sell> <bt_amount>: read-only, priced exactly as the trade would be now.
Result<milkpb::Response> QuoteTrade(Stub& stub, const Config& config, const Args& args);
// Queries: nullopt when function is not a query.
std::optional<Result<milkpb::Response>> Query(Stub& stub, const Config& config,
                                              const std::string& function, const Args& args);

}  // namespace milk::chaincode::exchange
