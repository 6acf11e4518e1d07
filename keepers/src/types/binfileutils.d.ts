/** Minimal types for @iden3/binfileutils (untyped JavaScript): the sectioned container of snarkjs's `.zkey` and `.wtns` files. */
declare module "@iden3/binfileutils" {
  export type BinFile = { close(): Promise<void> };
  /** Section id → its occurrences (position and size in bytes). */
  export type Sections = Record<number, { p: number; size: number }[] | undefined>;
  /** Opens a file (name or bytes) of the 4-letter `type`; rejects another type or a version above `maxVersion`. */
  export function readBinFile(source: string | Uint8Array, type: string, maxVersion: number): Promise<{ fd: BinFile; sections: Sections }>;
  export function readSection(fd: BinFile, sections: Sections, id: number): Promise<Uint8Array>;
}
