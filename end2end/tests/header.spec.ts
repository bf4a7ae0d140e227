import { test, expect, Browser } from '@playwright/test';
import { routes, testid } from './ids';
import { hydrated, operatorLogin, signedInPage, toEnglish } from './session';

// One header on every page: where you are, who you are, the sections your
// role may open (the current one marked), and log-out, also on the register.

function signedIn(browser: Browser, org: string, user: string, width = 1280) {
  return signedInPage(browser, org, user, { width });
}

test('the organisation login page does not point at the operators’ login', async ({ page }) => {
  await page.goto(routes.login);
  await hydrated(page);
  await expect(page.locator(`a[href="${routes.opsLogin}"]`)).toHaveCount(0);
  await page.goto(routes.opsLogin);
  await expect(page.locator(`a[href="${routes.login}"]`)).toHaveCount(1);
});

test('a member sees their organisation, name and role on every page, opens the register from the header and logs out from it', async ({ browser }) => {
  const page = await signedIn(browser, 'sample', 'taro');
  const who = page.getByTestId(testid.headerAccount);
  await expect(who).toContainText('サンプル株式会社');
  await expect(who).toContainText('taro');
  await expect(who).toContainText('メンバー');
  await expect(page.getByTestId(testid.navAdmin)).toHaveCount(0);
  await expect(page.getByTestId(testid.navOps)).toHaveCount(0);
  await page.getByTestId(testid.navPeople).click();
  await expect(page).toHaveURL(routes.people);
  await hydrated(page);
  await expect(page.getByTestId(testid.navPeople)).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId(testid.headerAccount)).toContainText('taro');
  // The register had no log-out (shared PCs in care offices): the header has it.
  await page.getByTestId(testid.logout).click();
  await expect(page).toHaveURL(routes.login);
  await page.goto(routes.people);
  await expect(page).toHaveURL(routes.login);
});

test('an admin moves between the admin console and the register by the header', async ({ browser }) => {
  const page = await signedIn(browser, 'sample', 'kanri');
  await expect(page.getByTestId(testid.headerAccount)).toContainText('組織管理者');
  await page.getByTestId(testid.navAdmin).click();
  await expect(page).toHaveURL(routes.admin);
  await hydrated(page);
  await expect(page.getByTestId(testid.navAdmin)).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId(testid.navPeople)).not.toHaveAttribute('aria-current', 'page');
  await page.getByTestId(testid.navPeople).click();
  await expect(page).toHaveURL(routes.people);
});

test('an operator’s header names the console and offers no register', async ({ page }) => {
  await operatorLogin(page);
  await hydrated(page);
  await expect(page.getByTestId(testid.headerAccount)).toContainText('運用担当者');
  await expect(page.getByTestId(testid.navOps)).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId(testid.navPeople)).toHaveCount(0);
});

test('on a phone, in English, the header fits and still logs out', async ({ browser }) => {
  const page = await signedIn(browser, 'sample', 'miru', 390);
  await toEnglish(page);
  await hydrated(page);
  await expect(page.getByTestId(testid.navPeople)).toHaveText('People');
  await expect(page.getByTestId(testid.headerAccount)).toContainText('Viewer');
  const header = page.locator('header.topbar');
  expect(await header.evaluate((h) => h.scrollWidth <= h.clientWidth)).toBe(true);
  await page.getByTestId(testid.logout).click();
  await expect(page).toHaveURL(routes.login);
});
