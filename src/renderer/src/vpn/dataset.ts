import datasetJson from '../../../../resources/bench/vpn-bench.json';
import { loadDataset } from '../../../shared/bench/load';
import type { BenchDataset } from '../../../shared/bench/schema';

// The benchmark dataset ships inside the app (numbers only, about 175 KB), so the Choose VPN area works
// offline and the same in the desktop app and in serve mode. It is validated once, like any input.
const loaded = loadDataset(datasetJson);

/** The validated dataset, or undefined when the bundled file is damaged (the area then says so). */
export const dataset: BenchDataset | undefined = loaded.ok ? loaded.value : undefined;

/** Why the dataset could not be used, for the error message. */
export const datasetError: string | undefined = loaded.ok ? undefined : loaded.error.code;
