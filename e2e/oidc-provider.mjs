#!/usr/bin/env node
// A real OpenID Connect provider for the login tests: panva's oidc-provider on 127.0.0.1,
// with GitLab's claims (groups_direct in the ID token, groups from userinfo) and five test
// accounts. Nothing here is for production: keys and cookie secrets are made at startup,
// every password is accepted, state lives in memory.
//
// Start it (node 20 or later; `npm ci --prefix e2e` first):
//
//   OIDC_REDIRECT_URI=http://127.0.0.1:8123/auth/callback node e2e/oidc-provider.mjs
//
// It listens on a free port of 127.0.0.1 and prints exactly one line on stdout once it
// accepts connections, then nothing else there (its own notices and logs go to stderr):
//
//   {"issuer":"http://127.0.0.1:PORT"}
//
// and runs until SIGTERM or SIGINT (exit 0). With OIDC_EXIT_WITH_STDIN=1 it also exits when
// its stdin reaches end of file, so that a parent that dies without killing it (a panicking
// test) does not leave it behind.
//
// How crates/web/tests/browser.rs should use it:
//   1. bind the web server's listener on 127.0.0.1:0 first, to know its callback URL;
//   2. spawn `node e2e/oidc-provider.mjs` (current_dir the workspace or e2e/, the script
//      finds its modules beside itself) with OIDC_REDIRECT_URI=<base>/auth/callback,
//      OIDC_EXIT_WITH_STDIN=1, stdin and stdout piped, stderr inherited or drained;
//   3. read the first stdout line, parse it as JSON, take `issuer` (a timeout of ~10 s:
//      startup takes well under one second);
//   4. configure the server's OIDC settings with that issuer, client id `secfixes`, secret
//      `secfixes-test-secret`, and serve; give the e2e tests SECFIXES_OIDC_ISSUER=<issuer>;
//   5. at the end, kill the child (SIGKILL from Child::kill is fine; SIGTERM is clean) and
//      wait for it; dropping the stdin handle alone also ends it with OIDC_EXIT_WITH_STDIN.
//
// Environment:
//   OIDC_REDIRECT_URI    the relying party's callback; a comma-separated list for several
//                        (default http://127.0.0.1:8080/auth/callback, `secfixes demo`'s port).
//                        Matched exactly, port and path included.
//   OIDC_CLIENT_ID       default `secfixes`
//   OIDC_CLIENT_SECRET   default `secfixes-test-secret`
//   OIDC_PORT            default 0 (a free port)
//   OIDC_DEBUG=1         one stderr line per request
//
// A second client, `secfixes-other` with secret `secfixes-other-secret` and the same
// redirect URIs, exists for negative tests (a code or token of one client must not work
// for the other; an ID token whose `aud` is not ours must be refused).
//
// Endpoints (from /.well-known/openid-configuration): /auth, /token, /me (userinfo),
// /jwks, /session/end. Clients authenticate with client_secret_basic only, response type
// `code` only, PKCE (S256) required, ID tokens signed RS256 with a key made at startup.
// The authorization response carries `iss` (RFC 9207) besides `code` and `state`.
//
// The login page (GET /interaction/<uid>) is a plain form: input[name=login] (a user name
// below), input[name=password] (anything non-empty), a button "Sign in", and a link
// a#cancel. An unknown user name shows p.error "Invalid login or password." on the same
// page. There is no consent page: the client is treated as trusted (like a GitLab
// instance-wide "trusted" application), so after signing in the browser goes straight back
// to the redirect URI. The provider keeps its own session (cookie `op_session`) like
// GitLab does: logging out of the relying party does not log out of the provider, so a
// second login in the same browser context returns at once as the same user unless the
// relying party sends `prompt=login` (use a new browser context per user instead).
//
// Cookies on 127.0.0.1 are shared by every port, so the provider's cookies are named
// op_session, op_interaction and op_interaction_resume (and .sig) to keep clear of the
// relying party's: the relying party must not use those names, and must ignore them.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

// Everything oidc-provider says (its "NOTICE"s go to console.info, i.e. stdout) goes to
// stderr: stdout carries the one JSON line and nothing else.
const toStderr = (...args) => console.error(...args);
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;
// Two warnings that are expected here: the in-memory adapter is what a test wants, and
// node 20 works although oidc-provider 9 asks for 22 (its test suite covers 22 and later).
const EXPECTED_WARNINGS = [/in-memory adapter/, /Unsupported runtime/];
console.warn = (...args) => {
  if (!EXPECTED_WARNINGS.some((re) => re.test(String(args[0])))) console.error(...args);
};

const { default: Provider } = await import('oidc-provider');

const HOST = '127.0.0.1';
const DEBUG = process.env.OIDC_DEBUG === '1';
const REDIRECT_URIS = (process.env.OIDC_REDIRECT_URI || 'http://127.0.0.1:8080/auth/callback')
  .split(',')
  .map((u) => u.trim())
  .filter(Boolean);
const CLIENT_ID = process.env.OIDC_CLIENT_ID || 'secfixes';
const CLIENT_SECRET = process.env.OIDC_CLIENT_SECRET || 'secfixes-test-secret';
const PORT = Number(process.env.OIDC_PORT || 0);

for (const uri of REDIRECT_URIS) {
  if (!URL.canParse(uri) || !/^https?:$/.test(new URL(uri).protocol)) {
    console.error(`oidc-provider.mjs: OIDC_REDIRECT_URI: not an http(s) URL: ${uri}`);
    process.exit(2);
  }
}

/**
 * The accounts, by login name. `id` is the subject (GitLab's `sub` is the user's numeric
 * id, as a string). groups_direct are the groups the user is a direct member of (GitLab
 * puts them in the ID token), groups those and their ancestors (GitLab's userinfo).
 */
const ACCOUNTS = {
  jane: {
    id: '1001',
    name: 'Jane Doe',
    email: 'jane@example.org',
    email_verified: true,
    groups_direct: ['demo/maintainers'],
    groups: ['demo', 'demo/maintainers'],
  },
  mei: {
    id: '1002',
    name: 'Mei Chen',
    email: 'mei@example.org',
    email_verified: true,
    groups_direct: ['demo/maintainers'],
    groups: ['demo', 'demo/maintainers'],
  },
  sam: {
    id: '1003',
    name: 'Sam Security',
    email: 'sam@example.org',
    email_verified: true,
    groups_direct: ['demo/security'],
    groups: ['demo', 'demo/security'],
  },
  // Claims jane's address but has not verified it: must not be taken for jane.
  uma: {
    id: '1004',
    name: 'Uma Unverified',
    email: 'jane@example.org',
    email_verified: false,
    groups_direct: [],
    groups: [],
  },
  olly: {
    id: '1005',
    name: 'Olly Outsider',
    email: 'olly@example.net',
    email_verified: true,
    groups_direct: [],
    groups: [],
  },
};
const BY_ID = new Map(Object.entries(ACCOUNTS).map(([login, a]) => [a.id, { login, ...a }]));

const htmlEscape = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** A whole page, with no outside resources (the browser here has no network). */
const page = (title, body) => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlEscape(title)} · test OpenID provider</title>
<link rel="icon" href="data:,">
<style>
body { font-family: sans-serif; max-width: 24rem; margin: 3rem auto; color: #222; }
h1 { font-weight: 400; }
label { display: block; margin: 0.8rem 0; }
input { display: block; width: 100%; box-sizing: border-box; padding: 0.4rem; font-size: 1rem; }
button { padding: 0.4rem 1.2rem; font-size: 1rem; }
.error { color: #a00; }
.note { color: #666; font-size: 0.9rem; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;

function loginPage(uid, { clientId, loginHint = '', error = '' }) {
  return page(
    'Sign in',
    `<h1>Sign in</h1>
<p>to <strong id="client">${htmlEscape(clientId)}</strong></p>
${error ? `<p class="error" role="alert">${htmlEscape(error)}</p>` : ''}
<form id="login" method="post" action="/interaction/${htmlEscape(uid)}/login" autocomplete="off">
<label>Username <input type="text" name="login" required autofocus value="${htmlEscape(loginHint)}"></label>
<label>Password <input type="password" name="password" required></label>
<button type="submit">Sign in</button>
</form>
<p><a id="cancel" href="/interaction/${htmlEscape(uid)}/abort">Cancel</a></p>
<p class="note">Test accounts: ${Object.keys(ACCOUNTS).join(', ')}; any password.</p>`,
  );
}

/** Reads a small urlencoded request body. */
async function formBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16 * 1024) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The grant a trusted client gets without a consent page: what it asked for. */
async function grantFor(ctx, grant) {
  const { Grant } = ctx.oidc.provider;
  grant ??= new Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
  const scopes = [...(ctx.oidc.requestParamScopes ?? [])].filter((s) => SCOPES.includes(s));
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const claims = [...(ctx.oidc.requestParamClaims ?? [])];
  if (claims.length) grant.addOIDCClaims(claims);
  await grant.save();
  return grant;
}

const SCOPES = ['openid', 'profile', 'email'];

// The signing key: RS256, new at every start (tests read the JWKS from the provider).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };

const postLogoutRedirectUris = [...new Set(REDIRECT_URIS.map((u) => `${new URL(u).origin}/`))];
const client = (client_id, client_secret) => ({
  client_id,
  client_secret,
  client_name: client_id,
  application_type: 'web',
  redirect_uris: REDIRECT_URIS,
  post_logout_redirect_uris: postLogoutRedirectUris,
  response_types: ['code'],
  grant_types: ['authorization_code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
  // GitLab's ID tokens always say when the user signed in.
  require_auth_time: true,
});

const configuration = {
  clients: [client(CLIENT_ID, CLIENT_SECRET), client('secfixes-other', 'secfixes-other-secret')],
  jwks: { keys: [signingKey] },
  cookies: {
    keys: [randomBytes(32).toString('base64url')],
    names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_interaction_resume' },
  },
  scopes: SCOPES,
  // Which claims each scope releases. groups and groups_direct come with `openid`, as on
  // GitLab; findAccount decides which of them goes where.
  claims: {
    openid: ['sub', 'groups_direct', 'groups'],
    profile: ['name', 'nickname', 'preferred_username', 'profile', 'picture', 'website'],
    email: ['email', 'email_verified'],
  },
  // ID tokens from the token endpoint carry the scopes' claims (GitLab's do), not just sub.
  conformIdTokenClaims: false,
  responseTypes: ['code'],
  clientAuthMethods: ['client_secret_basic'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource(ctx, form) {
        ctx.body = page(
          'Sign out',
          `<h1>Sign out?</h1>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`,
        );
      },
      postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<h1>Signed out</h1>');
      },
    },
  },
  interactions: {
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
    return grantFor(ctx, existing);
  },
  async findAccount(ctx, id) {
    const account = BY_ID.get(id);
    if (!account) return undefined;
    return {
      accountId: account.id,
      async claims(use) {
        const claims = {
          sub: account.id,
          name: account.name,
          nickname: account.login,
          preferred_username: account.login,
          email: account.email,
          email_verified: account.email_verified,
          profile: `${ctx.oidc.issuer}/${account.login}`,
        };
        // GitLab: groups_direct in the ID token, groups (with ancestors) from userinfo.
        if (use === 'id_token') claims.groups_direct = account.groups_direct;
        else claims.groups = account.groups;
        return claims;
      },
    };
  },
  clientBasedCORS: () => false,
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page(
      'Error',
      `<h1>Error</h1>${Object.entries(out)
        .map(([k, v]) => `<p><strong>${htmlEscape(k)}</strong>: <span class="${htmlEscape(k)}">${htmlEscape(v)}</span></p>`)
        .join('')}`,
    );
  },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    ClientCredentials: 600,
    DeviceCode: 600,
    BackchannelAuthenticationRequest: 600,
    PreAuthorizedCode: 600,
    Grant: 8 * 3600,
    IdToken: 3600,
    Interaction: 600,
    RefreshToken: 8 * 3600,
    Session: 8 * 3600,
  },
};

// Listen first: the issuer names the port.
const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(PORT, HOST, resolve);
});
const issuer = `http://${HOST}:${server.address().port}`;
const provider = new Provider(issuer, configuration);

for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error', 'end_session.error']) {
  provider.on(event, (ctx, err) => {
    console.error(`oidc-provider.mjs: ${event}: ${err?.name ?? ''} ${err?.message ?? err} ${err?.error_description ?? ''}`);
  });
}
provider.on('grant.success', (ctx) => {
  console.error(`oidc-provider.mjs: tokens issued to ${ctx.oidc.client?.clientId} for account ${ctx.oidc.entities.Account?.accountId ?? '?'}`);
});

// The login page: in front of the provider's own routes.
provider.use(async (ctx, next) => {
  if (DEBUG) console.error(`oidc-provider.mjs: ${ctx.method} ${ctx.url}`);
  const m = /^\/interaction\/([^/]+)(\/login|\/abort)?$/.exec(ctx.path);
  if (!m) return next();
  ctx.set('Cache-Control', 'no-store');
  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Error</h1><p class="error">${htmlEscape(err.message)}</p>`);
    return undefined;
  }
  const { uid, prompt, params } = details;
  if (uid !== m[1]) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = page('Error', '<h1>Error</h1><p class="error">interaction mismatch</p>');
    return undefined;
  }
  const finish = async (result) => {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
  };
  if (m[2] === '/abort') {
    return finish({ error: 'access_denied', error_description: 'End-User aborted interaction' });
  }
  if (prompt.name !== 'login') {
    // No consent page (loadExistingGrant grants what was asked); anything else is a bug.
    ctx.status = 501;
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Error</h1><p class="error">prompt ${htmlEscape(prompt.name)} is not implemented</p>`);
    return undefined;
  }
  if (m[2] === '/login' && ctx.method === 'POST') {
    const body = await formBody(ctx.req);
    const login = (body.get('login') ?? '').trim();
    const account = Object.hasOwn(ACCOUNTS, login) ? ACCOUNTS[login] : undefined;
    if (account && body.get('password')) {
      console.error(`oidc-provider.mjs: ${login} signed in (sub ${account.id}) for ${params.client_id}`);
      return finish({ login: { accountId: account.id } });
    }
    ctx.type = 'html';
    ctx.body = loginPage(uid, { clientId: params.client_id, loginHint: login, error: 'Invalid login or password.' });
    return undefined;
  }
  if (ctx.method !== 'GET' || m[2]) {
    ctx.status = 405;
    return undefined;
  }
  ctx.type = 'html';
  ctx.body = loginPage(uid, { clientId: params.client_id, loginHint: params.login_hint ?? '' });
  return undefined;
});

server.on('request', provider.callback());

let closing = false;
function shutdown() {
  if (closing) return;
  closing = true;
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
if (process.env.OIDC_EXIT_WITH_STDIN === '1') {
  process.stdin.on('end', shutdown);
  process.stdin.on('error', shutdown);
  process.stdin.resume();
}

console.error(
  `oidc-provider.mjs: ${issuer} for ${CLIENT_ID} (and secfixes-other), redirect URIs ${REDIRECT_URIS.join(' ')}; accounts ${Object.keys(ACCOUNTS).join(', ')}`,
);
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
