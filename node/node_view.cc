// Node::View: endorsed views (docs/views.md). The query runs on one RocksDB snapshot and the
// height, hash and time it is signed with are read from that same snapshot, so a signature
// never vouches for a state at a height it was not taken from.
#include "chaincode/proof/view_proof.h"
#include "chaincode/shim/simulator.h"
#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "node/ledger/formats.h"
#include "node/node.h"

namespace milk::node {
namespace {

Status CheckRequest(const milkpb::ViewRequest& request) {
  if (request.chain_id().empty()) return InvalidArgument("view request names no chain");
  if (request.chaincode().empty()) return InvalidArgument("view request names no chaincode");
  if (request.function().empty()) return InvalidArgument("view request names no function");
  return Status::Ok();
}

// Every peer at the same height gets the same id for the same request, so a query that reads
// its transaction id answers alike on every peer (merged proofs need byte-identical results).
std::string ViewTxId(const milkpb::ViewResult& unanswered) {
  return ToHex(crypto::Sha256(ledger::ViewSigningBytes(unanswered)));
}

}  // namespace

Result<milkpb::ViewProof> Node::View(const milkpb::ViewRequest& request) {
  MILK_RETURN_IF_ERROR(CheckRequest(request));
  MILK_ASSIGN_OR_RETURN(std::shared_ptr<Chain> chain, GetChain(request.chain_id()));
  // No ACL check for the peer's role: the caller is a member of the chain (CheckChainAccess),
  // and members may read every block of it anyway (Deliver); a view only signs what they could
  // compute themselves.
  if (chain->config()->FindChaincode(request.chaincode()) == nullptr) {
    return NotFound("chaincode '" + request.chaincode() + "' is not defined on chain '" +
                    request.chain_id() + "'");
  }
  if (chain->registry().Find(request.chaincode()) == nullptr) {
    return NotFound("chaincode '" + request.chaincode() + "' is not installed on this node");
  }
  MILK_ASSIGN_OR_RETURN(crypto::IdentityInfo creator,
                        crypto::ParseIdentity(options_.peer.identity));
  if (request.at_ms() != 0) {
    // The caller's evaluation time is signed (ViewResult.evaluated_ms): it must be this node's
    // time within the chain's skew bound, as a proposal's timestamp must.
    const int64_t now_ms = clock_.NowMs();
    const int64_t skew_bound_ms = chain->config()->config().max_timestamp_skew_ms();
    if (request.at_ms() < now_ms - skew_bound_ms || request.at_ms() > now_ms + skew_bound_ms) {
      return InvalidArgument("view time " + std::to_string(request.at_ms()) + " is more than " +
                             std::to_string(skew_bound_ms) + " ms from this node's clock (" +
                             std::to_string(now_ms) + ")");
    }
  }
  MILK_ASSIGN_OR_RETURN(Chain::HeadSnapshot head, chain->SnapshotAtHead());

  milkpb::ViewProof proof;
  milkpb::ViewResult& result = *proof.mutable_result();
  result.set_version(proof::kViewVersion);
  result.set_chain_id(request.chain_id());
  result.set_height(head.height);
  result.set_block_hash(head.last_header_hash);
  result.set_block_time_ms(head.last_timestamp_ms);
  result.set_chaincode(request.chaincode());
  result.set_function(request.function());
  *result.mutable_args() = request.args();
  result.set_evaluated_ms(request.at_ms());

  // The block's time, not this node's clock: peers at one height must answer alike.
  chaincode::TxContext context{request.chain_id(), ViewTxId(result), std::move(creator),
                               head.last_timestamp_ms, request.chaincode(), request.function(),
                               {request.args().begin(), request.args().end()}};
  chaincode::SimulationResult simulated =
      chaincode::Simulate(chain->registry(), *head.state, context);
  head.state.reset();  // release the RocksDB snapshot before signing
  const milkpb::Response& response = simulated.response;
  if (response.status() != 200 && response.status() != 404) {
    return FailedPrecondition("chaincode '" + request.chaincode() + "' answered " +
                              std::to_string(response.status()) + ": " + response.message());
  }
  result.set_status(response.status());
  result.set_payload(response.payload());
  const std::string signing_bytes = ledger::ViewSigningBytes(result);
  if (signing_bytes.size() > proof::kProofBytesMax) {
    return ResourceExhausted("the view's result is larger than a proof may be (" +
                             std::to_string(proof::kProofBytesMax) + " bytes)");
  }
  // What proof::SignView does; milk_node does not link the chaincode proof library.
  milkpb::ViewSignature& signature = *proof.add_signatures();
  signature.set_endorser(options_.peer.identity);
  signature.set_signature(crypto::Sign(options_.peer.key.secret_key, signing_bytes));
  return proof;
}

}  // namespace milk::node
