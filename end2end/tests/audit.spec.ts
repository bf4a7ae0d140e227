import { test, expect } from '@playwright/test';
import { routes, testid } from './ids';
import { fillTenantLogin, hydrated, signedInPage } from './session';

test("an admin reads their organisation's audit log, filters it, and downloads it as CSV", async ({ page }) => {
  // (Failed logins are left to the server tests: from this one address, the
  // whole suite's logins would soon be throttled.)
  await fillTenantLogin(page, 'sample', 'kanri');
  await expect(page).toHaveURL(routes.home);
  await page.goto('/admin/audit');
  await hydrated(page);
  const list = page.getByTestId(testid.auditList);
  // In words, not names: the action, the account's login, the result.
  await expect(list.locator('td[data-action="login.succeeded"]').first()).toHaveText('ログイン');
  await expect(list).toContainText('kanri');
  await expect(list).not.toContainText('user:kanri');
  await expect(list).toContainText('成功');
  // The accounts made for the organisation (by the command line, before the server started).
  await page.getByLabel('結果').selectOption('success');
  await page.getByLabel('操作', { exact: true }).selectOption('user.');
  await page.getByRole('button', { name: '検索する' }).click();
  await expect(list.locator('td[data-action="user.created"]').first()).toHaveText('アカウント登録');
  await expect(list).toContainText('コマンドライン');
  await expect(list).toContainText('アカウント: taro');
  await expect(list.locator('td[data-action^="login."]')).toHaveCount(0);
  // The privileged-activity report lists who created the organisation's accounts.
  await expect(page.getByTestId(testid.privilegedReport)).toContainText('user.created');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'CSV出力' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^kura-audit-\d{4}-\d{2}-\d{2}\.csv$/);
});

test('the admin dashboard draws the 30-day login chart with a table of its numbers', async ({ page }) => {
  await fillTenantLogin(page, 'sample', 'kanri');
  await expect(page).toHaveURL(routes.home);
  await page.goto(routes.admin);
  const chart = page.getByTestId(testid.loginChart);
  await expect(chart.locator('svg[role="img"]')).toBeVisible();
  await expect(chart.locator('polyline')).toHaveCount(3);
  await chart.getByText('数値で見る').click();
  await expect(chart.locator('tbody tr')).toHaveCount(30);
});

test('on a phone, in English, the audit log reads in words as cards and filters by a listed action', async ({ browser }) => {
  const page = await signedInPage(browser, 'sample', 'kanri', { width: 390, lang: 'en' });
  await page.goto('/admin/audit');
  await hydrated(page);
  const list = page.getByTestId(testid.auditList);
  await expect(list.locator('td[data-action="login.succeeded"]').first()).toHaveText('Logged in');
  await page.getByLabel('Action', { exact: true }).selectOption({ label: 'Accounts (all)' });
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(list.locator('td[data-action="user.created"]').first()).toHaveText('Account created');
  await expect(list).toContainText('Success');
  const wide = await page.evaluate(() =>
    Array.from(document.querySelectorAll('body *'))
      .filter((e) => e.getBoundingClientRect().right > 391)
      .slice(0, 8)
      .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
  );
  expect(wide).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});
