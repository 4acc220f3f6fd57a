// Times what a reviewer waits for after clicking a mail link: from navigation start to the
// first reviewee row on the reviewer page (the first view's, src/ui/reviewer/first_view.rs,
// when it comes first), and to the first decision button that can be used, in a fresh
// headless Chromium (cold cache, empty storage) through the Attest server. Prints two JSON
// lines per network.
// Usage: node scripts/first-row.mjs URL   (URL: the server's address + the link's path)
// Networks: loopback as it is, and Chrome's network emulation of a slow mobile link
// (1.6 Mbps down, 750 kbps up, 150 ms round trip). Each network is opened RUNS times (5, or
// FIRST_ROW_RUNS), each in a new context; the figure is the median, the runs go beside it.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

// playwright-core lives in the project's .tools/ (scripts/setup.sh installs it).
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, ".tools", "package.json"));
const { chromium } = require("playwright-core");

const url = process.argv[2];
if (!url) {
  console.error("usage: node scripts/first-row.mjs URL");
  process.exit(2);
}
const networks = [
  { name: "loopback", conditions: null },
  {
    name: "slow",
    conditions: {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6e6 / 8) | 0,
      uploadThroughput: (750e3 / 8) | 0,
    },
  },
];
const LIMIT_MS = 60_000;
const RUNS = Number(process.env.FIRST_ROW_RUNS || 5);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
});
try {
  for (const { name, conditions } of networks) {
    const runs = [];
    const decideRuns = [];
    let bytes = 0;
    for (let run = 0; run < RUNS; run++) {
      // A new context is a new profile: no HTTP cache, no IndexedDB, no service state.
      const context = await browser.newContext();
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
      if (conditions) await cdp.send("Network.emulateNetworkConditions", conditions);
      // Record the moment the first row is in the document (relative to navigation start).
      // And the moment a row's decision button can be used.
      await page.addInitScript(() => {
        const row = () => document.querySelector("[role='listitem']");
        const button = () => document.querySelector("[role='listitem'] button:not([disabled])");
        new MutationObserver((_, observer) => {
          if (window.__firstRowMs === undefined && row()) window.__firstRowMs = performance.now();
          if (button()) {
            window.__decideMs = performance.now();
            observer.disconnect();
          }
        }).observe(document, { childList: true, subtree: true, attributes: true });
      });
      bytes = 0;
      cdp.on("Network.loadingFinished", (e) => (bytes += e.encodedDataLength));
      const problems = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(String(e)));
      await page.goto(url, { waitUntil: "commit", timeout: LIMIT_MS });
      try {
        await page.waitForFunction(() => window.__decideMs !== undefined, null, {
          timeout: LIMIT_MS,
          polling: 50,
        });
      } catch (e) {
        const shown = await page.evaluate(() => document.body.innerText).catch(() => "");
        throw new Error(
          `no usable reviewee row within ${LIMIT_MS} ms (${name}); the page said: ${shown.slice(0, 600)}; ` +
            `errors: ${problems.join(" | ")}`,
        );
      }
      const [first, decide] = await page.evaluate(() => [window.__firstRowMs, window.__decideMs]);
      runs.push(Math.round(first));
      decideRuns.push(Math.round(decide));
      await context.close();
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      JSON.stringify({
        name: `reviewer.link_first_row_${name}_ms`,
        value: median(runs),
        unit: "ms",
        runs,
        transferred_bytes: bytes,
      }),
    );
    console.log(
      JSON.stringify({
        name: `reviewer.link_decision_ready_${name}_ms`,
        value: median(decideRuns),
        unit: "ms",
        runs: decideRuns,
      }),
    );
  }
  // FIRST_ROW_SHOTS=DIR: screenshots of the first view and of the page it turns into, at
  // 1280 and 360 px on the slow link (to look at, not timed).
  const shots = process.env.FIRST_ROW_SHOTS;
  for (const width of shots ? [1280, 360] : []) {
    // The server's CSP would refuse axe's script: bypassed in this context only.
    const context = await browser.newContext({ viewport: { width, height: 800 }, bypassCSP: true });
    try {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", networks[1].conditions);
      await page.goto(url, { waitUntil: "commit", timeout: LIMIT_MS });
      await page.waitForSelector(".first-view-root [role='listitem']", { timeout: LIMIT_MS });
      await page.screenshot({ path: path.join(shots, `first-view-${width}.png`) });
      // And axe-core on the first view (the audit's static server has no API to draw it from).
      await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
      const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ["violations"] });
        return r.violations.map((v) => `${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
      });
      const still = await page.evaluate(() => !!document.querySelector(".first-view-root"));
      console.error(`first view, ${width} px${still ? "" : " (gone before axe finished)"}: ${violations.join("; ") || "no violation"}`);
      await page.waitForSelector("[role='listitem'] button:not([disabled])", { timeout: LIMIT_MS });
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(shots, `reviewer-page-${width}.png`) });
    } catch (e) {
      // Pictures to look at: their failure is reported, the figures above stand.
      console.error(`first view, ${width} px: no pictures: ${e.message}`);
    }
    await context.close();
  }
} finally {
  await browser.close();
}
