// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title BlsBn254
/// @notice BLS short signatures on BN254 (alt_bn128): signatures in G1, public keys in G2, as drand's
/// `bls-bn254-unchained-on-g1` scheme ("evmnet") uses them. Messages are hashed to G1 with RFC 9380's
/// `hash_to_curve` (random-oracle variant): `expand_message_xmd` with keccak256, two field elements, the
/// Shallue-van de Woestijne map (`map_to_curve_svdw`, Z = 1), and a point addition (G1's cofactor is 1, so
/// no cofactor clearing). The signature check is one 2-pair `ecPairing`.
/// @dev Everything runs on the EIP-196/197/198 precompiles (0x05 modexp, 0x06 ecAdd, 0x08 ecPairing), which
/// Polygon zkEVM, Scroll and Linea offer; 2 pairs stay within Scroll's historic limit of 4.
/// Encodings: a G1 point is `[x, y]`; a G2 point is `[x.c1, x.c0, y.c1, y.c0]` (each Fp2 element
/// `c0 + c1·i` with its imaginary part first), the order of EIP-197 and of drand's (kyber) serialization.
/// Gas (measured, cancun, optimizer 200 runs): `hashToPoint` of a 32-byte message ~25k, `verify` ~140k
/// including the pairing's 113k; see docs/architecture.md.
library BlsBn254 {
    /// @notice Thrown when a coordinate is not below the field modulus.
    error BlsBn254NotCanonical(uint256 coordinate);
    /// @notice Thrown when the G1 point `(x, y)` is not on the curve y² = x³ + 3 (the point at infinity included).
    error BlsBn254NotOnCurve(uint256 x, uint256 y);
    /// @notice Thrown when `expand_message_xmd` is asked for a domain tag longer than 255 bytes or an output
    /// length outside 1..8160 bytes.
    error BlsBn254InvalidExpandParameters(uint256 dstLength, uint256 lengthInBytes);
    /// @notice Thrown when the precompile at `precompile` fails (a G2 point off the twist or outside its
    /// subgroup makes 0x08 fail).
    error BlsBn254PrecompileFailed(address precompile);

    /// @dev The base field modulus p.
    uint256 internal constant P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;

    /// @dev The negated G2 generator (EIP-197 order), so that e(σ, -g2)·e(H(m), pk) = 1 checks e(σ, g2) = e(H(m), pk).
    uint256 private constant NEG_G2_X1 = 0x198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2;
    uint256 private constant NEG_G2_X0 = 0x1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed;
    uint256 private constant NEG_G2_Y1 = 0x275dc4a288d1afb3cbb1ac09187524c7db36395df7be3b99e673b13a075a65ec;
    uint256 private constant NEG_G2_Y0 = 0x1d9befcd05a5323e6da4d435f3b617cdb3af83285c2df711ef39c01571827f9d;

    /// @dev SVDW constants for y² = x³ + 3 with Z = 1 (RFC 9380 §6.6.1): c1 = g(Z), c2 = -Z/2,
    /// c3 = sqrt(-g(Z)·3Z²) with sgn0(c3) = 0, c4 = -4g(Z)/(3Z²).
    uint256 private constant SVDW_C1 = 4;
    uint256 private constant SVDW_C2 = 0x183227397098d014dc2822db40c0ac2ecbc0b548b438e5469e10460b6c3e7ea3;
    uint256 private constant SVDW_C3 = 0x16789af3a83522eb353c98fc6b36d713d5d8d1cc5dffffffa;
    uint256 private constant SVDW_C4 = 0x10216f7ba065e00de81ac1e7808072c9dd2b2385cd7b438469602eb24829a9bd;

    /// @dev (p + 1) / 4: p ≡ 3 (mod 4), so a^((p+1)/4) is a square root of a whenever one exists.
    uint256 private constant SQRT_EXPONENT = 0xc19139cb84c680a6e14116da060561765e05aa45a1c72a34f082305b61f3f52;

    /// @notice Whether `signature` is the BLS signature of `message` under `publicKey`, hashing with `dst`.
    /// @dev Reverts with {BlsBn254NotCanonical} or {BlsBn254NotOnCurve} when `signature` is not a canonical
    /// G1 point other than infinity (G1's cofactor is 1: on the curve means in the group), and with
    /// {BlsBn254PrecompileFailed} when `publicKey` is not a valid G2 point. Returns false for a well-formed
    /// signature that does not verify.
    function verify(uint256[2] memory signature, uint256[4] memory publicKey, bytes memory message, bytes memory dst)
        internal
        view
        returns (bool)
    {
        checkG1(signature);
        uint256[2] memory h = hashToPoint(message, dst);
        return pairing2(signature, h, publicKey);
    }

    /// @notice Reverts unless `point` has canonical coordinates and lies on the curve (infinity refused).
    function checkG1(uint256[2] memory point) internal pure {
        uint256 x = point[0];
        uint256 y = point[1];
        if (x >= P) revert BlsBn254NotCanonical(x);
        if (y >= P) revert BlsBn254NotCanonical(y);
        // INVARIANT: y² = x³ + 3; (0, 0), the precompiles' encoding of infinity, fails it.
        if (mulmod(y, y, P) != addmod(mulmod(mulmod(x, x, P), x, P), 3, P)) revert BlsBn254NotOnCurve(x, y);
    }

    /// @notice Whether `point` is a G2 point other than infinity with canonical coordinates, in the r-torsion
    /// subgroup: the pairing precompile refuses any other (one 1-pair `ecPairing` call, ~79k gas).
    function isG2(uint256[4] memory point) internal view returns (bool ok) {
        if ((point[0] | point[1] | point[2] | point[3]) == 0) return false;
        uint256[6] memory input = [uint256(1), 2, point[0], point[1], point[2], point[3]];
        uint256[1] memory out;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x08, input, 192, out, 32)
        }
    }

    /// @notice Whether e(`signature`, g2) = e(`h`, `publicKey`), with one 2-pair `ecPairing` call.
    function pairing2(uint256[2] memory signature, uint256[2] memory h, uint256[4] memory publicKey)
        internal
        view
        returns (bool)
    {
        uint256[12] memory input = [
            signature[0],
            signature[1],
            NEG_G2_X1,
            NEG_G2_X0,
            NEG_G2_Y1,
            NEG_G2_Y0,
            h[0],
            h[1],
            publicKey[0],
            publicKey[1],
            publicKey[2],
            publicKey[3]
        ];
        uint256[1] memory out;
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x08, input, 384, out, 32)
        }
        if (!ok) revert BlsBn254PrecompileFailed(address(0x08));
        return out[0] == 1;
    }

    /// @notice RFC 9380 `hash_to_curve` to G1: map(u0) + map(u1) with (u0, u1) = hash_to_field(`message`, 2).
    function hashToPoint(bytes memory message, bytes memory dst) internal view returns (uint256[2] memory point) {
        (uint256 u0, uint256 u1) = hashToField(message, dst);
        uint256[2] memory q0 = mapToPoint(u0);
        uint256[2] memory q1 = mapToPoint(u1);
        uint256[4] memory input = [q0[0], q0[1], q1[0], q1[1]];
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x06, input, 128, point, 64)
        }
        if (!ok) revert BlsBn254PrecompileFailed(address(0x06));
    }

    /// @notice RFC 9380 `hash_to_field` with count 2 and L = 48: two 48-byte chunks of
    /// `expand_message_xmd(message, dst, 96)`, each reduced mod p.
    function hashToField(bytes memory message, bytes memory dst) internal pure returns (uint256 u0, uint256 u1) {
        bytes memory uniform = expandMessageXmd(message, dst, 96);
        u0 = _reduce48(uniform, 0);
        u1 = _reduce48(uniform, 48);
    }

    /// @notice RFC 9380 `expand_message_xmd` with H = keccak256 (b_in_bytes 32, s_in_bytes 136).
    /// @dev Requires `dst` of at most 255 bytes and 0 < `lengthInBytes` ≤ 8160 (ell ≤ 255).
    function expandMessageXmd(bytes memory message, bytes memory dst, uint256 lengthInBytes)
        internal
        pure
        returns (bytes memory out)
    {
        if (dst.length > 255 || lengthInBytes == 0 || lengthInBytes > 8160) {
            revert BlsBn254InvalidExpandParameters(dst.length, lengthInBytes);
        }
        uint256 ell = (lengthInBytes + 31) / 32;
        bytes memory dstPrime = abi.encodePacked(dst, uint8(dst.length));
        // msg_prime = Z_pad (136 zero bytes) || msg || I2OSP(len, 2) || I2OSP(0, 1) || DST_prime
        bytes32 b0 = keccak256(
            abi.encodePacked(new bytes(136), message, uint16(lengthInBytes), uint8(0), dstPrime)
        );
        bytes32 bi = keccak256(abi.encodePacked(b0, uint8(1), dstPrime));
        out = new bytes(ell * 32);
        assembly ("memory-safe") {
            mstore(add(out, 32), bi)
        }
        for (uint256 i = 2; i <= ell; ++i) {
            bi = keccak256(abi.encodePacked(b0 ^ bi, uint8(i), dstPrime));
            assembly ("memory-safe") {
                mstore(add(out, mul(i, 32)), bi)
            }
        }
        assembly ("memory-safe") {
            mstore(out, lengthInBytes)
        }
    }

    /// @notice RFC 9380 `map_to_curve_svdw` for y² = x³ + 3 (A = 0, B = 3, Z = 1), `u` < p.
    function mapToPoint(uint256 u) internal view returns (uint256[2] memory point) {
        uint256 tv1 = mulmod(mulmod(u, u, P), SVDW_C1, P);
        uint256 tv2 = addmod(1, tv1, P);
        tv1 = addmod(1, P - tv1, P);
        uint256 tv3 = _inv0(mulmod(tv1, tv2, P));
        uint256 tv4 = mulmod(mulmod(mulmod(u, tv1, P), tv3, P), SVDW_C3, P);
        uint256 x = addmod(SVDW_C2, P - tv4, P);
        (uint256 y, bool found) = _sqrt(_g(x));
        if (!found) {
            x = addmod(SVDW_C2, tv4, P);
            (y, found) = _sqrt(_g(x));
            if (!found) {
                // x3 = Z + c4·(tv2²·tv3)²; g(x3) is a square by the choice of Z.
                uint256 t = mulmod(mulmod(tv2, tv2, P), tv3, P);
                x = addmod(mulmod(mulmod(t, t, P), SVDW_C4, P), 1, P);
                (y, found) = _sqrt(_g(x));
                assert(found);
            }
        }
        // sgn0 (m = 1) is the parity: y takes u's sign.
        if ((u & 1) != (y & 1)) y = P - y;
        point[0] = x;
        point[1] = y;
    }

    /// @dev g(x) = x³ + 3.
    function _g(uint256 x) private pure returns (uint256) {
        return addmod(mulmod(mulmod(x, x, P), x, P), 3, P);
    }

    /// @dev A square root of `a` and whether `a` is a square (then y² = a; y is 0 only for a = 0).
    function _sqrt(uint256 a) private view returns (uint256 y, bool isSquare) {
        y = _modExp(a, SQRT_EXPONENT);
        isSquare = mulmod(y, y, P) == a;
    }

    /// @dev a^(p-2) mod p: the inverse of a, and 0 for a = 0 (RFC 9380's inv0).
    function _inv0(uint256 a) private view returns (uint256) {
        return _modExp(a, P - 2);
    }

    /// @dev base^exponent mod p through the modexp precompile (0x05).
    function _modExp(uint256 base, uint256 exponent) private view returns (uint256 result) {
        uint256[6] memory input = [32, 32, 32, base, exponent, P];
        uint256[1] memory out;
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x05, input, 192, out, 32)
        }
        if (!ok) revert BlsBn254PrecompileFailed(address(0x05));
        result = out[0];
    }

    /// @dev The 48-byte big-endian integer at `offset` of `data`, reduced mod p.
    function _reduce48(bytes memory data, uint256 offset) private pure returns (uint256) {
        uint256 high;
        uint256 low;
        assembly ("memory-safe") {
            let start := add(add(data, 32), offset)
            high := shr(128, mload(start)) // the first 16 bytes
            low := mload(add(start, 16)) // the last 32 bytes
        }
        // value = high·2^256 + low ≡ high·(2^256 mod p) + low (mod p)
        return addmod(mulmod(high, _twoPow256ModP(), P), low % P, P);
    }

    /// @dev 2^256 mod p = (2^256 - 1) mod p + 1.
    function _twoPow256ModP() private pure returns (uint256) {
        return addmod(type(uint256).max % P, 1, P);
    }
}
