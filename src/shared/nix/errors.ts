import type { Problem } from '../validation/types';
import { vpnDisplayNames, type VpnId } from '../vpn/ids';
import type { AgeKeyProblem } from './sopsAdmin';

// Why generation refused, as values (STYLE.md section 7): a code plus the details a message needs. The messages
// say what happened, why it matters and what to do; describeGenerateError builds them for the CLI and the preview.

/** Every reason generation can refuse. */
export const generateErrorCodes = [
  /** The design has validation errors that change what would be generated. details: problems (the errors). */
  'designInvalid',
  /** User text holds a character Nix cannot store (NUL) or that is not Unicode (an unpaired surrogate). */
  'unrepresentableText',
  /** The admin public key given for the sshd service is not an OpenSSH public key line. */
  'invalidAdminKey',
  /** The app's age public key, to be listed as a Clan admin of the secrets, is not an age public key. */
  'invalidAdminAgeKey',
  /** The VPN instance name is the name of a supporting instance the generator adds (internet, sshd). */
  'instanceNameReserved',
  /** A machine holds a role whose configuration needs its public address, and has none. */
  'missingPublicAddress',
  /** A ZeroTier moon's public address is a DNS name; moons are announced by IP address. */
  'moonNeedsIpAddress',
  /** The VPN needs a machine the others dial (a VpnCloud seed) and no machine can be one. */
  'vpnNeedsPublicNode',
  /** A required role (controller, lighthouse, ...) is held only by a device the app does not manage. */
  'requiredRoleUnmanaged',
] as const;

/** One generate error code. */
export type GenerateErrorCode = (typeof generateErrorCodes)[number];

/** A generate error: the code and what the message needs. */
export type GenerateError =
  | { code: 'designInvalid'; details: { problems: Problem[] } }
  | { code: 'unrepresentableText'; details: { field: string; itemId: string | null; itemName: string | null; reason: 'nul' | 'loneSurrogate'; index: number } }
  | { code: 'invalidAdminKey'; details: { reason: 'empty' | 'format' | 'type' | 'blob' } }
  | { code: 'invalidAdminAgeKey'; details: { reason: AgeKeyProblem } }
  | { code: 'instanceNameReserved'; details: { instance: string } }
  | { code: 'missingPublicAddress'; details: { vpn: VpnId; machineId: string; machineName: string; role: string } }
  | { code: 'moonNeedsIpAddress'; details: { machineId: string; machineName: string; address: string } }
  | { code: 'vpnNeedsPublicNode'; details: { vpn: VpnId; role: string } }
  | { code: 'requiredRoleUnmanaged'; details: { vpn: VpnId; role: string; machineNames: string[] } };

const keyReasons = {
  empty: 'it is empty',
  format: 'it is not one line of the form "type key comment"',
  type: 'its key type is not one OpenSSH uses (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ...)',
  blob: 'its key data is cut off or damaged',
} as const;

const ageKeyReasons: Record<AgeKeyProblem, string> = {
  empty: 'it is empty',
  format: 'it is not "age1" followed by 58 lowercase letters and digits',
  damaged: 'its checksum does not match, so it was cut off or mistyped',
};

/** A message for a generate error: what happened, why, what to do. */
export function describeGenerateError(error: GenerateError): string {
  switch (error.code) {
    case 'designInvalid': {
      const { problems } = error.details;
      const n = problems.length;
      const first = problems[0]?.message ?? '';
      return n <= 1
        ? `The design has an error, so no configuration was generated. Fix it and generate again. ${first}`
        : `The design has ${n} errors, so no configuration was generated. Fix them and generate again. The first: ${first}`;
    }
    case 'unrepresentableText': {
      const { field, itemName, reason } = error.details;
      const what = reason === 'nul' ? 'a NUL character' : 'a broken character (half of an emoji or other symbol)';
      const where = itemName === null ? `The ${field}` : `The ${field} of "${itemName}"`;
      return `${where} contains ${what}, which cannot be written into the Nix configuration. Remove it and generate again.`;
    }
    case 'invalidAdminKey':
      return `The admin public key cannot be used because ${keyReasons[error.details.reason]}. The sshd service turns off password logins, so this key is how you log in afterwards. Paste the whole line of your public key file (for example ~/.ssh/id_ed25519.pub).`;
    case 'invalidAdminAgeKey':
      return `The age public key for the secrets cannot be used because ${ageKeyReasons[error.details.reason]}. Clan encrypts every secret for this key, so a wrong one would lock the app out of them. Give the public key of the app's own age identity, the line that starts with "age1" (age-keygen -y prints it).`;
    case 'instanceNameReserved':
      return `The VPN instance name "${error.details.instance}" is already the name of a service the generated configuration always has. Rename the VPN instance, for example to "mesh".`;
    case 'missingPublicAddress': {
      const { vpn, machineName, role } = error.details;
      return `"${machineName}" has the ${vpnDisplayNames[vpn]} ${role} role but no public address. The other machines are told to connect to that address, so the configuration cannot be generated without it. Enter its public IP address or DNS name, or give the role to a machine that has one.`;
    }
    case 'moonNeedsIpAddress':
      return `"${error.details.machineName}" is a ZeroTier moon, but its public address "${error.details.address}" is a DNS name, and ZeroTier announces moons by IP address. Enter the moon's public IP address, or remove the moon role.`;
    case 'requiredRoleUnmanaged': {
      const { vpn, role, machineNames } = error.details;
      const who = machineNames.map((n) => `"${n}"`).join(', ');
      return `${vpnDisplayNames[vpn]} needs a ${role} on a machine the app manages, but only ${who} ${machineNames.length === 1 ? 'has' : 'have'} that role and ${machineNames.length === 1 ? 'is' : 'are'} not managed, so ${machineNames.length === 1 ? 'it is' : 'they are'} not part of the generated configuration. Give the role to a managed machine, or mark ${machineNames.length === 1 ? 'it' : 'them'} as managed.`;
    }
    case 'vpnNeedsPublicNode':
      return `${vpnDisplayNames[error.details.vpn]} needs a ${error.details.role} that the other machines dial to join, but no machine has that role. Give it to a machine with a public address (add a VPS if you have none).`;
  }
}
