/**
 * Opacus's default RDP orders (`RDPAccountant.DEFAULT_ALPHAS`): 1 + x/10 for x = 1 … 99 (each the
 * binary64 of `1 + x / 10`, so 2, 3, …, 10 are exact integers), then the integers 12 … 63; 151 orders.
 *
 * @example
 * DEFAULT_RDP_ORDERS[0]; // 1.1
 */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, k) => 1 + (k + 1) / 10),
  ...Array.from({ length: 52 }, (_, k) => 12 + k),
]);
