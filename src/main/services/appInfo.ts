import pkg from '../../../package.json';
import type { AppInfo } from '../../shared/ipc/contract';

/** The app's name and version, read from package.json at build time. */
export const appVersion: string = pkg.version;
/** The product name shown to people. */
export const productName: string = pkg.productName;

/** Reports what the back end is and where it runs. */
export class AppInfoService {
  constructor(private readonly mode: AppInfo['mode']) {}

  getInfo(): AppInfo {
    const runtimes: Record<string, string> = { node: process.versions.node };
    if (process.versions.electron !== undefined) runtimes.electron = process.versions.electron;
    if (process.versions.chrome !== undefined) runtimes.chrome = process.versions.chrome;
    return { name: productName, version: appVersion, mode: this.mode, platform: process.platform, runtimes };
  }
}
