// Debian's chromium for the e2e tests: how to start it here (as root, with no network)
// and a page that records what a person would not see but should never happen. Needs no
// secfixes server, so the provider's own test (oidc.test.mjs) uses it too.

import assert from 'node:assert/strict';

/** The flags Debian's chromium runs with here: as root, with no network at all. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const CHROMIUM = process.env.SECFIXES_E2E_CHROMIUM ?? '/usr/bin/chromium';

/** Starts Debian's chromium; playwright-core never downloads a browser of its own. */
export async function launch() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * A fresh browser context and page (a fresh provider session too) that records console
 * errors, uncaught exceptions, CSP violations, failed requests and error responses.
 * `check()` asserts there were none (`allowConsole`, `allowResponses`: expected ones, as
 * regular expressions) and closes the context.
 */
export async function watchedPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Runs before any page script and outside the page's CSP (it comes from the browser).
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`);
    });
  });
  const page = await context.newPage();
  const problems = { console: [], errors: [], failed: [], responses: [], csp: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.console.push(`${m.type()}: ${m.text()} (${m.location()?.url ?? ''})`);
  });
  page.on('pageerror', (e) => problems.errors.push(String(e)));
  page.on('requestfailed', (r) => {
    // The next navigation cancels an icon fetch still under way after `load`: not a
    // failure anyone sees. Anything else aborted still counts.
    const text = r.failure()?.errorText;
    if (text === 'net::ERR_ABORTED' && /\/(static\/icon\.svg|favicon\.ico)$/.test(new URL(r.url()).pathname)) return;
    problems.failed.push(`${r.url()}: ${text}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.responses.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  const collectCsp = async () => {
    try {
      problems.csp.push(...(await page.evaluate(() => window.__csp ?? [])));
    } catch {
      // the page is gone
    }
  };
  return {
    page,
    problems,
    async check({ allowConsole = [], allowResponses = [] } = {}) {
      await collectCsp();
      const console = problems.console.filter((c) => !allowConsole.some((re) => re.test(c)));
      const responses = problems.responses.filter((c) => !allowResponses.some((re) => re.test(c)));
      assert.deepEqual(problems.csp, [], 'CSP violations');
      assert.deepEqual(console.filter((c) => /Content Security Policy|Refused to/i.test(c)), [], 'CSP');
      assert.deepEqual(responses, [], 'error responses');
      assert.deepEqual(problems.failed, [], 'failed requests');
      assert.deepEqual(console, [], 'console errors and warnings');
      assert.deepEqual(problems.errors, [], 'uncaught page errors');
      await context.close();
    },
    /** Follows a link (or submits a form) and waits for the page it leads to. */
    async follow(locator, expected) {
      await collectCsp();
      await Promise.all([page.waitForURL(expected, { waitUntil: 'load' }), locator.click()]);
    },
    collectCsp,
    close: () => context.close(),
  };
}
