// What a new design starts with, and what the repair pass fills in for a file that lacks it: one definition, so a
// new design and a repaired one never disagree. A leaf module: the file format's defaults depend on nothing.

/** The settings of a new design. */
export const defaultDesignMeta = { clanName: 'family', domain: 'clan', description: '' } as const;

/** The VPN part of a new design: none chosen yet, instance "mesh". */
export const defaultVpnSettings = { id: null, instance: 'mesh' } as const;
