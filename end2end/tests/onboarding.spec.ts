import { test, expect, Browser, Page } from '@playwright/test';
import { routes, testid } from './ids';
import { fillTenantLogin, hydrated, operatorLogin, signedInPage } from './session';

// Onboarding and settings (issue 15 §5), as an operator and a new
// organisation's admin meet them: the first account starts as admin, setup
// links and passwords copy with one button, the login form is filled after a
// setup link; categories move and go; the last allowlist entry warns; idle
// sessions warn before they end; unsaved forms ask before leaving; a person
// prints without buttons and calls by a tap.

function admin(browser: Browser, width = 1280, lang: 'ja' | 'en' = 'ja'): Promise<Page> {
  return signedInPage(browser, 'hajime', 'kanri', { width, lang });
}

test('a new organisation’s first account starts as its admin, its setup link copies, and the login form is filled after it', async ({ browser }) => {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const ops = await context.newPage();
  await operatorLogin(ops);
  await hydrated(ops);
  const form = ops.getByTestId(testid.tenantForm);
  await form.getByLabel('組織コード').fill('tsugi');
  await form.getByLabel('組織名').fill('次の株式会社');
  await form.getByLabel('契約開始日').fill('2026-12-01');
  await form.getByLabel('連絡先メールアドレス').fill('it@tsugi.example');
  await form.getByLabel('連絡先電話番号').fill('03-2222-3333');
  await form.getByRole('button', { name: '組織を登録する' }).click();
  await expect(ops).toHaveURL(/\/ops\/tenants\/[0-9a-f-]{36}$/);
  await hydrated(ops);
  const accountForm = ops.getByTestId(testid.accountForm);
  await expect(accountForm.getByTestId(testid.firstAccountHint)).toBeVisible();
  await expect(accountForm.getByLabel('権限')).toHaveValue('admin');
  await accountForm.getByLabel('ユーザーID').fill('sekinin');
  await accountForm.getByRole('button', { name: 'アカウントを作成する' }).click();
  const link = (await ops.getByTestId(testid.issuedLink).textContent())!.trim();
  await ops.getByTestId(testid.copyLink).click();
  await expect(ops.getByTestId(testid.copyLink)).toHaveText('コピーしました');
  expect(await ops.evaluate(() => navigator.clipboard.readText())).toBe(link);
  // The second account is no longer the first: a member by default.
  await expect(accountForm.getByTestId(testid.firstAccountHint)).toHaveCount(0);
  await expect(accountForm.getByLabel('権限')).toHaveValue('member');

  const owner = await (await browser.newContext()).newPage();
  await owner.goto(link);
  await hydrated(owner);
  const setup = owner.getByTestId(testid.setupForm);
  await setup.locator('#new').fill('sekinin chooses a passphrase');
  await setup.locator('#confirm').fill('sekinin chooses a passphrase');
  await setup.getByRole('button', { name: 'パスワードを設定する' }).click();
  await expect(owner.getByTestId(testid.setupDone)).toBeVisible();
  await owner.getByRole('link', { name: 'ログイン画面へ' }).click();
  await expect(owner).toHaveURL(routes.login);
  await hydrated(owner);
  // Filled from this tab's memory, not from the address bar.
  expect(new URL(owner.url()).search).toBe('');
  await expect(owner.getByLabel('組織コード')).toHaveValue('tsugi');
  await expect(owner.getByLabel('ユーザーID')).toHaveValue('sekinin');
  await owner.locator('#password').fill('sekinin chooses a passphrase');
  await owner.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(owner).toHaveURL(routes.home);
});

test('an admin reorders categories, removes an unused one, and cannot remove one in use', async ({ browser }) => {
  const page = await admin(browser);
  await page.goto(routes.adminSettings);
  await hydrated(page);
  const list = page.getByTestId(testid.categoryList);
  const names = () => list.locator('li input[name="name"]').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
  await expect.poll(names).toEqual(['面談', '電話', '訪問', 'メール', 'その他']);
  await list.getByRole('button', { name: '電話 上へ' }).click();
  await expect.poll(names).toEqual(['電話', '面談', '訪問', 'メール', 'その他']);
  await expect(list.getByRole('button', { name: '電話 上へ' })).toBeDisabled();
  let question = '';
  page.once('dialog', (d) => {
    question = d.message();
    d.accept();
  });
  await list.getByRole('button', { name: '削除 メール' }).click();
  await expect.poll(names).toEqual(['電話', '面談', '訪問', 'その他']);
  expect(question).toContain('区分を削除');

  // A record filed under 訪問: that category can no longer be removed.
  await page.goto(routes.peopleNew);
  await hydrated(page);
  const form = page.getByTestId(testid.personForm);
  await form.getByLabel('姓', { exact: true }).fill('区分');
  await form.getByLabel('名', { exact: true }).fill('確認');
  await form.getByLabel('電話番号').fill('090-1234-5678');
  await form.getByRole('button', { name: '保存する' }).click();
  await expect(page).toHaveURL(/\/people\/[0-9a-f-]{36}$/);
  await hydrated(page);
  const recordForm = page.getByTestId(testid.recordForm);
  await recordForm.getByLabel('区分').selectOption({ label: '訪問' });
  await recordForm.getByLabel('内容').fill('区分の確認');
  await recordForm.getByRole('button', { name: '記録を追加' }).click();
  await expect(page.getByTestId(testid.recordList)).toContainText('区分の確認');
  // Phones call by a tap; paper has no buttons or forms.
  await expect(page.getByTestId(testid.personFacts).locator('a[href="tel:09012345678"]')).toHaveText('090-1234-5678');
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByTestId(testid.print)).toBeHidden();
  await expect(page.getByTestId(testid.recordForm)).toBeHidden();
  await expect(page.getByTestId(testid.personFacts)).toBeVisible();
  await expect(page.locator('header.topbar')).toBeHidden();
  await expect(page.getByTestId(testid.recordList)).toContainText('区分の確認');
  await page.emulateMedia({ media: 'screen' });
  await expect(page.getByTestId(testid.print)).toBeVisible();

  await page.goto(routes.adminSettings);
  await hydrated(page);
  await expect(list.locator('li').filter({ hasText: '記録で使用中' })).toHaveCount(1);
  await expect(list.getByRole('button', { name: '削除 訪問' })).toHaveCount(0);
});

test('removing the last allowlist entry says it opens every network; a list that locks you out says what to do', async ({ browser }) => {
  const page = await admin(browser, 390, 'en');
  await page.goto(routes.adminNetwork);
  await hydrated(page);
  const panel = page.getByTestId(testid.allowlist);
  await panel.getByLabel('Address / CIDR').fill('192.0.2.0/24');
  await panel.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(panel).toContainText('Not saved');
  await expect(panel).toContainText('First add a range that includes');
  await panel.getByLabel('Address / CIDR').fill('127.0.0.0/8');
  await panel.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByTestId(testid.allowlistEntries)).toContainText('127.0.0.0/8');
  let question = '';
  page.once('dialog', (d) => {
    question = d.message();
    d.dismiss();
  });
  await panel.getByRole('button', { name: 'Remove 127.0.0.0/8' }).click();
  await expect.poll(() => question).toContain('This is the last entry');
  expect(question).toContain('any network');
  await expect(page.getByTestId(testid.allowlistEntries)).toContainText('127.0.0.0/8');
  page.once('dialog', (d) => d.accept());
  await panel.getByRole('button', { name: 'Remove 127.0.0.0/8' }).click();
  await expect(page.getByTestId(testid.allowlistEmpty)).toBeVisible();
});

test('a form with unsaved changes asks before a link leaves it', async ({ browser }) => {
  const page = await admin(browser, 390, 'en');
  await page.goto(routes.peopleNew);
  await hydrated(page);
  await page.getByTestId(testid.personForm).getByLabel('Family name', { exact: true }).fill('Unsaved');
  let asked = '';
  page.once('dialog', (d) => {
    asked = d.message();
    d.dismiss();
  });
  await page.getByTestId(testid.navPeople).click();
  await expect.poll(() => asked).toContain('unsaved changes');
  await expect(page).toHaveURL(routes.peopleNew);
  page.once('dialog', (d) => d.accept());
  await page.getByTestId(testid.navPeople).click();
  await expect(page).toHaveURL(routes.people);
});

test('two minutes before the idle logout a warning offers to continue; left alone, the page logs out and says why', async ({ browser }) => {
  const context = await browser.newContext();
  await context.clock.install();
  const page = await context.newPage();
  await fillTenantLogin(page, 'hajime', 'kanri');
  await expect(page).toHaveURL(routes.home);
  await hydrated(page);
  await expect(page.getByTestId(testid.idleWarning)).toHaveCount(0);
  await page.clock.fastForward('28:30');
  const warning = page.getByTestId(testid.idleWarning);
  await expect(warning).toBeVisible();
  await expect(warning).toContainText('ログアウトします');
  await expect(warning.getByRole('button', { name: '続ける' })).toBeFocused();
  await warning.getByRole('button', { name: '続ける' }).click();
  await expect(warning).toHaveCount(0);
  // Still signed in; left alone for the whole idle time, the page logs itself out.
  await page.clock.fastForward('29:00');
  await expect(warning).toBeVisible();
  await page.clock.fastForward('02:00');
  await expect(page).toHaveURL(routes.login);
  await expect(page.getByTestId(testid.idleLoggedOut)).toBeVisible();
  await page.goto(routes.people);
  await expect(page).toHaveURL(routes.login);
});
