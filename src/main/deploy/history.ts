import type { AppError } from '../../shared/errors';
import { deployPlanSchema, type DeployPlan } from '../../shared/deploy/plan';
import { countByStatus, deployReportSchema, type DeployHistoryEntry, type DeployReport } from '../../shared/deploy/report';
import { ok, type Result } from '../../shared/result';
import type { ConfinedFolder } from '../fs/confinedFolder';

// Every deploy kept next to the design, in `<name>.deploys/<run id>/`: plan.json (what was planned, with the checksums
// of the flake that was deployed), result.json (what happened on each machine, and why) and logs/<machine>.log.
// Written through the workspace's ConfinedFolder like every file of the app.

const decoder = new TextDecoder();

/** The history folder of a design ("home.clan-design.json" -> "home.deploys"). */
export function historyFolderOf(stem: string): string {
  return `${stem}.deploys`;
}

/** A run id that sorts by time and is safe as a folder name: 2026-12-07t03-04-05-123z-ab12cd. */
export function newRunId(now: number, random: string): string {
  return `${new Date(now).toISOString().toLowerCase().replace(/[:.]/g, '-')}-${random}`;
}

/** A machine's log file name: its Clan name (letters, digits, '-') or, failing that, its id. */
function logFileOf(name: string, machineId: string): string {
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(name) ? `${name}.log` : `${machineId.replace(/[^A-Za-z0-9_-]/g, '_')}.log`;
}

/** One deploy's files, written as the deploy goes. */
export class DeployHistoryWriter {
  private readonly logs = new Map<string, string[]>();
  private readonly names = new Map<string, string>();
  private readonly folder: string;

  constructor(
    private readonly workspace: ConfinedFolder,
    stem: string,
    readonly runId: string,
    /** Lines kept per machine; a long build log keeps its end. */
    private readonly maxLines = 20_000,
  ) {
    this.folder = `${historyFolderOf(stem)}/${runId}`;
  }

  async writePlan(plan: DeployPlan, flakeFiles: Readonly<Record<string, string>>): Promise<Result<void, AppError>> {
    for (const m of [...plan.afterVpn, ...plan.waves.flatMap((w) => w.machines), ...plan.notDeployable]) this.names.set(m.machineId, m.name);
    return this.workspace.writeFile(`${this.folder}/plan.json`, `${JSON.stringify({ ...plan, flakeFiles }, null, 2)}\n`);
  }

  log(machineId: string | null, line: string): void {
    const key = machineId ?? '';
    const lines = this.logs.get(key) ?? [];
    lines.push(`${new Date().toISOString()} ${line}`);
    if (lines.length > this.maxLines) lines.splice(0, lines.length - this.maxLines);
    this.logs.set(key, lines);
  }

  /** Writes the report and every machine's log; the first failure is returned, the rest still tried. */
  async writeResult(report: DeployReport): Promise<Result<void, AppError>> {
    let first: Result<void, AppError> = ok(undefined);
    const keep = (written: Result<void, AppError>) => {
      if (!written.ok && first.ok) first = written;
    };
    keep(await this.workspace.writeFile(`${this.folder}/result.json`, `${JSON.stringify(report, null, 2)}\n`));
    for (const [machineId, lines] of this.logs) {
      const file = machineId === '' ? 'deploy.log' : logFileOf(this.names.get(machineId) ?? machineId, machineId);
      keep(await this.workspace.writeFile(`${this.folder}/logs/${file}`, `${lines.join('\n')}\n`));
    }
    return first;
  }
}

async function readJson(workspace: ConfinedFolder, path: string): Promise<unknown> {
  const read = await workspace.readFile(path, { maxBytes: 64 * 1024 * 1024 });
  if (!read.ok || read.value === undefined) return undefined;
  try {
    return JSON.parse(decoder.decode(read.value.bytes));
  } catch {
    return undefined;
  }
}

/** The deploys of a design, newest first; entries that cannot be read are left out. */
export async function listDeployHistory(workspace: ConfinedFolder, stem: string): Promise<Result<DeployHistoryEntry[], AppError>> {
  const runs = await workspace.list(historyFolderOf(stem));
  if (!runs.ok) return runs;
  const entries: DeployHistoryEntry[] = [];
  for (const runId of runs.value.filter((r) => /^[0-9a-z-]{1,80}$/.test(r)).sort().reverse()) {
    const report = deployReportSchema.safeParse(await readJson(workspace, `${historyFolderOf(stem)}/${runId}/result.json`));
    if (!report.success) continue;
    const planJson = (await readJson(workspace, `${historyFolderOf(stem)}/${runId}/plan.json`)) as { flakeFiles?: unknown } | undefined;
    const flakeFiles: Record<string, string> = {};
    if (typeof planJson?.flakeFiles === 'object' && planJson.flakeFiles !== null) {
      for (const [path, sha] of Object.entries(planJson.flakeFiles)) if (typeof sha === 'string') flakeFiles[path] = sha;
    }
    const r = report.data;
    entries.push({ runId, startedAt: r.startedAt, finishedAt: r.finishedAt, outcome: r.outcome, way: r.way, counts: countByStatus(r), flakeFiles });
  }
  return ok(entries);
}

/** One deploy: its plan, report and logs (by machine name, and "deploy" for the run's own). */
export async function readDeployHistoryEntry(workspace: ConfinedFolder, stem: string, runId: string): Promise<Result<{ plan: DeployPlan | null; report: DeployReport | null; logs: Record<string, string> }, AppError>> {
  const base = `${historyFolderOf(stem)}/${runId}`;
  const plan = deployPlanSchema.safeParse(await readJson(workspace, `${base}/plan.json`));
  const report = deployReportSchema.safeParse(await readJson(workspace, `${base}/result.json`));
  const logs: Record<string, string> = {};
  const names = await workspace.list(`${base}/logs`);
  if (names.ok) {
    for (const name of names.value.filter((n) => n.endsWith('.log'))) {
      const read = await workspace.readFile(`${base}/logs/${name}`, { maxBytes: 16 * 1024 * 1024 });
      if (read.ok && read.value !== undefined) logs[name.slice(0, -'.log'.length)] = decoder.decode(read.value.bytes);
    }
  }
  return ok({ plan: plan.success ? plan.data : null, report: report.success ? report.data : null, logs });
}
