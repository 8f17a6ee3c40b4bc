import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

// sha256 for the manifest and for deterministic overlay addresses. shared cannot use node:crypto, and the Web Crypto
// API is async, so this uses @noble/hashes: a small, audited, dependency-free implementation that runs unchanged in
// Node, the renderer and vitest.

/** The sha256 of a string's UTF-8 bytes, as lowercase hex. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** The sha256 of a string's UTF-8 bytes. */
export function sha256Bytes(text: string): Uint8Array {
  return sha256(utf8ToBytes(text));
}
