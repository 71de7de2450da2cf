// The city admin opens the indicator dashboard for this month (not compiled yet), recompiles it, follows the
// job's progress to the end, and finds the figures on the dashboard: the facility the filing journey recorded
// counts in 姑苏区's slots, and the drill-down behind that figure lists it with the same total.
// Screenshots go to e2e/screenshots/indicators/. Runs after e2e/filing.mjs, through `make e2e` (scripts/e2e.sh).
import { DESKTOP, FILED, expect, journey, login, navigate, submit, text } from "./lib.mjs";

const admin = { username: "e2e_city_admin", password: process.env.E2E_STAFF_PASSWORD };
const GUSU = "320508";
const INDICATOR = "slots_per_thousand";
const month = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit" })
  .format(new Date())
  .slice(0, 7);

const { page, shot, run } = await journey("indicators");
await run(async () => {
  // 1. The dashboard of this month, before it is compiled.
  const city = await page(DESKTOP);
  await login(city, admin.username, admin.password);
  await navigate(city, "统计分析", "指标看板");
  expect(new URL(city.url()).pathname === "/reports/dashboard/", `the menu leads to the dashboard (${city.url()})`);
  expect((await city.inputValue("#recompute-period")) === month, `the month to compile is this month (${month})`);
  expect((await text(city)).includes("该月份尚未汇总计算"), "the dashboard says the month is not compiled yet");
  await shot(city, "dashboard-not-compiled");

  // 2. Recompile it and follow the job's progress until it has finished.
  await submit(city, 'button[type=submit]:has-text("重新汇总")');
  expect(/\/jobs\/[0-9a-f-]{36}\/$/.test(city.url()), `the recompile leads to its job's progress (${city.url()})`);
  expect((await text(city, "h1")).includes(month), "the job names the month it compiles");
  await city.waitForFunction(
    () => document.querySelector("#job .progress")?.getAttribute("aria-valuenow") === "100"
      && /已完成|失败/.test(document.querySelector('#job [data-field="status"]')?.textContent || ""),
    null,
    { timeout: 120_000, polling: 500 },
  );
  const status = await text(city, '#job [data-field="status"]');
  expect(status === "已完成", `the compilation finished (status: ${status}, ${await text(city, "#job")})`);
  await shot(city, "job-finished");

  // 3. The dashboard shows the month's figures.
  await navigate(city, "统计分析", "指标看板");
  await city.fill("#id_period", month);
  await submit(city, 'form[data-autosubmit] button[type=submit]');
  let body = await text(city);
  expect(!body.includes("该月份尚未汇总计算"), "the month is compiled now");
  expect((await text(city, "h1")).includes(month), "the dashboard shows this month");
  const states = await text(city, 'form[action$="/recompute/"] ~ .table-responsive table');
  expect(states.includes(month), "the month is listed among the compiled months");
  const gusu = city.locator(`.reports-table a[href*="district=${GUSU}"][href*="indicator=${INDICATOR}"]`);
  expect((await gusu.count()) === 1, "姑苏区's slots per thousand is a figure that links to its facilities");
  const figure = (await gusu.innerText()).trim();
  expect(/^\d[\d,]*(\.\d+)?$/.test(figure) && Number(figure.replace(/,/g, "")) > 0,
    `姑苏区's slots per thousand is a positive number (${figure})`);
  // The charts are drawn (ECharts renders into a canvas inside each chart's box).
  await city.locator("#chart-units canvas").first().waitFor({ timeout: 10_000 });
  await city.locator("#chart-trend canvas").first().waitFor({ timeout: 10_000 });
  await shot(city, "dashboard-compiled");

  // 4. Drill down into the figure: the facilities behind it, with the same total.
  await Promise.all([city.waitForNavigation({ waitUntil: "load" }), gusu.click()]);
  expect(new URL(city.url()).pathname === "/reports/dashboard/drilldown/", `the figure leads to its drill-down (${city.url()})`);
  body = await text(city);
  expect((await text(city, "h1")).includes("姑苏区"), "the drill-down names the unit");
  expect(body.includes(FILED.facility), "the facility filed and recorded in the filing journey is listed");
  const total = await text(city, "#drill-total");
  const compiled = await text(city, "#drill-figure");
  expect(total === compiled && total === figure, `the facilities add up to the compiled figure (${total} / ${compiled} / ${figure})`);
  await shot(city, "drilldown");

  // 5. The facility itself, one click further.
  await Promise.all([
    city.waitForNavigation({ waitUntil: "load" }),
    city.locator("table a", { hasText: FILED.facility }).click(),
  ]);
  expect((await text(city, "h1")).includes(FILED.facility), "the drill-down leads to the facility");
  await shot(city, "facility");
  console.log(`e2e indicators: ${month} compiled, 姑苏区 ${figure} slots per thousand`);
});
