// Kernel function ids: the numbers the host passes to rangeKernel, in the order of the
// RangeFunction union of shared/storage/interface.ts (core-wasm/host/kernels.ts lists the same
// names in the same order), and how many samples a window needs for each to have a value.

@inline export const FN_RATE: i32 = 0;
@inline export const FN_INCREASE: i32 = 1;
@inline export const FN_DELTA: i32 = 2;
@inline export const FN_IRATE: i32 = 3;
@inline export const FN_IDELTA: i32 = 4;
@inline export const FN_RESETS: i32 = 5;
@inline export const FN_CHANGES: i32 = 6;
@inline export const FN_DERIV: i32 = 7;
@inline export const FN_PREDICT_LINEAR: i32 = 8;
@inline export const FN_AVG: i32 = 9;
@inline export const FN_MIN: i32 = 10;
@inline export const FN_MAX: i32 = 11;
@inline export const FN_SUM: i32 = 12;
@inline export const FN_COUNT: i32 = 13;
@inline export const FN_QUANTILE: i32 = 14;
@inline export const FN_STDDEV: i32 = 15;
@inline export const FN_STDVAR: i32 = 16;
@inline export const FN_LAST: i32 = 17;
@inline export const FN_FIRST: i32 = 18;
@inline export const FN_PRESENT: i32 = 19;
@inline export const FN_MAD: i32 = 20;
@inline export const FN_TS_OF_MIN: i32 = 21;
@inline export const FN_TS_OF_MAX: i32 = 22;
@inline export const FN_TS_OF_LAST: i32 = 23;
@inline export const FN_TS_OF_FIRST: i32 = 24;
@inline export const FN_DOUBLE_EXPONENTIAL_SMOOTHING: i32 = 25;
@inline export const FN_COUNT_OF_FUNCTIONS: i32 = 26;

/** minSamples: how many samples a window needs for fn to have a value there. */
export function minSamples(fn: i32): u32 {
  switch (fn) {
    case FN_RATE:
    case FN_INCREASE:
    case FN_DELTA:
    case FN_IRATE:
    case FN_IDELTA:
    case FN_DERIV:
    case FN_PREDICT_LINEAR:
    case FN_DOUBLE_EXPONENTIAL_SMOOTHING:
      return 2;
    default:
      return 1;
  }
}

/** paramCount: how many per-step parameter columns fn takes. */
export function paramCount(fn: i32): u32 {
  switch (fn) {
    case FN_QUANTILE:
    case FN_PREDICT_LINEAR:
      return 1;
    case FN_DOUBLE_EXPONENTIAL_SMOOTHING:
      return 2;
    default:
      return 0;
  }
}
