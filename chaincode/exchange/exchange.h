// The exchange, registered as "exchange" on the center chain (docs/chaincode_exchange.md has the
// full spec, docs/exchange.md the pricing rule). MISSION.md, "The exchange": one market per brand,
// TICA the counterparty of every trade, the price a function of TICA's inventory of that brand's
// BT only (chaincode/exchange/pricing.h), quoted in KRW and paid in MLK through the MLK/KRW feed.
//
// For this issue the Brand Token side lives on the center chain: a customer's BT reaches the
// exchange as a *deposit* (the stand-in for the relay's proof of a brand-chain escrow, issue 5),
// and a purchase is recorded for delivery on the brand chain (credit_purchase there).
//
//   Init <json> {"operator_org":"TICA","mlk_chaincode":"mlk","lzm_chaincode":"lzm",
//                "alliance_chaincode":"alliance","fee_account":"mlk1...","feed_max_age_ms":300000}
//     Strict: every key required, no other accepted. fee_account: TICA's MLK address receiving
//     the fees; feed_max_age_ms in [kFeedMaxAgeMsMin, kFeedMaxAgeMsMax]. lzm_chaincode "" pays
//     no trade rewards.
//
// TICA (operator_org) admin:
//   open_market <brand> <partner_org> <redemption_value_micro_krw> <bt_unit> <depth_units>
//       partner_org must be an active alliance partner whose brand is <brand> (412 otherwise);
//       409 when the market exists. Opens with inventory 0 (price at the maximum: sells only).
//   seed <brand> <amount> <ref>           SEQUENCED. TICA's own BT joins its inventory.
//                                         Idempotent on ref.
//   settle_contribution <partner_org> <to> <ref>   SEQUENCED. Pays the partner's unsettled
//       trade volume through <mlk> `contribution <partner_org> <to> <volume> <ref>` and marks it
//       settled. 412 when nothing is unsettled. Idempotent on ref.
// TICA admin or relay (the relay stand-in of issue 4):
//   deposit <brand> <owner> <amount> <expiry_ms> <ref>
//       A customer's BT arrived in escrow for a sale. Idempotent on ref; state "open".
// TICA member with role oracle:
//   set_feed <micro_krw_per_mlk>          the MLK/KRW price, stamped with the tx time.
// Wallets:
//   sell <deposit_ref> <min_mlk>          SEQUENCED. The owner sells the whole open, unexpired
//       deposit to TICA: refused (412) when expired, halted, beyond the minimum price bound, the
//       feed stale, the reserve short, or the proceeds (TradeQuote::mlk_total) below min_mlk.
//       MLK: <mlk> `exchange_pay <owner> <mlk_total> <fee_account> <mlk_fee>` from the
//       liquidity account. Deposit state "sold"; inventory += amount.
//   buy <brand> <bt_amount> <max_mlk>     SEQUENCED. Refused (412) when halted, beyond the
//       inventory, the feed stale, or the cost (mlk_total) above max_mlk. MLK:
//       <mlk> `exchange_collect <buyer> <mlk_total - mlk_fee> <fee_account> <mlk_fee>`.
//       Records ("purchase", txid) state "pending" for delivery on the brand chain; inventory -=.
//   return_deposit <deposit_ref>          the owner (or TICA admin/relay): an open deposit goes
//       back, state "returned" (refunded on the brand chain).
//   Every trade: trade volume (TradeQuote::MlkLiquidityLeg(), MLK) accrues to the brand's
//   partner; fees accrue per market; LZM trade reward via <lzm> `trade_reward <address>
//   <volume> MLK <txid>` (an exhausted pool pays 0, the trade stands); event "trade".
// Queries (anyone): market <brand>, markets, quote <brand> <buy|sell> <bt_amount>, feed,
//   deposit <ref>, purchase <txid>, partner_volume <partner_org>.
//
// Market parameters at each trade: fee_bps from <alliance> `params`, min_price_bps from
// <alliance> `partner <org>`; the values used are stored with the market.
// Events: "trade" {"side","brand","owner","bt_amount","krw_value","krw_fee","mlk_total",
//   "mlk_fee","price_before","price_after","inventory_after","tx"}. The price announcement of a
//   block is the last "trade" event per brand in that block (docs/chaincode_exchange.md).
// Errors: 400 bad input, 403 wrong role, 404 unknown market/deposit/purchase, 409 conflict or
//   idempotency mismatch, 412 precondition.
// LZM can never pay for a trade: buy takes MLK only, and no function accepts LZM.
//
// Details this spec left open, as implemented (docs/chaincode_exchange.md):
// - "now" is GetTxTimestamp(). The feed is stale when now - feed time > feed_max_age_ms; a feed
//   stamped after now counts as fresh; no feed yet: 412 "no MLK/KRW price yet".
// - A sell's reserve is mlk `balance <liquidity_account>` "unlocked" (liquidity_account from mlk
//   `params`). Limits: sell needs mlk_total >= min_mlk, buy needs mlk_total <= max_mlk.
// - A deposit is expired when now >= expiry_ms; selling it is 412 "deposit <ref> expired"; one
//   that arrives expired is refused (412). `deposit` with one argument is the query, with five
//   the relay's deposit. return_deposit of a returned deposit answers it again (200).
// - Idempotency records ("ref", kind, ref) {"request","result"} for seed, deposit and
//   settle_contribution (kinds "seed", "deposit", "settle"); the replay answers the first result.
// - buy and sell answer the "trade" event's JSON plus "lzm_reward" (lzm's answer, "0" when the
//   rewards pool is exhausted: lzm's 412 is swallowed, any other lzm error fails the trade).
// - Every trade re-reads fee_bps and min_price_bps from the alliance; a partner gone from the
//   registry closes its market (412). A stored market also keeps "price_micro_krw", the spot
//   price at its inventory under the parameters last applied.
// - Other events: "market_opened", "seed", "deposit", "deposit_returned", "feed",
//   "contribution_settled" (payloads: the record written).
//
// State (namespace "exchange"), JSON values: ("config"), ("feed"), ("market", brand) with
// inventory, seeded, sold, bought, fees_mlk and the parameters last applied; ("deposit", ref);
// ("purchase", txid); ("partner", org) {"volume","settled"}; ("ref", kind, ref) idempotency.
#pragma once

#include <cstdint>
#include <string>

#include "chaincode/shim/chaincode.h"
#include "chaincode/shim/state.h"

namespace milk::chaincode {

inline constexpr char kExchangeChaincodeName[] = "exchange";
// A feed older than a few seconds is stale for a live market, but the chain's clock skew bound
// (max_timestamp_skew_ms, 5 minutes by default) must fit inside; a day at most.
inline constexpr int64_t kFeedMaxAgeMsMin = 1'000;
inline constexpr int64_t kFeedMaxAgeMsMax = 86'400'000;
// Markets on the center chain: one per partner brand (alliance kPartnersMax).
inline constexpr size_t kMarketsMax = 256;

// Stateless: safe for concurrent simulations.
class ExchangeChaincode final : public Chaincode {
 public:
  milkpb::Response Init(Stub& stub) override;
  milkpb::Response Invoke(Stub& stub) override;
  // buy, sell, seed, settle_contribution: they touch a market's inventory or TICA's accounts.
  bool IsSequenced(const std::string& function) const override;
};

// Invariants over the committed "exchange" namespace at now_ms (model-based tests), kDataLoss
// naming the first broken one: per market inventory == seeded + sold - bought, with sold/bought
// equal to the sums over sold deposits and purchases; every stored price within its bounds
// (pricing CheckMarketInvariants with the parameters last applied); per partner settled <=
// volume; every deposit/purchase names a known market; amounts well formed.
Status CheckExchangeInvariants(StateReader& state, int64_t now_ms);

}  // namespace milk::chaincode
