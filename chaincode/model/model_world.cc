// chaincode/model: the World's machinery: randomness, callers, arguments, running an operation
// and checking that a refused one changed nothing.
#include "chaincode/model/model_world.h"

#include <ostream>
#include <set>

#include "chaincode/shim/stub.h"
#include "crypto/bytes.h"

namespace milk::chaincode::model {
namespace {

crypto::IdentityInfo MemberOf(const std::string& org, milkpb::Role role, char key) {
  crypto::IdentityInfo id;
  id.org = org;
  id.name = org + "-" + crypto::RoleName(role);
  id.role = role;
  id.public_key = std::string(32, key);
  return id;
}

// A peer of org with a certificate that org's root (from seed) issued.
PeerSigner SignerOf(const std::string& org, char seed) {
  PeerSigner signer;
  signer.org = org;
  signer.root = crypto::KeyPairFromSeed(std::string(crypto::kSeedBytes, seed));
  signer.peer =
      crypto::KeyPairFromSeed(std::string(crypto::kSeedBytes, static_cast<char>(seed + 1)));
  milkpb::CertificateBody body;
  body.set_version(1);
  body.set_org(org);
  body.set_name(org + "-peer0");
  body.set_role(milkpb::PEER);
  body.set_public_key(signer.peer.public_key);
  body.set_not_before_ms(0);
  body.set_not_after_ms(4'102'444'800'000);  // 2100: beyond any seed's clock
  body.set_serial(1);
  signer.endorser =
      crypto::SerializeMemberIdentity(crypto::IssueCertificate(body, signer.root.secret_key));
  return signer;
}

crypto::IdentityInfo WalletOf(char key) {
  crypto::IdentityInfo id;
  id.is_wallet = true;
  id.role = milkpb::WALLET;
  id.public_key = std::string(32, key);
  id.name = crypto::WalletAddress(id.public_key);
  return id;
}

// Functions that only read: a 200 answer must not write either.
const std::set<std::string> kQueries = {
    "alliance.partner", "alliance.partners",    "alliance.proposal",
    "alliance.params",  "alliance.brand_chain", "mlk.balance",
    "mlk.pool",         "mlk.supply",           "mlk.params",
    "mlk.burned",       "lzm.balance",          "lzm.level",
    "lzm.vip",          "lzm.supply",           "pack.product",
    "pack.stake_info",  "brandtoken.balance",   "brandtoken.totals",
    "exchange.market",  "exchange.markets",     "exchange.quote",
    "exchange.feed",    "exchange.purchase",    "exchange.partner_volume",
    "exchange.swap",    "swap.swap",            "swap.delivery",
    "swap.open",        "swap.config",          "brandtoken.escrow"};

}  // namespace

uint64_t Rng::Next() {
  state_ += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t Rng::Below(uint64_t n) { return Next() % n; }

Amount Rng::AmountBelow(Amount n) {
  if (n == 0) return 0;
  const Amount wide = (Amount{Next()} << 64) | Amount{Next()};
  return wide % n;
}

std::string Num(int64_t value) { return std::to_string(value); }

Amount ParseOr(const std::string& text, Amount fallback) {
  Result<Amount> parsed = ParseAmount(text);
  return parsed.ok() ? *parsed : fallback;
}

std::optional<std::string> ReadKey(Chain& chain, const std::string& ns, const std::string& type,
                                   const std::vector<std::string>& attrs) {
  Result<std::string> key = CreateCompositeKey(type, attrs);
  if (!key.ok()) return std::nullopt;
  auto got = chain.state.Get(ns, *key);
  if (!got.ok() || !got->has_value()) return std::nullopt;
  return (*got)->value;
}

World::World(uint64_t seed, bool exchange, std::ostream* log)
    : rng(seed), exchange_enabled(exchange), log_(log) {
  tica_admin = MemberOf("TICA", milkpb::ADMIN, 't');
  tica_client = MemberOf("TICA", milkpb::CLIENT, 'u');
  tica_oracle = MemberOf("TICA", milkpb::ORACLE, 'o');
  tica_relay = MemberOf("TICA", milkpb::RELAY, 'r');
  partner_orgs = {"BrandA", "BrandB"};
  brands_symbols = {"BTA", "BTB"};
  tica_peer = SignerOf("TICA", 'T');
  partner_peers = {SignerOf("BrandA", 'A'), SignerOf("BrandB", 'B')};
  const char admin_keys[] = {'A', 'B'}, client_keys[] = {'C', 'D'}, relay_keys[] = {'E', 'F'};
  for (size_t i = 0; i < partner_orgs.size(); ++i) {
    partner_admins.push_back(MemberOf(partner_orgs[i], milkpb::ADMIN, admin_keys[i]));
    partner_clients.push_back(MemberOf(partner_orgs[i], milkpb::CLIENT, client_keys[i]));
    partner_relays.push_back(MemberOf(partner_orgs[i], milkpb::RELAY, relay_keys[i]));
  }
  candidates = {MemberOf("Hotel", milkpb::ADMIN, 'H'), MemberOf("Shop", milkpb::ADMIN, 'S'),
                MemberOf("Cinema", milkpb::ADMIN, 'M')};
  for (char key = 'a'; key <= 'j'; ++key) wallets.push_back(WalletOf(key));
  stranger_wallet = WalletOf('z');
  stranger_member = MemberOf("Mallory", milkpb::ADMIN, 'x');
  liquidity_account = crypto::WalletAddress(std::string(32, 'L'));
  gateway_account = crypto::WalletAddress(std::string(32, 'G'));
  fee_account = crypto::WalletAddress(std::string(32, 'Q'));
  for (const auto* id :
       {&tica_admin, &tica_client, &tica_oracle, &tica_relay, &stranger_wallet, &stranger_member}) {
    everyone_.push_back(id);
  }
  for (const auto& group : {&partner_admins, &partner_clients, &partner_relays, &candidates}) {
    for (const auto& id : *group) everyone_.push_back(&id);
  }
  for (const auto& id : wallets) everyone_.push_back(&id);
  now_ms = kListingMs - 10 * kDayMs + static_cast<int64_t>(rng.Below(20 * kDayMs));
}

void World::Fail(const std::string& what) {
  if (failure_) return;
  failure_ = ModelFailure{op_index_, current_, what};
}

void World::MustRefuse(const SimulationResult& result, bool refuse, const std::string& why) {
  if (refuse && result.response.status() == 200) Fail("accepted although " + why);
}

void World::CheckReplay(const SimulationResult& result, const std::string& first_payload,
                        bool same) {
  const int status = result.response.status();
  if (same && (status != 200 || result.response.payload() != first_payload)) {
    Fail("a replay of the same request answered " + Num(status) + " '" + result.response.payload() +
         result.response.message() + "' instead of the first '" + first_payload + "'");
  }
  if (!same && status != 409) {
    Fail("a reused reference with a different request answered " + Num(status) +
         " instead of 409: " + result.response.message());
  }
}

const crypto::IdentityInfo& World::Right(const crypto::IdentityInfo& right) {
  return rng.Percent(85) ? right : AnyCaller();
}

const crypto::IdentityInfo& World::AnyCaller() { return *everyone_[rng.Below(everyone_.size())]; }

const crypto::IdentityInfo& World::AnyWallet() {
  if (rng.Percent(3)) return stranger_wallet;
  return wallets[rng.Below(wallets.size())];
}

std::string PeerSigner::RootHex() const { return ToHex(root.public_key); }

std::vector<const crypto::IdentityInfo*> World::AllWallets() const {
  std::vector<const crypto::IdentityInfo*> all;
  for (const auto& wallet : wallets) all.push_back(&wallet);
  all.push_back(&stranger_wallet);
  return all;
}

std::string World::Address(const crypto::IdentityInfo& who) const {
  return crypto::WalletAddress(who.public_key);
}

std::string World::AnyAddress() {
  const uint64_t roll = rng.Below(100);
  if (roll < 85) return Address(wallets[rng.Below(wallets.size())]);
  if (roll < 90) return Address(stranger_wallet);
  if (roll < 94) return gateway_account;
  if (roll < 97) return "mlk1" + std::string(40, 'G');  // upper case: not an address
  return "not-an-address";
}

std::string World::AmountArg(Amount typical, Amount available) {
  const uint64_t roll = rng.Below(100);
  if (roll < 70) return FormatAmount(1 + rng.AmountBelow(typical));
  if (roll < 80) return FormatAmount(available == 0 ? 1 : 1 + rng.AmountBelow(available));
  if (roll < 85) return FormatAmount(available + 1 + rng.AmountBelow(typical));  // overdraft
  if (roll < 88) return FormatAmount(available);
  static const char* const kBad[] = {"0", "-5", "1.5", "abc",
                                     "",  "01", " 7",  "340282366920938463463374607431768211456"};
  return kBad[rng.Below(sizeof(kBad) / sizeof(kBad[0]))];
}

std::string World::Ref(const std::string& prefix) {
  return prefix + "-" + Num(static_cast<int64_t>(++ref_counter_));
}

std::string World::Describe(const Op& op) const {
  std::string text = chains[op.chain].id + " " + op.chaincode + "." + op.function + "(";
  for (size_t i = 0; i < op.args.size(); ++i) {
    // Proofs are binary and long: the log names their size, not their bytes.
    const std::string& arg = op.args[i];
    const bool bulky = arg.size() > 200 ||
                       arg.find_first_of(std::string("\0\x01\x02\x7f", 4)) != std::string::npos;
    text += (i ? ", " : "") +
            (bulky ? "<" + Num(static_cast<int64_t>(arg.size())) + " bytes>" : "'" + arg + "'");
  }
  text += ") by " + (op.who.is_wallet ? op.who.name : crypto::PrincipalName(op.who)) + " @ " +
          Num(now_ms);
  return text;
}

uint64_t World::Digest(Chain& chain) {
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a 64
  auto mix = [&hash](const std::string& bytes) {
    for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ULL;
    hash = (hash ^ 0xFF) * 1099511628211ULL;  // separator: "ab","c" != "a","bc"
  };
  for (const char* ns : kNamespaces) {
    Status scanned =
        chain.state.Scan(ns, "", "", [&](const std::string& key, const VersionedValue& value) {
          mix(key);
          mix(value.value);
          return true;
        });
    if (!scanned.ok()) Fail("state scan failed: " + scanned.ToString());
  }
  return hash;
}

SimulationResult World::Run(const Op& op) {
  Chain& chain = chains[op.chain];
  ++tx_counter_;
  TxContext context;
  context.chain_id = chain.id;
  context.tx_id = TxId();
  context.creator = op.who;
  context.timestamp_ms = now_ms;
  context.chaincode = op.chaincode;
  context.function = op.function;
  context.args = op.args;
  current_ = Describe(op);
  SimulationResult result = Simulate(chain.registry, chain.state, context);
  const int status = result.response.status();
  auto& count = counts_[op.chaincode + "." + op.function];
  (status == 200 ? count.first : count.second) += 1;
  if (log_) {
    *log_ << "  [" << op_index_ << "] " << current_ << " -> " << status << " "
          << (status == 200 ? result.response.payload().substr(0, 160) : result.response.message())
          << "\n";
  }
  if (status >= 500) Fail("internal error " + Num(status) + ": " + result.response.message());
  const bool query = kQueries.count(op.chaincode + "." + op.function) > 0;
  if (status == 200 && !query) {
    chain.state.Apply(result.rwset, Version{chain.block++, 0}, context.tx_id, now_ms);
    return result;
  }
  // Refused (or a query): nothing may be written. Apply what came back anyway, as a careless
  // committer would, and compare the digests.
  for (const auto& ns : result.rwset.ns_rwset()) {
    if (ns.writes_size() > 0) Fail("a refused call or query wrote to " + ns.namespace_());
  }
  if (status != 200 && !result.events.empty()) Fail("a refused call emitted events");
  const uint64_t before = Digest(chain);
  chain.state.Apply(result.rwset, Version{chain.block, 0}, context.tx_id, now_ms);
  if (Digest(chain) != before) Fail("a refused call or query changed the state");
  return result;
}

void World::AdvanceClock() {
  const uint64_t roll = rng.Below(1000);
  int64_t step = 0;
  if (roll < 700) {
    step = static_cast<int64_t>(rng.Below(60'000));  // within a minute: a busy chain
  } else if (roll < 900) {
    step = static_cast<int64_t>(rng.Below(3'600'000));  // within an hour: the feed goes stale
  } else if (roll < 995) {
    step = static_cast<int64_t>(rng.Below(3 * kDayMs));  // across UTC days and short terms
  } else {
    // Across lock dates, expiries and schedule years: about ten of these per 2000 operations.
    step = 30 * kDayMs + static_cast<int64_t>(rng.Below(370 * kDayMs));
  }
  now_ms += step;
}

bool World::Step(int64_t index) {
  op_index_ = index;
  AdvanceClock();
  const uint64_t roll = rng.Below(100);
  const int brand_chain = 1 + static_cast<int>(rng.Below(kBrandChains));
  if (roll < 8) {
    AllianceOp();
  } else if (roll < 30) {
    MlkOp();
  } else if (roll < 44) {
    LzmOp();
  } else if (roll < 54) {
    PackOp();
  } else if (roll < 72) {
    BrandOp(brand_chain);
  } else if (roll < 75) {
    LzmMisuseOp();
  } else if (exchange_enabled) {
    ExchangeOp();
  } else {
    MlkOp();
  }
  if (failed()) return false;
  return CheckAll();
}

}  // namespace milk::chaincode::model
