// The content-security policy in headless Chromium: every role logs in and walks the portal from its home page
// (the navigation first, then the first links of each page: lists lead to details), anonymous visitors walk the
// public pages, and the city admin opens Swagger UI and the dashboard's charts. Any violation — reported by the
// browser's `securitypolicyviolation` event or on the console — fails the run with the page and the directive.
// Run through `make csp-check` (scripts/csp_check.sh); screenshots of some pages go to e2e/screenshots/csp/.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const base = process.env.CSP_BASE_URL;
const password = process.env.CSP_PASSWORD;
const perRole = Number(process.env.CSP_PAGES_PER_ROLE || 30);
const shots = join(process.cwd(), "e2e", "screenshots", "csp");
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const violations = [];
const visited = [];
const skip = /\/(logout|language)\/|\.(xlsx|csv|pdf|png|svg)(\?|$)|format=csv|\/media\/|\/do\/|\/reveal\/|\/download/;

async function newPage(who) {
  const context = await browser.newContext({ locale: "zh-CN" });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile || ""}:${e.lineNumber})`);
    });
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content[- ]Security[- ]Policy/i.test(message.text())) violations.push(`${who} ${page.url()}: ${message.text()}`);
  });
  page.on("dialog", (dialog) => dialog.dismiss());
  return page;
}

async function visit(page, who, url) {
  const response = await page.goto(url, { waitUntil: "load" });
  await page.waitForTimeout(150); // let page scripts (charts, progress bars) run
  const seen = await page.evaluate(() => window.__csp || []);
  for (const v of seen) violations.push(`${who} ${url}: ${v}`);
  visited.push(`${who} ${response ? response.status() : "?"} ${url}`);
  return response;
}

async function links(page, selector) {
  const hrefs = await page.$$eval(selector, (as) => as.map((a) => a.getAttribute("href")));
  return hrefs.filter((h) => h && h.startsWith("/") && !h.startsWith("//") && !skip.test(h));
}

async function walk(page, who, start) {
  const queue = [start];
  const done = new Set();
  while (queue.length && done.size < perRole) {
    const path = queue.shift();
    const key = path.split("#")[0];
    if (done.has(key)) continue;
    done.add(key);
    const response = await visit(page, who, base + key);
    if (!response || response.status() >= 500) violations.push(`${who} ${key}: HTTP ${response && response.status()}`);
    if (done.size === 1) {
      queue.push(...(await links(page, "nav a, .dropdown-menu a")));
    }
    // The first few links of the page's content: a list's first rows lead to details.
    queue.push(...(await links(page, "main a")).slice(0, 4));
  }
}

async function login(page, username) {
  await page.goto(`${base}/accounts/login/`);
  await page.fill("#id_username", username);
  await page.fill("#id_password", password);
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("button[type=submit]")]);
  if (page.url().includes("/accounts/login/")) throw new Error(`CSP: ${username} could not log in`);
}

try {
  const anonymous = await newPage("anonymous");
  await walk(anonymous, "anonymous", "/accounts/login/");
  await walk(anonymous, "anonymous", "/public/facilities/");
  await walk(anonymous, "anonymous", "/public/penalties/");
  await walk(anonymous, "anonymous", "/public/complaints/");
  await anonymous.screenshot({ path: join(shots, "public.png"), fullPage: true });

  for (const role of ["city_admin", "gusu_officer", "gusu_inspector", "operator", "training_base", "mch_assessor"]) {
    const page = await newPage(role);
    await login(page, role);
    await walk(page, role, "/");
    await page.screenshot({ path: join(shots, `${role}.png`), fullPage: true });
    if (role === "city_admin") {
      await visit(page, role, `${base}/reports/dashboard/`);
      await page.waitForSelector("#chart-units canvas", { timeout: 10000 });
      await page.hover("#chart-units canvas"); // a tooltip is drawn on hover
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(shots, "dashboard.png"), fullPage: true });
      await visit(page, role, `${base}/api/docs/`);
      await page.waitForSelector(".swagger-ui .opblock", { timeout: 15000 });
      await page.screenshot({ path: join(shots, "swagger.png") });
      const late = await page.evaluate(() => window.__csp || []);
      for (const v of late) violations.push(`${role} /api/docs/ (after load): ${v}`);
    }
    await page.context().close();
  }
} finally {
  await browser.close();
}
console.log(`${visited.length} pages visited`);
if (violations.length) {
  console.error(`CSP violations (${violations.length}):\n` + [...new Set(violations)].join("\n"));
  process.exit(1);
}
console.log("no content-security-policy violation");
