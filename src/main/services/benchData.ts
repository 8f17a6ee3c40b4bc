import { loadDataset } from '../../shared/bench/load';
import type { BenchDataset } from '../../shared/bench/schema';
import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';

// The benchmark dataset for main, which compares a measurement with it ("Measure my network"). The packaged app
// holds only the built bundles (electron-builder.json `files`), not resources/, so the file is bundled as the
// renderer bundles it: a JSON import, in a chunk of its own that loads the first time a measurement needs it.

let loaded: Promise<Result<BenchDataset, AppError>> | undefined;

/** The bundled dataset, validated once (loadDataset); benchDataUnusable when it is damaged. */
export function loadBundledDataset(): Promise<Result<BenchDataset, AppError>> {
  loaded ??= import('../../../resources/bench/vpn-bench.json').then(
    (module) => {
      const dataset = loadDataset(module.default);
      return dataset.ok ? ok(dataset.value) : err(appError('benchDataUnusable', { reason: dataset.error.code }));
    },
    (cause: Error) => err(appError('benchDataUnusable', { reason: cause.message })),
  );
  return loaded;
}
