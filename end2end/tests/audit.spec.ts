import { test, expect } from '@playwright/test';
import { routes, testid } from './ids';
import { hydrated } from './session';

test("an admin reads their organisation's audit log, filters it, and downloads it as CSV", async ({ page }) => {
  // One failed login to find later.
  await page.goto(routes.login);
  await hydrated(page);
  await page.getByLabel('組織コード').fill('sample');
  await page.getByLabel('ユーザーID').fill('taro');
  await page.locator('#password').fill('not the password at all');
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(page.getByTestId(testid.loginError)).toBeVisible();

  await page.goto(routes.login);
  await hydrated(page);
  await page.getByLabel('組織コード').fill('sample');
  await page.getByLabel('ユーザーID').fill('kanri');
  await page.locator('#password').fill(process.env.E2E_MEMBER_PASSWORD!);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(page).toHaveURL(routes.home);
  await page.goto('/admin/audit');
  await hydrated(page);
  const list = page.getByTestId(testid.auditList);
  await expect(list).toContainText('login.succeeded');
  await expect(list).toContainText('user:kanri');
  // The accounts made for the organisation (by the command line, before the server started).
  await page.getByLabel('結果').selectOption('success');
  await page.getByLabel('操作', { exact: true }).fill('user.');
  await page.getByRole('button', { name: '検索する' }).click();
  await expect(list).toContainText('user.created');
  await expect(list).not.toContainText('login.');
  // The privileged-activity report lists who created the organisation's accounts.
  await expect(page.getByTestId(testid.privilegedReport)).toContainText('user.created');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'CSV出力' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^kura-audit-\d{4}-\d{2}-\d{2}\.csv$/);
});

test('the admin dashboard draws the 30-day login chart with a table of its numbers', async ({ page }) => {
  await page.goto(routes.login);
  await hydrated(page);
  await page.getByLabel('組織コード').fill('sample');
  await page.getByLabel('ユーザーID').fill('kanri');
  await page.locator('#password').fill(process.env.E2E_MEMBER_PASSWORD!);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(page).toHaveURL(routes.home);
  await page.goto(routes.admin);
  const chart = page.getByTestId(testid.loginChart);
  await expect(chart.locator('svg[role="img"]')).toBeVisible();
  await expect(chart.locator('polyline')).toHaveCount(3);
  await chart.getByText('数値で見る').click();
  await expect(chart.locator('tbody tr')).toHaveCount(30);
});
