// The web UI as a person uses it, in Debian's chromium: start at the index, follow links,
// use the search box and the branch filters, and look at what is on screen. The server's
// JSON-LD says what should be there, so no data is hard-coded.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ARTIFACTS, discover, launch, url, watchedPage } from './support.mjs';

const SEVERITY_RANK = { critical: 5, high: 4, medium: 3, low: 2, none: 1, unscored: 0 };
const OPEN = new Set(['vulnerable', 'possibly-vulnerable', 'unknown']);
/** The header's background from style.css: the stylesheet loaded and CSP let it apply. */
const HEADER_BACKGROUND = 'rgb(13, 89, 127)';

let browser;
let data;

before(async () => {
  data = await discover();
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

const openPage = () => watchedPage(browser);

const screenshot = (page, name) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

async function looksStyled(page) {
  const bg = await page.$eval('header.site', (h) => getComputedStyle(h).backgroundColor);
  assert.equal(bg, HEADER_BACKGROUND, 'the stylesheet applies (header background)');
}

const h1 = (page) => page.locator('h1').innerText();

/** The rows of a branch page's table of states (package, version, CVE, state, severity, maintainer). */
function branchRows(page) {
  return page.$$eval('table.states tbody tr', (trs) =>
    trs.map((tr) => ({
      rowClass: tr.className,
      pkg: tr.cells[0].innerText.trim(),
      version: tr.cells[1].innerText.trim(),
      cve: tr.cells[2].innerText.trim(),
      state: [...tr.querySelector('.state').classList].find((c) => c.startsWith('state-')).slice(6),
      stateText: tr.querySelector('.state').innerText.trim(),
      severity: [...tr.querySelector('.severity').classList].find((c) => c.startsWith('severity-')).slice(9),
      maintainer: tr.cells[6].innerText.trim(),
    })),
  );
}

async function resultCount(page) {
  const text = await page.locator('p.result-count').innerText();
  const m = /^(\d+) states? match/.exec(text);
  assert.ok(m, `result count line: ${text}`);
  return Number(m[1]);
}

/** Sets the branch filter form and submits it with its button, as a person would. */
async function filter(p, { state, severity, maintainer, sort, order, perPage }) {
  const form = p.page.locator('form.filters');
  if (state !== undefined) await form.locator('select[name=state]').selectOption(state);
  if (severity !== undefined) await form.locator('select[name=severity]').selectOption(severity);
  if (maintainer !== undefined) await form.locator('input[name=maintainer]').fill(maintainer);
  if (sort !== undefined) await form.locator('select[name=sort]').selectOption(sort);
  if (order !== undefined) await form.locator('select[name=order]').selectOption(order);
  if (perPage !== undefined) await form.locator('input[name=per_page]').fill(String(perPage));
  await p.follow(form.locator('button[type=submit]'), (u) => u.pathname.startsWith('/branch/') && u.search !== '');
}

const severityOf = (s) => s.severity ?? 'unscored';
const openCount = (t) => t.countVulnerable + t.countPossiblyVulnerable + t.countUnknown;

describe('browsing', () => {
  test('index → branch → CVE → package by following links', async () => {
    const p = await openPage();
    const { page } = p;
    const response = await page.goto(url('/'));
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-security-policy'] ?? '', /default-src 'none'/);
    assert.equal(await h1(page), 'Branches');
    assert.match(await page.title(), /^Branches — .+ security tracker$/);
    await looksStyled(page);

    // Every branch of the JSON-LD is a row, with the same counts.
    const rows = page.locator('table.branches tbody tr');
    assert.equal(await rows.count(), data.index.items.length, 'one row per branch');
    for (const t of data.index.items) {
      const row = rows.filter({ has: page.locator('a.branch', { hasText: new RegExp(`^${escape(t.tag)}$`) }) });
      assert.equal(await row.count(), 1, `a row for ${t.tag}`);
      assert.equal(await row.locator('td.count-vulnerable').innerText(), String(t.countVulnerable), `${t.tag} vulnerable`);
      assert.equal(await row.locator('td.count-fixed').innerText(), String(t.countFixed), `${t.tag} fixed`);
      assert.equal(await row.locator('td').nth(1).innerText(), String(t.countPackages), `${t.tag} packages`);
    }
    await screenshot(page, 'index');

    // The branch with the most open states.
    const b = data.branch;
    await p.follow(page.locator('a.branch', { hasText: new RegExp(`^${escape(b.tag)}$`) }), (u) =>
      u.pathname === `/branch/${encodeURIComponent(b.tag)}`,
    );
    assert.equal(await h1(page), `Potentially vulnerable packages in ${b.tag}`);
    await looksStyled(page);
    assert.equal(await page.locator('ul.counts li.count-vulnerable .n').innerText(), String(b.countVulnerable));
    assert.equal(await resultCount(page), openCount(b), 'the open states are listed by default');
    const open = await branchRows(page);
    assert.equal(open.length, Math.min(openCount(b), 100), 'a page of at most 100 rows');
    for (const r of open) {
      assert.ok(OPEN.has(r.state), `${r.pkg} ${r.cve} is open on the default listing, not ${r.state}`);
      assert.equal(r.rowClass, `row-${r.state}`);
    }
    const byPackage = open.map((r) => r.pkg);
    assert.deepEqual(byPackage, [...byPackage].sort(compareText), 'sorted by package by default');
    assert.equal(await page.locator('form.filters select[name=state]').inputValue(), 'open');
    await screenshot(page, 'branch');

    // Only the vulnerable ones, then the first of them: its CVE page.
    await filter(p, { state: 'vulnerable' });
    assert.equal(await page.locator('form.filters select[name=state]').inputValue(), 'vulnerable', 'the form keeps the filter');
    assert.equal(await resultCount(page), b.countVulnerable);
    const vulnerable = await branchRows(page);
    assert.ok(vulnerable.length > 0);
    assert.ok(vulnerable.every((r) => r.state === 'vulnerable' && r.stateText === 'vulnerable'));
    const first = vulnerable[0];
    await p.follow(page.locator('table.states tbody tr').first().locator('a.cve'), (u) =>
      u.pathname === `/vuln/${first.cve}`,
    );
    assert.equal(await h1(page), first.cve);
    assert.match(await page.title(), new RegExp(`^${escape(first.cve)} — `));
    await looksStyled(page);
    const facts = await page.locator('dl.facts dt').allInnerTexts();
    for (const dt of ['Description', 'Severity', 'Sources', 'Other trackers']) assert.ok(facts.includes(dt), `CVE facts: ${dt}`);
    const stateRow = page.locator(`table.states tbody tr[id="state/${b.tag}/${first.pkg}/${first.version}"]`);
    assert.equal(await stateRow.count(), 1, `the CVE page has a row for ${b.tag} ${first.pkg} ${first.version}`);
    assert.equal(await stateRow.locator('.state-vulnerable').count(), 1, 'and it is vulnerable there too');
    // The explanation opens on a click.
    const details = stateRow.locator('td.explanation details');
    if (await details.count()) {
      assert.equal(await details.getAttribute('open'), null);
      await details.locator('summary').click();
      assert.notEqual(await details.getAttribute('open'), null, 'the explanation opens');
      assert.ok((await details.locator('ol li').count()) > 0, 'with its steps');
    }
    await screenshot(page, 'cve');

    // The package.
    await p.follow(stateRow.locator('td').nth(1).locator('a'), (u) => u.pathname === `/srcpkg/${encodeURIComponent(first.pkg)}`);
    assert.equal(await h1(page), first.pkg);
    await looksStyled(page);
    const headings = await page.locator('h2').allInnerTexts();
    for (const h of ['Versions', 'Open CVEs', 'Resolved CVEs', 'Fix history', 'State changes']) {
      assert.ok(headings.includes(h), `package page heading ${h}: ${headings.join(', ')}`);
    }
    const openCves = page.locator('h2:text-is("Open CVEs") + table.states');
    assert.ok((await openCves.locator(`a.cve:text-is("${first.cve}")`).count()) > 0, `${first.cve} among the open CVEs`);
    assert.ok((await page.locator('table.versions tbody tr', { hasText: first.version }).count()) > 0, 'its version is listed');
    await screenshot(page, 'package');
    await p.check();
  });

  test('the branch filters change the rows', async () => {
    const p = await openPage();
    const { page } = p;
    const b = data.branch;
    await page.goto(url('/'));
    await p.follow(page.locator('a.branch', { hasText: new RegExp(`^${escape(b.tag)}$`) }), (u) =>
      u.pathname === `/branch/${encodeURIComponent(b.tag)}`,
    );
    const before = await branchRows(page);

    // Every state, one severity: the most common one.
    const all = data.rows;
    const total = b.countVulnerable + b.countPossiblyVulnerable + b.countUnknown + b.countFixed + b.countNotAffected;
    await filter(p, { state: 'all' });
    assert.equal(await resultCount(page), total, 'state=all lists every state');
    const counts = {};
    for (const r of all) counts[severityOf(r)] = (counts[severityOf(r)] ?? 0) + 1;
    const [severity] = Object.entries(counts).sort((x, y) => y[1] - x[1])[0];
    await filter(p, { severity });
    assert.equal(await page.locator('form.filters select[name=severity]').inputValue(), severity, 'the form keeps the severity');
    assert.equal(await page.locator('form.filters select[name=state]').inputValue(), 'all', 'and the state');
    const bySeverity = await branchRows(page);
    assert.ok(bySeverity.length > 0);
    // An unscored state shows the "—" badge, which is styled as severity "none".
    const badge = severity === 'unscored' ? 'none' : severity;
    assert.deepEqual([...new Set(bySeverity.map((r) => r.severity))], [badge], `every row has severity ${severity}`);
    if (data.rowsComplete) assert.equal(await resultCount(page), counts[severity], `${severity} states`);

    // Back to the open states through the branch's own navigation, then one maintainer.
    await p.follow(page.locator('nav.branch-nav a', { hasText: 'Open states' }), (u) => u.search === '');
    assert.equal(await page.locator('form.filters input[name=maintainer]').inputValue(), '');
    const withMaintainer = all.find((r) => r.maintainer && OPEN.has(r.status));
    assert.ok(withMaintainer, `an open state on ${b.tag} with a maintainer`);
    // Part of the name, in other letter case: the filter is a case-blind substring match.
    const name = withMaintainer.maintainer.replace(/\s*<.*$/, '');
    const part = name.slice(0, Math.max(3, Math.ceil(name.length / 2))).toUpperCase();
    await filter(p, { maintainer: part });
    const byMaintainer = await branchRows(page);
    assert.ok(byMaintainer.length > 0, `rows for maintainer ${part}`);
    for (const r of byMaintainer) {
      assert.ok(r.maintainer.toLowerCase().includes(part.toLowerCase()), `${r.pkg}: ${r.maintainer} matches ${part}`);
      assert.ok(OPEN.has(r.state));
    }
    if (data.rowsComplete) {
      const expected = all.filter((r) => OPEN.has(r.status) && r.maintainer?.toLowerCase().includes(part.toLowerCase())).length;
      assert.equal(await resultCount(page), expected, `open states of maintainers matching ${part}`);
    }
    assert.notDeepEqual(byMaintainer.map((r) => r.cve + r.pkg), before.map((r) => r.cve + r.pkg), 'the maintainer filter changed the rows');
    await filter(p, { maintainer: 'nobody-maintains-this-zzz' });
    assert.equal(await resultCount(page), 0);
    assert.equal(await page.locator('p.empty').innerText(), 'No states match these filters.');
    assert.equal(await page.locator('table.states').count(), 0);

    // Pages of two: the pager walks through the open states and back.
    await filter(p, { maintainer: '', perPage: 2 });
    const pages = Math.ceil(openCount(b) / 2);
    assert.ok(pages > 1, `${b.tag} has more than two open states`);
    assert.match(await page.locator('p.result-count').innerText(), new RegExp(`^${openCount(b)} states match, showing 1–2\\.$`));
    assert.equal(await page.locator('nav.pager span').innerText(), `page 1 of ${pages}`);
    assert.equal(await page.locator('nav.pager a[rel=prev]').count(), 0, 'no previous page on the first');
    const page1 = (await branchRows(page)).map((r) => r.pkg + r.cve);
    assert.equal(page1.length, 2);
    await p.follow(page.locator('nav.pager a[rel=next]'), (u) => u.searchParams.get('page') === '2');
    assert.equal(await page.locator('nav.pager span').innerText(), `page 2 of ${pages}`);
    assert.equal(await page.locator('form.filters input[name=per_page]').inputValue(), '2', 'the form keeps the page size');
    const page2 = (await branchRows(page)).map((r) => r.pkg + r.cve);
    assert.ok(page2.length > 0 && page2.every((r) => !page1.includes(r)), 'page 2 has other rows');
    await p.follow(page.locator('nav.pager a[rel=prev]'), (u) => u.searchParams.get('page') === '1');
    assert.deepEqual((await branchRows(page)).map((r) => r.pkg + r.cve), page1, 'and back');

    // Sorting every state by CVE, then by severity (worst first).
    await filter(p, { state: 'all', sort: 'cve', perPage: 100 });
    const byCve = (await branchRows(page)).map((r) => r.cve);
    assert.ok(byCve.length > 1);
    assert.deepEqual(byCve, [...byCve].sort(compareText), 'sorted by CVE');
    // "As sorted" (the form's default order) puts the worst first for severity.
    await filter(p, { sort: 'severity', order: '' });
    assert.equal(await page.locator('form.filters select[name=sort]').inputValue(), 'severity');
    const ranks = (await branchRows(page)).map((r) => SEVERITY_RANK[r.severity]);
    for (let i = 1; i < ranks.length; i++) assert.ok(ranks[i - 1] >= ranks[i], `worst first, at row ${i}: ${ranks}`);
    const worst = Object.keys(counts).sort((x, y) => SEVERITY_RANK[y] - SEVERITY_RANK[x])[0];
    assert.equal((await branchRows(page))[0].severity, worst === 'unscored' ? 'none' : worst, 'the worst severity first');
    await filter(p, { order: 'asc' });
    const ascending = (await branchRows(page)).map((r) => SEVERITY_RANK[r.severity]);
    for (let i = 1; i < ascending.length; i++) assert.ok(ascending[i - 1] <= ascending[i], `least first, at row ${i}: ${ascending}`);
    assert.ok(total <= 100 ? ascending[0] < ranks[0] || new Set(ranks).size === 1 : true, 'the order flips');
    await p.check();
  });

  test('the search box finds a package and goes straight to a CVE', async () => {
    const p = await openPage();
    const { page } = p;
    await page.goto(url('/'));
    const box = page.locator('header form.search input[name=q]');
    assert.equal(await box.getAttribute('type'), 'search');

    // A package name: the results page lists it; its link leads to the package.
    await box.fill(data.pkg);
    await p.collectCsp();
    await Promise.all([page.waitForURL((u) => u.pathname === '/search'), box.press('Enter')]);
    assert.equal(new URL(page.url()).searchParams.get('q'), data.pkg);
    assert.equal(await h1(page), 'Search');
    assert.equal(await page.locator('form.search-page input[name=q]').inputValue(), data.pkg, 'the query stays in the box');
    const hit = page.locator('ul.hits-packages a', { hasText: new RegExp(`^${escape(data.pkg)}$`) });
    assert.equal(await hit.count(), 1, `${data.pkg} among the package hits`);
    await p.follow(hit, (u) => u.pathname === `/srcpkg/${encodeURIComponent(data.pkg)}`);
    assert.equal(await h1(page), data.pkg);

    // An exact CVE id, typed in lower case: straight to the CVE's page.
    const box2 = page.locator('header form.search input[name=q]');
    await box2.fill(data.cve.toLowerCase());
    await p.collectCsp();
    await Promise.all([page.waitForURL((u) => u.pathname === `/vuln/${data.cve}`), box2.press('Enter')]);
    assert.equal(await h1(page), data.cve);

    // Something that matches nothing.
    const box3 = page.locator('header form.search input[name=q]');
    await box3.fill('zzzz-no-such-thing-zzzz');
    await p.collectCsp();
    await Promise.all([page.waitForURL((u) => u.pathname === '/search'), box3.press('Enter')]);
    assert.match(await page.locator('p.empty').innerText(), /^Nothing matches zzzz-no-such-thing-zzzz\.$/);
    await p.check();
  });

  test('an unknown CVE is a 404 page with the site around it', async () => {
    const p = await openPage();
    const { page } = p;
    const response = await page.goto(url('/vuln/CVE-1999-99999999'));
    assert.equal(response.status(), 404);
    assert.match(response.headers()['content-type'] ?? '', /^text\/html/);
    assert.equal(await h1(page), '404 Not Found');
    assert.match(await page.locator('p.error-message').innerText(), /CVE-1999-99999999/);
    await looksStyled(page);
    assert.equal(await page.locator('header form.search input[name=q]').count(), 1, 'the search box is there');
    await screenshot(page, 'not-found');
    // A way back: the link to the branches.
    await p.follow(page.locator('main a', { hasText: 'Back to the branches' }), (u) => u.pathname === '/');
    assert.equal(await h1(page), 'Branches');
    await p.check({
      allowConsole: [/Failed to load resource: the server responded with a status of 404/],
      allowResponses: [/^404 .*\/vuln\/CVE-1999-99999999$/],
    });
  });
});

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compareText(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
