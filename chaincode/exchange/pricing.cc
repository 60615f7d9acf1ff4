#include "chaincode/exchange/pricing.h"

#include <algorithm>
#include <string>

#include "chaincode/exchange/wide.h"

namespace milk::chaincode::exchange {
namespace {

std::string Text(Amount a) { return FormatAmount(a); }

// Products the curve uses, checked once when the parameters are read (names as in pricing.h).
struct Curve {
  Amount max_price = 0;         // p_max
  Amount min_price = 0;         // p_min
  Amount delta = 0;             // p_max - p_min
  Amount depth = 0;             // D
  Amount twice_depth_max = 0;   // 2 * D * p_max: bounds every area numerator factor
  Amount twice_depth_min = 0;   // 2 * D * p_min: the flat part's factor
  Amount area_denominator = 0;  // 2 * D * bt_unit
};

Status CheckParamRanges(const MarketParams& p) {
  // Bounded so that R * 10000 and bt_unit * 10000 fit 128 bits: the bps products never overflow.
  constexpr Amount kScaledMax = kAmountMax / kBpsDenominator;
  if (p.redemption_value_micro_krw == 0) {
    return InvalidArgument("redemption value must be positive (micro-KRW per whole BT)");
  }
  if (p.redemption_value_micro_krw > kScaledMax || p.bt_unit > kScaledMax) {
    return OutOfRange("redemption value or bt_unit exceeds " + Text(kScaledMax) +
                      ": the price products would overflow 128 bits");
  }
  if (p.bt_unit == 0) return InvalidArgument("bt_unit must be positive (BT units per whole BT)");
  if (p.fee_bps > kFeeBpsMax) {
    return InvalidArgument("fee_bps " + std::to_string(p.fee_bps) + " exceeds the maximum " +
                           std::to_string(kFeeBpsMax) + " (10%)");
  }
  if (p.min_price_bps < kMinPriceBpsFloor || p.min_price_bps > kMaxAllInBps) {
    return InvalidArgument("min_price_bps " + std::to_string(p.min_price_bps) +
                           " is outside [6000, 9500]: discounts range from 5% to 40%");
  }
  if (p.depth_units == 0) return InvalidArgument("depth_units must be positive");
  return Status::Ok();
}

Result<Curve> MakeCurve(const MarketParams& p) {
  MILK_RETURN_IF_ERROR(CheckParamRanges(p));
  Curve c;
  // Cannot overflow: R <= kAmountMax / 10000 (CheckParamRanges), so R * 9500 fits.
  c.max_price = *MulDiv(p.redemption_value_micro_krw, kMaxAllInBps, kBpsDenominator + p.fee_bps,
                        /*round_up=*/false);
  c.min_price = *MulDiv(p.redemption_value_micro_krw, p.min_price_bps, kBpsDenominator,
                        /*round_up=*/true);
  if (c.min_price >= c.max_price) {
    return InvalidArgument("minimum price " + Text(c.min_price) +
                           " micro-KRW is not below the maximum " + Text(c.max_price) +
                           " (95% of redemption value less the " + std::to_string(p.fee_bps) +
                           " bps fee); lower min_price_bps");
  }
  c.delta = c.max_price - c.min_price;
  c.depth = p.depth_units;
  // 2 * D * p_max bounds every area factor and 2 * D * bt_unit is the area denominator.
  std::optional<Amount> twice_max, denominator;
  if (c.depth <= kAmountMax / 2) {
    twice_max = MulDiv(2 * c.depth, c.max_price, 1, /*round_up=*/false);
    denominator = MulDiv(2 * c.depth, p.bt_unit, 1, /*round_up=*/false);
  }
  if (!twice_max || !denominator) {
    return OutOfRange("depth_units " + Text(c.depth) +
                      " is too large for this price and bt_unit: 2 * depth * max price and "
                      "2 * depth * bt_unit must fit 128 bits");
  }
  c.twice_depth_max = *twice_max;
  c.twice_depth_min = 2 * c.depth * c.min_price;  // < twice_depth_max
  c.area_denominator = *denominator;
  return c;
}

Amount Spot(const Curve& c, Amount inventory) {
  if (inventory >= c.depth) return c.min_price;
  // p_max - ceil(delta * x / D) = floor(p(x)); delta * x < 2 * D * p_max fits.
  return c.max_price - *MulDiv(c.delta, inventory, c.depth, /*round_up=*/true);
}

// The area numerator over [low, high] for the denominator 2 * D * bt_unit; see pricing.h.
Wide AreaNumerator(const Curve& c, Amount low, Amount high) {
  const Amount linear_low = std::min(low, c.depth), linear_high = std::min(high, c.depth);
  // 2 * D * p_max - delta * (a + b) >= 2 * D * p_min > 0 because a + b <= 2 * D.
  const Amount linear_factor = c.twice_depth_max - c.delta * (linear_low + linear_high);
  const Wide linear = Multiply(linear_high - linear_low, linear_factor);
  const Wide flat = Multiply(std::max(high, c.depth) - std::max(low, c.depth), c.twice_depth_min);
  // Both factors are <= 2 * D * p_max < 2^128 and the lengths sum to high - low < 2^128.
  std::optional<Wide> sum = CheckedAdd(linear, flat);
  MILK_CHECK(sum.has_value());
  return *sum;
}

Result<Amount> Area(const Curve& c, Amount low, Amount high, bool round_up) {
  if (low > high) {
    return InvalidArgument("area bounds reversed: low " + Text(low) + " > high " + Text(high));
  }
  WideDivision d = Divide(AreaNumerator(c, low, high), c.area_denominator);
  if (d.quotient.high != 0 || (round_up && d.remainder != 0 && d.quotient.low == kAmountMax)) {
    return OutOfRange("trade value over inventory [" + Text(low) + ", " + Text(high) +
                      "] exceeds 128 bits of micro-KRW");
  }
  return d.quotient.low + (round_up && d.remainder != 0 ? 1 : 0);
}

Result<Amount> Fee(const MarketParams& p, Amount value) {
  std::optional<Amount> fee = MulDiv(value, p.fee_bps, kBpsDenominator, /*round_up=*/true);
  MILK_CHECK(fee.has_value());  // fee_bps <= 10000, so the fee never exceeds the value
  return *fee;
}

// Refuses a buy whose all-in total (after rounding up) exceeds 95% of redemption value: requires
// total * bt_unit * 10000 <= 9500 * R * amount, i.e. total <= floor(9500 R amount / bt_unit 10^4).
Status CheckAllInCap(const MarketParams& p, Amount amount, Amount total) {
  // Both products fit: R and bt_unit are <= kAmountMax / 10000 (CheckParamRanges).
  std::optional<Amount> cap = MulDiv(p.redemption_value_micro_krw * kMaxAllInBps, amount,
                                     p.bt_unit * kBpsDenominator, /*round_up=*/false);
  if (cap && total > *cap) {
    return FailedPrecondition("buy of " + Text(amount) +
                              " BT units is too small to price: after "
                              "rounding up, its all-in cost " +
                              Text(total) +
                              " micro-KRW would "
                              "exceed 95% of redemption value (" +
                              Text(*cap) + "); buy more");
  }
  return Status::Ok();
}

Result<TradeQuote> QuoteBuy(const Curve& c, const MarketParams& p, const MlkFeed& feed,
                            Amount inventory, Amount amount) {
  if (inventory == 0) {
    return FailedPrecondition("buying is halted: the price is at its maximum " + Text(c.max_price) +
                              " micro-KRW because TICA holds no inventory; "
                              "only sells are accepted");
  }
  if (amount > inventory) {
    return FailedPrecondition("buy of " + Text(amount) +
                              " BT units exceeds TICA's inventory; at "
                              "most " +
                              Text(inventory) + " units can be bought now");
  }
  TradeQuote q;
  MILK_ASSIGN_OR_RETURN(q.krw_value, Area(c, inventory - amount, inventory, /*round_up=*/true));
  MILK_ASSIGN_OR_RETURN(q.krw_fee, Fee(p, q.krw_value));
  std::optional<Amount> total = chaincode::CheckedAdd(q.krw_value, q.krw_fee);
  if (!total) return OutOfRange("buy value plus fee exceeds 128 bits of micro-KRW");
  q.krw_total = *total;
  MILK_RETURN_IF_ERROR(CheckAllInCap(p, amount, q.krw_total));
  MILK_ASSIGN_OR_RETURN(q.mlk_total, KrwToMlk(feed, q.krw_total, /*round_up=*/true));
  MILK_ASSIGN_OR_RETURN(Amount mlk_value, KrwToMlk(feed, q.krw_value, /*round_up=*/true));
  q.mlk_fee = q.mlk_total - mlk_value;  // ceil is monotone and total >= value
  q.inventory_after = inventory - amount;
  return q;
}

Result<TradeQuote> QuoteSell(const Curve& c, const MarketParams& p, const MlkFeed& feed,
                             Amount inventory, Amount mlk_reserve, Amount amount) {
  if (inventory >= c.depth) {
    return FailedPrecondition("selling is halted: the price is at its minimum " +
                              Text(c.min_price) +
                              " micro-KRW (TICA's inventory reached the "
                              "depth " +
                              Text(c.depth) + "); only buys are accepted");
  }
  if (amount > c.depth - inventory) {
    return FailedPrecondition("sale of " + Text(amount) +
                              " BT units would push the price below "
                              "its minimum; at most " +
                              Text(c.depth - inventory) + " units can be sold now");
  }
  TradeQuote q;
  MILK_ASSIGN_OR_RETURN(q.krw_value, Area(c, inventory, inventory + amount, /*round_up=*/false));
  MILK_ASSIGN_OR_RETURN(q.krw_fee, Fee(p, q.krw_value));
  q.krw_total = q.krw_value - q.krw_fee;
  MILK_ASSIGN_OR_RETURN(q.mlk_total, KrwToMlk(feed, q.krw_total, /*round_up=*/false));
  MILK_ASSIGN_OR_RETURN(Amount mlk_value, KrwToMlk(feed, q.krw_value, /*round_up=*/false));
  q.mlk_fee = mlk_value - q.mlk_total;  // floor is monotone and value >= total
  if (q.mlk_total == 0) {
    return FailedPrecondition("sale of " + Text(amount) +
                              " BT units is too small: after the fee "
                              "its proceeds round down to 0 MLK; sell more");
  }
  if (mlk_value > mlk_reserve) {
    return FailedPrecondition("sale needs " + Text(mlk_value) +
                              " MLK units from TICA's liquidity, "
                              "which holds " +
                              Text(mlk_reserve) + "; sell less");
  }
  q.inventory_after = inventory + amount;
  return q;
}

}  // namespace

const char* SideName(Side side) { return side == Side::kBuy ? "buy" : "sell"; }

Amount TradeQuote::MlkLiquidityLeg() const {
  return side == Side::kBuy ? mlk_total - mlk_fee : mlk_total + mlk_fee;
}

Status ValidateMarketParams(const MarketParams& params) { return MakeCurve(params).status(); }

Status ValidateMlkFeed(const MlkFeed& feed) {
  if (feed.micro_krw_per_mlk == 0) {
    return InvalidArgument("MLK/KRW feed price must be positive (micro-KRW per whole MLK)");
  }
  if (feed.mlk_unit == 0) return InvalidArgument("mlk_unit must be positive");
  return Status::Ok();
}

Result<PriceBounds> Bounds(const MarketParams& params) {
  MILK_ASSIGN_OR_RETURN(Curve c, MakeCurve(params));
  return PriceBounds{c.max_price, c.min_price};
}

Result<Amount> SpotPrice(const MarketParams& params, Amount inventory) {
  MILK_ASSIGN_OR_RETURN(Curve c, MakeCurve(params));
  return Spot(c, inventory);
}

Result<Amount> InventoryForPrice(const MarketParams& params, Amount price_micro_krw) {
  MILK_ASSIGN_OR_RETURN(Curve c, MakeCurve(params));
  if (price_micro_krw < c.min_price || price_micro_krw > c.max_price) {
    return InvalidArgument("price " + Text(price_micro_krw) + " micro-KRW is outside the bounds [" +
                           Text(c.min_price) + ", " + Text(c.max_price) + "]");
  }
  // Spot(x) <= price  <=>  ceil(delta * x / D) >= n = p_max - price  <=>  delta * x > D * (n - 1).
  const Amount n = c.max_price - price_micro_krw;
  if (n == 0) return Amount{0};
  // D * (n - 1) < D * delta <= 2 * D * p_max fits; the result is at most D.
  return *MulDiv(c.depth, n - 1, c.delta, /*round_up=*/false) + 1;
}

Result<Amount> AreaMicroKrw(const MarketParams& params, Amount low, Amount high, bool round_up) {
  MILK_ASSIGN_OR_RETURN(Curve c, MakeCurve(params));
  return Area(c, low, high, round_up);
}

Result<Amount> KrwToMlk(const MlkFeed& feed, Amount krw_micro, bool round_up) {
  MILK_RETURN_IF_ERROR(ValidateMlkFeed(feed));
  std::optional<Amount> mlk = MulDiv(krw_micro, feed.mlk_unit, feed.micro_krw_per_mlk, round_up);
  if (!mlk) {
    return OutOfRange(Text(krw_micro) + " micro-KRW converts to more than 2^128 MLK units");
  }
  return *mlk;
}

Status CheckMarketInvariants(const MarketParams& params, Amount inventory) {
  MILK_ASSIGN_OR_RETURN(Curve c, MakeCurve(params));
  const Amount r = params.redemption_value_micro_krw;
  if (Multiply(kMaxAllInBps, r) < Multiply(c.max_price, kBpsDenominator + params.fee_bps)) {
    return Internal("max price " + Text(c.max_price) + " plus fee exceeds 95% of redemption value");
  }
  if (Multiply(c.min_price, kBpsDenominator) < Multiply(kMinPriceBpsFloor, r) ||
      c.min_price >= c.max_price) {
    return Internal("min price " + Text(c.min_price) + " is under 60% or not under the max");
  }
  const Amount spot = Spot(c, inventory);
  if (spot < c.min_price || spot > c.max_price) {
    return Internal("spot price " + Text(spot) + " at inventory " + Text(inventory) +
                    " is outside [" + Text(c.min_price) + ", " + Text(c.max_price) + "]");
  }
  return Status::Ok();
}

Result<TradeQuote> Quote(const MarketParams& params, const MlkFeed& feed, Amount inventory,
                         Amount mlk_reserve, Side side, Amount bt_amount) {
  MILK_ASSIGN_OR_RETURN(Curve c, MakeCurve(params));
  MILK_RETURN_IF_ERROR(ValidateMlkFeed(feed));
  if (bt_amount == 0) return InvalidArgument("trade amount must be positive (BT smallest units)");
  Result<TradeQuote> quote = side == Side::kBuy
                                 ? QuoteBuy(c, params, feed, inventory, bt_amount)
                                 : QuoteSell(c, params, feed, inventory, mlk_reserve, bt_amount);
  if (!quote.ok()) return quote.status();
  quote->side = side;
  quote->bt_amount = bt_amount;
  quote->inventory_before = inventory;
  quote->price_before_micro_krw = Spot(c, inventory);
  quote->price_after_micro_krw = Spot(c, quote->inventory_after);
  return quote;
}

}  // namespace milk::chaincode::exchange
