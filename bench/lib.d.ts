// Types of bench/lib.js, for the benchmarks written in TypeScript (bench/cross-engine.spec.ts).
export function percentile(values: readonly number[], p: number): number | undefined;
export function median(values: readonly number[]): number | undefined;
export function numberArg(name: string, fallback: number): number;
