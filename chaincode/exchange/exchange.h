// The exchange, registered as "exchange" on the center chain (docs/chaincode_exchange.md has the
// full spec, docs/exchange.md the pricing rule, docs/swaps.md the swap protocol). MISSION.md, "The
// exchange": one market per brand, TICA the counterparty of every trade, the price a function of
// TICA's inventory of that brand's BT only (chaincode/exchange/pricing.h), quoted in KRW and paid
// in MLK through the MLK/KRW feed. State format version 2.
//
// The Brand Token side lives on the brand chains (issue 5): a customer's BT reaches the exchange
// as a swap locked on its brand chain, proven by an endorsed view (chaincode/proof/view_proof.h);
// the center decides each swap once (settled or aborted) and the brand chain follows. A purchase
// is recorded for delivery on the brand chain (swap `deliver` there).
//
//   Init <json> {"operator_org":"TICA","mlk_chaincode":"mlk","lzm_chaincode":"lzm",
//                "alliance_chaincode":"alliance","fee_account":"mlk1...","feed_max_age_ms":300000,
//                "swap_chaincode":"swap","proof_max_age_ms":600000}
//     Strict: every key required, no other accepted. fee_account: TICA's MLK address receiving
//     the fees; feed_max_age_ms in [kFeedMaxAgeMsMin, kFeedMaxAgeMsMax]; swap_chaincode: the
//     brand chains' swap chaincode a proof must come from; proof_max_age_ms in
//     [kProofMaxAgeMsMin, kProofMaxAgeMsMax]. lzm_chaincode "" pays no trade rewards.
//
// TICA (operator_org) admin:
//   open_market <brand> <partner_org> <redemption_value_micro_krw> <bt_unit> <depth_units>
//               <brand_chain_id>
//       partner_org must be an active alliance partner whose brand is <brand>, and the alliance's
//       `brand_chain <brand_chain_id>` must be registered to partner_org (412 otherwise); one
//       market per brand chain; 409 when the market exists. Opens with inventory 0.
//   settle_contribution <partner_org> <to> <ref>   SEQUENCED. Pays the partner's unsettled
//       trade volume through <mlk> `contribution <partner_org> <to> <volume> <ref>` and marks it
//       settled. 412 when nothing is unsettled. Idempotent on ref.
// TICA member with role oracle:
//   set_feed <micro_krw_per_mlk>          the MLK/KRW price, stamped with the tx time.
// Anyone (the relay):
//   settle_swap <brand_chain_id> <swap_id> <proof>   SEQUENCED. Decides a swap locked on the
//       brand chain, once. The proof (a serialized ViewProof) must verify against the alliance's
//       `brand_chain <brand_chain_id>` (its root keys and policy) for chaincode swap_chaincode,
//       function "swap", args [swap_id], no older than proof_max_age_ms at the tx time; its result
//       status 200, the record's state "locked", kind "sell" or "stock", chain_id the brand
//       chain, id == SwapId(chain, owner, ref), brand the brand of the market of that chain. Any
//       of those failing is a refusal that writes nothing (400/403/404/412). 409 when decided.
//       Decision "aborted" (reason recorded) when the tx time is past deadline_ms, or, for a sell,
//       when the market cannot trade (partner gone, halted, feed stale or missing, selling
//       stopped at the minimum, beyond the depth, reserve short) or the proceeds are below
//       min_mlk. Otherwise "settled": a sell is the trade (MLK from the liquidity account to the
//       owner via <mlk> `exchange_pay <owner> <mlk_total> <fee_account> <mlk_fee>`, inventory +=
//       amount, sold += amount); a stock swap adds amount to inventory and seeded, no MLK.
//       Stored under ("swap", brand_chain_id, swap_id); event "swap_decided" (the record).
// Wallets:
//   abort_swap <brand_chain_id> <ref> <deadline_ms>   SEQUENCED. The customer's abort: swap id =
//       SwapId(brand_chain_id, signer's address, ref); refused 412 unless the tx time is past
//       deadline_ms, 409 when decided, 404 when no market trades on that brand chain. Decision
//       "aborted", reason "aborted by the customer after the deadline", amount "0" (unseen).
//   buy <brand> <bt_amount> <max_mlk>     SEQUENCED. Refused (412) when halted, beyond the
//       inventory, the feed stale, or the cost (mlk_total) above max_mlk. MLK:
//       <mlk> `exchange_collect <buyer> <mlk_total - mlk_fee> <fee_account> <mlk_fee>`.
//       Records ("purchase", txid) state "pending" with the market's chain_id, for delivery on
//       the brand chain; inventory -=.
//   Every trade (buy, settled sell): trade volume (TradeQuote::MlkLiquidityLeg(), MLK) accrues
//   to the brand's partner; fees accrue per market; LZM trade reward via <lzm> `trade_reward
//   <address> <volume> MLK <txid>` (an exhausted pool pays 0, the trade stands); event "trade".
// Queries (anyone): market <brand>, markets, quote <brand> <buy|sell> <bt_amount>, feed,
//   swap <brand_chain_id> <swap_id> (404 while undecided), purchase <txid>,
//   partner_volume <partner_org>.
//
// Market parameters at each trade: fee_bps from <alliance> `params`, min_price_bps from
// <alliance> `partner <org>`; the values used are stored with the market.
// Events: "trade" {"side","brand","owner","bt_amount","krw_value","krw_fee","mlk_total",
//   "mlk_fee","price_before","price_after","inventory_after","tx"} (+ "swap" on a sell). The
//   price announcement of a block is the last "trade" event per brand in that block.
// Errors: 400 bad input, 403 wrong role or a proof not signed as the registry requires, 404
//   unknown market/swap/purchase/brand chain, 409 decided or idempotency mismatch, 412
//   precondition (stale or wrong proof, before the deadline, halted, limits).
// LZM can never pay for a trade: buy takes MLK only, and no function accepts LZM.
//
// Details this spec left open, as implemented (docs/chaincode_exchange.md):
// - "now" is GetTxTimestamp(). The feed is stale when now - feed time > feed_max_age_ms; a feed
//   stamped after now counts as fresh; no feed yet: 412 "no MLK/KRW price yet".
// - A sell's reserve is mlk `balance <liquidity_account>` "unlocked" (liquidity_account from mlk
//   `params`). Limits: a sell needs mlk_total >= min_mlk, buy needs mlk_total <= max_mlk.
// - "Past the deadline" is now > deadline_ms, for settle_swap and abort_swap alike.
// - Idempotency records ("ref", "settle", ref) {"request","result"} for settle_contribution;
//   swaps are idempotent by their decision record (a second decision is 409).
// - buy answers the "trade" event's JSON plus "lzm_reward" (lzm's answer, "0" when the rewards
//   pool is exhausted: lzm's 412 is swallowed, any other lzm error fails the trade);
//   settle_swap and abort_swap answer the decision record.
// - Every trade re-reads fee_bps and min_price_bps from the alliance; a partner gone from the
//   registry closes its market (412; a sell swap is aborted). A stored market also keeps
//   "price_micro_krw", the spot price at its inventory under the parameters last applied.
// - Other events: "market_opened", "feed", "contribution_settled" (payloads: the record).
//
// State (namespace "exchange"), JSON values: ("config"), ("feed"), ("market", brand) with
// chain_id, inventory, seeded, sold, bought, fees_mlk and the parameters last applied;
// ("swap", brand_chain_id, swap_id) the decision; ("purchase", txid); ("partner", org)
// {"volume","settled"}; ("ref", "settle", ref) idempotency.
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
// A proof is a view of the brand chain's recent state: seconds old when the relay is live, but a
// relay that retries across a brand chain's slow block must not be refused; a day at most.
inline constexpr int64_t kProofMaxAgeMsMin = 1'000;
inline constexpr int64_t kProofMaxAgeMsMax = 86'400'000;
// Markets on the center chain: one per partner brand (alliance kPartnersMax).
inline constexpr size_t kMarketsMax = 256;

// Stateless: safe for concurrent simulations.
class ExchangeChaincode final : public Chaincode {
 public:
  milkpb::Response Init(Stub& stub) override;
  milkpb::Response Invoke(Stub& stub) override;
  // buy, settle_swap, abort_swap, settle_contribution: they touch a market's inventory, a swap's
  // single decision or TICA's accounts, so they run in block order on the latest state.
  bool IsSequenced(const std::string& function) const override;
};

// Invariants over the committed "exchange" namespace at now_ms (model-based tests), kDataLoss
// naming the first broken one: per market inventory == seeded + sold - bought, with seeded/sold
// equal to the sums over settled stock/sell swaps and bought the sum over purchases; every
// stored price within its bounds (pricing CheckMarketInvariants with the parameters last
// applied); per partner settled <= volume; every swap and purchase names the market of its
// chain; a swap is stored under its chain and id, decided at or before now_ms, settled with no
// reason or aborted with one and no MLK, a stock swap never pays MLK; amounts well formed.
Status CheckExchangeInvariants(StateReader& state, int64_t now_ms);

}  // namespace milk::chaincode
