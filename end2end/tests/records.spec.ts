import { test, expect, Browser, Page } from '@playwright/test';
import { routes, testid } from './ids';
import { hydrated, signedInPage } from './session';

// Records people can correct (issue 15 §3): a member corrects their own
// record with a reason (Japanese, desktop); an admin reads the correction
// history and deletes the record with a reason (English, phone width); the
// member then no longer sees it. Nothing is rewritten: the history keeps
// every earlier version.

test.describe.configure({ mode: 'serial' });

let personUrl = '';

function loggedIn(browser: Browser, user: string, width: number, lang: 'ja' | 'en'): Promise<Page> {
  return signedInPage(browser, 'kiroku', user, { width, lang });
}

test('a member corrects their own record with a reason and sees it marked as corrected', async ({ browser }) => {
  const page = await loggedIn(browser, 'kaigo', 1280, 'ja');
  await page.goto(routes.peopleNew);
  await hydrated(page);
  const form = page.getByTestId(testid.personForm);
  await form.getByLabel('姓', { exact: true }).fill('訂正');
  await form.getByLabel('名', { exact: true }).fill('花子');
  await form.getByRole('button', { name: '保存する' }).click();
  await expect(page).toHaveURL(/\/people\/[0-9a-f-]{36}$/);
  personUrl = page.url();
  await hydrated(page);

  const recordForm = page.getByTestId(testid.recordForm);
  await recordForm.getByLabel('日時').fill('2026-11-28T10:30');
  await recordForm.getByLabel('内容').fill('体温 35.6 度');
  await recordForm.getByRole('button', { name: '記録を追加' }).click();
  // The person's page says the person was added, then the record.
  await expect(page.getByTestId(testid.success).first()).toHaveText('利用者を登録しました。');
  await expect(page.getByTestId(testid.success).filter({ hasText: '記録を追加しました。' })).toBeVisible();
  await expect(recordForm).toContainText('24時間以内なら訂正・削除できます');

  const records = page.getByTestId(testid.recordList);
  await expect(records).toContainText('体温 35.6 度');
  const change = records.getByTestId(testid.recordChange);
  await change.locator('summary').click();
  await change.getByLabel('内容').fill('体温 36.5 度');
  // No reason: the browser asks for one and nothing is sent.
  await change.getByTestId(testid.correctRecord).click();
  await expect(records).not.toContainText('訂正済み');
  await change.getByLabel('理由').first().fill('数字を入れ違えた');
  await change.getByTestId(testid.correctRecord).click();
  await expect(page.getByTestId(testid.success).filter({ hasText: '記録を訂正しました。' })).toBeVisible();
  await expect(records).toContainText('体温 36.5 度');
  await expect(records).toContainText('訂正済み');
  // The history is the admins'.
  await expect(page.getByTestId(testid.recordHistory)).toHaveCount(0);
});

test('an admin reads the correction history and deletes the record with a reason, on a phone, in English', async ({ browser }) => {
  const page = await loggedIn(browser, 'kanri', 390, 'en');
  await page.goto(personUrl);
  await hydrated(page);
  const records = page.getByTestId(testid.recordList);
  const history = records.getByTestId(testid.recordHistory);
  await expect(history).toContainText('Correction history (1)');
  await history.locator('summary').click();
  await expect(history).toContainText('数字を入れ違えた');
  await expect(history).toContainText('体温 35.6 度');
  await expect(history).toContainText('kaigo');

  const change = records.getByTestId(testid.recordChange);
  await change.locator('summary').click();
  await change.locator('.record-delete').getByLabel('Reason').fill('別の利用者の記録だった');
  page.once('dialog', (d) => d.accept());
  await change.getByTestId(testid.deleteRecord).click();
  await expect(page.getByTestId(testid.success).filter({ hasText: 'The record was deleted. It stays in the correction history.' })).toBeVisible();
  await expect(records).toContainText('Deleted');
  await expect(records.getByTestId(testid.recordHistory)).toContainText('Correction history (2)');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  // The settings offer the correction window, and time zones by place, never by zone name.
  await page.goto(routes.adminSettings);
  await hydrated(page);
  await expect(page.getByLabel('Hours to correct a record')).toHaveValue('24');
  const zone = page.getByLabel('Display time zone');
  await expect(zone.locator('option:checked')).toHaveText('Japan (Tokyo)');
  expect(await zone.locator('option').allInnerTexts()).not.toContainEqual(expect.stringContaining('/'));
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test('the member no longer sees the deleted record', async ({ browser }) => {
  const page = await loggedIn(browser, 'kaigo', 1280, 'ja');
  await page.goto(personUrl);
  await hydrated(page);
  await expect(page.getByTestId(testid.recordList)).toHaveText('記録はまだありません。');
});
