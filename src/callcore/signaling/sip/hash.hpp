// MD5 (RFC 1321) and SHA-256 (FIPS 180-4 §6.2) for SIP digest authentication (RFC 7616 §3.4:
// the two algorithms SIP uses, RFC 8760 §2.2). Small and self-contained so the same code builds
// natively and for wasm32: Debian's hash libraries (OpenSSL's libcrypto, nettle, libgcrypt,
// Crypto++, Botan, mbedTLS) ship compiled for the host only, and no header-only one is packaged. Tested against the RFC 1321 §A.5 and
// FIPS 180-2 Appendix B vectors (tests/unit/sip_digest_test.cpp). Not for anything but digest
// authentication: MD5 is broken for collision resistance.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace callcore::signaling::sip {

using Md5Digest = std::array<std::uint8_t, 16>;
using Sha256Digest = std::array<std::uint8_t, 32>;

/// MD5 of `data` (any bytes).
Md5Digest md5(std::string_view data);
/// SHA-256 of `data` (any bytes).
Sha256Digest sha256(std::string_view data);

/// Lower-case hex of `bytes` (RFC 7616 §3.4: digests are written as lower-case hex).
template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * N);
  for (auto b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

/// The 64 additive constants of MD5 (RFC 1321 §3.4: T[i] = floor(2^32 * |sin(i)|), i = 1..64),
/// exposed so a test can recompute them.
extern const std::array<std::uint32_t, 64> kMd5T;

}  // namespace callcore::signaling::sip
