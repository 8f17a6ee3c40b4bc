import { homedir } from 'node:os';
import type { AppError } from '../../shared/errors';
import type { SshKeyList } from '../../shared/ipc/contract';
import { ok, type Result } from '../../shared/result';
import { listKeyFiles } from '../ssh/keyFiles';

/** The person's SSH keys as "Check machines" offers them to pick: the private keys in ~/.ssh and the agent's state. */
export class SshKeysService {
  constructor(private readonly options: { homeDir?: string; env?: Record<string, string | undefined> } = {}) {}

  async list(): Promise<Result<SshKeyList, AppError>> {
    return ok(await listKeyFiles(this.options.homeDir ?? homedir(), this.options.env ?? process.env));
  }
}
