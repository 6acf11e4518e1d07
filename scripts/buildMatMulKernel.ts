/**
 * Writes the WebAssembly SIMD matrix-product kernel of the training engine: generates
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

/** binary64 vector (x, x) of the binary32 at `address` (exact conversion). */
const splatF32 = (address: string) => `(f64x2.splat (f64.promote_f32 (f32.load ${address})))`;

/**
 * binary64 vector of B elements (k, j) and (k, j + 1) at `address` and `address + lane`.
 * Adjacent columns are one 8-byte load whose two binary32 lanes convert exactly with
 * promote_low; strided columns are two scalar loads.
 */
function bVector(load: BLoad, address: string, lane: string): string {
  if (load === "adjacent") return `(f64x2.promote_low_f32x4 (v128.load64_zero ${address}))`;
  return `(f64x2.replace_lane 1 ${splatF32(address)} (f64.promote_f32 (f32.load (i32.add ${address} ${lane}))))`;
}

/**
 * One tile: `rows` rows × `vectors` column pairs of C starting at $a/$b/$c, every element its own
 * lane summed in increasing k, products and sums in binary64 (f64x2.mul then f64x2.add: two
 * roundings, never a fused multiply-add), rounded once to binary32 when stored. With `single`,
 * only column j is computed: lane 1 reads column j again ($lane = 0) and only lane 0 is stored.
 */
function tile(rows: number, vectors: number, load: BLoad, single: boolean): string[] {
  const accumulators = range(rows).flatMap((r) => range(vectors).map((v) => `$acc${r}_${v}`));
  const lines: string[] = [];
  for (const acc of accumulators) lines.push(`(local.set ${acc} (v128.const f64x2 0 0))`);
  lines.push(`(local.set $ia (local.get $a))`, `(local.set $ib (local.get $b))`, `(local.set $t (local.get $k))`);
  lines.push(`(block $empty (br_if $empty (i32.eqz (local.get $t))) (loop $inner`);
  for (const r of range(rows)) {
    const address = r === 0 ? `(local.get $ia)` : `(i32.add (local.get $ia) (local.get $aRow${r}))`;
    lines.push(`  (local.set $a${r} ${splatF32(address)})`);
  }
  for (const v of range(vectors)) {
    // Vector v holds columns j + 2v and j + 2v + 1: 8 bytes further when adjacent, 2·bJ when strided.
    const offset = load === "adjacent" ? `(i32.add (local.get $ib) (i32.const ${8 * v}))` : v === 0 ? `(local.get $ib)` : `(i32.add (local.get $ib) (local.get $bCol2))`;
    lines.push(`  (local.set $b${v} ${bVector(load, offset, "(local.get $lane)")})`);
  }
  for (const r of range(rows)) {
    for (const v of range(vectors)) {
      lines.push(`  (local.set $acc${r}_${v} (f64x2.add (local.get $acc${r}_${v}) (f64x2.mul (local.get $a${r}) (local.get $b${v}))))`);
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
 * Internal function `$rows{R}{Adjacent|Strided}`: rows [i, i + R) of C for every column, tiles of
 * 4 columns, then 2, then a last single column when n is odd.
 */
function rowsFunction(rows: number, load: BLoad): string {
  const name = `$rows${rows}${load === "adjacent" ? "Adjacent" : "Strided"}`;
  const accumulators = range(rows).flatMap((r) => range(2).map((v) => `(local $acc${r}_${v} v128)`));
  const body: string[] = [];
  body.push(`(local.set $lane (local.get $bCol))`);
  body.push(`(local.set $bCol2 (i32.shl (local.get $bCol) (i32.const 1)))`);
  body.push(`(local.set $bCol4 (i32.shl (local.get $bCol) (i32.const 2)))`);
  for (const r of range(rows).slice(1)) body.push(`(local.set $aRow${r} (i32.mul (local.get $aRow) (i32.const ${r})))`);
  body.push(`(local.set $j (local.get $n))`);
  body.push(`(block $wideDone (loop $wide`);
  body.push(`  (br_if $wideDone (i32.lt_u (local.get $j) (i32.const 4)))`);
  body.push(...tile(rows, 2, load, false).map((line) => `  ${line}`));
  body.push(`  (local.set $b (i32.add (local.get $b) (local.get $bCol4)))`);
  body.push(`  (local.set $c (i32.add (local.get $c) (i32.const 16)))`);
  body.push(`  (local.set $j (i32.sub (local.get $j) (i32.const 4)))`);
  body.push(`  (br $wide)))`);
  body.push(`(if (i32.ge_u (local.get $j) (i32.const 2)) (then`);
  body.push(...tile(rows, 1, load, false).map((line) => `  ${line}`));
  body.push(`  (local.set $b (i32.add (local.get $b) (local.get $bCol2)))`);
  body.push(`  (local.set $c (i32.add (local.get $c) (i32.const 8)))`);
  body.push(`  (local.set $j (i32.sub (local.get $j) (i32.const 2)))))`);
  body.push(`(if (local.get $j) (then`);
  body.push(`  (local.set $lane (i32.const 0))`);
  body.push(...tile(rows, 1, "strided", true).map((line) => `  ${line}`));
  body.push(`))`);
  return [
    `  (func ${name} (param $a i32) (param $aRow i32) (param $aInner i32) (param $b i32) (param $bInner i32) (param $bCol i32) (param $c i32) (param $cRow i32) (param $n i32) (param $k i32)`,
    `    (local $ia i32) (local $ib i32) (local $t i32) (local $j i32) (local $lane i32) (local $bCol2 i32) (local $bCol4 i32) ${range(rows).slice(1).map((r) => `(local $aRow${r} i32)`).join(" ")}`,
    `    ${range(rows).map((r) => `(local $a${r} v128)`).join(" ")} (local $b0 v128) (local $b1 v128) ${accumulators.join(" ")}`,
    ...body.map((line) => `    ${line}`),
    `  )`,
  ].join("\n");
}

/**
 * Exported `matMul(a, aRow, aInner, b, bInner, bCol, c, m, n, k)`: C = A·B with byte addresses and
 * byte strides, C dense row-major. Rows go in tiles of 4, then 2, then 1; adjacent B columns
 * (bCol = 4) take the 8-byte-load tiles.
 */
function matMulFunction(): string {
  const call = (rows: number, load: BLoad) =>
    `(call $rows${rows}${load === "adjacent" ? "Adjacent" : "Strided"} (local.get $a) (local.get $aRow) (local.get $aInner) (local.get $b) (local.get $bInner) (local.get $bCol) (local.get $c) (local.get $cRow) (local.get $n) (local.get $k))`;
  const lines: string[] = [];
  lines.push(`  (func (export "matMul") (param $a i32) (param $aRow i32) (param $aInner i32) (param $b i32) (param $bInner i32) (param $bCol i32) (param $c i32) (param $m i32) (param $n i32) (param $k i32)`);
  lines.push(`    (local $cRow i32) (local $adjacent i32)`);
  lines.push(`    (local.set $cRow (i32.shl (local.get $n) (i32.const 2)))`);
  lines.push(`    (local.set $adjacent (i32.eq (local.get $bCol) (i32.const 4)))`);
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

/** The complete WAT module text. */
export function matMulKernelWat(): string {
  return [
    `;; Generated by scripts/buildMatMulKernel.ts — do not edit.`,
    `;; Training matrix product C = A·B: binary32 in and out, binary64 f64x2 lanes, fixed summation order.`,
    `(module`,
    `  (memory (export "memory") 1)`,
    ...TILE_ROW_COUNTS.flatMap((rows) => [rowsFunction(rows, "adjacent"), rowsFunction(rows, "strided")]),
    matMulFunction(),
    `)`,
    ``,
  ].join("\n");
}

/** Compiles {@link matMulKernelWat} with wabt; the binary is deterministic for a given wabt version. */
export async function matMulKernelWasm(): Promise<Uint8Array> {
  const compiler = await wabt();
  const module = compiler.parseWat("matMulKernel.wat", matMulKernelWat(), { simd: true });
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
    .description("Generate and compile the training engine's WebAssembly SIMD matrix-product kernel")
    .option("--check", "fail if the committed .wat/.wasm differ from a fresh build")
    .parse()
    .opts<{ check?: boolean }>();
  const wat = matMulKernelWat();
  const wasm = await matMulKernelWasm();
  if (check) {
    const same = readFileSync(WAT_PATH, "utf8") === wat && Buffer.from(wasm).equals(readFileSync(WASM_PATH));
    console.log(same ? "matMulKernel.wat and matMulKernel.wasm are up to date" : "matMul kernel files differ from a fresh build");
    process.exitCode = same ? 0 : 1;
  } else {
    writeFileSync(WAT_PATH, wat);
    writeFileSync(WASM_PATH, wasm);
    console.log(`wrote matMulKernel.wat and matMulKernel.wasm (${wasm.length} bytes)`);
  }
}
