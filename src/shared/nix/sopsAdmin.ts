import { stableJson } from './json';

// The app's own age identity as an admin of Clan's default secret store (sops). Without Nix on the desktop, the app
// runs `clan vars generate` on a helper machine with SOPS_AGE_KEY_FILE pointing at its own age key (docs/deploy.md).
// clan-cli then derives the public key from that identity and looks for a user folder under sops/users/ whose
// key.json lists it; without one it stops with "We could not figure out which Clan secrets user you are"
// (clan-core pkgs/clan-cli/clan_cli/secrets/sops.py: ensure_admin_public_keys, maybe_get_user). Every secret it
// writes is then encrypted for that user and the machines that need it (clan_cli/secrets/secrets.py,
// encrypt_secret).
//
// key.json is a JSON array of {"publickey", "type"} objects, as `clan secrets users add` writes it (sops.py,
// write_keys; read_keys also takes a single object); type "age" is KeyType.AGE in lowercase. User names follow
// clan_cli/secrets/types.py VALID_USER_NAME, which the fixed name below satisfies.
//
// Only the public key is ever written. It is checked strictly: an X25519 age recipient is Bech32 (BIP 173, not
// Bech32m) with the human-readable part "age" and 32 bytes of data, always written in lowercase by age itself, so
// exactly "age1" and 58 characters of the Bech32 alphabet, whose checksum must hold and whose 4 padding bits must
// be zero. Plugin recipients (age1yubikey1...) and SSH keys are refused: the app's identity is a native age key.

/** The sops user the app's age key is listed under. */
export const appSopsUser = 'clan-network-designer';

/** Where clan-cli looks for that user's public key. */
export const appSopsKeyPath = `sops/users/${appSopsUser}/key.json`;

/** Why a text is not an age public key. */
export type AgeKeyProblem = 'empty' | 'format' | 'damaged';

const bech32Alphabet = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const bech32Generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const recipientShape = /^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/;

/** BIP 173's checksum over the expanded human-readable part and the data words; 1 for a valid Bech32 string. */
function polymod(values: readonly number[]): number {
  let check = 1;
  for (const value of values) {
    const top = check >>> 25;
    check = (((check & 0x1ffffff) << 5) ^ value) >>> 0;
    for (let i = 0; i < 5; i += 1) if (((top >>> i) & 1) === 1) check = (check ^ bech32Generator[i]!) >>> 0;
  }
  return check;
}

/** Why a text is not an X25519 age public key (see the module comment), or null when it is one. */
export function checkAgePublicKey(text: string): AgeKeyProblem | null {
  if (text.trim() === '') return 'empty';
  if (!recipientShape.test(text)) return 'format';
  const hrp = 'age';
  const words = [...text.slice(hrp.length + 1)].map((ch) => bech32Alphabet.indexOf(ch));
  const expanded = [...[...hrp].map((ch) => ch.charCodeAt(0) >> 5), 0, ...[...hrp].map((ch) => ch.charCodeAt(0) & 31)];
  if (polymod([...expanded, ...words]) !== 1) return 'damaged';
  // 52 data words carry 260 bits: the 32-byte key and 4 bits of padding, which must be zero.
  const lastDataWord = words[words.length - 7]!;
  return (lastDataWord & 0b1111) === 0 ? null : 'damaged';
}

/**
 * sops/users/<user>/key.json for one age public key. Throws a TypeError for a text checkAgePublicKey refuses: callers
 * check user input first and report it as a value, so reaching the throw is a bug.
 */
export function sopsUserKeyJson(agePublicKey: string): string {
  const problem = checkAgePublicKey(agePublicKey);
  if (problem !== null) throw new TypeError(`not an age public key (${problem})`);
  return stableJson([{ publickey: agePublicKey, type: 'age' }]);
}
