// What a new design starts with, and what the repair pass fills in for a file that lacks it: one definition, so a
// new design and a repaired one never disagree. A leaf module: the file format's defaults depend on nothing.

/** The settings of a new design. */
export const defaultDesignMeta = { clanName: 'family', domain: 'clan', description: '' } as const;

/** The VPN part of a new design: none chosen yet, instance "mesh". */
export const defaultVpnSettings = { id: null, instance: 'mesh' } as const;

/**
 * The deploy settings of a new design (since format version 3, AddDeploySettings): no vars helper chosen (the
 * deploy then suggests one), a rollback after 90 seconds without confirmation, four machines of a wave at once.
 */
export const defaultDeploySettings = { varsHelper: null, rollbackSeconds: 90, concurrency: 4 } as const;

/**
 * How long a machine may wait for the app to confirm a switch before it rolls back, in whole seconds. Under half a
 * minute a slow switch (a VPN that restarts, a large closure) would roll back although it worked; over an hour a
 * machine that cut the admin off stays cut off for longer than anyone waits for it.
 */
export const rollbackSecondsRange = { min: 30, max: 3600 } as const;

/**
 * How many machines of one wave are deployed at once. Each one builds its system on the machine itself, so the limit
 * guards the admin's upload link and the SSH connections more than CPU; 32 is far beyond any family network.
 */
export const concurrencyRange = { min: 1, max: 32 } as const;
