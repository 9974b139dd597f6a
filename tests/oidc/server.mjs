// Minimal OpenID Connect provider for the Samverkan end-to-end tests.
//
// Built on `oidc-provider` (certified implementation). Only the
// client_credentials grant is enabled; every access token requested with a
// `resource` indicator is an RS256-signed JWT whose `aud` is that resource and
// which carries the client's `org` and `roles` as custom claims.
//
// Usage: node server.mjs --port 4011   (or PORT=4011 node server.mjs)
// Prints exactly one line `READY http://127.0.0.1:<port>` on stdout once it is
// listening. Exits on SIGTERM/SIGINT and when its stdin is closed.

import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

// oidc-provider prints its development NOTICEs with console.info (stdout).
// Keep stdout reserved for the single READY line the Rust tests wait for.
console.info = (...args) => console.error(...args);
console.log = (...args) => console.error(...args);

const { values } = parseArgs({
  options: { port: { type: 'string' } },
  strict: true,
});
const portArg = values.port ?? process.env.PORT;
const port = Number.parseInt(portArg ?? '', 10);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error('usage: node server.mjs --port N   (or set PORT)');
  process.exit(2);
}

const HOST = '127.0.0.1';
const DEFAULT_TTL = 600;
const SHORT_TTL = 2;

// client_id -> { org, roles, ttl }
const CLIENTS = {
  'malmo-strategist': { org: '1280', roles: ['strategist'] },
  'lund-strategist': { org: '1281', roles: ['strategist'] },
  'lund-viewer': { org: '1281', roles: ['viewer'] },
  coordinator: { org: 'region-skane', roles: ['coordinator'] },
  'short-lived': { org: '1280', roles: ['strategist'], ttl: SHORT_TTL },
};

const clients = Object.entries(CLIENTS).map(([clientId, { org, roles }]) => ({
  client_id: clientId,
  client_secret: `secret-${clientId}`,
  // Both client_secret_basic and client_secret_post are accepted by
  // oidc-provider for a client registered with either of them.
  token_endpoint_auth_method: 'client_secret_post',
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  org,
  roles,
}));

// Ephemeral RS256 signing key, regenerated on every start. The kid is derived
// by oidc-provider (RFC 7638 thumbprint) and published at the jwks_uri.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' };

const ttlFor = (client) => CLIENTS[client?.clientId]?.ttl ?? DEFAULT_TTL;

const configuration = {
  clients,
  jwks: { keys: [signingJwk] },
  extraClientMetadata: {
    properties: ['org', 'roles'],
    validator(ctx, key, value) {
      if (key === 'org' && value !== undefined && typeof value !== 'string') {
        throw new TypeError('org must be a string');
      }
      if (key === 'roles' && value !== undefined
        && !(Array.isArray(value) && value.every((r) => typeof r === 'string'))) {
        throw new TypeError('roles must be an array of strings');
      }
    },
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: false },
    revocation: { enabled: false },
    resourceIndicators: {
      enabled: true,
      // A `resource` parameter is mandatory: without it oidc-provider would
      // issue an opaque (non-JWT) token, which is never what a test wants.
      async defaultResource(ctx, client, oneOf) {
        if (oneOf) return oneOf;
        throw new errors.InvalidTarget('resource parameter is required');
      },
      useGrantedResource: async () => false,
      // Accept any absolute http(s) URL as resource; the token's aud is it.
      async getResourceServerInfo(ctx, resourceIndicator, client) {
        const { protocol } = new URL(resourceIndicator);
        if (protocol !== 'https:' && protocol !== 'http:') {
          throw new errors.InvalidTarget('resource must be an http(s) URL');
        }
        return {
          scope: '',
          audience: resourceIndicator,
          // No accessTokenTTL here: the lifetime comes from ttl.ClientCredentials.
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  async extraTokenClaims(ctx, token) {
    // Custom claims for the JWT access token, taken from the client metadata.
    const client = ctx?.oidc?.client ?? await provider.Client.find(token.clientId);
    if (!client) return undefined;
    const claims = {};
    if (client.org !== undefined) claims.org = client.org;
    if (client.roles !== undefined) claims.roles = client.roles;
    return claims;
  },
  ttl: {
    // `short-lived` gets 2 s tokens, everyone else 600 s.
    ClientCredentials(ctx, token, client) {
      return ttlFor(client ?? token.client);
    },
  },
  clientDefaults: {
    grant_types: ['client_credentials'],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  },
  // Static cookie keys (no interactive flows are used; avoids a dev warning).
  cookies: { keys: ['samverkan-test-oidc-cookie-key'] },
  renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
};

const issuer = `http://${HOST}:${port}`;
const provider = new Provider(issuer, configuration);

provider.on('server_error', (ctx, err) => {
  console.error('oidc server_error:', err);
});

let server;
let exiting = false;
function shutdown(code = 0) {
  if (exiting) return;
  exiting = true;
  const done = () => process.exit(code);
  if (server) {
    server.close(done);
    server.closeAllConnections?.();
    setTimeout(done, 1000).unref();
  } else {
    done();
  }
}

process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));

// Never outlive the parent: exit when stdin reaches EOF or is closed. The
// spawning test must therefore give this process a pipe as stdin (Rust:
// `Stdio::piped()`, keeping the ChildStdin alive); /dev/null means exit at once.
process.stdin.on('end', () => shutdown(0));
process.stdin.on('close', () => shutdown(0));
process.stdin.on('error', () => shutdown(0));
process.stdin.on('data', () => {});
process.stdin.resume();

server = provider.listen(port, HOST, () => {
  process.stdout.write(`READY ${issuer}\n`);
});
server.on('error', (err) => {
  console.error(`failed to listen on ${HOST}:${port}:`, err.message);
  process.exit(1);
});
