// The test OpenID Connect provider (oidc-provider.mjs) on its own: it must give what a
// GitLab login gives. Starts it against a fake relying party (a tiny http server here),
// reads its discovery document and JWKS, signs in through its login page in Debian's
// chromium, redeems the code with PKCE and the client secret, checks the ID token's
// RS256 signature against the JWKS and its claims, and userinfo's.
//
// Needs no secfixes server (it does not read SECFIXES_E2E_URL); screenshots go to
// SECFIXES_E2E_ARTIFACTS when it is set.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launch } from './chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLIENT_ID = 'secfixes';
const CLIENT_SECRET = 'secfixes-test-secret';
const OTHER_ID = 'secfixes-other';
const OTHER_SECRET = 'secfixes-other-secret';

const ARTIFACTS = process.env.SECFIXES_E2E_ARTIFACTS ? path.resolve(process.env.SECFIXES_E2E_ARTIFACTS) : null;
if (ARTIFACTS) mkdirSync(ARTIFACTS, { recursive: true });

/** What each account's tokens must say (see the table in oidc-provider.mjs). */
const EXPECTED = {
  jane: { sub: '1001', name: 'Jane Doe', email: 'jane@example.org', email_verified: true, groups_direct: ['demo/maintainers'], groups: ['demo', 'demo/maintainers'] },
  mei: { sub: '1002', name: 'Mei Chen', email: 'mei@example.org', email_verified: true, groups_direct: ['demo/maintainers'], groups: ['demo', 'demo/maintainers'] },
  sam: { sub: '1003', name: 'Sam Security', email: 'sam@example.org', email_verified: true, groups_direct: ['demo/security'], groups: ['demo', 'demo/security'] },
  uma: { sub: '1004', name: 'Uma Unverified', email: 'jane@example.org', email_verified: false, groups_direct: [], groups: [] },
  olly: { sub: '1005', name: 'Olly Outsider', email: 'olly@example.net', email_verified: true, groups_direct: [], groups: [] },
};

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const fromB64urlJson = (s) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
const basic = (id, secret) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

let rp; // the fake relying party: { server, callback }
let op; // the provider: { child, issuer, stderr }
let discovery;
let jwks;
let browser;

/** Starts oidc-provider.mjs and reads its one stdout line. */
async function startProvider(env) {
  const child = spawn(process.execPath, [path.join(HERE, 'oidc-provider.mjs')], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no issuer line within 10 s; stderr:\n${stderr}`)), 10_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`oidc-provider.mjs exited (${code}) before listening; stderr:\n${stderr}`));
    });
  });
  const more = [];
  lines.on('line', (l) => more.push(l));
  return { child, first, more, stderr: () => stderr };
}

before(async () => {
  rp = { server: createServer(), hits: [] };
  rp.server.on('request', (req, res) => {
    rp.hits.push(req.url);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><title>callback</title><h1>relying party callback</h1>');
  });
  await new Promise((r) => rp.server.listen(0, '127.0.0.1', r));
  rp.callback = `http://127.0.0.1:${rp.server.address().port}/auth/callback`;
  rp.other = `http://127.0.0.1:${rp.server.address().port}/other/callback`;

  const started = await startProvider({ OIDC_REDIRECT_URI: `${rp.callback},${rp.other}`, OIDC_EXIT_WITH_STDIN: '1' });
  op = started;
  op.issuer = JSON.parse(started.first).issuer;

  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (op?.child && op.child.exitCode === null) {
    const exited = new Promise((r) => op.child.once('exit', (code, signal) => r({ code, signal })));
    op.child.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 0, 'SIGTERM ends the provider cleanly');
  }
  rp?.server.close();
});

/** The PKCE pair: a verifier and its S256 challenge. */
function pkce() {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
}

function authorizeUrl({ clientId = CLIENT_ID, redirectUri = rp.callback, state, nonce, challenge, scope = 'openid profile email', extra = {} }) {
  const u = new URL(discovery.authorization_endpoint);
  const params = { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope, state, nonce, ...extra };
  if (challenge) Object.assign(params, { code_challenge: challenge, code_challenge_method: 'S256' });
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.href;
}

/**
 * Signs in as `login` on the provider's page in a new browser context and returns what
 * came back to the redirect URI (code, state, iss), and the verifier and nonce used.
 */
async function signIn(login, { screenshot } = {}) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const failed = [];
    page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    const state = b64url(randomBytes(12));
    const nonce = b64url(randomBytes(12));
    const { verifier, challenge } = pkce();
    await page.goto(authorizeUrl({ state, nonce, challenge }));
    assert.match(new URL(page.url()).pathname, /^\/interaction\/[^/]+$/, 'the provider asks to sign in');
    assert.equal(await page.locator('h1').innerText(), 'Sign in');
    assert.equal(await page.locator('#client').innerText(), CLIENT_ID);
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('any password at all');
    if (screenshot && ARTIFACTS) await page.screenshot({ path: path.join(ARTIFACTS, `${screenshot}.png`), fullPage: true });
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(rp.callback), { waitUntil: 'load' }),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    const back = new URL(page.url());
    assert.deepEqual(failed, [], 'no failed requests or error responses (the login page loads nothing from outside, not even an icon)');
    assert.equal(back.searchParams.get('error'), null, `no error: ${back.searchParams.get('error_description')}`);
    assert.equal(back.searchParams.get('state'), state, 'state comes back');
    assert.equal(back.searchParams.get('iss'), op.issuer, 'iss in the authorization response (RFC 9207)');
    const code = back.searchParams.get('code');
    assert.ok(code, 'a code');
    return { code, verifier, nonce };
  } finally {
    await context.close();
  }
}

/**
 * The same sign-in without a browser (for the accounts and negative tests, to keep this
 * fast): follows the provider's redirects by hand with a cookie jar, posts the login form.
 */
async function signInHttp(login) {
  const jar = new Map();
  const keep = (res) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const go = async (u, init = {}) => {
    const res = await fetch(new URL(u, op.issuer), { redirect: 'manual', ...init, headers: { Cookie: cookie(), ...init.headers } });
    keep(res);
    return res;
  };
  const state = b64url(randomBytes(12));
  const nonce = b64url(randomBytes(12));
  const { verifier, challenge } = pkce();
  let res = await go(authorizeUrl({ state, nonce, challenge }));
  assert.equal(res.status, 303);
  const interaction = res.headers.get('location');
  assert.match(interaction, /^\/interaction\/[^/]+$/);
  res = await go(interaction);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /name="login"/);
  res = await go(`${interaction}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login, password: 'x' }),
  });
  assert.equal(res.status, 303, `${login} signs in`);
  res = await go(res.headers.get('location'));
  assert.equal(res.status, 303);
  const back = new URL(res.headers.get('location'));
  assert.equal(back.origin + back.pathname, rp.callback);
  assert.equal(back.searchParams.get('state'), state);
  assert.ok(back.searchParams.get('code'), `a code: ${back.href}`);
  return { code: back.searchParams.get('code'), verifier, nonce };
}

async function token(code, verifier, { clientId = CLIENT_ID, secret = CLIENT_SECRET, redirectUri = rp.callback } = {}) {
  const res = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { Authorization: basic(clientId, secret), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }),
  });
  return { status: res.status, body: await res.json() };
}

/** Checks a JWS's RS256 signature against the JWKS and returns its header and payload. */
function verifyJwt(jwt) {
  const [h, p, s] = jwt.split('.');
  assert.ok(h && p && s, 'a compact JWS');
  const header = fromB64urlJson(h);
  assert.equal(header.alg, 'RS256');
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, `the JWKS has the key ${header.kid}`);
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  assert.ok(ok, 'the ID token signature verifies against the JWKS');
  return { header, payload: fromB64urlJson(p) };
}

async function userinfo(accessToken) {
  const res = await fetch(discovery.userinfo_endpoint, { headers: { Authorization: `Bearer ${accessToken}` } });
  assert.equal(res.status, 200, 'userinfo answers');
  return res.json();
}

describe('the test OpenID provider', () => {
  test('prints exactly one JSON line with an http issuer on 127.0.0.1', () => {
    assert.deepEqual(Object.keys(JSON.parse(op.first)), ['issuer']);
    assert.match(op.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('discovery document and JWKS', async () => {
    const res = await fetch(`${op.issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    discovery = await res.json();
    assert.equal(discovery.issuer, op.issuer);
    for (const ep of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint']) {
      assert.ok(discovery[ep]?.startsWith(`${op.issuer}/`), `${ep}: ${discovery[ep]}`);
    }
    assert.ok(discovery.code_challenge_methods_supported.includes('S256'));
    assert.deepEqual(discovery.response_types_supported, ['code']);
    assert.deepEqual(discovery.token_endpoint_auth_methods_supported, ['client_secret_basic']);
    assert.ok(discovery.id_token_signing_alg_values_supported.includes('RS256'));
    for (const s of ['openid', 'profile', 'email']) assert.ok(discovery.scopes_supported.includes(s), `scope ${s}`);
    for (const c of ['sub', 'name', 'nickname', 'preferred_username', 'email', 'email_verified', 'groups', 'groups_direct']) {
      assert.ok(discovery.claims_supported.includes(c), `claim ${c}`);
    }
    assert.equal(discovery.authorization_response_iss_parameter_supported, true);

    const k = await fetch(discovery.jwks_uri);
    assert.equal(k.status, 200);
    jwks = await k.json();
    assert.ok(jwks.keys.length >= 1);
    for (const key of jwks.keys) {
      assert.equal(key.kty, 'RSA');
      assert.ok(key.kid);
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(key[secret], undefined, `no private ${secret}`);
    }
  });

  test('PKCE is required: no code_challenge is an error at the redirect URI', async () => {
    const res = await fetch(authorizeUrl({ state: 's1', nonce: 'n1' }), { redirect: 'manual' });
    assert.equal(res.status, 303);
    const back = new URL(res.headers.get('location'));
    assert.equal(back.origin + back.pathname, rp.callback);
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.match(back.searchParams.get('error_description'), /PKCE/);
    assert.equal(back.searchParams.get('state'), 's1');
  });

  test('an unregistered redirect URI is refused on the provider (never redirected to)', async () => {
    const { challenge } = pkce();
    const res = await fetch(authorizeUrl({ state: 's', nonce: 'n', challenge, redirectUri: `${rp.callback}/x` }), { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /redirect_uri did not match/);
  });

  test('jane signs in: code + PKCE, ID token with groups_direct, userinfo with groups', async () => {
    const { code, verifier, nonce } = await signIn('jane', { screenshot: 'oidc-login' });
    const { status, body } = await token(code, verifier);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'Bearer');
    assert.ok(body.access_token);
    assert.equal(body.scope, 'openid profile email');

    const { payload } = verifyJwt(body.id_token);
    const now = Math.floor(Date.now() / 1000);
    assert.equal(payload.iss, op.issuer);
    assert.equal(payload.aud, CLIENT_ID);
    assert.equal(payload.nonce, nonce);
    assert.ok(payload.exp > now && payload.iat <= now + 5, 'exp and iat');
    assert.equal(typeof payload.auth_time, 'number');
    assert.equal(payload.sub, '1001');
    assert.equal(payload.name, 'Jane Doe');
    assert.equal(payload.nickname, 'jane');
    assert.equal(payload.preferred_username, 'jane');
    assert.equal(payload.email, 'jane@example.org');
    assert.equal(payload.email_verified, true);
    assert.equal(payload.profile, `${op.issuer}/jane`);
    assert.deepEqual(payload.groups_direct, ['demo/maintainers']);
    assert.equal(payload.groups, undefined, 'groups is a userinfo claim (as on GitLab)');

    const info = await userinfo(body.access_token);
    assert.equal(info.sub, '1001');
    assert.equal(info.preferred_username, 'jane');
    assert.equal(info.email, 'jane@example.org');
    assert.equal(info.email_verified, true);
    assert.deepEqual(info.groups, ['demo', 'demo/maintainers']);
    assert.equal(info.groups_direct, undefined, 'groups_direct is an ID token claim (as on GitLab)');

    const again = await token(code, verifier);
    assert.equal(again.status, 400, 'a code works once');
    assert.equal(again.body.error, 'invalid_grant');
  });

  test('every account carries its claims (uma: jane\'s address, unverified)', async () => {
    for (const [login, want] of Object.entries(EXPECTED)) {
      const { code, verifier, nonce } = await signInHttp(login);
      const { status, body } = await token(code, verifier);
      assert.equal(status, 200, `${login}: ${JSON.stringify(body)}`);
      const { payload } = verifyJwt(body.id_token);
      const info = await userinfo(body.access_token);
      assert.deepEqual(
        { sub: payload.sub, name: payload.name, email: payload.email, email_verified: payload.email_verified, groups_direct: payload.groups_direct, groups: info.groups },
        want,
        login,
      );
      assert.equal(payload.preferred_username, login);
      assert.equal(payload.nonce, nonce);
      assert.equal(info.sub, want.sub);
    }
  });

  test('the wrong verifier, the wrong secret, the other client or another redirect URI get nothing', async () => {
    const { code } = await signInHttp('mei');
    const wrongVerifier = await token(code, pkce().verifier);
    assert.equal(wrongVerifier.status, 400);
    assert.equal(wrongVerifier.body.error, 'invalid_grant');

    const { code: code2, verifier: verifier2 } = await signInHttp('mei');
    const wrongSecret = await token(code2, verifier2, { secret: 'nope' });
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.body.error, 'invalid_client');
    const otherClient = await token(code2, verifier2, { clientId: OTHER_ID, secret: OTHER_SECRET });
    assert.equal(otherClient.status, 400, 'a code of one client is no good to another');
    assert.equal(otherClient.body.error, 'invalid_grant');
    const otherRedirect = await token(code2, verifier2, { redirectUri: rp.other });
    assert.equal(otherRedirect.status, 400);
    assert.equal(otherRedirect.body.error, 'invalid_grant');
  });

  test('an unknown user stays on the login page with an error', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const { challenge } = pkce();
      await page.goto(authorizeUrl({ state: 's', nonce: 'n', challenge }));
      await page.locator('input[name=login]').fill('mallory');
      await page.locator('input[name=password]').fill('x');
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
      await page.locator('p.error').waitFor();
      assert.equal(await page.locator('p.error').innerText(), 'Invalid login or password.');
      assert.match(new URL(page.url()).pathname, /^\/interaction\/[^/]+\/login$/);
      assert.equal(await page.locator('input[name=login]').inputValue(), 'mallory');
      // Cancel goes back to the relying party with access_denied.
      await Promise.all([page.waitForURL((u) => u.href.startsWith(rp.callback)), page.locator('a#cancel').click()]);
      assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied');
    } finally {
      await context.close();
    }
  });

  test('the provider keeps its session: a second authorization in the same context skips the form', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const first = pkce();
      await page.goto(authorizeUrl({ state: 'a', nonce: 'a', challenge: first.challenge }));
      await page.locator('input[name=login]').fill('sam');
      await page.locator('input[name=password]').fill('x');
      await Promise.all([page.waitForURL((u) => u.href.startsWith(rp.callback)), page.getByRole('button', { name: 'Sign in' }).click()]);
      const cookies = (await context.cookies(op.issuer)).map((c) => c.name).sort();
      assert.ok(cookies.includes('op_session'), `the provider's session cookie is op_session: ${cookies}`);
      assert.ok(!cookies.some((n) => n.startsWith('_')), `no default (underscore) cookie names: ${cookies}`);

      const second = pkce();
      await page.goto(authorizeUrl({ state: 'b', nonce: 'b', challenge: second.challenge }));
      assert.ok(page.url().startsWith(rp.callback), 'straight back, no login form');
      const { body } = await token(new URL(page.url()).searchParams.get('code'), second.verifier);
      assert.equal(verifyJwt(body.id_token).payload.sub, '1003');

      // prompt=login asks again.
      const third = pkce();
      await page.goto(authorizeUrl({ state: 'c', nonce: 'c', challenge: third.challenge, extra: { prompt: 'login' } }));
      assert.match(new URL(page.url()).pathname, /^\/interaction\//, 'prompt=login shows the form');
    } finally {
      await context.close();
    }
  });

  test('after all that, still nothing else on stdout (notices and logs go to stderr)', () => {
    assert.deepEqual(op.more, []);
    assert.match(op.stderr(), /jane signed in \(sub 1001\)/);
  });
});
