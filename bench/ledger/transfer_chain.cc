// The in-process brand chain of the ledger benchmarks (transfer_chain.h): identities from
// cryptogen, genesis from a profile, and endorsed transfer blocks committed through node::Chain.
#include "bench/ledger/transfer_chain.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

#include "chaincode/builtin.h"
#include "crypto/cryptogen.h"
#include "crypto/identity.h"
#include "node/ledger/formats.h"
#include "tools/client/genesis.h"
#include "tools/client/transaction.h"

namespace milk::bench {
namespace fs = std::filesystem;
namespace {

// Every wallet starts with this many units: a wallet sends about one unit per two blocks, so
// no run of any length we measure can drain one.
constexpr char kStartingBalance[] = "1000000000";
constexpr char kTransferAmount[] = "1";
// Block timestamps start this long after the certificates' not_before.
constexpr int64_t kFirstBlockDelayMs = 1000;

std::string WalletName(size_t i) {
  std::string digits = std::to_string(i);
  return "w" + std::string(digits.size() < 6 ? 6 - digits.size() : 0, '0') + digits;
}

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return IoError("cannot write " + path);
  return Status::Ok();
}

std::string CryptoYaml(size_t wallets) {
  std::string yaml = "orgs:\n  - name: " + std::string(kBenchOrg) +
                     "\n    members:\n"
                     "      - {name: peer0, role: peer}\n"
                     "      - {name: orderer0, role: consenter}\n"
                     "      - {name: admin, role: admin}\n"
                     "      - {name: issuer, role: client}\n"
                     "wallets: [platform";
  for (size_t i = 0; i < wallets; ++i) yaml += ", " + WalletName(i);
  return yaml + "]\n";
}

// The brand chain of deploy/local/brand-profile.yaml with only the brandtoken chaincode.
std::string ProfileYaml(const std::string& platform_address) {
  const std::string org = kBenchOrg;
  return "chain_id: " + std::string(kBenchChainId) +
         "\norgs:\n  - name: " + org + "\n    root_public_key_file: crypto/orgs/" + org +
         "/root.pub\nconsenters:\n  - {org: " + org + ", cert_file: crypto/orgs/" + org +
         "/members/orderer0/cert, endpoint: \"127.0.0.1:7051\"}\n"
         "chaincodes:\n  - name: brandtoken\n    version: 1\n"
         "    endorsement_policy: \"OR('" + org + ".peer')\"\n"
         "    acl: {\"*\": [\"*\"]}\n"
         "    init_args: ['{\"symbol\":\"BTB\",\"redemption_krw\":\"1\","
         "\"default_expiry_ms\":31536000000,\"renewal_ms\":31536000000,\"transferable\":true,"
         "\"partner_org\":\"" + org + "\",\"platform_address\":\"" + platform_address +
         "\",\"swap_chaincode\":\"swap\"}']\n"
         "batch: {max_tx_count: 500, max_bytes: 4194304, batch_timeout_ms: 50}\n"
         "max_timestamp_skew_ms: 300000\n";
}

}  // namespace

TransferChain::TransferChain(TransferChainOptions options) : options_(std::move(options)) {}

TransferChain::~TransferChain() { chain_.reset(); }

Result<std::unique_ptr<TransferChain>> TransferChain::Create(const TransferChainOptions& options) {
  if (fs::exists(options.dir)) return AlreadyExists(options.dir + " already exists");
  if (options.wallets < 2) return InvalidArgument("at least two wallets are needed");
  std::unique_ptr<TransferChain> chain(new TransferChain(options));
  chain->registry_ = std::make_unique<chaincode::Registry>();
  chaincode::RegisterBuiltinChaincodes(*chain->registry_);
  chain->pool_ = std::make_unique<ledger::ThreadPool>(std::max<size_t>(options.threads, 1));
  MILK_RETURN_IF_ERROR(chain->GenerateIdentities());
  MILK_RETURN_IF_ERROR(chain->CreateChain());
  return chain;
}

Status TransferChain::GenerateIdentities() {
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (ec) return IoError("cannot create " + options_.dir + ": " + ec.message());
  start_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  const std::string yaml = options_.dir + "/crypto.yaml", crypto = options_.dir + "/crypto";
  MILK_RETURN_IF_ERROR(WriteText(yaml, CryptoYaml(options_.wallets)));
  MILK_RETURN_IF_ERROR(crypto::GenerateFromYaml(yaml, crypto, start_ms_).status());
  const std::string members = crypto + "/orgs/" + kBenchOrg + "/members/";
  MILK_ASSIGN_OR_RETURN(admin_, client::LoadSigner(members + "admin"));
  MILK_ASSIGN_OR_RETURN(issuer_, client::LoadSigner(members + "issuer"));
  MILK_ASSIGN_OR_RETURN(consenter_, client::LoadSigner(members + "orderer0"));
  MILK_ASSIGN_OR_RETURN(client::Signer peer, client::LoadSigner(members + "peer0"));
  peer_ = node::Signer{peer.key, peer.identity_bytes};
  wallets_.resize(options_.wallets);
  addresses_.resize(options_.wallets);
  for (size_t i = 0; i < options_.wallets; ++i) {
    MILK_ASSIGN_OR_RETURN(wallets_[i], client::LoadSigner(crypto + "/wallets/" + WalletName(i)));
    addresses_[i] = crypto::WalletAddress(wallets_[i].key.public_key);
  }
  return Status::Ok();
}

Status TransferChain::CreateChain() {
  MILK_ASSIGN_OR_RETURN(client::Signer platform,
                        client::LoadSigner(options_.dir + "/crypto/wallets/platform"));
  const std::string profile_path = options_.dir + "/profile.yaml";
  MILK_RETURN_IF_ERROR(
      WriteText(profile_path, ProfileYaml(crypto::WalletAddress(platform.key.public_key))));
  MILK_ASSIGN_OR_RETURN(client::ChainProfile profile, client::LoadChainProfile(profile_path));
  MILK_ASSIGN_OR_RETURN(milkpb::Block genesis,
                        client::BuildGenesisBlock(profile, admin_, start_ms_));
  const std::string chain_dir = data_dir() + "/chains/" + kBenchChainId;
  MILK_ASSIGN_OR_RETURN(chain_,
                        node::Chain::Create(chain_dir, genesis, *registry_, *pool_, options_.chain));
  return Status::Ok();
}

int64_t TransferChain::NextBlockTimeMs() const {
  return start_ms_ + kFirstBlockDelayMs + static_cast<int64_t>(chain_->height());
}

Result<std::string> TransferChain::EndorsedEnvelope(const client::Signer& signer,
                                                    const std::string& function,
                                                    const std::vector<std::string>& args,
                                                    int64_t now_ms) {
  MILK_ASSIGN_OR_RETURN(client::BuiltProposal proposal,
                        client::BuildProposal(signer, kBenchChainId, "brandtoken", function, args,
                                              now_ms));
  MILK_ASSIGN_OR_RETURN(milkpb::ProposalResponse response,
                        node::Endorse(proposal.signed_proposal, *chain_, peer_, now_ms));
  MILK_ASSIGN_OR_RETURN(milkpb::Envelope envelope,
                        client::BuildEnvelope(signer, proposal.signed_proposal.proposal(),
                                              {response}));
  return envelope.SerializeAsString();
}

// What the orderer's BuildBlock does (node/orderer/orderer.cc).
milkpb::Block TransferChain::SealBlock(std::vector<std::string> envelopes, int64_t time_ms) const {
  milkpb::Block block;
  milkpb::BlockHeader* header = block.mutable_header();
  header->set_version(ledger::kFormatVersion);
  header->set_chain_id(kBenchChainId);
  header->set_number(chain_->height());
  header->set_previous_hash(chain_->last_header_hash());
  header->set_timestamp_ms(time_ms);
  for (std::string& envelope : envelopes) block.mutable_data()->add_envelopes(std::move(envelope));
  header->set_data_hash(ledger::DataHash(block.data()));
  block.mutable_metadata()->set_signer(consenter_.identity_bytes);
  block.mutable_metadata()->set_signature(
      crypto::Sign(consenter_.key.secret_key, ledger::HeaderHash(*header)));
  return block;
}

Status TransferChain::FundWallets() {
  for (size_t i = 0; i < wallets_.size(); ++i) {
    const int64_t now_ms = NextBlockTimeMs();
    MILK_ASSIGN_OR_RETURN(
        std::string envelope,
        EndorsedEnvelope(issuer_, "issue",
                         {addresses_[i], kStartingBalance, "fund-" + WalletName(i)}, now_ms));
    std::vector<std::string> envelopes;
    envelopes.push_back(std::move(envelope));
    MILK_RETURN_IF_ERROR(Commit(SealBlock(std::move(envelopes), now_ms)).status());
  }
  return Status::Ok();
}

Result<milkpb::Block> TransferChain::BuildTransferBlock(size_t tx_count) {
  if (2 * tx_count > wallets_.size()) {
    return InvalidArgument("a block of " + std::to_string(tx_count) + " transfers needs " +
                           std::to_string(2 * tx_count) + " wallets; there are " +
                           std::to_string(wallets_.size()));
  }
  // Distinct wallets within a block, so no transfer reads what another one of the block writes.
  std::vector<size_t> order(wallets_.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 random(chain_->height());
  std::shuffle(order.begin(), order.end(), random);
  const int64_t now_ms = NextBlockTimeMs();
  std::vector<std::string> envelopes(tx_count);
  std::vector<Status> failures(tx_count);
  pool_->ParallelFor(tx_count, [&](size_t i) {
    const size_t from = order[2 * i], to = order[2 * i + 1];
    auto envelope =
        EndorsedEnvelope(wallets_[from], "transfer", {addresses_[to], kTransferAmount}, now_ms);
    if (envelope.ok()) {
      envelopes[i] = std::move(envelope).value();
    } else {
      failures[i] = envelope.status();
    }
  });
  for (const Status& failure : failures) MILK_RETURN_IF_ERROR(failure);
  return SealBlock(std::move(envelopes), now_ms);
}

Result<milkpb::Block> TransferChain::Commit(milkpb::Block block) {
  MILK_ASSIGN_OR_RETURN(milkpb::Block committed, chain_->CommitBlock(std::move(block)));
  const std::string& codes = committed.metadata().validation_codes();
  for (size_t i = 0; i < codes.size(); ++i) {
    if (static_cast<uint8_t>(codes[i]) != milkpb::VALID) {
      return Internal("block " + std::to_string(committed.header().number()) + " transaction " +
                      std::to_string(i) + " is " +
                      ledger::ValidationCodeName(static_cast<uint8_t>(codes[i])));
    }
  }
  return committed;
}

}  // namespace milk::bench
