import { z } from 'zod';
import { describeMeasureError, measureErrorCodes, type MeasureError } from './measure/errors';

/**
 * Every error code that can cross a process boundary. Main sends codes and details; the renderer and the CLI
 * turn each code into one sentence that says what happened, why, and what to do (see describeError).
 */
export const appErrorCodes = [
  /** The request did not match the contract's schema for its channel. */
  'invalidRequest',
  /** The channel is not part of the contract. */
  'unknownChannel',
  /** The IPC message came from a frame that is not the app's own main frame. */
  'untrustedSender',
  /** An URL handed to "open in browser" is not on the allowlist of documentation sites. */
  'externalUrlNotAllowed',
  /** A service failed in a way that was not expected; details carry the technical cause for the log. */
  'internalError',
  // Loading design files (shared/schema/load.ts): the four ways the load pipeline fails.
  /** The text is not JSON, not an object, has another `kind`, or no usable formatVersion; details.reason says which. */
  'notADesignFile',
  /** The file was written by a newer format version; refused, never stripped. details: fileVersion, supportedVersion. */
  'fileFromNewerVersion',
  /** A migration step threw while upgrading an older file. details: step, version, message. */
  'migrationFailed',
  /** The design could not be restored into a valid design, or a design to save is invalid. details: issues. */
  'invalidDesign',
  // Project files (main/services/projectFiles.ts).
  /** A design file name or autosave key from the renderer was refused. details: name, reason. */
  'invalidFileName',
  /** No design file with that name is in the workspace folder. details: name. */
  'fileNotFound',
  /**
   * A folder, link or device is where the app reads or writes a file; links are never followed and nothing there is
   * replaced. details: name (path inside the folder), kind ('link', 'folder', 'other', or 'file' where a folder is
   * needed), folder ('workspace', 'data' or 'output'), outside (a link that leads out of the folder), root (data folder).
   */
  'notARegularFile',
  /**
   * A path leads out of its folder, so nothing was read or written. details: name, folder, reason ('link' or
   * 'brokenLink': link names the folder on the way that is a link; 'absolute', 'dotSegment', 'empty',
   * 'controlCharacter', 'backslash': the path itself), root (data folder).
   */
  'pathOutsideFolder',
  /** The file is too big to be a design, so it was not read. details: name, size, limit (bytes). */
  'fileTooLarge',
  /** Save without overwrite found a file with that name. details: name. */
  'fileExists',
  /** The file on disk is not the revision the design was opened from. details: name. */
  'fileChangedOnDisk',
  /** Save would replace a file that does not load as a design; never done. details: name, reason (its load error code). */
  'wouldOverwriteUnreadableFile',
  /** The operating system refused a read or write. details: name, operation, errno (EACCES, ENOSPC, ...). */
  'fileAccessFailed',
  /** The design cannot be turned into a Clan configuration yet (details: reason and the generator's message). */
  'generateFailed',
  /** Writing the configuration would overwrite files changed by hand (details: folder, conflicts). */
  'generatedFilesChanged',
  /** There is no autosaved copy under that key (already recovered or discarded). details: key. */
  'recoveryNotFound',
  // SSH to machines (main/ssh/sshClient.ts). details always carry host and port; `via` names a jump host when one was used.
  /** No SSH connection could be made: details.reason is 'timeout' or the system's errno (ECONNREFUSED, EHOSTUNREACH, ...), timeoutMs. */
  'sshHostUnreachable',
  /** The machine refused every key offered for details.username. */
  'sshAuthFailed',
  /** The host key is not in known_hosts and strict checking is on. details: fingerprint, keyType. */
  'sshHostKeyUnknown',
  /** The person declined to trust a new host key. details: fingerprint, keyType. */
  'sshHostKeyRejected',
  /** The host presented a different key than known_hosts holds. details: fingerprint, knownFingerprint, keyType, knownHostsFile, line. */
  'sshHostKeyChanged',
  /** The host presented a key that known_hosts marks @revoked. details: fingerprint, knownHostsFile, line. */
  'sshHostKeyRevoked',
  /** A remote command ran longer than its limit and was stopped. details: program, timeoutMs. */
  'sshCommandTimeout',
  /** The connection dropped (or keepalives went unanswered) while a command ran. details: message. */
  'sshConnectionLost',
  /** The operation was cancelled before it finished; remote commands were stopped. */
  'sshCancelled',
  /** The SSH connection failed in another way (protocol or key error). details: message. */
  'sshFailed',
  /** known_hosts could not be read or written. details: path, errno. */
  'knownHostsAccessFailed',
  /** ~/.ssh/config (or a file it includes) could not be read or used. details: path, and errno, or line and reason. */
  'sshConfigInvalid',
  /** No key could be offered: no ssh-agent and no usable key file. details: host, port, username, agent ('notSet', 'disabled', 'missing'), agentSocket, keyFiles (looked for), problems. */
  'sshNoIdentity',
  /** The keys that could log in are protected by a passphrase that was not given. details: host, port, username, keyPaths, reason ('noPrompt', 'declined' or 'wrongPassphrase'). */
  'sshKeyPassphraseNeeded',
  // Uploads over SFTP (main/services/upload.ts).
  /** A file name or folder of an upload cannot be used. details: path, reason. */
  'uploadPathRefused',
  /** An SFTP step failed. details: host, port, path, operation (createFolder, write, rename, verify), message. */
  'uploadFailed',
  /** A file on the machine does not have the checksum of what was sent. details: host, port, path, expected, actual (missing when the file is not there). */
  'uploadChecksumMismatch',
  // Check machines (main/services/checkJobs.ts).
  /** Another check is still running; one runs at a time. details: jobId. */
  'checkAlreadyRunning',
  // Deploy (main/deploy).
  /** A command of the deploy ended with a non-zero status. details: host, program, what (the step in words), code, signal, output (its last lines). */
  'deployCommandFailed',
  /** After the switch the machine runs another system than the one deployed. details: host, expected, running. */
  'deployNotSwitched',
  /** Another deploy is running; one runs at a time. details: jobId. */
  'deployAlreadyRunning',
  /** The upload stopped because the machine's disk is full. details: host, port, path, freeKb, neededKb. */
  'deployDiskFull',
  /** The design must be saved before it can be deployed (its configuration and history live next to its file). */
  'deployNeedsSavedDesign',
  /** A deploy or an install was refused because a verify or a measurement runs, talking to the machines over the VPN. details: jobId, kind ('verify' or 'measure'), action ('deploy' or 'install'). */
  'deployBlockedByJob',
  // Installing NixOS on a machine that does not run it yet (main/services/installService.ts).
  /** Installing needs the clan CLI (and Nix) on this computer, and it is not there. details: machine. */
  'installNeedsClanCli',
  /** The confirmation did not name the machine and the disk exactly. details: machine, disk, mismatch ('missing', 'machine', 'disk', 'both'). */
  'installNotConfirmed',
  /** The disk is not a path the app hands to an install. details: disk. */
  'installDiskInvalid',
  /** The chosen disk is not (or no longer) one of the machine's disks. details: machine, disk, disks (paths it has). */
  'installDiskNotFound',
  /** The machine's disks could not be read. details: machine, reason ('lsblkFailed', 'unreadable'), output. */
  'installDisksUnreadable',
  /** The machine cannot be installed from here. details: machine, reason ('notFound', 'notManaged', 'noAddress', 'badName', 'badTarget'). */
  'installMachineUnusable',
  /** An install is running; one install or deploy runs at a time. details: jobId. */
  'installAlreadyRunning',
  // Verify the network after a deploy (main/services/verifyService.ts).
  /** Another verify run is running; one runs at a time. details: jobId. */
  'verifyAlreadyRunning',
  /** A verify was refused because a deploy, an install or a measurement runs. details: jobId, kind ('deploy', 'install' or 'measure'). */
  'verifyBlockedByJob',
  /** The design has no VPN, so there is no overlay to verify. */
  'verifyNoVpn',
  /** The design must be saved before it can be verified (the configuration's vars and the runs live next to it). */
  'verifyNeedsSavedDesign',
  /** No machine of the design can be verified: none is a managed VPN member with an SSH address. details: reason ('noMembers', 'noneSelected', 'noWayIn'). */
  'verifyNoMachines',
  /** The app has no way to log in to a machine it should verify. details: machine, reason ('noAddress', 'unreachable'), why (the design's reason). */
  'verifyMachineNoWayIn',
  // Measure my network (main/services/measureService.ts).
  /** Another measure run is running; one runs at a time (measurements must not disturb each other). details: jobId. */
  'measureAlreadyRunning',
  /** A measure was refused because a deploy, an install or a verify runs. details: jobId, kind ('deploy', 'install', 'verify'). */
  'measureBlockedByJob',
  /** The design has no VPN, so there is no overlay to measure. */
  'measureNoVpn',
  /** The design must be saved before it can be measured (the runs are kept next to it). */
  'measureNeedsSavedDesign',
  /** The pairs or numbers asked for were refused before anything ran. details: the measure error (shared/measure/errors.ts MeasureError: code, details). */
  'measureRefused',
  /** The benchmark data bundled with the app could not be read, so nothing can be compared with it. details: reason. */
  'benchDataUnusable',
  // Serve mode sign-in (main/serve/sessions.ts).
  /** The browser has no valid session with the server. details: reason ('noSession', 'expired'). */
  'notSignedIn',
  /** A pairing code was wrong or no longer valid. details: reason ('wrong', 'expired'), attemptsLeft. */
  'pairingCodeInvalid',
  /** Too many wrong pairing codes; details: retryAfterSeconds. */
  'pairingRateLimited',
  // The assistant (main/assistant): settings, the endpoint it speaks to, the conversations kept with a design.
  /** No endpoint or no model is set, and none can be found. details: missing ('baseUrl' or 'model'), preset. */
  'assistantNotConfigured',
  /** The base URL given is not one the app sends to. details: reason ('notAUrl', 'protocol', 'credentials', 'query'). */
  'assistantBaseUrlInvalid',
  /** The API key was not stored: the desktop has no keyring to encrypt it with. details: backend (Linux), reason. */
  'assistantKeyStorageUnavailable',
  /** The endpoint refused the key (401) or the request (403). details: status, baseUrl, keySource ('settings', 'environment', 'none'). */
  'assistantAuthFailed',
  /** Nothing answered at the endpoint. details: baseUrl, preset, local, reason (ECONNREFUSED, ENOTFOUND, ...). */
  'assistantEndpointUnreachable',
  /** The endpoint did not answer in time. details: baseUrl, seconds, phase ('answer': nothing came; 'stream': it stopped mid-answer). */
  'assistantTimeout',
  /** The endpoint sent something that is not an OpenAI chat stream. details: baseUrl, reason. */
  'assistantMalformedStream',
  /** The connection closed before the answer ended. details: baseUrl. */
  'assistantConnectionLost',
  /** The endpoint does not have the model (404). details: model, baseUrl, preset, models (some it has). */
  'assistantModelNotFound',
  /** The endpoint answered with another error. details: status, baseUrl, message (the endpoint's, shortened). */
  'assistantEndpointFailed',
  /** The conversations kept beside a design cannot be read, so the file is left as it is and not overwritten. details: name, reason ('notJson', 'notConversations'). */
  'assistantConversationsUnreadable',
] as const;

/** A closed union of error codes. */
export type AppErrorCode = (typeof appErrorCodes)[number];

/** Schema of an error value as it travels over IPC or HTTP. */
export const appErrorSchema = z.object({
  code: z.enum(appErrorCodes),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** An error value: a code plus optional structured details, never UI prose. */
export type AppError = z.infer<typeof appErrorSchema>;

/** Builds an error value. */
export function appError(code: AppErrorCode, details?: Record<string, unknown>): AppError {
  return details === undefined ? { code } : { code, details };
}

/** A detail as text for a message, or the fallback when it is missing (messages must work without details). */
function detail(error: AppError, key: string, fallback: string): string {
  const value = error.details?.[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : fallback;
}

/** The file a message is about as ' “name”' (without the .clan-design.json ending people never type), or ''. */
function fileLabel(error: AppError): string {
  const name = error.details?.name;
  return typeof name === 'string' ? ` “${name.replace(/\.clan-design\.json$/, '')}”` : '';
}

/** ' named “name”', or ' with that name' when the details do not say. */
function named(error: AppError): string {
  const label = fileLabel(error);
  return label === '' ? ' with that name' : ` named${label}`;
}

/** Whether a value from an error's details is a measure error, so its own sentence can say it. */
function isMeasureError(value: unknown): value is MeasureError {
  if (typeof value !== 'object' || value === null) return false;
  const { code, details } = value as { code?: unknown; details?: unknown };
  return (measureErrorCodes as readonly unknown[]).includes(code) && typeof details === 'object' && details !== null && (code !== 'pairsRefused' || Array.isArray((details as { pairs?: unknown }).pairs));
}

/** A table entry by a key from details; own keys only, so "constructor" or "__proto__" never reach Object.prototype. */
function lookup(table: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

const notADesignReasons: Record<string, string> = {
  notJson: 'it is not valid JSON, so it may be cut off or damaged',
  notAnObject: 'it holds JSON, but not a design',
  wrongKind: 'it is a different kind of JSON file',
  badFormatVersion: 'its format version is missing or not a number',
};

const errnoReasons: Record<string, string> = {
  EACCES: 'permission was denied',
  EPERM: 'the operation is not permitted',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the disk is read-only',
  EBUSY: 'the file is in use by another program',
  EMFILE: 'too many files are open',
  ENAMETOOLONG: 'the path is too long',
  ENOTDIR: 'a part of the folder path is not a folder',
  EIO: 'the disk reported an input/output error',
};

const fileNameReasons: Record<string, string> = {
  empty: 'it is empty',
  tooLong: 'it is too long',
  slash: 'it contains / or \\',
  controlCharacter: 'it contains an invisible control character',
  leadingDot: 'it starts with a dot',
  reservedCharacter: 'it contains one of < > : " | ? *',
  outsideWorkspace: 'it points outside the designs folder',
};

const pathProblems: Record<string, string> = {
  empty: 'it is empty',
  absolute: 'it is an absolute path',
  dotSegment: 'it has an empty, “.” or “..” part',
  controlCharacter: 'it contains a control character',
  backslash: 'it contains a backslash',
};

/** The folder a file operation was confined to, as people know it; the data folder with its path unless `short`. */
function folderLabel(error: AppError, short = false): string {
  switch (error.details?.folder) {
    case 'data':
      return typeof error.details.root === 'string' && !short ? `the app's data folder (${error.details.root})` : "the app's data folder";
    case 'output':
      return 'the output folder';
    default:
      return 'the designs folder';
  }
}

const sshReasons: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening for SSH on that port',
  EHOSTUNREACH: 'there is no route to it',
  ENETUNREACH: 'its network is not reachable from here',
  ENOTFOUND: 'its name could not be resolved',
  EAI_AGAIN: 'its name could not be resolved right now',
  ECONNRESET: 'the connection was closed during setup',
  forwardRefused: 'the jump host could not open a connection to it',
};

/** The machine a message is about: 'machine “name”' (or 'the machine' without details); capitalised at a sentence start. */
function sshHost(error: AppError, sentenceStart = false): string {
  const host = error.details?.host;
  if (typeof host !== 'string') return sentenceStart ? 'The machine' : 'the machine';
  const port = error.details?.port;
  return `${sentenceStart ? 'Machine' : 'machine'} “${host}${typeof port === 'number' && port !== 22 ? `:${port}` : ''}”`;
}

/** The machine an install message is about: 'machine “name”', or 'the machine'. */
function machineLabel(error: AppError): string {
  const machine = error.details?.machine;
  return typeof machine === 'string' && machine !== '' ? `machine “${machine}”` : 'the machine';
}

/** ' (through jump host “name”)' when a jump host was used, or ''. */
function via(error: AppError): string {
  return typeof error.details?.via === 'string' ? ` (through jump host “${error.details.via}”)` : '';
}

function firstIssue(error: AppError): string {
  const issues = error.details?.issues;
  if (!Array.isArray(issues) || issues.length === 0) return '';
  const first = issues[0] as { path?: unknown; message?: unknown };
  return typeof first.path === 'string' && typeof first.message === 'string' ? ` (first problem at ${first.path}: ${first.message})` : '';
}

/** Turns an error value into a message a person can act on: what happened, why, and what to do. */
export function describeError(error: AppError): string {
  switch (error.code) {
    case 'invalidRequest':
      return 'The app sent a request the back end could not accept, so nothing was changed. Reload the window; if it happens again, use "Copy details" and report it.';
    case 'unknownChannel':
      return 'The app asked for an operation this back end does not know, probably because the window and the back end are from different versions. Restart the app.';
    case 'untrustedSender':
      return 'A request came from a page that is not part of the app and was refused. Nothing was changed.';
    case 'externalUrlNotAllowed':
      return 'That link was not opened because it does not point to a known documentation site. Copy it and open it yourself if you trust it.';
    case 'internalError':
      return 'Something went wrong inside the app and the operation did not complete. Try again; if it keeps failing, use "Copy details" and report it.';
    case 'notADesignFile': {
      const why = lookup(notADesignReasons, detail(error, 'reason', '')) ?? 'it is not in the design file format';
      return `This file is not a Clan Network Designer design: ${why}. Nothing was opened. Pick a .clan-design.json file saved by this app.`;
    }
    case 'fileFromNewerVersion':
      return `This design was saved by a newer version of the app${error.details?.savedBy === undefined ? '' : ` (${detail(error, 'savedBy', '')})`}, in file format ${detail(error, 'fileVersion', 'unknown')}; this version reads up to format ${detail(error, 'supportedVersion', 'its own')}. It was not opened, so nothing the newer version added is lost. Update the app, then open it again.`;
    case 'migrationFailed':
      return `This design is from an older version and could not be converted (step ${detail(error, 'step', 'unknown')} failed), so it was not opened. The file was left unchanged; use "Copy details" and report it.`;
    case 'invalidDesign':
      return `The design holds values a design file cannot contain${firstIssue(error)}, so it was not read or written. Any file on disk was left unchanged; use "Copy details" and report it.`;
    case 'invalidFileName':
      return `That file name cannot be used because ${lookup(fileNameReasons, detail(error, 'reason', '')) ?? 'it is not allowed'}. Use a name of at most 120 characters, without / or \\, that does not start with a dot.`;
    case 'fileNotFound':
      return `The design${fileLabel(error)} is not in the designs folder; it may have been moved, renamed or deleted. Open the list of designs again and pick another.`;
    case 'notARegularFile': {
      const where = folderLabel(error);
      const name = `“${detail(error, 'name', '?')}”`;
      switch (detail(error, 'kind', '')) {
        case 'link':
          return `${name} in ${where} is a link${error.details?.outside === true ? ' to a place outside it' : ''}, not a file. The app never reads or writes through links, so it left the link and what it points to untouched. Remove the link, or move the real file into ${folderLabel(error, true)} in its place, then try again.`;
        case 'file':
          return `${name} in ${where} is a file where the app needs a folder, so it left it alone and wrote nothing there. Move or rename that file, then try again.`;
        case 'folder':
        case 'other':
          return `${name} in ${where} is a ${detail(error, 'kind', '') === 'folder' ? 'folder' : 'device or other special file'}, not a file, so the app left it alone. Move it out of the way or choose another name, then try again.`;
        default:
          return `The name${fileLabel(error)} belongs to a folder or a link in the designs folder, not to a design file, so the app left it alone. Choose another name.`;
      }
    }
    case 'pathOutsideFolder': {
      const where = folderLabel(error);
      const name = `“${detail(error, 'name', '?')}”`;
      const link = `“${detail(error, 'link', '?')}”`;
      const reason = detail(error, 'reason', '');
      if (reason === 'link') {
        return `${link} in ${where} is a link to a place outside it, so the app did not read or write ${name} through it; the app never reads or writes outside ${folderLabel(error, true)}, and nothing there was changed. Remove the link, or move the real folder into ${folderLabel(error, true)} in its place, then try again.`;
      }
      if (reason === 'brokenLink') {
        return `${link} in ${where} is a link to something that does not exist, so the app did not read or write ${name} through it and nothing was changed. Remove the link, or point it to a folder inside ${folderLabel(error, true)}, then try again.`;
      }
      return `The app refused the path ${name} because ${lookup(pathProblems, reason) ?? 'it is not a plain path'}, which could lead outside ${where}; nothing was read or written. This is a bug in the app: use "Copy details" and report it.`;
    }
    case 'fileTooLarge':
      return `The file${fileLabel(error)} is too large to be a design, so it was not opened. Check that it is the right file.`;
    case 'fileExists':
      return `A design${named(error)} already exists, so it was not replaced. Choose another name, or confirm that you want to replace it.`;
    case 'fileChangedOnDisk':
      return `The design${fileLabel(error)} was changed on disk after you opened it (by another window or program), so it was not overwritten. Save under another name, or reopen it to see the other changes.`;
    case 'wouldOverwriteUnreadableFile':
      return `A file${named(error)} exists but is not a design this app can read, so it was not overwritten, to protect it. Save under another name.`;
    case 'fileAccessFailed': {
      const why = lookup(errnoReasons, detail(error, 'errno', '')) ?? `the system reported ${detail(error, 'errno', 'an error')}`;
      return `Could not ${detail(error, 'operation', 'access')} the file${fileLabel(error)} because ${why}. Check the folder's permissions and free disk space, then try again.`;
    }
    case 'recoveryNotFound':
      return 'That recovered copy is no longer there; it was probably recovered or discarded already. Nothing was changed.';
    case 'generateFailed':
      return `The configuration was not written: ${detail(error, 'message', 'the design is not ready to generate')} Nothing in the folder was changed.`;
    case 'sshHostUnreachable': {
      const why = detail(error, 'reason', '') === 'timeout'
        ? `there was no answer within ${Math.round(Number(error.details?.timeoutMs ?? 0) / 1000) || 'the'} seconds`
        : lookup(sshReasons, detail(error, 'reason', '')) ?? 'the network did not connect';
      return `Couldn't reach ${sshHost(error)}${via(error)}: ${why}. Check that the machine is switched on and connected, and that the address and port are right, then retry.`;
    }
    case 'sshAuthFailed':
      return `${sshHost(error, true)} refused the SSH key for user “${detail(error, 'username', 'unknown')}”, so nothing was changed. Check that the public key is in that user's authorized_keys on the machine, then retry.`;
    case 'sshHostKeyUnknown':
      return `${sshHost(error, true)} is not in your known hosts yet, and strict host key checking is on, so no connection was made. Compare its fingerprint ${detail(error, 'fingerprint', '')} with the one shown on the machine (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then add it or turn on "ask on first connection".`;
    case 'sshHostKeyRejected':
      return `You chose not to trust the key of ${sshHost(error)} (${detail(error, 'fingerprint', 'fingerprint unknown')}), so no connection was made. Check the fingerprint on the machine itself, then connect again and accept it if it matches.`;
    case 'sshHostKeyChanged':
      return `${sshHost(error, true)} presented a different host key than the one you trusted before (now ${detail(error, 'fingerprint', 'unknown')}, was ${detail(error, 'knownFingerprint', 'unknown')}), so the connection was refused. This happens when the machine was reinstalled or its keys were regenerated, but it can also mean someone is intercepting the connection. Check the fingerprint on the machine itself; if it matches, remove line ${detail(error, 'line', '?')} of ${detail(error, 'knownHostsFile', 'known_hosts')} and connect again.`;
    case 'sshHostKeyRevoked':
      return `${sshHost(error, true)} presented a host key that your known hosts file marks as revoked (line ${detail(error, 'line', '?')} of ${detail(error, 'knownHostsFile', 'known_hosts')}), so the connection was refused. Give the machine a new host key before connecting to it.`;
    case 'sshCommandTimeout':
      return `A command on ${sshHost(error)} (${detail(error, 'program', 'unknown')}) did not finish within ${Math.round(Number(error.details?.timeoutMs ?? 0) / 1000) || 'its'} seconds and was stopped. The machine may be busy or waiting for input; check it, then retry.`;
    case 'sshConnectionLost':
      return `The connection to ${sshHost(error)} was lost while a command was running, so it may not have finished. Check the machine's network, then retry; repeating the step is safe.`;
    case 'sshCancelled':
      return `The operation on ${sshHost(error)} was cancelled and its remote commands were stopped. Nothing more will run; start it again when you are ready.`;
    case 'sshFailed':
      return `The SSH connection to ${sshHost(error)} failed (${detail(error, 'message', 'unknown error')}). Check that the machine runs an SSH server, then retry; use "Copy details" if it keeps failing.`;
    case 'knownHostsAccessFailed':
      return `The known hosts file ${detail(error, 'path', '')} could not be read or written (${detail(error, 'errno', 'error')}), so no connection was made. Check its permissions, then retry.`;
    case 'sshConfigInvalid': {
      const where = `${detail(error, 'path', 'your SSH configuration')}${typeof error.details?.line === 'number' ? ` (line ${error.details.line})` : ''}`;
      const errno = detail(error, 'errno', '');
      const why = errno !== '' ? `it could not be read because ${lookup(errnoReasons, errno) ?? `the system reported ${errno}`}` : detail(error, 'reason', 'it could not be understood');
      return `The SSH configuration ${where} could not be used: ${why}. No machine was contacted. Fix the file (“ssh -G HOST” shows how OpenSSH reads it), then retry.`;
    }
    case 'sshNoIdentity': {
      const looked = Array.isArray(error.details?.keyFiles) ? (error.details.keyFiles as unknown[]).filter((f) => typeof f === 'string').join(', ') : '';
      const problems = Array.isArray(error.details?.problems) ? (error.details.problems as unknown[]).filter((p) => typeof p === 'string') : [];
      const agent = detail(error, 'agent', 'notSet');
      const agentText = agent === 'disabled' ? 'the SSH configuration turns the agent off (IdentityAgent none)' : agent === 'missing' ? `the ssh-agent socket ${detail(error, 'agentSocket', '')} is not there` : 'no ssh-agent is running (SSH_AUTH_SOCK is not set)';
      return `No SSH key could be offered to ${sshHost(error)} for user “${detail(error, 'username', 'unknown')}”: ${agentText}${looked === '' ? '' : ` and none of ${looked} could be used`}${problems.length === 0 ? '' : ` (${problems.join('; ')})`}. Start ssh-agent and add your key with “ssh-add”, or choose a key file (“SSH keys” in Deploy → Machines, or --identity on the command line), then retry.`;
    }
    case 'sshKeyPassphraseNeeded': {
      const keys = Array.isArray(error.details?.keyPaths) ? (error.details.keyPaths as unknown[]).filter((k) => typeof k === 'string') : [];
      const keyText = keys.length === 0 ? 'your SSH key' : keys.length === 1 ? `the key ${keys[0]}` : `the keys ${keys.join(', ')}`;
      const reason = detail(error, 'reason', 'noPrompt');
      const why = reason === 'wrongPassphrase' ? 'the passphrase was entered wrong three times' : reason === 'declined' ? 'no passphrase was entered' : 'it is protected by a passphrase and there was no way to ask for it';
      return `Couldn't log in to ${sshHost(error)} as “${detail(error, 'username', 'unknown')}” with ${keyText}: ${why}, so that key was skipped and no other key was accepted. Add it to your ssh-agent with “ssh-add ${keys[0] ?? '~/.ssh/id_ed25519'}” (the agent asks for the passphrase once)${reason === 'noPrompt' ? '' : ', or enter the right passphrase when asked'}, then retry.`;
    }
    case 'uploadPathRefused': {
      const reasons: Record<string, string> = {
        empty: 'it is empty',
        absolute: 'it is an absolute path, but upload paths are relative to the target folder',
        dotSegment: 'it contains an empty, “.” or “..” part, which could point outside the target folder',
        controlCharacter: 'it contains a line break or another control character, which a checksum listing cannot show unambiguously',
        duplicate: 'it appears twice in the upload',
        conflict: 'it is both a file and a folder of the upload',
      };
      return `The upload was not started because the path “${detail(error, 'path', '')}” cannot be used: ${lookup(reasons, detail(error, 'reason', '')) ?? 'it is not allowed'}. Rename the file and try again; nothing was changed on the machine.`;
    }
    case 'uploadFailed':
      return `Uploading to ${sshHost(error)} failed: ${detail(error, 'operation', 'a step')} of “${detail(error, 'path', '?')}” did not work (${detail(error, 'message', 'unknown error')}). Check the free disk space and the permissions of that folder on the machine, then retry; files already in place are complete, and repeating the upload is safe.`;
    case 'uploadChecksumMismatch':
      return error.details?.actual === 'missing'
        ? `After the upload, the file “${detail(error, 'path', '?')}” is missing on ${sshHost(error)}, so the upload did not complete. Something on the machine may have removed it; retry the upload.`
        : `After the upload, the file “${detail(error, 'path', '?')}” on ${sshHost(error)} does not match what was sent (SHA-256 ${detail(error, 'actual', '?')} instead of ${detail(error, 'expected', '?')}), so it was not used. The disk or the connection may be damaging data; retry, and check the machine's disk if it happens again.`;
    case 'deployCommandFailed': {
      const output = detail(error, 'output', '').trim();
      const code = error.details?.code;
      return `${detail(error, 'what', 'A command')} on ${sshHost(error)} failed (${detail(error, 'program', 'the program')} ${typeof code === 'number' ? `exited with status ${code}` : `was stopped${typeof error.details?.signal === 'string' ? ` by ${error.details.signal}` : ''}`})${output === '' ? '' : `: ${output.split('\n').slice(-3).join(' / ')}`}. The log has its whole output.`;
    }
    case 'deployNotSwitched':
      return `${sshHost(error, true)} does not run the new system after the switch (it runs ${detail(error, 'running', 'another one')}). The switch log says why.`;
    case 'deployDiskFull':
      return `The upload to ${sshHost(error)} stopped because the disk holding ${detail(error, 'path', 'the configuration folder')} is full (${detail(error, 'freeKb', '?')} KB free; the configuration needs about ${detail(error, 'neededKb', '?')} KB). Nothing was activated on it.`;
    case 'deployAlreadyRunning':
      return 'A deploy is already running (perhaps from another window), so a second one was not started. Wait for it to finish or cancel it, then deploy again.';
    case 'deployNeedsSavedDesign':
      return 'Save the design first: its configuration and the record of each deploy are kept next to the design file.';
    case 'deployBlockedByJob': {
      const measuring = detail(error, 'kind', '') === 'measure';
      const installing = detail(error, 'action', '') === 'install';
      const what = installing ? 'NixOS was not installed, and nothing was changed on the machine' : 'Nothing was deployed';
      const under = installing ? 'a machine erased and restarted under it' : 'their VPN switched under it';
      return `${what}: a ${measuring ? 'measurement' : 'verify'} of the network is running and talking to the machines over the VPN right now, and with ${under} its results would be wrong. Wait for it to finish, or cancel it in the ${measuring ? 'Measure' : 'Verify'} tab, then try again.`;
    }
    case 'installNeedsClanCli':
      return `NixOS was not installed on ${machineLabel(error)}, and nothing was changed on it: installing needs the clan CLI and Nix on this computer, because nixos-anywhere builds the installer and the system here, and this computer has neither. Install from a computer with Nix and the clan CLI (“clan-designer install”, or “clan machines install” by hand), or install NixOS on the machine from its installer image yourself; then check the machines and deploy.`;
    case 'installNotConfirmed': {
      const mismatch = detail(error, 'mismatch', 'missing');
      const why =
        mismatch === 'missing'
          ? 'no confirmation was given'
          : mismatch === 'machine'
            ? `the name typed is not “${detail(error, 'machine', '?')}”`
            : mismatch === 'disk'
              ? `the disk confirmed is not ${detail(error, 'disk', 'the chosen one')}`
              : `neither the name nor the disk matches (“${detail(error, 'machine', '?')}”, ${detail(error, 'disk', '?')})`;
      return `Nothing was installed on ${machineLabel(error)}: ${why}. Installing erases the disk, so it goes ahead only when the machine's exact name and the chosen disk are confirmed. Type the name exactly as shown, then try again.`;
    }
    case 'installDiskInvalid':
      return `“${detail(error, 'disk', '')}” cannot be used as the disk to install on, so nothing was changed: a disk is named /dev/disk/by-id/<id> or /dev/<name>, with only letters, digits and . _ : + - in the name. Pick one of the machine's disks from its list.`;
    case 'installDiskNotFound': {
      const disks = Array.isArray(error.details?.disks) ? (error.details.disks as unknown[]).filter((d) => typeof d === 'string') : [];
      return `Nothing was installed: ${machineLabel(error)} has no disk ${detail(error, 'disk', '?')}${disks.length === 0 ? '' : ` (it has ${disks.join(', ')})`}. Its disks may have changed since they were listed. List its disks again and pick one.`;
    }
    case 'installDisksUnreadable':
      return detail(error, 'reason', '') === 'lsblkFailed'
        ? `The disks of ${machineLabel(error)} could not be listed: lsblk failed there (${detail(error, 'output', 'no output')}). Nothing was changed. lsblk comes with util-linux, which almost every Linux has; install it on the machine, then list the disks again.`
        : `The disks of ${machineLabel(error)} could not be listed: lsblk's answer could not be read (an lsblk too old for --json?). Nothing was changed. Update util-linux on the machine, or install NixOS on it by hand.`;
    case 'installMachineUnusable': {
      const reasons: Record<string, string> = {
        notFound: 'it is not in the design (it may have been removed or renamed). Pick the machine again',
        notManaged: 'the app does not manage it. Mark it as managed in the inspector first',
        noAddress: "it has no SSH address. Enter its address, port and user in the machine's SSH settings in the inspector",
        badName: 'its name is not a valid Clan machine name. Fix the name (the problems panel says how)',
        badTarget: "its SSH user, address or jump host has characters Clan's --target-host cannot take. Use a plain host name or IP address and a plain user name",
      };
      return `NixOS cannot be installed on ${machineLabel(error)}, so nothing was changed: ${lookup(reasons, detail(error, 'reason', '')) ?? 'it cannot be reached from here'}, then try again.`;
    }
    case 'installAlreadyRunning':
      return 'An install of NixOS is already running (perhaps from another window), so nothing else was started: one install or deploy runs at a time. Wait for it to finish or cancel it, then try again.';
    case 'notSignedIn':
      return detail(error, 'reason', '') === 'expired'
        ? 'This browser’s sign-in to the server has expired, so the server refused the request. Nothing was lost: pair this browser again with a new code from the server’s console.'
        : 'This browser is not signed in to the server (it was never paired, or someone chose “Sign out everywhere”), so the request was refused. Pair it with the code the server prints on its console.';
    case 'pairingCodeInvalid':
      return detail(error, 'reason', '') === 'expired'
        ? 'That pairing code is no longer valid: each code works once, for 15 minutes. The server has a new one; look for “Pairing code” on its console and enter that.'
        : `That pairing code is not right${typeof error.details?.attemptsLeft === 'number' ? ` (${error.details.attemptsLeft} more ${error.details.attemptsLeft === 1 ? 'try' : 'tries'} this minute)` : ''}. Copy it again from the server’s console, where it follows “Pairing code”.`;
    case 'pairingRateLimited':
      return `Too many wrong pairing codes were tried, so the server is not accepting codes from here for ${detail(error, 'retryAfterSeconds', 'a few')} seconds. Wait, then enter the code from the server’s console.`;
    case 'verifyAlreadyRunning':
      return 'A verify of the network is already running (perhaps from another window), so a second one was not started. Wait for it to finish or cancel it, then verify again.';
    case 'verifyBlockedByJob': {
      const kind = detail(error, 'kind', '');
      if (kind === 'install') return 'The network was not verified because NixOS is being installed on a machine right now, and a verify would read a half-made machine. Wait for the install to finish (or cancel it), then verify again.';
      if (kind === 'measure') return 'The network was not verified because a measurement of it is running right now, and the pings would disturb its figures. Wait for the measurement to finish (or cancel it), then verify again.';
      return 'The network was not verified because a deploy is running right now, and the machines are changing under it. Wait for the deploy to finish (or cancel it), then verify again.';
    }
    case 'verifyNoVpn':
      return 'The network was not verified because the design has no VPN, so there is no overlay to test. Choose a VPN, deploy it, then verify.';
    case 'verifyNeedsSavedDesign':
      return 'Save the design first: verifying reads the configuration written next to the design file (the overlay addresses Clan made), and keeps each run there.';
    case 'verifyNoMachines': {
      const reasons: Record<string, string> = {
        noMembers: 'the VPN has no managed members, so there is no machine to log in to. Mark the machines the app manages in the inspector',
        noneSelected: 'none of the machines asked for is a managed member of the VPN. Pick machines that are',
        noWayIn: "no managed member has an SSH address. Enter each machine's address, port and user in its SSH settings in the inspector",
      };
      return `The network was not verified: ${lookup(reasons, detail(error, 'reason', '')) ?? 'no machine of the design can be logged in to'}, then verify again.`;
    }
    case 'verifyMachineNoWayIn': {
      const why = detail(error, 'why', '').replace(/[.\s]+$/, '');
      return detail(error, 'reason', '') === 'unreachable'
        ? `The app has no way to log in to ${machineLabel(error)}${why === '' ? '' : ` (${why})`}, so it was not verified from there. Draw a jump host or a port forward to it, or give it an address this computer reaches, then verify again.`
        : `${machineLabel(error).replace(/^m/, 'M').replace(/^the/, 'The')} has no SSH address in the design, so the app could not log in to verify it. Enter its address, port and user in the machine's SSH settings in the inspector, then verify again.`;
    }
    case 'measureAlreadyRunning':
      return 'A measurement of the network is already running (perhaps from another window), so a second one was not started: two measurements at once would slow each other down. Wait for it to finish or cancel it, then measure again.';
    case 'measureBlockedByJob': {
      const kind = detail(error, 'kind', 'deploy');
      const what = kind === 'install' ? 'NixOS is being installed on a machine right now' : kind === 'verify' ? 'a verify of the network is running right now, and its pings would disturb the measurement' : 'a deploy is running right now, and the machines are changing under it';
      return `The network was not measured because ${what}. Wait for it to finish (or cancel it), then measure again.`;
    }
    case 'measureNoVpn':
      return 'The network was not measured because the design has no VPN, so there is no overlay to measure. Choose a VPN, deploy it, then measure.';
    case 'measureNeedsSavedDesign':
      return 'Save the design first: each measurement is kept next to the design file, so runs can be compared and the advisor can use them.';
    case 'measureRefused': {
      const refused = error.details?.error;
      return isMeasureError(refused) ? describeMeasureError(refused) : 'The measurement was refused before anything ran, because the pairs or the numbers asked for cannot be used. Pick the pairs again, then measure.';
    }
    case 'benchDataUnusable':
      return `The benchmark data bundled with the app could not be read (${detail(error, 'reason', 'unknown reason')}), so nothing could be compared with it and nothing was measured. Reinstall the app, or run "npm run build" in a source checkout.`;
    case 'checkAlreadyRunning':
      return 'A check of the machines is already running (perhaps from another window), so a second one was not started. Wait for it to finish or cancel it, then check again.';
    case 'assistantNotConfigured':
      return detail(error, 'missing', '') === 'model'
        ? 'The assistant has no model to ask: none is chosen, and the endpoint lists none. Pull or load a model there (for Ollama: “ollama pull llama3.1”), then pick it in the assistant’s settings.'
        : 'The assistant has no endpoint to ask: no base URL is set. Choose a preset (Ollama runs on this computer) or enter a base URL in the assistant’s settings, or set OPENAI_BASE_URL before starting the app.';
    case 'assistantBaseUrlInvalid': {
      const reasons: Record<string, string> = {
        notAUrl: 'it is not a web address',
        protocol: 'it does not start with http:// or https://',
        credentials: 'it has a user name or password in it; put the key in the API key field, where it is stored encrypted',
        query: 'it has a ? or # part; the base URL ends with the path, such as /v1',
      };
      if (detail(error, 'reason', '') === 'keyInClear') {
        return `The settings were not saved: the API key would travel unencrypted to ${detail(error, 'baseUrl', 'that endpoint')}, which is plain http:// to another computer. Use its https:// address (behind a reverse proxy, for example), or leave the key empty if the server needs none.`;
      }
      return `That base URL was not saved because ${lookup(reasons, detail(error, 'reason', '')) ?? 'it cannot be used'}. Enter it like http://127.0.0.1:11434/v1, then save again.`;
    }
    case 'assistantKeyStorageUnavailable':
      return `The API key was not stored: this desktop has no keyring the app can encrypt it with${detail(error, 'backend', '') === 'basic_text' ? ' (no secret service such as GNOME Keyring or KWallet is running)' : ''}, and the app does not keep keys unencrypted. Start a keyring and restart the app, or set OPENAI_API_KEY in the environment the app starts in.`;
    case 'assistantAuthFailed': {
      const source = detail(error, 'keySource', '');
      const which = source === 'environment' ? 'the key from OPENAI_API_KEY' : source === 'settings' ? 'the stored key' : 'no key';
      return Number(error.details?.status) === 403
        ? `The endpoint ${detail(error, 'baseUrl', '')} refused the request (403 forbidden) with ${which}: the key may not be allowed to use this model. Check the key's permissions, or set another key in the assistant's settings.`
        : `The endpoint ${detail(error, 'baseUrl', '')} did not accept ${which} (401), so nothing was answered. ${source === 'none' ? 'It needs an API key: set it' : 'Check the key, or set a new one'} in the assistant's settings.`;
    }
    case 'assistantEndpointUnreachable': {
      const preset = detail(error, 'preset', '');
      const where = detail(error, 'baseUrl', 'the endpoint');
      const hints: Record<string, string> = {
        ollama: 'Is Ollama running? Start it with “ollama serve”, then fetch a model with “ollama pull llama3.1”',
        llamacpp: 'Is the llama.cpp server running? Start it with “llama-server -m <model.gguf> --port 8080”',
        lmstudio: 'Is LM Studio’s server running? Start it in LM Studio (Developer → Start server)',
        vllm: 'Is vLLM running? Start it with “vllm serve <model>”',
      };
      const hint = lookup(hints, preset) ?? (error.details?.local === true ? 'Is the model server on this computer running? Start it' : 'Check the address and this computer’s internet connection');
      return `Nothing answered at ${where}${error.details?.reason === undefined ? '' : ` (${detail(error, 'reason', '')})`}, so the assistant could not ask the model. ${hint}, then ask again.`;
    }
    case 'assistantTimeout':
      return detail(error, 'phase', '') === 'stream'
        ? `The endpoint stopped sending in the middle of the answer: nothing came for ${detail(error, 'seconds', 'several')} seconds, so the app stopped waiting. The model may be overloaded; ask again, or pick a smaller model.`
        : `The endpoint ${detail(error, 'baseUrl', '')} did not answer within ${detail(error, 'seconds', 'several')} seconds, so the app stopped waiting. A local model may still be loading; ask again in a moment, or pick a smaller model.`;
    case 'assistantMalformedStream':
      return `The endpoint ${detail(error, 'baseUrl', '')} sent something that is not an OpenAI chat stream, so the answer could not be read. Check that the base URL points at an OpenAI-compatible API (usually ending in /v1), then ask again.`;
    case 'assistantConnectionLost':
      return `The connection to ${detail(error, 'baseUrl', 'the endpoint')} closed before the answer ended, so it is cut short. Ask again; if it keeps happening, check that the model server is still running.`;
    case 'assistantModelNotFound': {
      const models = Array.isArray(error.details?.models) ? (error.details.models as unknown[]).filter((m) => typeof m === 'string').slice(0, 5) : [];
      const pull = detail(error, 'preset', '') === 'ollama' ? ` Fetch it with “ollama pull ${detail(error, 'model', '<model>')}”, or pick` : ' Pick';
      return `The endpoint has no model “${detail(error, 'model', '?')}”, so nothing was answered.${pull} one it has in the assistant's settings${models.length === 0 ? '' : ` (it has ${models.join(', ')})`}.`;
    }
    case 'assistantEndpointFailed': {
      const message = detail(error, 'message', '').trim();
      return `The endpoint answered with an error${error.details?.status === undefined ? '' : ` (${detail(error, 'status', '')})`}${message === '' ? '' : `: “${message.replace(/[.\s]+$/, '')}”`}. Ask again in a moment; if it keeps failing, check the endpoint and the model in the assistant's settings.`;
    }
    case 'assistantConversationsUnreadable':
      return `The conversations kept with the design${fileLabel(error)} could not be read (${detail(error, 'reason', '') === 'notJson' ? 'the file is not valid JSON' : 'the file is not in the format this app writes'}), so they were not shown and the file was left as it is; nothing will overwrite it. Move it aside (it sits next to the design, ending in .assistant.json) to start new conversations.`;
    case 'generatedFilesChanged': {
      const conflicts = (error.details?.conflicts as { path: string }[] | undefined) ?? [];
      const list = conflicts.slice(0, 5).map((c) => c.path).join(', ');
      return `Nothing was written, because ${conflicts.length === 1 ? 'a file' : `${conflicts.length} files`} in ${detail(error, 'folder', 'the output folder')} changed since the app wrote them${list === '' ? '' : ` (${list}${conflicts.length > 5 ? ', …' : ''})`}. Keep your changes by copying them elsewhere, or choose "Overwrite my changes" to replace them.`;
    }
  }
}
