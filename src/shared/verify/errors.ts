import { quote } from '../text';
import { replaceControlCharacters } from './text';

// Why verifying the overlay refused to build a command, as values (STYLE.md section 7): a code plus the details a
// message needs. These are refusals of input before anything runs on a machine: an address that could be read as
// an option, an instance name that could not come from a valid design, a count out of range. What a machine
// answers (a daemon that is down, a ping that got no reply) is never an error here: it is a state of the result.

/** Every reason a verify command is refused. */
export const verifyErrorCodes = [
  /** The design has no VPN, so there is no overlay to verify. */
  'noVpn',
  /** The VPN instance name is not one a valid design holds, so it is not put into a command. details: instance. */
  'instanceNameInvalid',
  /** A value for a command is refused. details: what (the kind of value), value, reason. */
  'valueRefused',
  /** More ping targets than one probe takes. details: count, limit. */
  'tooManyTargets',
  /** The probe's ping count or TCP port is out of range. details: what ('count' or 'port'), value, min, max. */
  'outOfRange',
] as const;

/** One verify error code. */
export type VerifyErrorCode = (typeof verifyErrorCodes)[number];

/** Why a value was refused. */
export type RefusalReason = 'empty' | 'option' | 'notAnAddress' | 'controlCharacter' | 'notAbsolute';

/** A verify error: the code and what the message needs. */
export type VerifyError =
  | { code: 'noVpn'; details: Record<string, never> }
  | { code: 'instanceNameInvalid'; details: { instance: string } }
  | { code: 'valueRefused'; details: { what: 'address' | 'certificatePath'; value: string; reason: RefusalReason } }
  | { code: 'tooManyTargets'; details: { count: number; limit: number } }
  | { code: 'outOfRange'; details: { what: 'count' | 'port'; value: number; min: number; max: number } };

const reasons: Record<RefusalReason, string> = {
  empty: 'it is empty',
  option: "it starts with '-', so the program would read it as an option",
  notAnAddress: 'it is not a plain IPv4 or IPv6 address',
  controlCharacter: 'it contains a line break or another control character',
  notAbsolute: 'it is not an absolute path',
};

const whatLabel = { address: 'The address', certificatePath: 'The certificate path' } as const;

/** Shows a refused value safely: control characters as \n, \t or \u{…}, and cut after 60 characters. */
function shown(value: string): string {
  const visible = replaceControlCharacters(value, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u{${c.charCodeAt(0).toString(16)}}`));
  return quote(visible.length > 60 ? `${visible.slice(0, 60)}…` : visible);
}

/** A message for a verify error: what happened, why, what to do. */
export function describeVerifyError(error: VerifyError): string {
  switch (error.code) {
    case 'noVpn':
      return 'The design has no VPN, so there is no overlay network to verify. Choose a VPN, deploy it, then verify.';
    case 'instanceNameInvalid':
      return `The VPN instance name ${shown(error.details.instance)} is not a valid instance name (lowercase letters, digits and '-', starting with a letter), so no command was built from it. Fix the name in the design (the problems panel says how), deploy, then verify.`;
    case 'valueRefused': {
      const { what, value, reason } = error.details;
      return `${whatLabel[what]} ${shown(value)} was not passed to the machine because ${reasons[reason]}. Nothing was run. This is a bug if the value came from the VPN itself; use "Copy details" and report it.`;
    }
    case 'tooManyTargets':
      return `One machine was asked to ping ${error.details.count} addresses, more than the ${error.details.limit} one probe takes. Verify a sample of the pairs instead.`;
    case 'outOfRange': {
      const { what, value, min, max } = error.details;
      return what === 'count'
        ? `${value} pings per address is outside ${min} to ${max}, so the probe was not started. Choose a count in that range.`
        : `${value} is not a TCP port (${min} to ${max}), so the probe was not started. Choose a port in that range, or no TCP check.`;
    }
  }
}
