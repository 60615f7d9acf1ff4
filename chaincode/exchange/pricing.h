// The exchange's pricing rule (ARCHITECTURE.md section 6 "Pricing", MISSION.md "The exchange"):
// a pure, integer-only, deterministic function of one market's parameters and TICA's inventory
// of that market's Brand Token (BT). docs/exchange.md has the formula, the parameters with their
// units and defaults, the bounds, the rounding and a worked example that a test asserts.
//
// The curve. With R the redemption value, p_max the maximum, p_min the partner's minimum and D
// the depth (all market parameters, below), the spot price at inventory x (BT smallest units) is
//     p(x) = p_max - (p_max - p_min) * x / D     for 0 <= x <= D
//     p(x) = p_min                               for x >= D
// in micro-KRW per whole BT. It depends on the inventory only (path independence), falls as TICA's
// inventory grows (a sale to TICA lowers it), reaches p_max when TICA holds nothing (buying stops:
// only sells are accepted) and p_min at depth D (selling stops: only buys are accepted).
//
// A trade that moves the inventory between a and b is worth the exact area under p over [a, b]
// (one rational number, rounded once): a buyer pays it rounded up, a seller receives it rounded
// down, so splitting a trade never gains anything but costs at most one unit per part. The fee
// (fee_bps of that value, rounded up) is added for buyers and deducted for sellers. KRW converts to
// MLK through the MLK/KRW feed, rounded up for what a buyer pays, down for what a seller receives.
//
// Every function here is pure (no state, clock or randomness) and thread-safe. Arithmetic is
// exact: products use a 256-bit intermediate; a result that does not fit 128 bits is refused.
// Error codes: kInvalidArgument for bad parameters or amounts (the exchange answers 400),
// kFailedPrecondition for halts, bounds and reserves (412), kOutOfRange for overflow (400).
#pragma once

#include <cstdint>

#include "chaincode/shim/amount.h"
#include "crypto/status.h"

namespace milk::chaincode::exchange {

// MISSION.md: the maximum is 95% of redemption value, a guaranteed 5% discount. It bounds the
// buyer's all-in price (fee included), so the market maximum p_max sits below it by the fee.
inline constexpr uint32_t kMaxAllInBps = 9500;
// MISSION.md: discounts range from 5% to 40%, so a partner's minimum is at least 60%.
inline constexpr uint32_t kMinPriceBpsFloor = 6000;
// The fee governance may set: [0, 10%], the same range the alliance chaincode accepts.
inline constexpr uint32_t kFeeBpsMax = 1000;
inline constexpr uint32_t kFeeBpsDefault = 150;  // MISSION.md: initially 1.5% of each trade
inline constexpr uint32_t kBpsDenominator = 10000;
// 1 KRW = 10^6 micro-KRW: fine enough that rounding a price or a trade value costs nothing a
// person can see (a point is worth about 1 KRW), coarse enough that 128 bits hold any trade.
inline constexpr uint64_t kMicroKrwPerKrw = 1'000'000;

// One market's parameters. All values are integers; units are in the names.
struct MarketParams {
  // What the partner guarantees a whole BT is worth when spent with it, micro-KRW per whole BT.
  Amount redemption_value_micro_krw = 0;
  // BT smallest units per whole BT (10^decimals of the brand's token; 1 for whole points).
  Amount bt_unit = 1;
  // Fee in basis points of the trade value, [0, kFeeBpsMax]; set only by governance.
  uint32_t fee_bps = kFeeBpsDefault;
  // Partner-set minimum price in basis points of redemption value, >= kMinPriceBpsFloor, and its
  // price must stay below the maximum price.
  uint32_t min_price_bps = kMinPriceBpsFloor;
  // Inventory (BT smallest units) at which the price reaches the minimum; the price falls
  // linearly from the maximum at an empty inventory to the minimum at this depth. TICA chooses it
  // per market: the larger, the less each unit moves the price.
  Amount depth_units = 0;
};

// The MLK/KRW price feed, set by TICA's oracle role (freshness is the exchange's check).
struct MlkFeed {
  Amount micro_krw_per_mlk = 0;  // price of one whole MLK
  Amount mlk_unit = 0;           // MLK smallest units per whole MLK (10^18, see chaincode/mlk)
};

// The two bounds of a market, micro-KRW per whole BT.
struct PriceBounds {
  Amount max_price_micro_krw = 0;  // floor(R * kMaxAllInBps / (10000 + fee_bps))
  Amount min_price_micro_krw = 0;  // ceil(R * min_price_bps / 10000), so never under the floor
};

// Sides are the customer's: kBuy takes BT from TICA, kSell gives BT to TICA.
enum class Side { kBuy, kSell };
const char* SideName(Side side);  // "buy" or "sell"

// A priced trade. KRW values are micro-KRW, MLK values MLK smallest units.
struct TradeQuote {
  Side side = Side::kBuy;
  Amount bt_amount = 0;         // BT smallest units moved
  Amount krw_value = 0;         // area under the price: buy rounded up, sell rounded down
  Amount krw_fee = 0;           // ceil(krw_value * fee_bps / 10000)
  Amount krw_total = 0;         // buy: value + fee (paid); sell: value - fee (received)
  Amount mlk_total = 0;         // krw_total in MLK: buy rounded up, sell rounded down
  Amount mlk_fee = 0;           // the fee's share of the MLK: |mlk_total - mlk_value|
  Amount inventory_before = 0;  // TICA's BT inventory before and after
  Amount inventory_after = 0;
  Amount price_before_micro_krw = 0;  // spot prices (SpotPrice) before and after
  Amount price_after_micro_krw = 0;
  // MLK movements on TICA's side: buy: the liquidity account receives mlk_total - mlk_fee and the
  // fee account mlk_fee; sell: the liquidity account pays mlk_total + mlk_fee, of which the seller
  // gets mlk_total and the fee account mlk_fee. Both always sum exactly.
  // Returns what the liquidity account receives (buy) or pays (sell).
  Amount MlkLiquidityLeg() const;
};

// kInvalidArgument naming the broken rule, or kOutOfRange when the parameters are so large that
// the curve's products would not fit 128 bits (2 * depth * max price, 2 * depth * bt_unit).
Status ValidateMarketParams(const MarketParams& params);
Status ValidateMlkFeed(const MlkFeed& feed);

// REQUIRES nothing: refuses invalid parameters as ValidateMarketParams does.
Result<PriceBounds> Bounds(const MarketParams& params);

// The spot price p(inventory) rounded down, micro-KRW per whole BT; always within Bounds.
Result<Amount> SpotPrice(const MarketParams& params, Amount inventory);

// The smallest inventory whose spot price is at most price_micro_krw: the inventory TICA seeds a
// market with to open it at that price. kInvalidArgument unless price is within Bounds.
Result<Amount> InventoryForPrice(const MarketParams& params, Amount price_micro_krw);

// The area under p over [low, high] in micro-KRW, rounded up (round_up) or down.
// kInvalidArgument unless low <= high.
Result<Amount> AreaMicroKrw(const MarketParams& params, Amount low, Amount high, bool round_up);

// krw_micro converted to MLK smallest units through the feed, rounded up or down.
Result<Amount> KrwToMlk(const MlkFeed& feed, Amount krw_micro, bool round_up);

// Prices a trade of bt_amount BT smallest units against TICA's BT inventory and its MLK
// liquidity (mlk_reserve, checked for sells only). Read-only: the caller applies the quote.
// Refusals (kFailedPrecondition, message says what is possible):
//   buy:  inventory 0 (price at the maximum: buying halted), bt_amount > inventory (beyond
//         TICA's inventory), an all-in price above 95% of redemption value after rounding (a
//         trade too small to price: buy more);
//   sell: inventory >= depth (price at the minimum: selling halted), inventory + bt_amount >
//         depth (beyond the minimum price bound), proceeds rounding to 0 MLK, MLK paid out
//         beyond mlk_reserve.
// kInvalidArgument for bt_amount 0 or invalid parameters or feed; kOutOfRange when the value or
// its MLK would exceed 128 bits.
Result<TradeQuote> Quote(const MarketParams& params, const MlkFeed& feed, Amount inventory,
                         Amount mlk_reserve, Side side, Amount bt_amount);

// For the model-based test: the parameters are valid, p_max's all-in price (fee added exactly)
// is at most 95% of redemption value, p_min is at least 60% of it and below p_max, and the spot
// price at inventory lies within the bounds. kInternal naming the broken invariant otherwise.
Status CheckMarketInvariants(const MarketParams& params, Amount inventory);

}  // namespace milk::chaincode::exchange
