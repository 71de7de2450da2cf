// What every browser journey shares: Debian's Chromium, screenshots per journey, loud failures.
// A journey fails on a failed expectation, on any server error (5xx), on a script error in a page, or on a page
// wider than the phone it is shown on.
import { chromium } from "playwright-core";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

export const base = process.env.E2E_BASE_URL;
if (!base) throw new Error("E2E: set E2E_BASE_URL (run through `make e2e`, scripts/e2e.sh)");

// A phone as inspectors carry it (the size of an iPhone 14's viewport).
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " +
    "Version/17.5 Mobile/15E148 Safari/604.1",
};
export const DESKTOP = { viewport: { width: 1366, height: 900 } };

// What e2e/filing.mjs creates and the later journeys build on.
export const FILED = { facility: "姑苏小橘子托育中心", operator: "e2e_operator" };

export function expect(condition, message) {
  if (!condition) throw new Error(`E2E: ${message}`);
}

export async function journey(name) {
  const shots = join(process.cwd(), "e2e", "screenshots", name);
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    // The browser's own words (file pickers, date fields) in Chinese, as on the users' machines.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--lang=zh-CN"],
    env: { ...process.env, LANGUAGE: "zh_CN", LANG: "zh_CN.UTF-8" },
  });
  const problems = [];
  const pages = [];
  let step = 0;

  async function page(device = DESKTOP) {
    const context = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai", ...device });
    const p = await context.newPage();
    pages.push(p);
    p.on("response", (response) => {
      if (response.status() >= 500) problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    p.on("pageerror", (error) => problems.push(`script error on ${p.url()}: ${error.message}`));
    return p;
  }

  async function shot(p, label) {
    // On a phone nothing may make the page scroll sideways.
    if (p.viewportSize().width < 576) {
      const { scroll, width } = await p.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        width: document.documentElement.clientWidth,
      }));
      if (scroll > width) problems.push(`${p.url()} is ${scroll - width}px wider than the phone's screen`);
    }
    await p.screenshot({ path: join(shots, `${String(++step).padStart(2, "0")}-${label}.png`), fullPage: true });
  }

  async function run(body) {
    try {
      await body();
      expect(problems.length === 0, `errors while the journey ran:\n  ${problems.join("\n  ")}`);
      console.log(`e2e ${name}: passed, ${step} screenshots in e2e/screenshots/${name}/`);
    } catch (error) {
      if (problems.length) console.error(`e2e ${name}: also seen:\n  ${problems.join("\n  ")}`);
      // Every open page as it was when the journey failed, for the CI artifacts.
      for (const [index, p] of pages.entries()) {
        await p.screenshot({ path: join(shots, `failed-${index + 1}.png`), fullPage: true }).catch(() => {});
      }
      throw error;
    } finally {
      await browser.close();
    }
  }

  return { browser, page, shot, run };
}

// Click and wait for the page the click leads to, so the next step never races the redirect.
export async function submit(p, selector) {
  await Promise.all([p.waitForNavigation({ waitUntil: "load" }), p.click(selector)]);
}

export async function text(p, selector = "body") {
  return (await p.locator(selector).first().innerText()).replace(/\s+/g, " ");
}

export async function login(p, username, password) {
  await p.goto(`${base}/accounts/login/`);
  await p.fill("#id_username", username);
  await p.fill("#id_password", password);
  await submit(p, "button[type=submit].btn-primary");
  expect(!p.url().includes("/accounts/login/"), `${username} is logged in (still on ${p.url()})`);
}

// The navigation as a user reaches it (on a phone behind the menu button): a group of the menu, then its entry.
export async function navigate(p, group, entry, { opened } = {}) {
  const toggler = p.locator(".navbar-toggler");
  if (await toggler.isVisible()) {
    await toggler.click();
    await p.locator("#mainNav.show").waitFor();
  }
  const top = p.locator("#mainNav .nav-link", { hasText: group }).first();
  expect(await top.count(), `the menu has “${group}”`);
  await top.click();
  const link = p.locator("#mainNav .dropdown-menu.show .dropdown-item", { hasText: entry }).first();
  await link.waitFor({ timeout: 5000 }).catch(() => expect(false, `the menu “${group}” has “${entry}”`));
  if (opened) await opened();
  await Promise.all([p.waitForNavigation({ waitUntil: "load" }), link.click()]);
}
