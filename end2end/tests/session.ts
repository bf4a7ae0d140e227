// Logging in as a person would, shared by the specs.
import { expect, Page, Browser } from '@playwright/test';
import { routes, testid } from './ids';

export const memberPassword = () => process.env.E2E_MEMBER_PASSWORD!;
export const operatorPassword = () => process.env.E2E_OPERATOR_PASSWORD!;

/** Waits until the WASM has made the page interactive. */
export async function hydrated(page: Page) {
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
}

/** Fills and sends the organisation login form on `page`. */
export async function fillTenantLogin(page: Page, org: string, user: string, password = memberPassword()) {
  await page.goto(routes.login);
  await hydrated(page);
  await page.getByLabel('組織コード').fill(org);
  await page.getByLabel('ユーザーID').fill(user);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
}

/** A new browser context logged in to `org` as `user`, on its home page. */
export async function tenantPage(browser: Browser, org: string, user: string) {
  const page = await (await browser.newContext()).newPage();
  await fillTenantLogin(page, org, user);
  await expect(page).toHaveURL(routes.home);
  return page;
}

/** Switches `page` to English by the header's language link. */
export async function toEnglish(page: Page) {
  await page.getByTestId(testid.langSwitch).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
}

/** A screen `width` px wide: a phone's height at 390 px, a desktop's above. */
export const viewport = (width: number) => ({ width, height: width <= 400 ? 844 : 900 });

/**
 * A new browser context `width` px wide (a phone's height at 390 px), logged
 * in to `org` as `user`, on its home page, hydrated, in `lang`; with `clock`,
 * its timers are Playwright's to move forward.
 */
export async function signedInPage(
  browser: Browser,
  org: string,
  user: string,
  { width = 1280, lang = 'ja', clock = false }: { width?: number; lang?: 'ja' | 'en'; clock?: boolean } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: viewport(width) });
  if (clock) {
    await context.clock.install();
  }
  const page = await context.newPage();
  await fillTenantLogin(page, org, user);
  await expect(page).toHaveURL(routes.home);
  await hydrated(page);
  if (lang === 'en') {
    await toEnglish(page);
  }
  return page;
}

/** Logs `page` in as the suite's operator (e2e-ops), on the operator console. */
export async function operatorLogin(page: Page) {
  await page.goto(routes.opsLogin);
  await hydrated(page);
  await page.getByLabel('ユーザーID').fill('e2e-ops');
  await page.locator('#password').fill(operatorPassword());
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(page).toHaveURL(routes.opsHome);
}
