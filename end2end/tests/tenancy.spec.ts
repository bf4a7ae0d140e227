import { test, expect, Page, Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { routes, testid } from './ids';
import { dataDirOf, kuraBin } from './servers';
import { fillTenantLogin, hydrated } from './session';

const operatorPassword = process.env.E2E_OPERATOR_PASSWORD!;
const dataDir = dataDirOf('app');

const login = (page: Page, org: string, user: string, password: string) => fillTenantLogin(page, org, user, password);

async function newPage(browser: Browser) {
  const context = await browser.newContext();
  return context.newPage();
}

test('operator creates acme with an admin by setup link; the admin adds a member; disabling the member logs them out', async ({ browser }) => {
  // The operator logs in and registers the organisation.
  const ops = await newPage(browser);
  await ops.goto(routes.opsLogin);
  await hydrated(ops);
  await ops.getByLabel('ユーザーID').fill('e2e-ops');
  await ops.locator('#password').fill(operatorPassword);
  await ops.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(ops).toHaveURL(routes.opsHome);
  await hydrated(ops);
  const form = ops.getByTestId(testid.tenantForm);
  // Bad input first: a code with a space and an e-mail without @ are named next to their fields.
  await form.getByLabel('組織コード').fill('acme corp');
  await form.getByLabel('組織名').fill('アクメ株式会社');
  await form.getByLabel('契約開始日').fill('2026-04-01');
  await form.getByLabel('連絡先メールアドレス').fill('it@acme.example');
  await form.getByLabel('連絡先電話番号').fill('03-1234-5678');
  await form.getByRole('button', { name: '組織を登録する' }).click();
  await expect(form.locator('[data-field="org_code"]')).toHaveText('形式が正しくありません。');
  await form.getByLabel('組織コード').fill('acme');
  await form.getByLabel('連絡先メールアドレス').fill('it.acme.example');
  await form.getByRole('button', { name: '組織を登録する' }).click();
  await expect(form.locator('[data-field="emails"]')).toHaveText('形式が正しくありません。');
  await form.getByLabel('連絡先メールアドレス').fill('it@acme.example, boss@acme.example');
  await form.getByRole('button', { name: '組織を登録する' }).click();
  await expect(ops).toHaveURL(/\/ops\/tenants\/[0-9a-f-]{36}$/);
  await expect(ops.getByTestId(testid.tenantFacts)).toContainText('2026-04-01');
  await hydrated(ops);

  // An admin account with a setup link: the operator never learns the password.
  const accountForm = ops.getByTestId(testid.accountForm);
  await accountForm.getByLabel('ユーザーID').fill('yamada');
  await accountForm.getByLabel('権限').selectOption('admin');
  await accountForm.getByLabel('初期設定リンク（推奨）').check();
  await accountForm.getByRole('button', { name: 'アカウントを作成する' }).click();
  const link = (await ops.getByTestId(testid.issuedLink).textContent())!.trim();
  expect(link).toMatch(/\/setup#[A-Za-z0-9_-]{43}$/);
  await expect(ops.getByTestId(testid.accountList)).toContainText('yamada');

  // The admin opens the link and chooses a password.
  const admin = await newPage(browser);
  await admin.goto(link);
  await hydrated(admin);
  const setup = admin.getByTestId(testid.setupForm);
  await expect(admin.getByText('yamada')).toBeVisible();
  await setup.locator('#new').fill('yamada chooses a passphrase');
  await setup.locator('#confirm').fill('yamada chooses a passphrase');
  await setup.getByRole('button', { name: 'パスワードを設定する' }).click();
  await expect(admin.getByTestId(testid.setupDone)).toBeVisible();
  // The link works once only.
  const again = await newPage(browser);
  await again.goto(link);
  await hydrated(again);
  await expect(again.getByText('この初期設定リンクは無効です')).toBeVisible();

  await login(admin, 'acme', 'yamada', 'yamada chooses a passphrase');
  await expect(admin).toHaveURL(routes.home);
  await hydrated(admin);
  await admin.getByTestId(testid.adminLink).click();
  await expect(admin).toHaveURL(routes.admin);
  await hydrated(admin);

  // The admin creates a member with a temporary password.
  const adminForm = admin.getByTestId(testid.accountForm);
  await adminForm.getByLabel('ユーザーID').fill('suzuki');
  await adminForm.getByLabel('権限').selectOption('member');
  await adminForm.getByLabel('仮パスワード').check();
  await adminForm.getByRole('button', { name: 'アカウントを作成する' }).click();
  const temporary = (await admin.getByTestId(testid.issuedPassword).textContent())!.trim();
  expect(temporary).toHaveLength(16);
  // A duplicate user ID is refused next to the field.
  await adminForm.getByRole('button', { name: 'アカウントを作成する' }).click();
  await expect(adminForm.locator('[data-field="login"]')).toHaveText('既に使われています。別の値にしてください。');

  // The member logs in, replaces the temporary password and sees acme's home.
  const member = await newPage(browser);
  await login(member, 'acme', 'suzuki', temporary);
  await expect(member).toHaveURL(routes.changePassword);
  await hydrated(member);
  await member.locator('#current').fill(temporary);
  await member.locator('#new').fill('suzuki has a passphrase too');
  await member.locator('#confirm').fill('suzuki has a passphrase too');
  await member.getByRole('button', { name: '変更する' }).click();
  await expect(member).toHaveURL(routes.home);
  await expect(member.getByTestId(testid.orgName)).toContainText('アクメ株式会社');
  await hydrated(member);
  await expect(member.getByTestId(testid.adminLink)).toHaveCount(0);

  // The admin disables the member.
  await admin.getByTestId(testid.accountList).getByRole('link', { name: 'suzuki' }).click();
  await hydrated(admin);
  admin.once('dialog', (d) => d.accept());
  await admin.getByTestId(testid.disableUser).click();
  await expect(admin.getByTestId(testid.userStatus)).toHaveText('アカウント停止中');

  // The member's open page is logged out on its next action.
  await member.getByTestId(testid.accountLink).click();
  await expect(member).toHaveURL(routes.login);
  await login(member, 'acme', 'suzuki', 'suzuki has a passphrase too');
  await expect(member.getByTestId(testid.loginError)).toBeVisible();

  // Every step was recorded and the chain is intact.
  const verify = execFileSync(kuraBin, ['audit', 'verify'], {
    env: { ...process.env, KURA_DATA_DIR: dataDir },
  }).toString();
  expect(verify).toMatch(/intact/i);
});

test('a member is kept out of the consoles', async ({ page }) => {
  await login(page, 'sample', 'taro', process.env.E2E_MEMBER_PASSWORD!);
  await expect(page).toHaveURL(routes.home);
  await page.goto(routes.admin);
  await expect(page).toHaveURL(routes.home);
  await page.goto(routes.opsHome);
  await expect(page).toHaveURL(routes.home);
});

test('the account page lists this session', async ({ page }) => {
  await login(page, 'sample', 'taro', process.env.E2E_MEMBER_PASSWORD!);
  await expect(page).toHaveURL(routes.home);
  await hydrated(page);
  await page.getByTestId(testid.accountLink).click();
  await expect(page).toHaveURL(routes.account);
  await expect(page.getByTestId(testid.sessionList)).toContainText('この端末');
  await expect(page.getByTestId(testid.sessionList)).toContainText('127.0.0.1');
});
