import { test, expect, Browser, Page } from '@playwright/test';
import { routes, testid } from '../tests/ids';
import { fillTenantLogin, hydrated, operatorLogin } from '../tests/session';

// The main pages at 1280 and 390 px, in Japanese, as a reader of the
// repository should see the product without running it.

const out = (name: string, width: number) => `../docs/screenshots/${name}-${width}.png`;

async function shoot(page: Page, path: string, name: string, width: number) {
  await page.goto(path);
  await hydrated(page);
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: out(name, width), fullPage: true });
}

async function context(browser: Browser, width: number): Promise<Page> {
  return (await browser.newContext({ viewport: { width, height: width > 400 ? 800 : 844 }, deviceScaleFactor: 1 })).newPage();
}

for (const width of [1280, 390]) {
  test(`main pages at ${width} px`, async ({ browser }) => {
    const visitor = await context(browser, width);
    await shoot(visitor, routes.login, 'login', width);

    const admin = await context(browser, width);
    await fillTenantLogin(admin, 'sample', 'kanri');
    await expect(admin).toHaveURL(routes.home);
    await shoot(admin, routes.people, 'people-list', width);
    await admin.getByTestId(testid.peopleList).getByRole('link').first().click();
    await expect(admin).toHaveURL(/\/people\/[0-9a-f-]{36}$/);
    const person = new URL(admin.url()).pathname;
    await shoot(admin, person, 'person', width);
    await shoot(admin, routes.peopleNew, 'person-new', width);
    await shoot(admin, routes.admin, 'admin', width);
    await shoot(admin, routes.adminSettings, 'admin-settings', width);
    await shoot(admin, routes.adminNetwork, 'admin-network', width);
    await shoot(admin, routes.adminAudit, 'admin-audit', width);

    const ops = await context(browser, width);
    await operatorLogin(ops);
    await shoot(ops, routes.opsHome, 'ops-home', width);
    await shoot(ops, routes.opsAudit, 'ops-audit', width);
  });
}
