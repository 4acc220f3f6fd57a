// Opens public/verify.html from a file:// URL in headless Chromium (playwright-core from
// .tools/, the system's Chromium) and runs it on each pack given; prints one JSON line per
// pack: {"pack", "state" ("verified" | "failed"), "problem", "text"}.
// Usage: node check.mjs CHROMIUM PAGE PACK[=KEY]...
// Bounded: 20 s per pack, 120 s in all; the network is blocked for the whole run.
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(root, ".tools", "node_modules", "x.js"));
const { chromium } = require("playwright-core");

const [executable, page, ...packs] = process.argv.slice(2);
if (!executable || !page || packs.length === 0) {
  console.error("usage: node check.mjs CHROMIUM PAGE PACK[=KEY]...");
  process.exit(2);
}
const overall = setTimeout(() => {
  console.error("the verifier page did not finish within 120 s");
  process.exit(3);
}, 120_000);

const browser = await chromium.launch({
  executablePath: executable,
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"],
});
try {
  const context = await browser.newContext();
  // The page must work with no network: any request other than the page itself fails it.
  const requests = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    requests.push(url);
    return route.abort();
  });
  const tab = await context.newPage();
  tab.setDefaultTimeout(20_000);
  await tab.goto(pathToFileURL(path.resolve(page)).href);
  for (const arg of packs) {
    const [file, key = ""] = arg.split("=");
    await tab.setInputFiles("#pack", file);
    await tab.fill("#key", key);
    await tab.click("button[type=submit]");
    await tab.waitForSelector("#result[data-state=verified], #result[data-state=failed]");
    const out = await tab.evaluate(() => {
      const r = document.getElementById("result");
      const p = document.getElementById("problem");
      return { state: r.dataset.state, problem: p ? p.textContent : null, text: r.textContent };
    });
    console.log(JSON.stringify({ pack: path.basename(file), ...out }));
    // The next pack starts from an idle result.
    await tab.evaluate(() => { document.getElementById("result").dataset.state = "idle"; });
  }
  if (requests.length > 0) {
    console.error(`the page asked for the network: ${requests.join(", ")}`);
    process.exit(4);
  }
} finally {
  await browser.close();
  clearTimeout(overall);
}
