// An operator signs up and files; the unit's officer records it; the receipt's QR link verifies it.
// Screenshots of every step go to e2e/screenshots/filing/. Run through `make e2e` (scripts/e2e.sh).
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FILED, PHONE, base, expect, journey, submit } from "./lib.mjs";

const data = JSON.parse(process.env.E2E_DATA);
const officer = { username: "e2e_gusu_officer", password: process.env.E2E_STAFF_PASSWORD };
const pdf = join(tmpdir(), "e2e-material.pdf");
writeFileSync(pdf, "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

const { page, shot, run } = await journey("filing");
await run(async () => {
  // 1. The operator signs up from the login page.
  const operator = await page();
  await operator.goto(`${base}/accounts/login/`);
  await shot(operator, "login");
  await submit(operator, 'a[href="/facilities/signup/"]');
  await operator.fill("#id_username", FILED.operator);
  await operator.fill("#id_full_name", "陈园长");
  await operator.fill("#id_password1", data.password);
  await operator.fill("#id_password2", data.password);
  await operator.fill("#id_facility_name", FILED.facility);
  await operator.fill("#id_uscc", data.uscc);
  await operator.selectOption("#id_registration_route", "enterprise");
  await operator.selectOption("#id_category", "social");
  await operator.selectOption("#id_district", "320508");
  await shot(operator, "signup");
  await submit(operator, "button[type=submit].btn-primary");
  expect(operator.url().includes("/file/basic/"), "sign-up leads to the filing form");

  // 2. The filing form, step by step.
  await operator.fill("#id_address", "姑苏区十全街88号");
  await operator.fill("#id_opened_on", "2025-03-01");
  await shot(operator, "step-basic");
  await submit(operator, 'button[type=submit]:has-text("保存并继续")');
  await operator.selectOption("#id_premises_tenure", "owned");
  await operator.fill("#id_lowest_floor", "1");
  await operator.fill("#id_highest_floor", "2");
  await operator.fill("#id_observation_room_area", "8");
  await operator.check("#id_surveillance_covers_infant_areas");
  await operator.fill("#id_surveillance_retention_days", "90");
  await operator.check("#id_one_click_alarm");
  await operator.check("#id_licensed_guard");
  await operator.selectOption("#id_insurance_mode", "district_group");
  await shot(operator, "step-premises");
  await submit(operator, 'button[type=submit]:has-text("保存并继续")');
  await operator.fill("#id_slots", "30");
  await operator.fill("#id_enrolled", "12");
  await operator.fill("#id_full_day_fee", "3280");
  await submit(operator, 'button[type=submit]:has-text("保存草稿")');
  await operator.selectOption("#id_class-class_type", "toddler");
  await operator.fill("#id_class-capacity", "15");
  await operator.fill("#id_class-enrolled", "12");
  await operator.fill("#id_class-carers", "3");
  await submit(operator, 'button[type=submit]:has-text("添加班级")');
  await shot(operator, "step-classes");
  await operator.goto(operator.url().replace("/capacity/", "/staff/"));
  const staff = [["陈园长", "director"], ["李老师", "carer"], ["王老师", "carer"], ["张老师", "carer"], ["赵医生", "health_care"], ["钱师傅", "security_guard"]];
  for (const [index, [name, role]] of staff.entries()) {
    await operator.fill("#id_staff-name", name);
    await operator.fill("#id_staff-id_number", data.ids[index]);
    await operator.selectOption("#id_staff-role", role);
    await operator.check("#id_staff-full_time");
    if (role === "director") {
      await operator.selectOption("#id_staff-education", "college");
      await operator.fill("#id_staff-years_of_experience", "6");
    }
    if (role === "security_guard") await operator.fill("#id_staff-guard_licence_number", "苏保证0088");
    await operator.fill("#id_staff-health_certificate_expires_on", "2027-06-30");
    await operator.check("#id_staff-no_criminal_record_on_file");
    await operator.fill("#id_staff-employed_from", "2025-03-01");
    await submit(operator, 'button[type=submit]:has-text("添加")');
  }
  await shot(operator, "step-staff");
  await operator.goto(operator.url().replace("/staff/", "/materials/"));
  // A wrong file type is refused next to the field.
  const bad = join(tmpdir(), "e2e-not-a-pdf.pdf");
  writeFileSync(bad, "this is not a pdf");
  await operator.selectOption("#id_kind", "fire_safety");
  await operator.setInputFiles("#id_file", bad);
  await submit(operator, 'button[type=submit]:has-text("添加")');
  expect(await operator.locator(".invalid-feedback").count() > 0, "a wrong file type is shown next to the field");
  await shot(operator, "step-materials-wrong-type");
  for (const kind of ["business_licence", "premises_proof", "staff_qualifications", "health_evaluation", "fire_safety"]) {
    await operator.selectOption("#id_kind", kind);
    await operator.setInputFiles("#id_file", pdf);
    await operator.fill("#id_expires_on", "2030-12-31");
    await submit(operator, 'button[type=submit]:has-text("添加")');
  }
  await shot(operator, "step-materials");
  await operator.goto(operator.url().replace("/materials/", "/submit/"));
  await operator.check("#id_commitment");
  await shot(operator, "step-submit");
  await submit(operator, 'button[type=submit]:has-text("提交备案")');
  expect((await operator.textContent("body")).includes("已提交"), "the filing is submitted");
  await shot(operator, "submitted");
  const facilityUrl = operator.url();

  // 3. The unit's officer records it.
  const office = await page();
  await office.goto(`${base}/accounts/login/`);
  await office.fill("#id_username", officer.username);
  await office.fill("#id_password", officer.password);
  await submit(office, "button[type=submit].btn-primary");
  await office.goto(`${base}/facilities/queue/`);
  expect((await office.textContent("body")).includes(FILED.facility), "the filing is in the unit's queue");
  await shot(office, "officer-queue");
  await office.goto(facilityUrl);
  await submit(office, 'button:has-text("予以备案并出具回执")');
  expect((await office.textContent("body")).includes("已备案"), "the officer recorded the filing");
  await shot(office, "officer-recorded");
  await submit(office, 'a:has-text("备案回执")');
  await shot(office, "receipt");
  const verifyUrl = await office.getAttribute("[data-verify-url]", "data-verify-url");
  expect(verifyUrl && verifyUrl.includes("/verify/"), "the receipt carries the verification link");

  // 4. Anyone follows the QR link, with a phone's camera.
  const visitor = await page(PHONE);
  await visitor.goto(verifyUrl);
  const text = await visitor.textContent("body");
  expect(text.includes(FILED.facility) && text.includes("已备案"), "the public page verifies the filing");
  expect(!text.includes("陈园长") && !text.includes(data.ids[0]), "no personal data on the public page");
  await shot(visitor, "public-verification");
});
