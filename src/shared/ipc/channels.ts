/**
 * Channel names of the one RPC contract, without their schemas, so the sandboxed preload can expose one
 * function per operation without bundling zod. contract.ts checks that both lists agree.
 */
export const requestChannels = [
  'app:info.get',
  'app:openExternal',
  'project:list',
  'project:open',
  'project:save',
  'project:recent',
  'project:autosave',
  'project:recovery.list',
  'project:recovery.open',
  'project:recovery.discard',
  'generate:readLast',
  'generate:write',
  'check:start',
  'check:last',
  'deploy:plan',
  'deploy:start',
  'deploy:history',
  'deploy:historyEntry',
  'deploy:disks',
  'deploy:install',
  'verify:start',
  'verify:history',
  'verify:historyEntry',
  'verify:last',
  'measure:start',
  'measure:history',
  'measure:historyEntry',
  'measure:last',
  'assistant:settings.get',
  'assistant:settings.set',
  'assistant:models.list',
  'assistant:preview',
  'assistant:ask',
  'assistant:conversations.load',
  'assistant:conversations.save',
  'job:cancel',
  'job:answer',
  'job:list',
  'ssh:keys.list',
] as const;

/** Names of main -> renderer events. */
export const eventChannels = ['app:onDidNotify', 'job:onDidProgress', 'job:onDidPrompt'] as const;

/** A request channel name. */
export type RequestChannel = (typeof requestChannels)[number];

/** An event channel name. */
export type EventChannel = (typeof eventChannels)[number];

/** Whether a string names a request channel of the contract. */
export function isRequestChannel(name: string): name is RequestChannel {
  return (requestChannels as readonly string[]).includes(name);
}

/** Whether a string names an event channel of the contract. */
export function isEventChannel(name: string): name is EventChannel {
  return (eventChannels as readonly string[]).includes(name);
}

/**
 * The name of the operation as exposed on window.api: 'app:info.get' -> ['app', 'infoGet'].
 * One function per operation, grouped by namespace.
 */
export function apiPathOf(channel: RequestChannel | EventChannel): [string, string] {
  const [namespace, rest] = channel.split(':') as [string, string];
  const name = rest.replace(/\.([a-z])/g, (_m, c: string) => c.toUpperCase());
  return [namespace, name];
}
