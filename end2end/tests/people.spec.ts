import { test, expect, Page, Browser } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { routes, testid } from './ids';
import { person } from './people-data';
import { hydrated, tenantPage } from './session';



const login = (browser: Browser, user: string, org = 'sample') => tenantPage(browser, org, user);

async function search(page: Page, q: string) {
  const form = page.getByTestId(testid.peopleSearch);
  await form.getByLabel('検索語').fill(q);
  await form.getByRole('button', { name: '検索する' }).click();
}

test('a member adds a person and a record, finds them by phone written three ways, and sees times in JST', async ({ browser }) => {
  const page = await login(browser, 'taro');
  await hydrated(page);
  await page.getByTestId(testid.peopleLink).click();
  await expect(page).toHaveURL(routes.people);
  await hydrated(page);
  await page.getByTestId(testid.newPerson).click();
  await expect(page).toHaveURL(routes.peopleNew);
  await hydrated(page);
  const form = page.getByTestId(testid.personForm);
  // Bad input first: every problem is named next to its field, nothing is saved.
  await form.getByLabel('姓', { exact: true }).fill(person.family);
  await form.getByLabel('フリガナ（セイ）').fill('東雲');
  await form.getByLabel('電話番号').fill('03-12');
  await form.getByLabel('郵便番号').fill('12-34567');
  await form.getByRole('button', { name: '保存する' }).click();
  await expect(form.locator('[data-field="family_kana"]')).toHaveText('カタカナ（またはひらがな）で入力してください。');
  await expect(form.locator('[data-field="phone"]')).toHaveText('形式が正しくありません。');
  await expect(form.locator('[data-field="postal_code"]')).toHaveText('形式が正しくありません。');
  await expect(page).toHaveURL(routes.peopleNew);
  await form.getByLabel('名', { exact: true }).fill(person.given);
  await form.getByLabel('フリガナ（セイ）').fill(person.familyKana);
  await form.getByLabel('フリガナ（メイ）').fill(person.givenKana);
  await form.getByLabel('電話番号').fill(person.phone);
  await form.getByLabel('メールアドレス').fill(person.email);
  await form.getByLabel('郵便番号').fill('1000001');
  await form.getByLabel('備考').fill(person.notes);
  await form.getByRole('button', { name: '保存する' }).click();
  await expect(page).toHaveURL(/\/people\/[0-9a-f-]{36}$/);
  await hydrated(page);
  const facts = page.getByTestId(testid.personFacts);
  await expect(facts).toContainText('シノノメ アオイ');
  await expect(facts).toContainText('100-0001');

  // A record at 10:30 Tokyo time is shown as 10:30 (JST), whatever the browser's zone.
  const recordForm = page.getByTestId(testid.recordForm);
  await recordForm.getByLabel('日時').fill('2026-11-28T10:30');
  await recordForm.getByLabel('区分').selectOption({ label: '面談' });
  await recordForm.getByLabel('内容').fill(person.record);
  await recordForm.getByRole('button', { name: '記録を追加' }).click();
  const records = page.getByTestId(testid.recordList);
  await expect(records).toContainText(person.record);
  await expect(records).toContainText('2026年11月28日 10:30');
  // The organisation's time zone by its place, never its zone name.
  await expect(page.getByRole('heading', { name: /記録/ })).toContainText('表示タイムゾーン: 日本（東京）');
  await expect(page.getByRole('heading', { name: /記録/ })).not.toContainText('Asia/Tokyo');

  // Search by phone, exactly, however it is written; and by reading in half-width kana.
  await page.goto(routes.people);
  await hydrated(page);
  for (const q of ['03-5555-0123', '0355550123', '０３５５５５０１２３', 'ｼﾉﾉﾒ']) {
    await search(page, q);
    const list = page.getByTestId(testid.peopleList);
    await expect(list.getByRole('link', { name: `${person.family} ${person.given}` })).toBeVisible();
    await expect(list.locator('tbody tr')).toHaveCount(1);
  }
  await search(page, '03-5555-9999');
  await expect(page.getByTestId(testid.peopleList)).toHaveText('該当するものはありません。');
});

test('a viewer reads the register but sees no edit buttons, and a direct call to the write function is refused', async ({ browser }) => {
  const page = await login(browser, 'miru');
  await page.goto(routes.people);
  await hydrated(page);
  await search(page, person.phone);
  const link = page.getByTestId(testid.peopleList).getByRole('link', { name: `${person.family} ${person.given}` });
  await expect(link).toBeVisible();
  await expect(page.getByTestId(testid.newPerson)).toHaveCount(0);
  await link.click();
  await hydrated(page);
  await expect(page.getByTestId(testid.personFacts)).toContainText(person.email);
  await expect(page.getByTestId(testid.recordList)).toContainText(person.record);
  await expect(page.getByTestId(testid.editPerson)).toHaveCount(0);
  await expect(page.getByTestId(testid.archivePerson)).toHaveCount(0);
  await expect(page.getByTestId(testid.deletePerson)).toHaveCount(0);
  await expect(page.getByTestId(testid.recordForm)).toHaveCount(0);
  // The browser itself posts to the write function, as a script would.
  const refused = await page.evaluate(async () => {
    const body = new URLSearchParams({
      family_name: '侵入', given_name: '', family_kana: '', given_kana: '', phone: '', email: '',
      postal_code: '', address: '', notes: '',
    });
    const r = await fetch('/api/people/create', { method: 'POST', body });
    return { status: r.status, body: await r.text() };
  });
  expect(refused).toEqual({ status: 403, body: '"Forbidden"' });
  await page.goto(routes.people);
  await hydrated(page);
  await search(page, '侵入');
  await expect(page.getByTestId(testid.peopleList)).toHaveText('該当するものはありません。');
});

test('an admin exports the register as CSV and imports it into a second organisation through the preview', async ({ browser }) => {
  const admin = await login(browser, 'kanri');
  // The admin adds a record category; members then find it in the record form.
  await admin.goto('/admin/settings');
  await hydrated(admin);
  const categories = admin.getByTestId(testid.categoryList);
  await categories.getByLabel('新しい区分').fill('家族相談');
  await categories.getByRole('button', { name: '区分を追加' }).click();
  await expect(categories.locator('input[name="name"][value="家族相談"]')).toHaveCount(1);
  await admin.goto(routes.people);
  await hydrated(admin);
  const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByTestId(testid.exportPeople).click()]);
  expect(download.suggestedFilename()).toMatch(/^kura-people-\d{4}-\d{2}-\d{2}\.csv$/);
  const file = await download.path();
  const bytes = readFileSync(file);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(bytes.toString('utf8')).toContain(person.phone);

  // A member of the same organisation has no export button.
  const member = await login(browser, 'taro');
  await member.goto(routes.people);
  await hydrated(member);
  await expect(member.getByTestId(testid.peopleList)).toBeVisible();
  await expect(member.getByTestId(testid.exportPeople)).toHaveCount(0);
  await member.getByTestId(testid.peopleList).getByRole('link', { name: `${person.family} ${person.given}` }).click();
  await hydrated(member);
  await expect(member.getByTestId(testid.recordForm).getByLabel('区分').locator('option', { hasText: '家族相談' })).toHaveCount(1);

  const other = await login(browser, 'kanri2', 'second');
  await other.goto(routes.people);
  await hydrated(other);
  await search(other, person.phone);
  await expect(other.getByTestId(testid.peopleList)).toHaveText('該当するものはありません。');
  await other.getByTestId(testid.importPeople).click();
  await expect(other).toHaveURL(routes.peopleImport);
  await hydrated(other);
  // A broken copy first: the preview names the row and field, and nothing can be added.
  const broken = bytes.toString('utf8').replace(person.phone, '03-12');
  await other.getByLabel('CSVファイル').setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from(broken, 'utf8') });
  await other.getByRole('button', { name: '内容を確認する' }).click();
  const preview = other.getByTestId(testid.importPreview);
  await expect(preview).toContainText('問題のある行があります');
  await expect(preview).toContainText('電話番号: 形式が正しくありません。');
  await expect(preview.getByRole('button', { name: /件を登録する/ })).toHaveCount(0);
  // The file as exported.
  await other.getByLabel('CSVファイル').setInputFiles(file);
  await other.getByRole('button', { name: '内容を確認する' }).click();
  await expect(preview).toContainText('問題は見つかりませんでした。');
  other.once('dialog', (d) => d.accept());
  await preview.getByRole('button', { name: /件を登録する/ }).click();
  await expect(other.getByTestId(testid.importDone)).toContainText('件を登録しました。');
  await other.goto(routes.people);
  await hydrated(other);
  await search(other, '０３５５５５０１２３');
  await expect(other.getByTestId(testid.peopleList).getByRole('link', { name: `${person.family} ${person.given}` })).toBeVisible();
});
