import { generateIdentity, identityToRecipient } from 'age-encryption';
import { ConfinedFolder } from '../fs/confinedFolder';
import { readTextIn, writePrivateFile } from '../fs/privateFile';

// The app's own age identity. Deploy without Nix on this computer lets Clan make the vars on a helper machine, and
// Clan encrypts secrets for the admins it knows: the generated flake lists this identity's public key as one, so the
// app (and only the app) can decrypt each machine's key and put it on that machine. It is a key of its own, never the
// person's personal age key, and it is kept in the app's data folder, readable by the app's user only.

/** Where the identity lives in the data folder. */
export const AGE_IDENTITY_FILE = 'deploy/age-identity.txt';

/** The app's age identity (secret) and its public key (recipient, `age1...`). */
export interface AppAgeIdentity {
  identity: string;
  recipient: string;
}

/** Reads the app's age identity, making it on first use. */
export async function loadOrCreateAgeIdentity(dataDir: string): Promise<AppAgeIdentity> {
  const folder = new ConfinedFolder(dataDir, 'data');
  const existing = await readTextIn(folder, AGE_IDENTITY_FILE);
  const line = existing?.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'));
  if (line !== undefined) return { identity: line.trim(), recipient: await identityToRecipient(line.trim()) };
  const identity = await generateIdentity();
  const recipient = await identityToRecipient(identity);
  await writePrivateFile(folder, AGE_IDENTITY_FILE, `# Clan Network Designer's own age identity (deploy: Clan vars made on a helper machine)\n# public key: ${recipient}\n${identity}\n`);
  return { identity, recipient };
}
