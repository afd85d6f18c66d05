/**
 * KernelSpec: one selector's kernel call, as data: what a query thread and a query worker both
 * run over a batch of loaded samples (applyKernel). A vector selector runs `instant`; a range
 * function runs `range` with its scalar parameters, one column of `grid.steps` values each.
 */
import type { MatrixSlot, RangeFunction, SampleBatch, StepGrid } from '../../storage/interface.ts';

export type KernelSpec =
  | { readonly kind: 'instant'; readonly grid: StepGrid; readonly lookbackMs: number; readonly timestamps: boolean }
  | { readonly kind: 'range'; readonly fn: RangeFunction; readonly grid: StepGrid; readonly rangeMs: number; readonly params: readonly Float64Array[] };

/** applyKernel runs `spec` over `batch` into rows [row, row + batch.seriesCount) of `into`. */
export function applyKernel(batch: SampleBatch, spec: KernelSpec, into: MatrixSlot): void {
  if (spec.kind === 'instant') batch.kernels.instant(spec.grid, spec.lookbackMs, into);
  else batch.kernels.range(spec.fn, spec.grid, spec.rangeMs, spec.params, into);
}
