// Types of packageLayers.cjs for the tests that read it.

/** Runtime dependencies that run in a browser, so the renderer and shared may import them. */
export declare const browserPackages: readonly string[];

/** Runtime dependencies only src/main may import: every other entry of package.json's dependencies. */
export declare const nodeOnlyPackages: readonly string[];

/** A regular expression (as source) matching a specifier that names one of these modules or a file inside one. */
export declare function specifierRegex(names: readonly string[]): string;

/** The names as one regular-expression alternation, escaped. */
export declare function alternation(names: readonly string[]): string;
