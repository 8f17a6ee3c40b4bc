import ssh2 from 'ssh2';

/**
 * A fresh ed25519 key pair for tests; with a passphrase, encrypted with few bcrypt rounds to keep tests fast.
 * ssh2's generator drops leading zero bytes of the public key, so about 1 pair in 250 cannot be read back
 * (https://github.com/mscdex/ssh2/issues/1513); such pairs are generated again.
 */
export function generateTestKeyPair(passphrase?: string): { private: string; public: string } {
  for (;;) {
    const pair = passphrase === undefined ? ssh2.utils.generateKeyPairSync('ed25519') : ssh2.utils.generateKeyPairSync('ed25519', { passphrase, cipher: 'aes256-ctr', rounds: 2 });
    if (!(ssh2.utils.parseKey(pair.public) instanceof Error) && !(ssh2.utils.parseKey(pair.private, passphrase) instanceof Error)) return pair;
  }
}
