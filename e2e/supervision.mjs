// On a phone, the unit's inspector inspects the facility the filing journey recorded: a checklist with one
// item failing, a finding with a photo (the rectification order is issued with it), completion. The operator
// answers the order from their desk with a photo; the inspector re-inspects, finds it rectified and closes the
// order, which the operator then sees closed. Screenshots go to e2e/screenshots/supervision/.
// Runs after e2e/filing.mjs (its facility and operator), through `make e2e` (scripts/e2e.sh).
import { DESKTOP, FILED, PHONE, base, expect, journey, login, navigate, submit, text } from "./lib.mjs";

const data = JSON.parse(process.env.E2E_DATA);
const inspectorAccount = { username: "e2e_gusu_inspector", password: process.env.E2E_STAFF_PASSWORD };
const finding = "婴幼儿休息区一处插座未加装防护盖";
const answer = "已为休息区全部插座加装儿童安全防护盖，并由园长逐一检查。";

// Every item of the checklist on the page gets an answer: the first `failing` items do not conform.
async function answerChecklist(page, failing = 0) {
  const items = page.locator("#checklist li[data-item]");
  const count = await items.count();
  expect(count > 3, `the checklist has its items (found ${count})`);
  for (let i = 0; i < count; i++) {
    const value = i < failing ? "fail" : "pass";
    await items.nth(i).locator(`input[value="${value}"] + label`).click();
  }
  if (failing) await items.nth(0).locator("input[type=text]").fill("两处插座无防护盖");
  return { count, firstItem: await items.nth(0).getAttribute("data-item") };
}

async function startInspection(page) {
  // The facility is chosen by its name; the inspector is already ticked as one of the inspectors.
  const option = page.locator("#id_facility option", { hasText: FILED.facility });
  expect((await option.count()) === 1, "the filed facility can be chosen for an inspection");
  await page.selectOption("#id_facility", await option.getAttribute("value"));
  expect(await page.isChecked("input[name=inspectors]:checked"), "the inspector is ticked");
}

const { page, shot, run } = await journey("supervision");
await run(async () => {
  // 1. The inspector, on a phone, starts an inspection from the menu.
  const inspector = await page(PHONE);
  await login(inspector, inspectorAccount.username, inspectorAccount.password);
  await shot(inspector, "inspector-home");
  await navigate(inspector, "监督检查", "检查记录", { opened: () => shot(inspector, "phone-menu") });
  expect(inspector.url().endsWith("/supervision/inspections/"), `the menu leads to the inspections (${inspector.url()})`);
  await shot(inspector, "inspection-list");
  await submit(inspector, 'a:has-text("开始检查")');
  await startInspection(inspector);
  await inspector.selectOption("#id_kind", "routine");
  await shot(inspector, "inspection-start");
  await submit(inspector, 'button[type=submit]:has-text("开始检查并填写检查清单")');
  expect(/\/supervision\/inspections\/\d+\/$/.test(inspector.url()), `the checklist opens (${inspector.url()})`);
  const inspectionUrl = inspector.url();
  expect((await text(inspector, "h1")).includes(FILED.facility), "the inspection names the facility");
  await shot(inspector, "checklist");

  // 2. The checklist: the first item does not conform.
  const { count, firstItem } = await answerChecklist(inspector, 1);
  await submit(inspector, 'button[type=submit]:has-text("保存检查清单")');
  let body = await text(inspector);
  expect(body.includes("检查清单已保存"), "the checklist is saved");
  expect((await inspector.locator("#checklist h2 .badge").count()) === 0, "no item is left to check");
  await shot(inspector, "checklist-saved");

  // 3. A finding with a photo taken on the spot; the order is issued with it.
  await inspector.locator('#new-finding input[value="moderate"] + label').click();
  await inspector.selectOption("#id_item_code", firstItem);
  await inspector.fill("#id_description", finding);
  const photo = await inspector.screenshot({ type: "png" });
  await inspector.setInputFiles("#id_evidence", { name: "现场照片.png", mimeType: "image/png", buffer: photo });
  await inspector.locator("#new-finding").scrollIntoViewIfNeeded();
  await shot(inspector, "finding-form");
  await submit(inspector, 'button[type=submit]:has-text("登记问题并下达整改通知")');
  body = await text(inspector);
  expect(body.includes("问题已登记，整改通知已下达"), "the finding is recorded and the order issued");
  expect(await text(inspector, "#findings"), "the findings are listed");
  const findings = await text(inspector, "#findings");
  expect(findings.includes(finding) && findings.includes("现场照片.png"), "the finding shows with its photo");
  expect(findings.includes("待整改"), "its rectification order is open");
  const orderUrl = new URL(await inspector.getAttribute('#findings a[href*="/rectifications/"]', "href"), base).href;
  await shot(inspector, "finding-recorded");

  // 4. The inspection is completed; the checklist is read-only now.
  await inspector.fill("#id_summary", `检查${count}项，发现一般问题1项，已下达整改通知。`);
  await submit(inspector, "#complete button[type=submit]");
  body = await text(inspector);
  expect(body.includes("检查已完成"), "the inspection is completed");
  expect((await inspector.locator("#checklist form").count()) === 0, "a completed checklist cannot be changed");
  expect((await inspector.locator("#checklist .badge.text-bg-danger").count()) === 1, "one item shows as failed");
  await shot(inspector, "inspection-completed");

  // 5. The operator, at a desk, finds the order and answers it with a photo.
  const operator = await page(DESKTOP);
  await login(operator, FILED.operator, data.password);
  await navigate(operator, "监督检查", "整改通知");
  body = await text(operator, ".list-group");
  expect(body.includes(FILED.facility) && body.includes("待整改"), "the operator sees the open order");
  await shot(operator, "operator-orders");
  await submit(operator, `a[href="${new URL(orderUrl).pathname}"]`);
  body = await text(operator);
  expect(body.includes(finding) && body.includes("现场照片.png"), "the order shows the finding and its photo");
  await operator.fill("#id_response", answer);
  const after = await operator.screenshot({ type: "png" });
  await operator.setInputFiles("#id_evidence", { name: "整改后照片.png", mimeType: "image/png", buffer: after });
  await shot(operator, "operator-order");
  await submit(operator, 'button[type=submit]:has-text("提交整改情况报告")');
  body = await text(operator);
  expect(body.includes("您的整改情况报告已提交"), "the response is sent");
  expect(body.includes("已报告整改情况，待复查") && body.includes(answer), "the order awaits re-inspection");
  await shot(operator, "operator-responded");

  // 6. The inspector reads the answer, re-inspects and closes the order.
  await inspector.goto(orderUrl);
  body = await text(inspector);
  expect(body.includes(answer) && body.includes("整改后照片.png"), "the inspector sees the answer and its photo");
  await shot(inspector, "order-responded");
  await submit(inspector, 'a:has-text("开始复查")');
  expect(
    (await inspector.inputValue("#id_kind")) === "follow_up" && (await inspector.inputValue("#id_follow_up_of")) !== "",
    "the re-inspection is prefilled from the order",
  );
  await shot(inspector, "reinspection-start");
  await submit(inspector, 'button[type=submit]:has-text("开始检查并填写检查清单")');
  expect(inspector.url() !== inspectionUrl, "a new inspection is started");
  await answerChecklist(inspector, 0);
  await submit(inspector, 'button[type=submit]:has-text("保存检查清单")');
  await submit(inspector, "#complete button[type=submit]");
  expect((await text(inspector)).includes("检查已完成"), "the re-inspection is completed");
  await shot(inspector, "reinspection-completed");
  await inspector.goto(orderUrl);
  expect((await inspector.locator("#id_reinspection option[value]:not([value=''])").count()) === 1,
    "the completed re-inspection is offered for closing");
  await inspector.selectOption("#id_reinspection", { index: 1 });
  await inspector.locator("#close").scrollIntoViewIfNeeded();
  await shot(inspector, "order-close");
  await submit(inspector, 'button[type=submit]:has-text("结案（已整改）")');
  body = await text(inspector);
  expect(body.includes("整改通知已结案") && body.includes("已结案（整改完成）"), "the order is closed");
  await shot(inspector, "order-closed");

  // 7. The operator sees it closed.
  await operator.goto(`${base}/supervision/rectifications/`);
  body = await text(operator, ".list-group");
  expect(body.includes("已结案（整改完成）") && !body.includes("待整改"), "the operator's order shows as closed");
  await shot(operator, "operator-order-closed");
});
