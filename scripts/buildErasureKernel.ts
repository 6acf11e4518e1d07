/**
 * Writes the WebAssembly SIMD kernel of the erasure codec: generates
 * `keepers/src/erasure/gfKernel.wat` and compiles it with wabt to `gfKernel.wasm`, both
 * committed. Running it again reproduces both files byte for byte (a test checks this).
 *
 *   node scripts/buildErasureKernel.ts            rewrite both files
 *   node scripts/buildErasureKernel.ts --check    exit 1 if the committed files differ
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import wabt from "wabt";

/** Output rows one call computes: 1..4 (more would spill the 16 x86 vector registers). */
const KERNEL_ROW_COUNTS = [1, 2, 3, 4] as const;

/** 16-byte vectors processed per loop iteration and per input row: 2 halves table reloads. */
const UNROLL = 2;

/** The integers from..to−1, or 0..from−1 when called with one argument. */
const range = (from: number, to?: number) =>
  to === undefined ? Array.from({ length: from }, (_, i) => i) : Array.from({ length: to - from }, (_, i) => from + i);

/**
 * One exported function `mulN` (or `xorMulN` when `xorFirstRow`) with parameters
 * `(tables, cols, inputs, outputs, stride, length)`: for every byte
 * position, output[r] = XOR over j of coefficient[r][j] · input[j], N rows at a time.
 * Input j lives at `inputs + j·stride`, output r at `outputs + r·stride`; `length` is a multiple
 * of 32. For each input j the N coefficients are 32-byte split-nibble tables laid out as
 * `tables + (j·N + r)·32`: 16 products of the low nibble, then 16 of the high nibble.
 * `xorMulN` treats row 0 as all-ones coefficients (its tables are skipped): parity row 0 of the
 * code is all ones, and a plain XOR saves two lookups per input vector.
 */
function multiplyFunction(rows: number, xorFirstRow: boolean): string {
  const accumulators = range(rows).flatMap((r) => range(UNROLL).map((u) => `$acc${r}_${u}`));
  const lines: string[] = [];
  lines.push(`  (func (export "${xorFirstRow ? "xorMul" : "mul"}${rows}") (param $tables i32) (param $cols i32) (param $inputs i32) (param $outputs i32) (param $stride i32) (param $length i32)`);
  lines.push(`    (local $pos i32) (local $j i32) (local $table i32) (local $input i32) (local $output i32)`);
  lines.push(`    (local $mask v128) (local $tableLo v128) (local $tableHi v128) ${range(UNROLL).map((u) => `(local $lo${u} v128) (local $hi${u} v128)`).join(" ")}`);
  lines.push(`    ${accumulators.map((a) => `(local ${a} v128)`).join(" ")}`);
  lines.push(`    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))`);
  lines.push(`    (loop $bytes`);
  for (const a of accumulators) lines.push(`      (local.set ${a} (v128.const i64x2 0 0))`);
  lines.push(`      (local.set $table (local.get $tables))`);
  lines.push(`      (local.set $input (i32.add (local.get $inputs) (local.get $pos)))`);
  lines.push(`      (local.set $j (local.get $cols))`);
  lines.push(`      (loop $columns`);
  for (const u of range(UNROLL)) {
    // One load feeds both nibbles. The high nibble is a 16-bit-lane shift then the low-nibble
    // mask: one psrlw + pand, where i8x16.shr_u has no x86 instruction and costs more.
    lines.push(`        (local.set $lo${u} (v128.load offset=${u * 16} (local.get $input)))`);
    if (xorFirstRow) lines.push(`        (local.set $acc0_${u} (v128.xor (local.get $acc0_${u}) (local.get $lo${u})))`);
    lines.push(`        (local.set $hi${u} (v128.and (i16x8.shr_u (local.get $lo${u}) (i32.const 4)) (local.get $mask)))`);
    lines.push(`        (local.set $lo${u} (v128.and (local.get $lo${u}) (local.get $mask)))`);
  }
  for (const r of range(xorFirstRow ? 1 : 0, rows)) {
    // Each table pair is loaded once and reused for all UNROLL vectors.
    lines.push(`        (local.set $tableLo (v128.load offset=${r * 32} (local.get $table)))`);
    lines.push(`        (local.set $tableHi (v128.load offset=${r * 32 + 16} (local.get $table)))`);
    for (const u of range(UNROLL)) {
      // relaxed_swizzle is plain pshufb: indices are masked to 0..15, where relaxed and strict
      // swizzle are defined to agree, so the result is deterministic on every engine.
      lines.push(`        (local.set $acc${r}_${u} (v128.xor (local.get $acc${r}_${u}) (v128.xor`);
      lines.push(`          (i8x16.relaxed_swizzle (local.get $tableLo) (local.get $lo${u}))`);
      lines.push(`          (i8x16.relaxed_swizzle (local.get $tableHi) (local.get $hi${u})))))`);
    }
  }
  lines.push(`        (local.set $table (i32.add (local.get $table) (i32.const ${rows * 32})))`);
  lines.push(`        (local.set $input (i32.add (local.get $input) (local.get $stride)))`);
  lines.push(`        (br_if $columns (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))`);
  lines.push(`      (local.set $output (i32.add (local.get $outputs) (local.get $pos)))`);
  for (const r of range(rows)) {
    for (const u of range(UNROLL)) {
      lines.push(`      (v128.store offset=${u * 16} (local.get $output) (local.get $acc${r}_${u}))`);
    }
    if (r + 1 < rows) lines.push(`      (local.set $output (i32.add (local.get $output) (local.get $stride)))`);
  }
  lines.push(`      (br_if $bytes (i32.lt_u (local.tee $pos (i32.add (local.get $pos) (i32.const ${UNROLL * 16}))) (local.get $length))))`);
  lines.push(`  )`);
  return lines.join("\n");
}

/** The complete WAT module text. */
export function kernelWat(): string {
  return [
    `;; Generated by scripts/buildErasureKernel.ts — do not edit.`,
    `;; GF(2^8) matrix × shards, split-nibble tables (ISA-L's pshufb technique) on WebAssembly SIMD.`,
    `(module`,
    `  (memory (export "memory") 1)`,
    ...KERNEL_ROW_COUNTS.map((rows) => multiplyFunction(rows, false)),
    ...KERNEL_ROW_COUNTS.map((rows) => multiplyFunction(rows, true)),
    `)`,
    ``,
  ].join("\n");
}

/** Compiles {@link kernelWat} with wabt; the binary is deterministic for a given wabt version. */
export async function kernelWasm(): Promise<Uint8Array> {
  const compiler = await wabt();
  const module = compiler.parseWat("gfKernel.wat", kernelWat(), { simd: true, relaxed_simd: true });
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

const WAT_PATH = new URL("../keepers/src/erasure/gfKernel.wat", import.meta.url);
const WASM_PATH = new URL("../keepers/src/erasure/gfKernel.wasm", import.meta.url);

if (import.meta.main) {
  const { check } = new Command()
    .description("Generate and compile the erasure codec's WebAssembly SIMD kernel")
    .option("--check", "fail if the committed .wat/.wasm differ from a fresh build")
    .parse()
    .opts<{ check?: boolean }>();
  const wat = kernelWat();
  const wasm = await kernelWasm();
  if (check) {
    const same = readFileSync(WAT_PATH, "utf8") === wat && Buffer.from(wasm).equals(readFileSync(WASM_PATH));
    console.log(same ? "gfKernel.wat and gfKernel.wasm are up to date" : "gf-kernel files differ from a fresh build");
    process.exitCode = same ? 0 : 1;
  } else {
    writeFileSync(WAT_PATH, wat);
    writeFileSync(WASM_PATH, wasm);
    console.log(`wrote gfKernel.wat and gfKernel.wasm (${wasm.length} bytes)`);
  }
}
