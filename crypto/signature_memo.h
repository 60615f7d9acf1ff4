// A node checks the same signatures more than once: a transaction's creator and endorsement
// signatures at Submit and again when its block is validated, every endorser's certificate in
// every transaction, and the endorsements it signed itself. Ed25519 verification is a pure
// function, so its successes can be remembered: VerifyMemo answers exactly what Verify answers,
// only faster when the same (key, message, signature) was verified or signed here before.
//
// What is remembered is SHA-256(key, signature, message) of successful checks (and of this
// node's own signatures, RememberSigned), in a bounded process-wide memo with first-in
// first-out eviction. Failures are never remembered: a bad signature costs a full check every
// time. Results never depend on the memo's contents or order, so consensus and validation stay
// deterministic. Thread-safe (sharded locks).
#pragma once

#include <cstddef>
#include <string_view>

namespace milk::crypto {

// Entries kept (about 100 bytes each): several seconds of a busy node's transactions, whose
// signatures are checked again within one block's time.
inline constexpr size_t kSignatureMemoEntries = 1 << 18;

// Verify(public_key, message, signature), remembering a success.
bool VerifyMemo(std::string_view public_key, std::string_view message, std::string_view signature);

// Records that signature is public_key's valid signature of message, because this process just
// made it with the matching secret key (an endorser, a consenter signing a block).
// REQUIRES: the signature was produced by Sign with public_key's secret key.
void RememberSigned(std::string_view public_key, std::string_view message,
                    std::string_view signature);

// Counters since start: checks answered from the memo, and full verifications done by VerifyMemo.
struct SignatureMemoStats {
  uint64_t hits = 0;
  uint64_t verified = 0;
};
SignatureMemoStats GetSignatureMemoStats();

}  // namespace milk::crypto
