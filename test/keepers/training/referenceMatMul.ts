import type { MatMulParameters } from "../../../keepers/src/training/matMul.ts";

/** {@link MatMulParameters} with both B and C in JavaScript arrays. */
export type PlainMatMulParameters = MatMulParameters & { b: Float32Array; c: Float32Array };

/**
 * The engine's matrix product written in plain JavaScript: the oracle the WebAssembly kernel of
 * `matMul` is tested against, bit for bit. Dense matrix product with the engine's fixed summation order: every element of C is
 * `fround(((0 + a(i,0)·b(0,j)) + a(i,1)·b(1,j)) + … + a(i,k−1)·b(k−1,j))` — products and sums in
 * binary64, in increasing inner index, rounded once to binary32 when stored. The register
 * blocking below only changes which elements are computed together, never the order of one
 * element's sum, so it does not change any bit. Blocks are 4×4, then 4×1, 2×4, 2×1, 1×4, 1×1 at the edges.
 *
 * Transposes are expressed with strides: A·Bᵀ with B stored [n][k] is `bInnerStride: 1,
 * bColStride: k`; Aᵀ·B with A stored [k][m] is `aRowStride: 1, aInnerStride: m`.
 *
 * @example
 * // C[2][2] = A[2][3] · B[3][2], both row-major
 * referenceMatMul({ a, aRowStride: 3, aInnerStride: 1, b, bInnerStride: 2, bColStride: 1, c, m: 2, n: 2, k: 3 });
 */
export function referenceMatMul(p: PlainMatMulParameters): void {
  const { a, aRowStride: aI, aInnerStride: aK, b, bInnerStride: bK, bColStride: bJ, c, m, n, k } = p;
  const aBase = p.aOffset ?? 0;
  const bBase = p.bOffset ?? 0;
  const cBase = p.cOffset ?? 0;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let ia = aBase + i * aI;
      let ib = bBase + j * bJ;
      for (let t = 0; t < k; t++) {
        const a0 = a[ia]!, a1 = a[ia + aI]!, a2 = a[ia + 2 * aI]!, a3 = a[ia + 3 * aI]!;
        const b0 = b[ib]!, b1 = b[ib + bJ]!, b2 = b[ib + 2 * bJ]!, b3 = b[ib + 3 * bJ]!;
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        ia += aK;
        ib += bK;
      }
      let o = cBase + i * n + j;
      c[o] = c00; c[o + 1] = c01; c[o + 2] = c02; c[o + 3] = c03;
      o += n;
      c[o] = c10; c[o + 1] = c11; c[o + 2] = c12; c[o + 3] = c13;
      o += n;
      c[o] = c20; c[o + 1] = c21; c[o + 2] = c22; c[o + 3] = c23;
      o += n;
      c[o] = c30; c[o + 1] = c31; c[o + 2] = c32; c[o + 3] = c33;
    }
    for (; j < n; j++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      let ia = aBase + i * aI;
      let ib = bBase + j * bJ;
      for (let t = 0; t < k; t++) {
        const bv = b[ib]!;
        c0 += a[ia]! * bv; c1 += a[ia + aI]! * bv; c2 += a[ia + 2 * aI]! * bv; c3 += a[ia + 3 * aI]! * bv;
        ia += aK;
        ib += bK;
      }
      const o = cBase + i * n + j;
      c[o] = c0; c[o + n] = c1; c[o + 2 * n] = c2; c[o + 3 * n] = c3;
    }
  }
  for (; i + 2 <= m; i += 2) {
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let ia = aBase + i * aI;
      let ib = bBase + j * bJ;
      for (let t = 0; t < k; t++) {
        const a0 = a[ia]!, a1 = a[ia + aI]!;
        const b0 = b[ib]!, b1 = b[ib + bJ]!, b2 = b[ib + 2 * bJ]!, b3 = b[ib + 3 * bJ]!;
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        ia += aK;
        ib += bK;
      }
      const o = cBase + i * n + j;
      c[o] = c00; c[o + 1] = c01; c[o + 2] = c02; c[o + 3] = c03;
      c[o + n] = c10; c[o + n + 1] = c11; c[o + n + 2] = c12; c[o + n + 3] = c13;
    }
    for (; j < n; j++) {
      let c0 = 0, c1 = 0;
      let ia = aBase + i * aI;
      let ib = bBase + j * bJ;
      for (let t = 0; t < k; t++) {
        const bv = b[ib]!;
        c0 += a[ia]! * bv; c1 += a[ia + aI]! * bv;
        ia += aK;
        ib += bK;
      }
      const o = cBase + i * n + j;
      c[o] = c0; c[o + n] = c1;
    }
  }
  for (; i < m; i++) {
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      let ia = aBase + i * aI;
      let ib = bBase + j * bJ;
      for (let t = 0; t < k; t++) {
        const av = a[ia]!;
        c0 += av * b[ib]!; c1 += av * b[ib + bJ]!; c2 += av * b[ib + 2 * bJ]!; c3 += av * b[ib + 3 * bJ]!;
        ia += aK;
        ib += bK;
      }
      const o = cBase + i * n + j;
      c[o] = c0; c[o + 1] = c1; c[o + 2] = c2; c[o + 3] = c3;
    }
    for (; j < n; j++) {
      let c0 = 0;
      let ia = aBase + i * aI;
      let ib = bBase + j * bJ;
      for (let t = 0; t < k; t++) {
        c0 += a[ia]! * b[ib]!;
        ia += aK;
        ib += bK;
      }
      c[cBase + i * n + j] = c0;
    }
  }
}
