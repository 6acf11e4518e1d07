/**
 * Writes the WebAssembly SIMD kernel of the training engine (docs/training.md §1): the matrix product, the
 * convolution's im2col and col2im, Relu and 2×2 MaxPool, Adam's element loop and the exact GELU. Generates
 * `keepers/src/training/matMulKernel.wat` and compiles it with wabt to `matMulKernel.wasm`, both
 * committed. Running it again reproduces both files byte for byte (a test checks this).
 *
 *   node scripts/buildMatMulKernel.ts            rewrite both files
 *   node scripts/buildMatMulKernel.ts --check    exit 1 if the committed files differ
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import wabt from "wabt";

/** Rows of C per tile: 4 rows × 2 vectors = 8 accumulators + 4 A splats + 2 B vectors fit the 16 x86 vector registers. */
const TILE_ROW_COUNTS = [4, 2, 1] as const;

/** How a tile reads the two B elements (k, j) and (k, j + 1) of one vector. */
type BLoad = "adjacent" | "strided";

/** The integers 0..count−1. */
const range = (count: number) => Array.from({ length: count }, (_, i) => i);

/**
 * binary64 vector of B elements (k, j) and (k, j + 1) at `address` and `address + lane`: one
 * 16-byte load when the columns are adjacent, two 8-byte lane loads when strided.
 */
function bVector(load: BLoad, address: string, lane: string): string {
  if (load === "adjacent") return `(v128.load ${address})`;
  return `(v128.load64_lane 1 (i32.add ${address} ${lane}) (v128.load64_zero ${address}))`;
}

/**
 * One tile: `rows` rows × `vectors` column pairs of C starting at $a/$b/$c, every element its own
 * lane summed in increasing k, products and sums in binary64, rounded once to binary32 when stored. Each
 * multiply-add is one `f64x2.relaxed_madd`, which a machine may fuse or not: the operands are binary32 values,
 * whose product (24 + 24 significant bits) binary64 holds exactly, so round(a·b + acc) and round(round(a·b) + acc)
 * are the same bits. With `single`, only column j is computed: its B element is splat to both lanes and only lane
 * 0 is stored.
 */
function tile(rows: number, vectors: number, load: BLoad, single: boolean): string[] {
  const accumulators = range(rows).flatMap((r) => range(vectors).map((v) => `$acc${r}_${v}`));
  const lines: string[] = [];
  for (const acc of accumulators) lines.push(`(local.set ${acc} (v128.const f64x2 0 0))`);
  lines.push(`(local.set $ia (local.get $a))`, `(local.set $ib (local.get $b))`, `(local.set $t (local.get $k))`);
  lines.push(`(block $empty (br_if $empty (i32.eqz (local.get $t))) (loop $inner`);
  for (const r of range(rows)) {
    const address = r === 0 ? `(local.get $ia)` : `(i32.add (local.get $ia) (local.get $aRow${r}))`;
    lines.push(`  (local.set $a${r} (v128.load64_splat ${address}))`);
  }
  for (const v of range(vectors)) {
    // Vector v holds columns j + 2v and j + 2v + 1: 16 bytes further when adjacent, 2·bJ when strided.
    const offset = load === "adjacent" ? `(i32.add (local.get $ib) (i32.const ${16 * v}))` : v === 0 ? `(local.get $ib)` : `(i32.add (local.get $ib) (i32.mul (local.get $bCol2) (i32.const ${v})))`;
    lines.push(`  (local.set $b${v} ${single ? `(v128.load64_splat ${offset})` : bVector(load, offset, "(local.get $bCol)")})`);
  }
  for (const r of range(rows)) {
    for (const v of range(vectors)) {
      lines.push(`  (local.set $acc${r}_${v} (f64x2.relaxed_madd (local.get $a${r}) (local.get $b${v}) (local.get $acc${r}_${v})))`);
    }
  }
  lines.push(`  (local.set $ia (i32.add (local.get $ia) (local.get $aInner)))`);
  lines.push(`  (local.set $ib (i32.add (local.get $ib) (local.get $bInner)))`);
  lines.push(`  (br_if $inner (local.tee $t (i32.sub (local.get $t) (i32.const 1))))))`);
  for (const r of range(rows)) {
    const row = r === 0 ? `(local.get $c)` : `(i32.add (local.get $c) (i32.mul (local.get $cRow) (i32.const ${r})))`;
    for (const v of range(vectors)) {
      const acc = `(local.get $acc${r}_${v})`;
      if (single) {
        lines.push(`(f32.store ${row} (f32.demote_f64 (f64x2.extract_lane 0 ${acc})))`);
      } else {
        // demote_zero rounds both lanes to binary32 into the low 8 bytes: one 8-byte store.
        lines.push(`(i64.store offset=${8 * v} ${row} (i64x2.extract_lane 0 (f32x4.demote_f64x2_zero ${acc})))`);
      }
    }
  }
  return lines;
}

/**
 * Column pairs per wide tile. Measured on an x86-64 host (V8, LeNet-5's convolution shapes): 4 rows × 2 pairs beat
 * 3 × 3, 2 × 4, 4 × 3 and 6 × 1 by 7–18 %.
 */
const VECTORS = 2;

/**
 * Internal function `$rows{R}{Adjacent|Strided}`: rows [i, i + R) of C for every column, tiles of
 * 2·VECTORS columns, then 2, then a last single column when n is odd.
 */
function rowsFunction(rows: number, load: BLoad): string {
  const name = `$rows${rows}${load === "adjacent" ? "Adjacent" : "Strided"}`;
  const wide = 2 * VECTORS;
  const accumulators = range(rows).flatMap((r) => range(VECTORS).map((v) => `(local $acc${r}_${v} v128)`));
  const body: string[] = [];
  body.push(`(local.set $bCol2 (i32.shl (local.get $bCol) (i32.const 1)))`);
  body.push(`(local.set $bColWide (i32.mul (local.get $bCol) (i32.const ${wide})))`);
  for (const r of range(rows).slice(1)) body.push(`(local.set $aRow${r} (i32.mul (local.get $aRow) (i32.const ${r})))`);
  body.push(`(local.set $j (local.get $n))`);
  body.push(`(block $wideDone (loop $wide`);
  body.push(`  (br_if $wideDone (i32.lt_u (local.get $j) (i32.const ${wide})))`);
  body.push(...tile(rows, VECTORS, load, false).map((line) => `  ${line}`));
  body.push(`  (local.set $b (i32.add (local.get $b) (local.get $bColWide)))`);
  body.push(`  (local.set $c (i32.add (local.get $c) (i32.const ${4 * wide})))`);
  body.push(`  (local.set $j (i32.sub (local.get $j) (i32.const ${wide})))`);
  body.push(`  (br $wide)))`);
  body.push(`(block $pairsDone (loop $pairs`);
  body.push(`  (br_if $pairsDone (i32.lt_u (local.get $j) (i32.const 2)))`);
  body.push(...tile(rows, 1, load, false).map((line) => `  ${line}`));
  body.push(`  (local.set $b (i32.add (local.get $b) (local.get $bCol2)))`);
  body.push(`  (local.set $c (i32.add (local.get $c) (i32.const 8)))`);
  body.push(`  (local.set $j (i32.sub (local.get $j) (i32.const 2)))`);
  body.push(`  (br $pairs)))`);
  body.push(`(if (local.get $j) (then`);
  body.push(...tile(rows, 1, load, true).map((line) => `  ${line}`));
  body.push(`))`);
  return [
    `  (func ${name} (param $a i32) (param $aRow i32) (param $aInner i32) (param $b i32) (param $bInner i32) (param $bCol i32) (param $c i32) (param $cRow i32) (param $n i32) (param $k i32)`,
    `    (local $ia i32) (local $ib i32) (local $t i32) (local $j i32) (local $bCol2 i32) (local $bColWide i32) ${range(rows).slice(1).map((r) => `(local $aRow${r} i32)`).join(" ")}`,
    `    ${range(rows).map((r) => `(local $a${r} v128)`).join(" ")} ${range(VECTORS).map((v) => `(local $b${v} v128)`).join(" ")} ${accumulators.join(" ")}`,
    ...body.map((line) => `    ${line}`),
    `  )`,
  ].join("\n");
}

/**
 * Exported `matMul(a, aRow, aInner, b, bInner, bCol, c, m, n, k)`: C = A·B with byte addresses and
 * byte strides, A and B binary64, C binary32 dense row-major. Rows go in tiles of 4, then 2, then 1; adjacent B
 * columns (bCol = 8) take the 16-byte-load tiles.
 */
function matMulFunction(): string {
  const call = (rows: number, load: BLoad) =>
    `(call $rows${rows}${load === "adjacent" ? "Adjacent" : "Strided"} (local.get $a) (local.get $aRow) (local.get $aInner) (local.get $b) (local.get $bInner) (local.get $bCol) (local.get $c) (local.get $cRow) (local.get $n) (local.get $k))`;
  const lines: string[] = [];
  lines.push(`  (func (export "matMul") (param $a i32) (param $aRow i32) (param $aInner i32) (param $b i32) (param $bInner i32) (param $bCol i32) (param $c i32) (param $m i32) (param $n i32) (param $k i32)`);
  lines.push(`    (local $cRow i32) (local $adjacent i32)`);
  lines.push(`    (local.set $cRow (i32.shl (local.get $n) (i32.const 2)))`);
  lines.push(`    (local.set $adjacent (i32.eq (local.get $bCol) (i32.const 8)))`);
  for (const rows of TILE_ROW_COUNTS) {
    lines.push(`    (block $done${rows} (loop $tiles${rows}`);
    lines.push(`      (br_if $done${rows} (i32.lt_u (local.get $m) (i32.const ${rows})))`);
    lines.push(`      (if (local.get $adjacent) (then ${call(rows, "adjacent")}) (else ${call(rows, "strided")}))`);
    lines.push(`      (local.set $a (i32.add (local.get $a) (i32.mul (local.get $aRow) (i32.const ${rows}))))`);
    lines.push(`      (local.set $c (i32.add (local.get $c) (i32.mul (local.get $cRow) (i32.const ${rows}))))`);
    lines.push(`      (local.set $m (i32.sub (local.get $m) (i32.const ${rows})))`);
    lines.push(`      (br $tiles${rows})))`);
  }
  lines.push(`  )`);
  return lines.join("\n");
}

/** Parameters of `$im2colRow` and `$col2imRow`: one row k = (ci, ky, kx) of the column matrix over every example. */
const CONV_ROW_PARAMS = `(param $n i32) (param $plane i32) (param $H i32) (param $W i32) (param $OH i32) (param $OW i32) (param $sH i32) (param $sW i32) (param $iy0 i32) (param $x0 i32) (param $first i32) (param $last i32)`;

/** Parameters of the exported `im2col` and `col2im` after their two addresses: the whole column matrix. */
const CONV_PARAMS = `(param $table i32) (param $windows i32) (param $channels i32) (param $n i32) (param $plane i32) (param $H i32) (param $W i32) (param $OH i32) (param $OW i32) (param $sH i32) (param $sW i32)`;

/**
 * The convolution's staging of the product's operands, over the same memory (docs/training.md §4, Conv):
 * - `$im2colRow(in, out, …)`: row k of the column matrix as binary64 at `out`, for examples 0..n−1 (each `plane` bytes
 *   of binary32 input after `in`), output rows oy, columns ox: the input at row oy·sH + iy0, column
 *   x0 + (ox − first)·sW for ox in [first, last), +0 elsewhere (rows outside [0, H) are all +0).
 * - `$col2imRow(grad, sum, …)`: adds row k of the column matrix's gradient (binary32 at `grad`) into the binary64
 *   sums at `sum` (`plane` bytes per example), at the same positions. Called for k in order, it sums every input
 *   element's terms in (k, q) order: one k never reaches an element twice.
 * - `im2col(in, out, table, windows, channels, n, plane, …)` and `col2im(grad, sum, table, …)`: every row k = (ci,
 *   window) in order, `plane` = H·W elements per example, channel ci's planes n·plane elements after the previous
 *   channel's, window w's (iy0, x0, first, last) the four i32 at `table + 16·w`.
 * - `demote(from, to, count)`: rounds `count` binary64 values to binary32, once each.
 * Where sW = 1 adjacent elements move as one f64x2 (each lane its own element: the same operations, in the same
 * order, as one at a time), im2col's four at a time from one f32x4 load.
 */
function convolutionFunctions(): string {
  const rows = (body: string[]) => [
    `    (local.set $e (i32.const 0))`,
    `    (block $examplesDone (loop $examples`,
    `      (br_if $examplesDone (i32.ge_u (local.get $e) (local.get $n)))`,
    `      (local.set $oy (i32.const 0))`,
    `      (local.set $iy (local.get $iy0))`,
    `      (block $rowsDone (loop $rows`,
    `        (br_if $rowsDone (i32.ge_u (local.get $oy) (local.get $OH)))`,
    ...body.map((line) => `        ${line}`),
    `        (local.set $iy (i32.add (local.get $iy) (local.get $sH)))`,
    `        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))`,
    `        (br $rows)))`,
    `      (local.set $e (i32.add (local.get $e) (i32.const 1)))`,
    `      (br $examples)))`,
  ];
  /** Whether input row $iy exists and the row has columns inside the input. */
  const inside = `(i32.and (i32.lt_u (local.get $iy) (local.get $H)) (i32.lt_s (local.get $first) (local.get $last)))`;
  /** Byte address of input element (row $iy, column x0) of example $e, elements of `bytes` bytes, planes at `base`. */
  const source = (base: string, bytes: number) =>
    `(i32.add (i32.add ${base} (i32.mul (local.get $e) (local.get $plane))) (i32.shl (i32.add (i32.mul (local.get $iy) (local.get $W)) (local.get $x0)) (i32.const ${Math.log2(bytes)})))`;
  const locals = `(local $e i32) (local $oy i32) (local $iy i32) (local $src i32) (local $dst i32) (local $end i32)`;
  const im2col = [
    `  (func $zero (param $at i32) (param $count i32)`,
    `    (block $done (loop $fill`,
    `      (br_if $done (i32.eqz (local.get $count)))`,
    `      (f64.store (local.get $at) (f64.const 0))`,
    `      (local.set $at (i32.add (local.get $at) (i32.const 8)))`,
    `      (local.set $count (i32.sub (local.get $count) (i32.const 1)))`,
    `      (br $fill)))`,
    `  )`,
    `  (func $im2colRow (param $in i32) (param $out i32) ${CONV_ROW_PARAMS}`,
    `    ${locals} (local $quad v128)`,
    ...rows([
      `(if ${inside} (then`,
      `  (if (local.get $first) (then (call $zero (local.get $out) (local.get $first))))`,
      `  (local.set $src ${source("(local.get $in)", 4)})`,
      `  (local.set $dst (i32.add (local.get $out) (i32.shl (local.get $first) (i32.const 3))))`,
      `  (local.set $end (i32.add (local.get $out) (i32.shl (local.get $last) (i32.const 3))))`,
      `  (if (i32.eq (local.get $sW) (i32.const 1)) (then`,
      `    (block $quadsDone (loop $quads`,
      `      (br_if $quadsDone (i32.gt_u (i32.add (local.get $dst) (i32.const 32)) (local.get $end)))`,
      `      (local.set $quad (v128.load (local.get $src)))`,
      `      (v128.store (local.get $dst) (f64x2.promote_low_f32x4 (local.get $quad)))`,
      `      (v128.store offset=16 (local.get $dst) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $quad) (local.get $quad))))`,
      `      (local.set $src (i32.add (local.get $src) (i32.const 16)))`,
      `      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))`,
      `      (br $quads)))`,
      `    (block $pairsDone (loop $pairs`,
      `      (br_if $pairsDone (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))`,
      `      (v128.store (local.get $dst) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $src))))`,
      `      (local.set $src (i32.add (local.get $src) (i32.const 8)))`,
      `      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))`,
      `      (br $pairs)))))`,
      `  (block $copyDone (loop $copy`,
      `    (br_if $copyDone (i32.ge_u (local.get $dst) (local.get $end)))`,
      `    (f64.store (local.get $dst) (f64.promote_f32 (f32.load (local.get $src))))`,
      `    (local.set $src (i32.add (local.get $src) (i32.shl (local.get $sW) (i32.const 2))))`,
      `    (local.set $dst (i32.add (local.get $dst) (i32.const 8)))`,
      `    (br $copy)))`,
      `  (if (i32.lt_s (local.get $last) (local.get $OW)) (then (call $zero (local.get $end) (i32.sub (local.get $OW) (local.get $last))))))`,
      `(else (call $zero (local.get $out) (local.get $OW))))`,
      `(local.set $out (i32.add (local.get $out) (i32.shl (local.get $OW) (i32.const 3))))`,
    ]),
    `  )`,
  ];
  const col2im = [
    `  (func $col2imRow (param $grad i32) (param $sum i32) ${CONV_ROW_PARAMS}`,
    `    ${locals}`,
    ...rows([
      `(if ${inside} (then`,
      `  (local.set $dst ${source("(local.get $sum)", 8)})`,
      `  (local.set $src (i32.add (local.get $grad) (i32.shl (local.get $first) (i32.const 2))))`,
      `  (local.set $end (i32.add (local.get $grad) (i32.shl (local.get $last) (i32.const 2))))`,
      `  (if (i32.eq (local.get $sW) (i32.const 1)) (then`,
      `    (block $pairsDone (loop $pairs`,
      `      (br_if $pairsDone (i32.gt_u (i32.add (local.get $src) (i32.const 8)) (local.get $end)))`,
      `      (v128.store (local.get $dst) (f64x2.add (v128.load (local.get $dst)) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $src)))))`,
      `      (local.set $src (i32.add (local.get $src) (i32.const 8)))`,
      `      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))`,
      `      (br $pairs)))))`,
      `  (block $addDone (loop $add`,
      `    (br_if $addDone (i32.ge_u (local.get $src) (local.get $end)))`,
      `    (f64.store (local.get $dst) (f64.add (f64.load (local.get $dst)) (f64.promote_f32 (f32.load (local.get $src)))))`,
      `    (local.set $src (i32.add (local.get $src) (i32.const 4)))`,
      `    (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $sW) (i32.const 3))))`,
      `    (br $add)))))`,
      `(local.set $grad (i32.add (local.get $grad) (i32.shl (local.get $OW) (i32.const 2))))`,
    ]),
    `  )`,
  ];
  const demote = [
    `  (func (export "demote") (param $from i32) (param $to i32) (param $count i32)`,
    `    (block $pairsDone (loop $pairs`,
    `      (br_if $pairsDone (i32.lt_u (local.get $count) (i32.const 2)))`,
    `      (i64.store (local.get $to) (i64x2.extract_lane 0 (f32x4.demote_f64x2_zero (v128.load (local.get $from)))))`,
    `      (local.set $from (i32.add (local.get $from) (i32.const 16)))`,
    `      (local.set $to (i32.add (local.get $to) (i32.const 8)))`,
    `      (local.set $count (i32.sub (local.get $count) (i32.const 2)))`,
    `      (br $pairs)))`,
    `    (if (local.get $count) (then (f32.store (local.get $to) (f32.demote_f64 (f64.load (local.get $from))))))`,
    `  )`,
  ];
  /**
   * The exported loop over every row k = (ci, window), calling `row` with its two addresses in `order` (those of the
   * channel's planes and of the row), `plane` the elements of an example's plane.
   */
  const wholeMatrix = (name: string, order: [string, string], planes: string, rowsAt: string, rowBytes: number, planeBytes: number, row: string) => [
    `  (func (export "${name}") (param ${order[0]} i32) (param ${order[1]} i32) ${CONV_PARAMS}`,
    `    (local $ci i32) (local $w i32) (local $entry i32) (local $rowBytes i32) (local $channelBytes i32)`,
    `    (local.set $rowBytes (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $OH)) (local.get $OW)) (i32.const ${rowBytes})))`,
    `    (local.set $channelBytes (i32.mul (i32.mul (local.get $n) (local.get $plane)) (i32.const ${planeBytes})))`,
    `    (block $channelsDone (loop $channels`,
    `      (br_if $channelsDone (i32.ge_u (local.get $ci) (local.get $channels)))`,
    `      (local.set $w (i32.const 0))`,
    `      (local.set $entry (local.get $table))`,
    `      (block $windowsDone (loop $windowsLoop`,
    `        (br_if $windowsDone (i32.ge_u (local.get $w) (local.get $windows)))`,
    `        (call ${row} (local.get ${order[0]}) (local.get ${order[1]}) (local.get $n) (i32.mul (local.get $plane) (i32.const ${planeBytes})) (local.get $H) (local.get $W) (local.get $OH) (local.get $OW) (local.get $sH) (local.get $sW)`,
    `          (i32.load (local.get $entry)) (i32.load offset=4 (local.get $entry)) (i32.load offset=8 (local.get $entry)) (i32.load offset=12 (local.get $entry)))`,
    `        (local.set ${rowsAt} (i32.add (local.get ${rowsAt}) (local.get $rowBytes)))`,
    `        (local.set $entry (i32.add (local.get $entry) (i32.const 16)))`,
    `        (local.set $w (i32.add (local.get $w) (i32.const 1)))`,
    `        (br $windowsLoop)))`,
    `      (local.set ${planes} (i32.add (local.get ${planes}) (local.get $channelBytes)))`,
    `      (local.set $ci (i32.add (local.get $ci) (i32.const 1)))`,
    `      (br $channels)))`,
    `  )`,
  ];
  return [
    ...im2col,
    ...col2im,
    // im2col: input planes of binary32, rows of binary64; col2im: sums of binary64, gradient rows of binary32.
    ...wholeMatrix("im2col", ["$in", "$out"], "$in", "$out", 8, 4, "$im2colRow"),
    ...wholeMatrix("col2im", ["$grad", "$sum"], "$sum", "$grad", 4, 8, "$col2imRow"),
    ...demote,
  ].join("\n");
}

/**
 * The element-wise layers whose JavaScript loops were the engine's slowest per element (docs/training.md §4), on
 * binary32 arrays, four elements per f32x4 and the last ones one lane at a time; only bitwise operations and
 * comparisons, so every lane's bits are those of the scalar rule:
 * - `relu(x, y, count)`: y = x where x > 0 (f32x4.gt: false for −0 and NaN), +0 elsewhere; y may be x.
 * - `reluGradient(y, g, count)`: g = +0 where y's bits are 0 (y ≤ 0 forward), g elsewhere, in place.
 * - `maxPool2x2(in, out, argmax, planes, H, W, OH, OW)`: MaxPool with kernel and stride 2×2 over `planes` planes of
 *   H×W: each output the window's top-left, replaced by top-right, bottom-left, bottom-right in that order only where
 *   strictly greater; `argmax` (i32) the chosen element's index plane·H·W + row·W + column. Four outputs take the
 *   even and odd columns of eight adjacent inputs (i8x16.shuffle).
 */
function elementwiseFunctions(): string {
  /** The loop over `count` elements: `body(load, store)` on four at a time, then on one (lane 0). */
  const quadsThenLanes = (pointers: string[], body: (load: (at: string) => string, store: (at: string, value: string) => string) => string[]) => {
    const step = (bytes: number) => pointers.map((name) => `(local.set ${name} (i32.add (local.get ${name}) (i32.const ${bytes})))`);
    return [
      `    (block $quadsDone (loop $quads`,
      `      (br_if $quadsDone (i32.lt_u (local.get $count) (i32.const 4)))`,
      ...body((at) => `(v128.load (local.get ${at}))`, (at, value) => `(v128.store (local.get ${at}) ${value})`).map((line) => `      ${line}`),
      ...step(16).map((line) => `      ${line}`),
      `      (local.set $count (i32.sub (local.get $count) (i32.const 4)))`,
      `      (br $quads)))`,
      `    (block $lanesDone (loop $lanes`,
      `      (br_if $lanesDone (i32.eqz (local.get $count)))`,
      ...body((at) => `(v128.load32_zero (local.get ${at}))`, (at, value) => `(v128.store32_lane 0 (local.get ${at}) ${value})`).map((line) => `      ${line}`),
      ...step(4).map((line) => `      ${line}`),
      `      (local.set $count (i32.sub (local.get $count) (i32.const 1)))`,
      `      (br $lanes)))`,
    ];
  };
  const zero = `(v128.const i32x4 0 0 0 0)`;
  const relu = [
    `  (func (export "relu") (param $x i32) (param $y i32) (param $count i32) (local $v v128)`,
    ...quadsThenLanes(["$x", "$y"], (load, store) => [
      `(local.set $v ${load("$x")})`,
      store("$y", `(v128.and (local.get $v) (f32x4.gt (local.get $v) ${zero}))`),
    ]),
    `  )`,
  ];
  const reluGradient = [
    `  (func (export "reluGradient") (param $y i32) (param $g i32) (param $count i32)`,
    ...quadsThenLanes(["$y", "$g"], (load, store) => [store("$g", `(v128.and ${load("$g")} (i32x4.ne ${load("$y")} ${zero}))`)]),
    `  )`,
  ];
  const evens = (a: string, b: string) => `(i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 ${a} ${b})`;
  const odds = (a: string, b: string) => `(i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 ${a} ${b})`;
  /** Replaces $max and $best where `value` is strictly greater; `index` the candidates' indices. */
  const challenge = (value: string, index: string) => [
    `(local.set $v ${value})`,
    `(local.set $more (f32x4.gt (local.get $v) (local.get $max)))`,
    `(local.set $max (v128.bitselect (local.get $v) (local.get $max) (local.get $more)))`,
    `(local.set $best (v128.bitselect ${index} (local.get $best) (local.get $more)))`,
  ];
  /**
   * One vector of outputs, four or (`single`) lane 0's one, from the window rows at $top and $rowBytes after: $a and
   * $b hold a row's eight inputs (or its two).
   */
  const window = (single: boolean) => {
    const row = (at: string) =>
      single
        ? [`(local.set $a (v128.load32_zero ${at}))`, `(local.set $b (v128.load32_zero offset=4 ${at}))`]
        : [`(local.set $a (v128.load ${at}))`, `(local.set $b (v128.load offset=16 ${at}))`];
    const even = single ? `(local.get $a)` : evens(`(local.get $a)`, `(local.get $b)`);
    const odd = single ? `(local.get $b)` : odds(`(local.get $a)`, `(local.get $b)`);
    const store = single ? "v128.store32_lane 0" : "v128.store";
    return [
      ...row(`(local.get $top)`),
      `(local.set $max ${even})`,
      `(local.set $best (local.get $i))`,
      ...challenge(odd, `(i32x4.add (local.get $i) (v128.const i32x4 1 1 1 1))`),
      ...row(`(i32.add (local.get $top) (local.get $rowBytes))`),
      ...challenge(even, `(i32x4.add (local.get $i) (local.get $below))`),
      ...challenge(odd, `(i32x4.add (local.get $i) (i32x4.add (local.get $below) (v128.const i32x4 1 1 1 1)))`),
      `(${store} (local.get $out) (local.get $max))`,
      `(${store} (local.get $argmax) (local.get $best))`,
    ];
  };
  /** Advances past `outputs` outputs. */
  const advance = (outputs: number) => [
    `(local.set $i (i32x4.add (local.get $i) (v128.const i32x4 ${Array(4).fill(2 * outputs).join(" ")})))`,
    `(local.set $top (i32.add (local.get $top) (i32.const ${8 * outputs})))`,
    `(local.set $out (i32.add (local.get $out) (i32.const ${4 * outputs})))`,
    `(local.set $argmax (i32.add (local.get $argmax) (i32.const ${4 * outputs})))`,
    `(local.set $ox (i32.add (local.get $ox) (i32.const ${outputs})))`,
  ];
  const maxPool = [
    `  (func (export "maxPool2x2") (param $in i32) (param $out i32) (param $argmax i32) (param $planes i32) (param $H i32) (param $W i32) (param $OH i32) (param $OW i32)`,
    `    (local $p i32) (local $oy i32) (local $ox i32) (local $top i32) (local $rowBytes i32) (local $i v128) (local $below v128) (local $a v128) (local $b v128) (local $v v128) (local $more v128) (local $max v128) (local $best v128)`,
    `    (local.set $rowBytes (i32.shl (local.get $W) (i32.const 2)))`,
    `    (local.set $below (i32x4.splat (local.get $W)))`,
    `    (block $planesDone (loop $planesLoop`,
    `      (br_if $planesDone (i32.ge_u (local.get $p) (local.get $planes)))`,
    `      (local.set $oy (i32.const 0))`,
    `      (block $rowsDone (loop $rows`,
    `        (br_if $rowsDone (i32.ge_u (local.get $oy) (local.get $OH)))`,
    `        (local.set $i (i32x4.add (i32x4.splat (i32.add (i32.mul (local.get $p) (i32.mul (local.get $H) (local.get $W))) (i32.mul (i32.shl (local.get $oy) (i32.const 1)) (local.get $W)))) (v128.const i32x4 0 2 4 6)))`,
    `        (local.set $top (i32.add (local.get $in) (i32.shl (i32x4.extract_lane 0 (local.get $i)) (i32.const 2))))`,
    `        (local.set $ox (i32.const 0))`,
    `        (block $quadsDone (loop $quadsLoop`,
    `          (br_if $quadsDone (i32.gt_u (i32.add (local.get $ox) (i32.const 4)) (local.get $OW)))`,
    ...[...window(false), ...advance(4)].map((line) => `          ${line}`),
    `          (br $quadsLoop)))`,
    `        (block $lanesDone (loop $lanesLoop`,
    `          (br_if $lanesDone (i32.ge_u (local.get $ox) (local.get $OW)))`,
    ...[...window(true), ...advance(1)].map((line) => `          ${line}`),
    `          (br $lanesLoop)))`,
    `        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))`,
    `        (br $rows)))`,
    `      (local.set $p (i32.add (local.get $p) (i32.const 1)))`,
    `      (br $planesLoop)))`,
    `  )`,
  ];
  return [...relu, ...reluGradient, ...maxPool].join("\n");
}

/** The scalar parameters of `adam`, in order (binary64). */
export const ADAM_SCALARS = ["scale", "coupled", "beta1", "oneMinusBeta1", "beta2", "oneMinusBeta2", "shrink", "lr", "correction1", "correction2", "epsilon"] as const;

/**
 * `adam(grads, microBatches, stride, params, m, v, pairs, …ADAM_SCALARS)`: Adam's (and AdamW's) element loop of
 * docs/training.md §6 over `pairs` pairs of binary32 elements, two at a time in f64x2 lanes (each lane one
 * element: the same operations in the same order as one at a time; f64x2.div and f64x2.sqrt round as their scalar
 * forms). ĝ = fround(fround(Σ_b g_b)·scale) summed over the `microBatches` vectors `stride` bytes apart; g' = ĝ +
 * coupled·w; m ← fround(β₁·m + (1 − β₁)·g'); v ← fround(β₂·v + ((1 − β₂)·g')·g'); w ← fround(w·shrink −
 * (η·(m / c₁)) / (√(v / c₂) + ε)).
 */
function adamFunction(): string {
  const scalars = ADAM_SCALARS.map((name) => `(param $${name} f64)`).join(" ");
  const vectors = ADAM_SCALARS.map((name) => `(local $${name}2 v128)`).join(" ");
  const load = (address: string) => `(f64x2.promote_low_f32x4 (v128.load64_zero ${address}))`;
  const round = (value: string) => `(f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero ${value}))`;
  const store = (address: string, value: string) => `(i64.store ${address} (i64x2.extract_lane 0 (f32x4.demote_f64x2_zero ${value})))`;
  const scalar = (name: (typeof ADAM_SCALARS)[number]) => `(local.get $${name}2)`;
  return [
    `  (func (export "adam") (param $grads i32) (param $microBatches i32) (param $stride i32) (param $params i32) (param $m i32) (param $v i32) (param $pairs i32) ${scalars}`,
    `    (local $sum v128) (local $g v128) (local $w v128) (local $mi v128) (local $vi v128) (local $at i32) (local $b i32) ${vectors}`,
    ...ADAM_SCALARS.map((name) => `    (local.set $${name}2 (f64x2.splat (local.get $${name})))`),
    `    (block $done (loop $pair`,
    `      (br_if $done (i32.eqz (local.get $pairs)))`,
    `      (local.set $sum ${load("(local.get $grads)")})`,
    `      (local.set $at (i32.add (local.get $grads) (local.get $stride)))`,
    `      (local.set $b (i32.const 1))`,
    `      (block $summed (loop $add`,
    `        (br_if $summed (i32.ge_u (local.get $b) (local.get $microBatches)))`,
    `        (local.set $sum (f64x2.add (local.get $sum) ${load("(local.get $at)")}))`,
    `        (local.set $at (i32.add (local.get $at) (local.get $stride)))`,
    `        (local.set $b (i32.add (local.get $b) (i32.const 1)))`,
    `        (br $add)))`,
    `      (local.set $w ${load("(local.get $params)")})`,
    `      (local.set $g (f64x2.add ${round(`(f64x2.mul ${round("(local.get $sum)")} ${scalar("scale")})`)} (f64x2.mul ${scalar("coupled")} (local.get $w))))`,
    `      (local.set $mi ${round(`(f64x2.add (f64x2.mul ${scalar("beta1")} ${load("(local.get $m)")}) (f64x2.mul ${scalar("oneMinusBeta1")} (local.get $g)))`)})`,
    `      (local.set $vi ${round(`(f64x2.add (f64x2.mul ${scalar("beta2")} ${load("(local.get $v)")}) (f64x2.mul (f64x2.mul ${scalar("oneMinusBeta2")} (local.get $g)) (local.get $g)))`)})`,
    `      ${store("(local.get $m)", "(local.get $mi)")}`,
    `      ${store("(local.get $v)", "(local.get $vi)")}`,
    `      ${store("(local.get $params)", `(f64x2.sub (f64x2.mul (local.get $w) ${scalar("shrink")}) (f64x2.div (f64x2.mul ${scalar("lr")} (f64x2.div (local.get $mi) ${scalar("correction1")})) (f64x2.add (f64x2.sqrt (f64x2.div (local.get $vi) ${scalar("correction2")})) ${scalar("epsilon")})))`)}`,
    ...["grads", "params", "m", "v"].map((name) => `      (local.set $${name} (i32.add (local.get $${name}) (i32.const 8)))`),
    `      (local.set $pairs (i32.sub (local.get $pairs) (i32.const 1)))`,
    `      (br $pair)))`,
    `  )`,
  ].join("\n");
}

/** A binary64 constant in both lanes, by its bits (no decimal round trip). */
function f64x2Const(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const hex = `0x${view.getBigUint64(0).toString(16).padStart(16, "0")}`;
  return `(v128.const i64x2 ${hex} ${hex})`;
}

/**
 * Gelu's f64x2 vectors per loop, their series interleaved so that their divisions overlap: the transformer template
 * trained at 140 images/s with one, 202 with 2 and 218 with 4 (one thread, x86-64).
 */
const GELU_VECTORS = 4;

/**
 * Exact GELU (approximate "none") of docs/training.md §4 over binary32 arrays, two elements per f64x2 lane pair,
 * with `$exp` and `$erf` the f64x2 forms of deterministicMath.ts's `expF64` and `erfF64`, operation for operation
 * (the same bits: each lane one element; a lane whose series has converged keeps its sum while the other runs on):
 * - `gelu(x, y, count)`: y = fround((0.5·x)·(1 + erf(x·√½)));
 * - `geluGradient(x, dy, dx, count)`: dx = fround(dy·((0.5·(1 + erf(x·√½))) + x·((1/√(2π))·exp(−((x·x)·0.5))))).
 * `count` is rounded up to a multiple of 2·GELU_VECTORS (matMul.ts's GELU_BLOCK): the caller's arrays have room for it.
 */
function geluFunctions(): string {
  const c = f64x2Const;
  const horner = [1 / 479001600, 1 / 39916800, 1 / 3628800, 1 / 362880, 1 / 40320, 1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1];
  const exp = [
    `  (func $exp (param $x v128) (result v128) (local $k v128) (local $r v128) (local $p v128)`,
    `    (local.set $k (f64x2.floor (f64x2.add (f64x2.mul (local.get $x) ${c(1.4426950408889634)}) ${c(0.5)})))`,
    `    (local.set $r (f64x2.sub (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) ${c(0.6931471803691238)})) (f64x2.mul (local.get $k) ${c(1.9082149292705877e-10)})))`,
    `    (local.set $p ${c(horner[0]!)})`,
    ...horner.slice(1).map((coefficient) => `    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) ${c(coefficient)}))`),
    // p·2^k, 2^k from its exponent bits; lanes over 89, under −104 or NaN are replaced after.
    `    (local.set $p (f64x2.mul (local.get $p) (i64x2.shl (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k))) (v128.const i64x2 1023 1023)) (i32.const 52))))`,
    `    (local.set $p (v128.bitselect ${c(Number.POSITIVE_INFINITY)} (local.get $p) (f64x2.gt (local.get $x) ${c(89)})))`,
    `    (local.set $p (v128.bitselect ${c(0)} (local.get $p) (f64x2.lt (local.get $x) ${c(-104)})))`,
    `    (v128.bitselect ${c(Number.NaN)} (local.get $p) (f64x2.ne (local.get $x) (local.get $x)))`,
    `  )`,
  ];
  /** Lines setting `$erf{v}` to erf(`$arg{v}`) for each v, the series of all of them in one loop (their divisions overlap). */
  const erf = (vs: number[]) => {
    const each = (line: (v: number) => string) => vs.map(line);
    return [
      ...each((v) => `(local.set $a${v} (v128.bitselect (f64x2.neg (local.get $arg${v})) (local.get $arg${v}) (f64x2.lt (local.get $arg${v}) ${c(0)})))`),
      ...each((v) => `(local.set $square${v} (f64x2.mul (local.get $a${v}) (local.get $a${v})))`),
      ...each((v) => `(local.set $q${v} (f64x2.mul ${c(2)} (local.get $square${v})))`),
      ...each((v) => `(local.set $term${v} (local.get $a${v}))`),
      ...each((v) => `(local.set $sum${v} (local.get $a${v}))`),
      ...each((v) => `(local.set $active${v} (f64x2.lt (local.get $a${v}) ${c(6)}))`),
      `(local.set $d ${c(3)})`,
      `(block $converged (loop $series`,
      `  (br_if $converged (i32.eqz (v128.any_true ${vs.slice(1).reduce((or, v) => `(v128.or ${or} (local.get $active${v}))`, `(local.get $active${vs[0]})`)})))`,
      ...each((v) => `  (local.set $term${v} (f64x2.div (f64x2.mul (local.get $term${v}) (local.get $q${v})) (local.get $d)))`),
      ...each((v) => `  (local.set $next${v} (f64x2.add (local.get $sum${v}) (local.get $term${v})))`),
      ...each((v) => `  (local.set $active${v} (v128.andnot (local.get $active${v}) (f64x2.eq (local.get $next${v}) (local.get $sum${v}))))`),
      ...each((v) => `  (local.set $sum${v} (v128.bitselect (local.get $next${v}) (local.get $sum${v}) (local.get $active${v})))`),
      `  (local.set $d (f64x2.add (local.get $d) ${c(2)}))`,
      `  (br $series)))`,
      ...each((v) => `(local.set $erf${v} (f64x2.mul (f64x2.mul ${c(1.1283791670955126)} (call $exp (f64x2.neg (local.get $square${v})))) (local.get $sum${v})))`),
      ...each((v) => `(local.set $erf${v} (v128.bitselect (local.get $erf${v}) ${c(1)} (v128.and (f64x2.lt (local.get $a${v}) ${c(6)}) (f64x2.lt (local.get $erf${v}) ${c(1)}))))`),
      ...each((v) => `(local.set $erf${v} (v128.bitselect (f64x2.neg (local.get $erf${v})) (local.get $erf${v}) (f64x2.lt (local.get $arg${v}) ${c(0)})))`),
      ...each((v) => `(local.set $erf${v} (v128.bitselect (local.get $arg${v}) (local.get $erf${v}) (f64x2.ne (local.get $arg${v}) (local.get $arg${v}))))`),
    ];
  };
  const vectors = Array.from({ length: GELU_VECTORS }, (_, v) => v);
  const load = (pointer: string, v: number) => `(f64x2.promote_low_f32x4 (v128.load64_zero offset=${8 * v} (local.get ${pointer})))`;
  const store = (pointer: string, v: number, value: string) => `(i64.store offset=${8 * v} (local.get ${pointer}) (i64x2.extract_lane 0 (f32x4.demote_f64x2_zero ${value})))`;
  const loop = (pointers: string[], body: string[]) => [
    `    (block $done (loop $elements`,
    `      (br_if $done (i32.le_s (local.get $count) (i32.const 0)))`,
    ...body.map((line) => `      ${line}`),
    ...pointers.map((pointer) => `      (local.set ${pointer} (i32.add (local.get ${pointer}) (i32.const ${8 * GELU_VECTORS})))`),
    `      (local.set $count (i32.sub (local.get $count) (i32.const ${2 * GELU_VECTORS})))`,
    `      (br $elements)))`,
  ];
  const locals = [
    "(local $d v128)",
    ...vectors.flatMap((v) => ["x", "arg", "a", "square", "q", "term", "sum", "next", "active", "erf"].map((name) => `(local $${name}${v} v128)`)),
  ].join(" ");
  const half = (v: number) => `(f64x2.mul ${c(0.5)} (f64x2.add ${c(1)} (local.get $erf${v})))`;
  const prologue = [
    ...vectors.map((v) => `(local.set $x${v} ${load("$x", v)})`),
    ...vectors.map((v) => `(local.set $arg${v} (f64x2.mul (local.get $x${v}) ${c(0.7071067811865476)}))`),
    ...erf(vectors),
  ];
  const forward = [
    `  (func (export "gelu") (param $x i32) (param $y i32) (param $count i32) ${locals}`,
    ...loop(["$x", "$y"], [
      ...prologue,
      ...vectors.map((v) => store("$y", v, `(f64x2.mul (f64x2.mul ${c(0.5)} (local.get $x${v})) (f64x2.add ${c(1)} (local.get $erf${v})))`)),
    ]),
    `  )`,
  ];
  const backward = [
    `  (func (export "geluGradient") (param $x i32) (param $dy i32) (param $dx i32) (param $count i32) ${locals}`,
    ...loop(["$x", "$dy", "$dx"], [
      ...prologue,
      ...vectors.map((v) => store("$dx", v, `(f64x2.mul ${load("$dy", v)} (f64x2.add ${half(v)} (f64x2.mul (local.get $x${v}) (f64x2.mul ${c(0.3989422804014327)} (call $exp (f64x2.neg (f64x2.mul (f64x2.mul (local.get $x${v}) (local.get $x${v})) ${c(0.5)})))))))`)),
    ]),
    `  )`,
  ];
  return [...exp, ...forward, ...backward].join("\n");
}

/** The complete WAT module text. */
export function matMulKernelWat(): string {
  return [
    `;; Generated by scripts/buildMatMulKernel.ts — do not edit.`,
    `;; Training matrix product C = A·B: binary64 operands (binary32 values, promoted exactly), binary64 f64x2 lanes, fixed summation order, binary32 out.`,
    `(module`,
    `  (memory (export "memory") 1)`,
    ...TILE_ROW_COUNTS.flatMap((rows) => [rowsFunction(rows, "adjacent"), rowsFunction(rows, "strided")]),
    matMulFunction(),
    convolutionFunctions(),
    elementwiseFunctions(),
    adamFunction(),
    geluFunctions(),
    `)`,
    ``,
  ].join("\n");
}

/** Compiles {@link matMulKernelWat} with wabt; the binary is deterministic for a given wabt version. */
export async function matMulKernelWasm(): Promise<Uint8Array> {
  const compiler = await wabt();
  const module = compiler.parseWat("matMulKernel.wat", matMulKernelWat(), { simd: true, relaxed_simd: true });
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

const WAT_PATH = new URL("../keepers/src/training/matMulKernel.wat", import.meta.url);
const WASM_PATH = new URL("../keepers/src/training/matMulKernel.wasm", import.meta.url);

if (import.meta.main) {
  const { check } = new Command()
    .description("Generate and compile the training engine's WebAssembly SIMD kernel")
    .option("--check", "fail if the committed .wat/.wasm differ from a fresh build")
    .parse()
    .opts<{ check?: boolean }>();
  const wat = matMulKernelWat();
  const wasm = await matMulKernelWasm();
  if (check) {
    const same = readFileSync(WAT_PATH, "utf8") === wat && Buffer.from(wasm).equals(readFileSync(WASM_PATH));
    console.log(same ? "matMulKernel.wat and matMulKernel.wasm are up to date" : "the kernel files differ from a fresh build");
    process.exitCode = same ? 0 : 1;
  } else {
    writeFileSync(WAT_PATH, wat);
    writeFileSync(WASM_PATH, wasm);
    console.log(`wrote matMulKernel.wat and matMulKernel.wasm (${wasm.length} bytes)`);
  }
}
