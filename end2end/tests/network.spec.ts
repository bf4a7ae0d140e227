import { test, expect, Page } from '@playwright/test';
import { routes, testid } from './ids';
import { hydrated, operatorLogin } from './session';

const password = process.env.E2E_MEMBER_PASSWORD!;

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
  await expect(panel.locator('[data-field="cidr"]')).toContainText('この設定では、いま操作しているあなたの接続元アドレスが許可されなくなるため、保存していません。先に「あなたの接続元アドレス」を含む範囲を追加してから');
  await add('127.0.0.1', 'この端末');
  await expect(panel.getByTestId(testid.allowlistEntries)).toContainText('127.0.0.1/32');
  await expect(panel.getByTestId(testid.allowlistEmpty)).toHaveCount(0);
  await add('192.0.2.0/24', '支社');
  await expect(panel.getByTestId(testid.allowlistEntries)).toContainText('192.0.2.0/24');

  // Removing this browser's own entry while another remains is refused.
  page.once('dialog', (d) => d.accept());
  await panel.getByRole('button', { name: '削除 127.0.0.1/32' }).click();
  await expect(panel.getByTestId(testid.formError).first()).toContainText('許可されなくなるため、保存していません');
  await expect(panel.getByTestId(testid.allowlistEntries)).toContainText('127.0.0.1/32');

  page.once('dialog', (d) => d.accept());
  await panel.getByRole('button', { name: '削除 192.0.2.0/24' }).click();
  await expect(panel.getByTestId(testid.allowlistEntries)).not.toContainText('192.0.2.0/24');
  page.once('dialog', (d) => d.accept());
  await panel.getByRole('button', { name: '削除 127.0.0.1/32' }).click();
  await expect(panel.getByTestId(testid.allowlistEmpty)).toBeVisible();
});

test('an operator restricts an organisation to another network; a login from here is refused with a clear message', async ({ browser }) => {
  const ops = await (await browser.newContext()).newPage();
  await operatorLogin(ops);
  await hydrated(ops);
  await ops.getByTestId(testid.tenantList).getByRole('link', { name: 'fenced' }).click();
  await hydrated(ops);
  const panel = ops.getByTestId(testid.allowlist);
  await expect(panel.getByTestId(testid.allowlistEmpty)).toBeVisible();
  // Operators are not subject to organisations' lists, so they may set one that excludes them.
  await panel.getByLabel('アドレス / CIDR').fill('192.0.2.0/24');
  await panel.getByLabel('メモ').fill('本社');
  await panel.getByRole('button', { name: '追加する' }).click();
  await expect(panel.getByTestId(testid.allowlistEntries)).toContainText('192.0.2.0/24');

  const member = await (await browser.newContext()).newPage();
  await member.goto(routes.login);
  await hydrated(member);
  await member.getByLabel('組織コード').fill('fenced');
  await member.getByLabel('ユーザーID').fill('kyo');
  await member.locator('#password').fill(password);
  await member.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(member.getByTestId(testid.loginError)).toHaveText(
    'この接続元ネットワークからは、この組織を利用できません。組織管理者に接続元IP制限の設定をご確認ください。',
  );
  await expect(member).toHaveURL(routes.login);
});
