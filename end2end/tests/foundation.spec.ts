import { test, expect, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { routes, testid } from './ids';
import { dataDirOf } from './servers';
import { fillTenantLogin } from './session';

const dataDir = dataDirOf('app');
const memberPassword = process.env.E2E_MEMBER_PASSWORD!;

/** The login form's scripts are live (its password toggle turns on with hydration). */
async function loginFormLive(page: Page) {
  await expect(page.getByTestId(testid.passwordToggle).first()).toBeEnabled();
}

const tenantLogin = (page: Page, org: string, login: string, password: string) => fillTenantLogin(page, org, login, password);

async function changePassword(page: Page, current: string, next: string) {
  await loginFormLive(page);
  await page.locator('#current').fill(current);
  await page.locator('#new').fill(next);
  await page.locator('#confirm').fill(next);
  await page.getByRole('button', { name: '変更する' }).click();
}

test('the login page is server-rendered, loads the WASM bundle and hydrates', async ({ page }) => {
  const wasm = page.waitForResponse((r) => r.url().includes('/pkg/') && r.url().endsWith('.wasm'));
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  const response = await page.goto(routes.login);
  const html = await response!.text();
  expect(html).toContain('組織コード');
  // Before hydration the toggle is disabled in the HTML the server sent.
  expect(html).toMatch(/data-testid="password-toggle"[^>]*disabled/);
  const wasmResponse = await wasm;
  expect(wasmResponse.headers()['content-type']).toBe('application/wasm');
  await loginFormLive(page);
  const password = page.locator('#password');
  await expect(password).toHaveAttribute('type', 'password');
  await page.getByTestId(testid.passwordToggle).click();
  await expect(password).toHaveAttribute('type', 'text');
  expect(errors.filter((e) => /Content Security Policy|WebAssembly|panicked/.test(e))).toEqual([]);
});

test('a wrong password is refused with the generic message', async ({ page }) => {
  await tenantLogin(page, 'sample', 'taro', 'definitely not it');
  await expect(page.getByTestId(testid.loginError)).toHaveText(
    '組織コード、ユーザーID、またはパスワードが正しくありません。',
  );
  await expect(page).toHaveURL(routes.login);
});

test('a member logs in, sees their organisation, and logs out', async ({ page }) => {
  await tenantLogin(page, 'sample', 'taro', memberPassword);
  await expect(page).toHaveURL(routes.home);
  await expect(page.getByTestId(testid.whoami)).toHaveText('taro');
  await expect(page.getByTestId(testid.orgName)).toContainText('サンプル株式会社');
  await page.getByTestId(testid.logout).click();
  await expect(page).toHaveURL(routes.login);
  // The session is gone on the server: home sends us back to the login page.
  await page.goto(routes.home);
  await expect(page).toHaveURL(routes.login);
});

test('a temporary password leads to the forced change first', async ({ page }) => {
  const temporary = readFileSync(join(dataDir, 'e2e-hanako-temporary-password.txt'), 'utf8').trim();
  expect(temporary.length).toBe(16);
  await tenantLogin(page, 'sample', 'hanako', temporary);
  await expect(page).toHaveURL(routes.changePassword);
  await expect(page.getByTestId(testid.forcedChangeNotice)).toBeVisible();
  // A common password is refused with a reason.
  await changePassword(page, temporary, 'password1234');
  await expect(page.getByTestId(testid.formError)).toContainText('よく使われている');
  await changePassword(page, temporary, 'hanako has a long passphrase');
  await expect(page).toHaveURL(routes.home);
  await expect(page.getByTestId(testid.whoami)).toHaveText('hanako');
});

test('the first operator logs in with the one-time password and must change it', async ({ page }) => {
  const oneTime = readFileSync(join(dataDir, 'initial-operator-password.txt'), 'utf8').trim();
  await page.goto(routes.opsLogin);
  await loginFormLive(page);
  await page.getByLabel('ユーザーID').fill('operator');
  await page.locator('#password').fill(oneTime);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(page).toHaveURL(routes.changePassword);
  await changePassword(page, oneTime, 'the operator chose this passphrase');
  await expect(page).toHaveURL(routes.opsHome);
  await expect(page.getByTestId(testid.opsHome)).toHaveText('運用コンソール');
  await expect(page.getByTestId(testid.whoami)).toHaveText('operator');
});

test('the language switch shows the page in English', async ({ page }) => {
  await page.goto(routes.login);
  await page.getByTestId(testid.langSwitch).click();
  await expect(page).toHaveURL(routes.login);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByLabel('Organisation code')).toBeVisible();
  await expect(page.getByTestId(testid.passwordToggle)).toBeEnabled();
});
