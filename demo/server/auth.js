// Join tokens of the reference signaling server (docs/protocol.md §2.1, docs/security.md): JWTs
// (RFC 7519) signed by the portal backend and verified here with the `jose` library — HS256 with
// a shared secret, or RS256 / EdDSA with a public key (PEM) or a JWKS file (RFC 7517). Identity
// (`sub`), role and consultation come from the token only.

import { createPublicKey, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT, jwtVerify, createLocalJWKSet, errors as joseErrors } from 'jose';

/** Roles a token may carry (`role` claim). */
export const ROLES = Object.freeze(['doctor', 'client']);

/** Longest accepted token (characters); longer is refused before verifying. */
export const MAX_TOKEN_LENGTH = 8192;

/** Upper bound for `sub`, `consultationId` and `name` claims (characters). */
const MAX_CLAIM_LENGTH = 256;

/** Shortest accepted HS256 secret (bytes): RFC 7518 §3.2 requires a key of at least the hash size. */
export const MIN_SECRET_BYTES = 32;

/** Why a token was refused: `code` is `unauthorized` (missing, bad signature, expired, bad claims). */
export class AuthError extends Error {
  constructor(message) {
    super(message);
    this.code = 'unauthorized';
  }
}

/**
 * @typedef {object} Identity what a verified token says
 * @property {string} sub the participant's id (portal user id)
 * @property {'doctor'|'client'} role
 * @property {string} consultationId the room it may join
 * @property {string} name display name ('' when absent)
 * @property {number} exp expiry, seconds since the epoch (RFC 7519 §4.1.4)
 */

/**
 * Builds a token verifier from exactly one key source.
 * @param {object} options
 * @param {string} [options.secret] HS256 shared secret (at least 32 bytes of UTF-8)
 * @param {string} [options.publicKey] PEM public key (RSA → RS256, Ed25519 → EdDSA)
 * @param {object} [options.jwks] a JWKS object `{keys: [...]}` (RFC 7517 §5); RS256 / EdDSA / ES256
 * @param {string} [options.issuer] when set, the `iss` claim must equal it
 * @param {string} [options.audience] when set, the `aud` claim must contain it
 * @param {number} [options.clockToleranceSec=5] accepted clock skew for `exp` / `nbf`, in seconds
 * @returns {{verify: (token: unknown) => Promise<Identity>, describe: string}}
 *   `verify` rejects with AuthError; `describe` names the key source for the startup log
 * @throws {TypeError} when not exactly one source is given, the secret is too short, or the key
 *   cannot be read
 */
export function createVerifier({ secret, publicKey, jwks, issuer, audience, clockToleranceSec = 5 } = {}) {
  const given = [secret, publicKey, jwks].filter((v) => v !== undefined && v !== null);
  if (given.length !== 1) throw new TypeError('auth: give exactly one of secret, publicKey, jwks');
  let key;
  let algorithms;
  let describe;
  if (secret !== undefined && secret !== null) {
    const bytes = Buffer.from(String(secret), 'utf8');
    if (bytes.length < MIN_SECRET_BYTES) throw new TypeError(`auth: the HS256 secret must be at least ${MIN_SECRET_BYTES} bytes`);
    key = createSecretKey(bytes);
    algorithms = ['HS256'];
    describe = 'HS256 shared secret';
  } else if (publicKey !== undefined && publicKey !== null) {
    const k = createPublicKey(publicKey);
    if (k.asymmetricKeyType === 'rsa') algorithms = ['RS256'];
    else if (k.asymmetricKeyType === 'ed25519') algorithms = ['EdDSA', 'Ed25519'];
    else throw new TypeError(`auth: public key type ${k.asymmetricKeyType} is not supported (RSA or Ed25519)`);
    key = k;
    describe = `${algorithms[0]} public key`;
  } else {
    if (typeof jwks !== 'object' || !Array.isArray(jwks.keys)) throw new TypeError('auth: jwks must be {keys: [...]}');
    key = createLocalJWKSet(jwks);
    algorithms = ['RS256', 'EdDSA', 'Ed25519', 'ES256'];
    describe = `JWKS (${jwks.keys.length} key(s))`;
  }
  const verifyOptions = { algorithms, clockTolerance: clockToleranceSec, requiredClaims: ['exp', 'sub'] };
  if (issuer) verifyOptions.issuer = issuer;
  if (audience) verifyOptions.audience = audience;

  async function verify(token) {
    if (typeof token !== 'string' || token.length === 0) throw new AuthError('join needs data.token (a JWT from the portal)');
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthError(`token longer than ${MAX_TOKEN_LENGTH} characters`);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key, verifyOptions));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AuthError('token expired');
      if (err instanceof joseErrors.JOSEError) throw new AuthError(`invalid token (${err.code})`);
      throw new AuthError('invalid token');
    }
    const { sub, role, consultationId, name = '' } = payload;
    const claim = (v) => typeof v === 'string' && v.length > 0 && v.length <= MAX_CLAIM_LENGTH;
    if (!claim(sub)) throw new AuthError('token claim sub must be a non-empty string');
    if (!ROLES.includes(role)) throw new AuthError(`token claim role must be one of ${ROLES.join(', ')}`);
    if (!claim(consultationId)) throw new AuthError('token claim consultationId must be a non-empty string');
    if (typeof name !== 'string' || name.length > MAX_CLAIM_LENGTH) throw new AuthError('token claim name must be a string');
    return { sub, role, consultationId, name, exp: payload.exp };
  }

  return { verify, describe };
}

/**
 * Reads the CLI's key options into createVerifier options: `secretFile` (HS256 secret, trailing
 * newline trimmed), `publicKeyFile` (PEM) or `jwksFile` (JSON); `secret` (the value itself, from
 * the CALLCORE_JWT_SECRET environment variable) also counts.
 * @returns {object|null} options for createVerifier, or null when no key was given
 * @throws {Error} when a file cannot be read or the JWKS is not JSON
 */
export function keyOptionsFromFiles({ secret, secretFile, publicKeyFile, jwksFile }) {
  if (secretFile) return { secret: readFileSync(secretFile, 'utf8').replace(/\r?\n$/, '') };
  if (publicKeyFile) return { publicKey: readFileSync(publicKeyFile, 'utf8') };
  if (jwksFile) return { jwks: JSON.parse(readFileSync(jwksFile, 'utf8')) };
  if (secret) return { secret };
  return null;
}

/**
 * Mints an HS256 join token, for the demo pages and tests (a portal backend mints its own the
 * same way, with any JWT library).
 * @param {string} secret the shared secret (≥ 32 bytes)
 * @param {{sub: string, role: 'doctor'|'client', consultationId: string, name?: string}} claims
 * @param {object} [options]
 * @param {number} [options.ttlSec=600] lifetime in seconds (negative: already expired, for tests)
 * @param {string} [options.issuer]
 * @param {string} [options.audience]
 * @returns {Promise<string>} the compact JWS (RFC 7515 §7.1)
 */
export async function mintToken(secret, claims, { ttlSec = 600, issuer, audience } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSec);
  if (issuer) jwt.setIssuer(issuer);
  if (audience) jwt.setAudience(audience);
  return jwt.sign(createSecretKey(Buffer.from(secret, 'utf8')));
}
