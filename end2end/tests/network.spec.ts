import { test, expect, Page } from '@playwright/test';
import { routes, testid } from './ids';

const password = process.env.E2E_MEMBER_PASSWORD!;

async function hydrated(page: Page) {
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
}

test('an admin edits the IP allowlist, is kept from locking themselves out, and is warned about an empty list', async ({ page }) => {
  await page.goto(routes.login);
  await hydrated(page);
  await page.getByLabel('組織コード').fill('sample');
  await page.getByLabel('ユーザーID').fill('kanri');
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(page).toHaveURL(routes.home);
  await page.goto(routes.adminNetwork);
  await hydrated(page);
  const panel = page.getByTestId(testid.allowlist);
  await expect(panel.getByTestId(testid.allowlistEmpty)).toBeVisible();
  await expect(panel.getByTestId(testid.yourAddress)).toContainText('127.0.0.1');
  await expect(panel.getByTestId(testid.yourAddress)).toContainText('許可されています');

  const add = async (cidr: string, note: string) => {
    await panel.getByLabel('アドレス / CIDR').fill(cidr);
    await panel.getByLabel('メモ').fill(note);
    await panel.getByRole('button', { name: '追加する' }).click();
  };
  // A list that would not include this browser's address is refused next to the field.
  await add('192.0.2.0/24', '支社');
  await expect(panel.locator('[data-field="cidr"]')).toHaveText('この設定では、いま操作しているあなたの接続元アドレスが許可されなくなります。');
  await add('127.0.0.1', 'この端末');
  await expect(panel.getByTestId(testid.allowlistEntries)).toContainText('127.0.0.1/32');
  await expect(panel.getByTestId(testid.allowlistEmpty)).toHaveCount(0);
  await add('192.0.2.0/24', '支社');
  await expect(panel.getByTestId(testid.allowlistEntries)).toContainText('192.0.2.0/24');

  // Removing this browser's own entry while another remains is refused.
  await panel.getByRole('button', { name: '削除 127.0.0.1/32' }).click();
  await expect(panel.getByTestId(testid.formError).first()).toContainText('許可されなくなります');
  await expect(panel.getByTestId(testid.allowlistEntries)).toContainText('127.0.0.1/32');

  await panel.getByRole('button', { name: '削除 192.0.2.0/24' }).click();
  await expect(panel.getByTestId(testid.allowlistEntries)).not.toContainText('192.0.2.0/24');
  await panel.getByRole('button', { name: '削除 127.0.0.1/32' }).click();
  await expect(panel.getByTestId(testid.allowlistEmpty)).toBeVisible();
});
