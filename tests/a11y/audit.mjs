// The accessibility audit: axe-core on every screen of a built app (scripts/build-dist.sh), at
// 1280 x 800 and 360 x 740, with reviews in progress, completed and applied. Fails (exit 1)
// on any serious or critical violation, or a screen that scrolls sideways at 360 px, and
// lists each by screen, rule and element.
//
//   node tests/a11y/audit.mjs DIST_DIR     (A11Y_SHOTS=DIR also saves a screenshot per screen)
//
// Needs playwright-core and axe-core (scripts/setup.sh installs them into .tools/) and a
// Chromium: CHROMIUM names it, else `chromium` on the PATH.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';

const require = createRequire(path.resolve('.tools/node_modules/_'));
const { chromium } = require('playwright-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const dist = path.resolve(process.argv[2] ?? 'dist');
const executablePath = process.env.CHROMIUM ?? execFileSync('sh', ['-c', 'command -v chromium'])
  .toString().trim();
// Bounded: a screen that never settles fails the audit instead of hanging the suite.
const WAIT_MS = 60_000;
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };

// The built app, with every unknown path answered by its entry page as the sync server
// does: the reviewer bundle (reviewer.html, when built) for /my-reviews…, else index.html.
const server = http.createServer((req, res) => {
  const route = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const wanted = path.join(dist, route);
  const reviewer = /^\/my-reviews(\/|$)/.test(route) && fs.existsSync(path.join(dist, 'reviewer.html'));
  const file = wanted.startsWith(dist) && fs.existsSync(wanted) && fs.statSync(wanted).isFile()
    ? wanted : path.join(dist, reviewer ? 'reviewer.html' : 'index.html');
  res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const problems = [];
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });

async function settle(page) {
  await page.waitForSelector('main h1', { timeout: WAIT_MS });
  await page.waitForFunction(() => !/Loading/.test(document.querySelector('main')?.innerText ?? ''),
    null, { timeout: WAIT_MS }).catch(() => {});
}

async function audit(page, screen, width) {
  await settle(page);
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map(v => ({ id: v.id, impact: v.impact,
      targets: v.nodes.map(n => n.target.join(' ')) }));
  });
  for (const v of violations.filter(v => v.impact === 'serious' || v.impact === 'critical')) {
    problems.push(`${width} px ${screen}: ${v.id} (${v.impact}) at ${v.targets.slice(0, 5).join(', ')}`);
  }
  // A11Y_SHOTS=DIR keeps a screenshot of each screen, to look at.
  if (process.env.A11Y_SHOTS) {
    const slug = screen.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');
    await page.screenshot({ path: path.join(process.env.A11Y_SHOTS, `${width}-${slug}.png`) });
  }
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > width) problems.push(`${width} px ${screen}: the page scrolls sideways (${wide} px wide)`);
  console.log(`${width} px ${screen}: ${violations.map(v => `${v.id} (${v.impact})`).join(', ') || 'no violation'}`);
}

async function go(page, to, screen, width) {
  await page.goto(base + to);
  await audit(page, screen, width);
}

async function click(page, name) {
  await page.getByRole('button', { name, exact: true }).first().click({ timeout: WAIT_MS });
}

// A one-stage review of the first group the wizard lists, created through the wizard with its
// defaults; every wizard step is audited the first time. Returns the overview's path.
async function createReview(page, width, auditSteps) {
  await page.goto(base + '/reviews/new');
  await settle(page);
  // The wizard keeps its place between visits: start again at its first step.
  await click(page, 'Review type');
  await page.locator('.resource-list input[type=checkbox]').first().check({ timeout: WAIT_MS });
  for (let step = 1; step < 6; step++) {
    if (auditSteps) await audit(page, `/reviews/new (step ${step})`, width);
    if (await page.getByRole('button', { name: 'Create', exact: true }).count()) break;
    await click(page, 'Next');
  }
  await page.getByLabel('Review name').fill(`Audit review ${created.length + 1}`);
  await click(page, 'Create');
  // The wizard goes to the Reviews list; the new review's overview is the link not seen yet.
  await page.waitForURL(/\/reviews$/, { timeout: WAIT_MS });
  await page.locator('.reviews-table a').first().waitFor({ timeout: WAIT_MS });
  const links = await page.locator('.reviews-table a').evaluateAll(l => l.map(a => a.getAttribute('href')));
  const overview = links.find(l => !created.includes(l));
  created.push(overview);
  await page.goto(base + overview);
  await settle(page);
  return overview;
}
const created = [];

async function confirm(page, name) {
  await page.getByRole('dialog').getByRole('button', { name, exact: true }).click({ timeout: WAIT_MS });
}

try {
  for (const [width, height] of [[1280, 800], [360, 740]]) {
    const context = await browser.newContext({ viewport: { width, height } });
    created.length = 0;
    const page = await context.newPage();
    page.on('pageerror', e => problems.push(`${width} px: page error ${e.message}`));
    // First run: the sample tenant loads.
    for (const to of ['/', '/directory', '/reviews', '/remediation', '/notifications', '/history', '/settings']) {
      await go(page, to, `${to} (sample, no review)`, width);
    }
    const running = await createReview(page, width, true);
    await audit(page, 'review overview (in progress)', width);
    for (const to of ['/', '/reviews', '/notifications', '/history']) {
      await go(page, to, `${to} (a review in progress)`, width);
    }
    // The reviewer's side, through the link a start message carries: followed inside the
    // full app (its reviewer page is a split part there), then opened as a mail link does.
    await page.goto(base + '/notifications');
    const link = await page.locator('.message-link a').first().getAttribute('href', { timeout: WAIT_MS });
    await page.evaluate(() => { window.__sameDocument = true; });
    await page.locator('.message-link a').first().click();
    await page.waitForURL(u => u.pathname.startsWith('/my-reviews/'), { timeout: WAIT_MS });
    await audit(page, 'reviewer page (in the full app)', width);
    if (!(await page.evaluate(() => window.__sameDocument === true))) {
      problems.push(`${width} px: the message link loaded another page instead of the full app's reviewer page`);
    }
    await go(page, link, 'reviewer page', width);
    await go(page, '/my-reviews', 'my access reviews', width);
    // The link made this tab act as the reviewer; back to the administrator.
    await page.getByLabel('Acting as').selectOption({ label: 'Administrator' });

    const stopped = await createReview(page, width, false);
    await click(page, 'Stop review');
    await audit(page, 'Stop review dialog', width);
    await confirm(page, 'Stop review');
    await page.getByRole('button', { name: 'Apply results', exact: true }).waitFor({ timeout: WAIT_MS });
    await audit(page, 'review overview (completed, before apply)', width);
    await click(page, 'Apply results');
    await audit(page, 'Apply results dialog', width);
    await confirm(page, 'Apply results');
    await page.getByText('What applying changed').waitFor({ timeout: WAIT_MS });
    await audit(page, 'review overview (applied)', width);
    await go(page, running, 'review overview (in progress, again)', width);
    await go(page, stopped, 'review overview (applied, reloaded)', width);
    await go(page, '/reviews', '/reviews (every state)', width);
    await go(page, '/history', '/history (every state)', width);
    await go(page, '/remediation', '/remediation (after apply)', width);
    await go(page, '/', '/ (after apply)', width);
    await context.close();
  }
} catch (e) {
  problems.push(`the audit could not finish: ${e.message.split('\n')[0]}`);
  const last = browser.contexts().flatMap(c => c.pages()).pop();
  if (last) problems.push(`it was at ${last.url()}, showing: ${(await last.locator('main').innerText().catch(() => '')).slice(0, 600)}`);
} finally {
  await browser.close();
  server.close();
}

if (problems.length) {
  console.error(`Accessibility audit failed (${problems.length}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('Accessibility audit: no serious or critical violation on any screen at 1280 and 360 px.');
