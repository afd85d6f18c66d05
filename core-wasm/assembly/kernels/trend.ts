// Window functions that fit a trend: deriv and predict_linear (least squares with compensated
// sums, as Prometheus' linearRegression) and double_exponential_smoothing (Holt's linear
// method). Each takes the window [lo, hi) of the current series (kernels/columns.ts), at least
// two samples.
import { tAt, vAt, kahanInc, kahanC } from './columns';

/** regressionIntercept: the intercept the last linearRegression call left. */
export let regressionIntercept: f64 = 0;

/**
 * linearRegression: the least-squares slope (per second) of the window, and its intercept at
 * interceptTime (ms) in regressionIntercept. A constant window has slope 0 (NaN if it is ±Inf).
 */
export function linearRegression(lo: u32, hi: u32, interceptTime: f64): f64 {
  let n: f64 = 0;
  let sumX: f64 = 0, cX: f64 = 0;
  let sumY: f64 = 0, cY: f64 = 0;
  let sumXY: f64 = 0, cXY: f64 = 0;
  let sumX2: f64 = 0, cX2: f64 = 0;
  const initY = vAt(lo);
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = vAt(i);
    if (constY && i > lo && y != initY) constY = false;
    n += 1;
    const x = (tAt(i) - interceptTime) / 1e3;
    sumX = kahanInc(x, sumX, cX);
    cX = kahanC;
    sumY = kahanInc(y, sumY, cY);
    cY = kahanC;
    sumXY = kahanInc(x * y, sumXY, cXY);
    cXY = kahanC;
    sumX2 = kahanInc(x * x, sumX2, cX2);
    cX2 = kahanC;
  }
  if (constY) {
    if (initY > f64.MAX_VALUE || initY < -f64.MAX_VALUE) {
      regressionIntercept = NaN;
      return NaN;
    }
    regressionIntercept = initY;
    return 0;
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  regressionIntercept = sumY / n - (slope * sumX) / n;
  return slope;
}

/** doubleExponentialSmoothing: the last smoothed value with smoothing factor sf, trend factor tf. */
export function doubleExponentialSmoothing(lo: u32, hi: u32, sf: f64, tf: f64): f64 {
  let s0: f64 = 0;
  let s1 = vAt(lo);
  let b = vAt(lo + 1) - vAt(lo);
  for (let i = lo + 1; i < hi; i++) {
    const x = sf * vAt(i);
    // The trend at this point; at the first step it is the initial difference.
    if (i - 1 > lo) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}
