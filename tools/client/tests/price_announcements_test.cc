#include "tools/client/price_announcements.h"

#include <catch2/catch.hpp>

namespace milk::client {
namespace {

void Add(milkpb::ChaincodeEventsResponse* block, const std::string& chaincode,
         const std::string& name, const std::string& payload) {
  milkpb::ChaincodeEvent* event = block->add_events();
  event->set_chaincode(chaincode);
  event->set_name(name);
  event->set_payload(payload);
  event->set_tx_id("t" + std::to_string(block->events_size()));
}

std::string Trade(const std::string& brand, const std::string& price, const std::string& inv) {
  return R"({"side":"buy","brand":")" + brand + R"(","price_after":")" + price +
         R"(","inventory_after":")" + inv + R"("})";
}

TEST_CASE("a block's announcement is the last price of each brand it moved", "[announcements]") {
  milkpb::ChaincodeEventsResponse block;
  block.set_block_number(7);
  Add(&block, "exchange", "trade", Trade("BTB", "850000", "300000"));
  Add(&block, "exchange", "trade", Trade("BTA", "930000", "6000"));
  Add(&block, "mlk", "trade", Trade("BTA", "1", "1"));  // another chaincode: ignored
  Add(&block, "exchange", "deposit", R"({"brand":"BTA"})");  // not a price event
  Add(&block, "exchange", "trade", Trade("BTB", "851029", "297000"));
  Add(&block, "exchange", "stock", R"({"brand":"BTC","price_micro_krw":"900000","inventory":"5"})");
  auto announced = PriceAnnouncements(block, "exchange");
  REQUIRE(announced.ok());
  REQUIRE(announced->size() == 3);
  const PriceAnnouncement& a = (*announced)[0];
  CHECK((a.brand == "BTA" && a.price_micro_krw == "930000" && a.inventory == "6000" &&
         a.trades == 1 && a.block_number == 7));
  const PriceAnnouncement& b = (*announced)[1];
  CHECK((b.brand == "BTB" && b.price_micro_krw == "851029" && b.inventory == "297000" &&
         b.trades == 2));
  const PriceAnnouncement& c = (*announced)[2];
  CHECK((c.brand == "BTC" && c.price_micro_krw == "900000" && c.trades == 0));
}

TEST_CASE("a block without price events announces nothing", "[announcements]") {
  milkpb::ChaincodeEventsResponse block;
  Add(&block, "exchange", "feed", R"({"micro_krw_per_mlk":"1"})");
  auto announced = PriceAnnouncements(block, "exchange");
  REQUIRE(announced.ok());
  CHECK(announced->empty());
}

TEST_CASE("a malformed price event is reported not skipped", "[announcements]") {
  milkpb::ChaincodeEventsResponse block;
  Add(&block, "exchange", "trade", "not json");
  auto announced = PriceAnnouncements(block, "exchange");
  CHECK(announced.status().code() == Code::kDataLoss);
  milkpb::ChaincodeEventsResponse missing;
  Add(&missing, "exchange", "trade", R"({"brand":"BTA","price_after":"1"})");
  auto lacking = PriceAnnouncements(missing, "exchange");
  REQUIRE_FALSE(lacking.ok());
  CHECK_THAT(lacking.status().message(), Catch::Contains("inventory_after"));
}

}  // namespace
}  // namespace milk::client
