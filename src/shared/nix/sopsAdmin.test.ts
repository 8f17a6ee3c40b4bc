import { describe, expect, test } from 'vitest';
import { referenceAgeKey } from './referenceDesigns';
import { appSopsKeyPath, appSopsUser, checkAgePublicKey, sopsUserKeyJson } from './sopsAdmin';

// Keys below were made with independent tools, not with the code under test: the reference key by age-encryption's
// generateIdentity and identityToRecipient, the malformed ones with @scure/base's bech32 encoder (a valid Bech32
// string whose data is 31 or 33 bytes, or has the wrong prefix, or the same data under Bech32m's constant, or the
// reference key's data with a padding bit set and the checksum recomputed).
const shortKey = 'age1qurswpc8qurswpc8qurswpc8qurswpc8qurswpc8qurswpc8qunndjpz';
const longKey = 'age1qurswpc8qurswpc8qurswpc8qurswpc8qurswpc8qurswpc8qurswy46q5r';
const otherPrefix = 'agx1qurswpc8qurswpc8qurswpc8qurswpc8qurswpc8qurswpc8qurs0y8erj';
const bech32mKey = 'age1qurswpc8qurswpc8qurswpc8qurswpc8qurswpc8qurswpc8qurssgz8l8';
const sameDataBech32 = 'age1qurswpc8qurswpc8qurswpc8qurswpc8qurswpc8qurswpc8qurs95jt69';
const paddingBitSet = 'age179yyq7d3a7z9288t8rmtr7n6mnd5ppd49qsjkr3whqkjdnslrew3sy9mdc';

describe('age public keys', () => {
  test('accepts X25519 recipients as age writes them', () => {
    expect(checkAgePublicKey(referenceAgeKey)).toBeNull();
    expect(checkAgePublicKey(sameDataBech32)).toBeNull();
  });

  test('refuses anything that is not "age1" and 58 Bech32 characters', () => {
    expect(checkAgePublicKey('')).toBe('empty');
    expect(checkAgePublicKey('  \n')).toBe('empty');
    for (const text of [
      referenceAgeKey.toUpperCase(),
      ` ${referenceAgeKey}`,
      `${referenceAgeKey}\n`,
      shortKey,
      longKey,
      otherPrefix,
      `age1yubikey1${referenceAgeKey.slice(12)}`,
      `AGE-SECRET-KEY-1${'Q'.repeat(58)}`,
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOXvppYwrlSc6OP+/gjsqmJUunRtwW2b2SDCNl0qWJYt',
      `${referenceAgeKey.slice(0, -1)}b`,
    ]) {
      expect(checkAgePublicKey(text), JSON.stringify(text)).toBe('format');
    }
  });

  test('refuses a key whose checksum or padding does not hold', () => {
    // Every single-character change to the data or the checksum is caught.
    const alphabet = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
    for (let i = 4; i < referenceAgeKey.length; i += 1) {
      const original = referenceAgeKey[i]!;
      const other = alphabet[(alphabet.indexOf(original) + 1) % alphabet.length]!;
      expect(checkAgePublicKey(`${referenceAgeKey.slice(0, i)}${other}${referenceAgeKey.slice(i + 1)}`), `position ${i}`).toBe('damaged');
    }
    expect(checkAgePublicKey(bech32mKey)).toBe('damaged');
    expect(checkAgePublicKey(paddingBitSet)).toBe('damaged');
  });
});

describe('the app as a sops user', () => {
  test('its key.json is the JSON array clan-cli writes and reads: one age public key', () => {
    expect(appSopsKeyPath).toBe(`sops/users/${appSopsUser}/key.json`);
    expect(JSON.parse(sopsUserKeyJson(referenceAgeKey))).toEqual([{ publickey: referenceAgeKey, type: 'age' }]);
    expect(() => sopsUserKeyJson(paddingBitSet)).toThrow(TypeError);
  });

  test('its user name is one clan-cli accepts (clan_cli/secrets/types.py)', () => {
    expect(appSopsUser).toMatch(/^[a-z_]([a-z0-9_-]{0,31})?$/);
    expect(appSopsUser.length).toBeLessThanOrEqual(32);
  });
});
