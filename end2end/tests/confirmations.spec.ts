// Every question the UI asks before an irreversible action stops the action
// when it is declined; a record form clicked twice stores one record; and
// without JavaScript the server asks again instead of acting.
// Uses its own organisation ("kakunin", made by serve.sh), so it can run
// beside the other specs.
import { test, expect, Page, Browser } from '@playwright/test';
import { routes, testid } from './ids';
import { hydrated, memberPassword, operatorLogin, tenantPage } from './session';

const org = 'kakunin';

const login = (browser: Browser, user: string) => tenantPage(browser, org, user);

/// Logged in without JavaScript: the form is posted by the browser itself.
async function loginWithoutScripts(browser: Browser, user: string) {
  const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await page.goto(routes.login);
  await page.getByLabel('組織コード').fill(org);
  await page.getByLabel('ユーザーID').fill(user);
  await page.locator('#password').fill(memberPassword());
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(page).toHaveURL(routes.home);
  return page;
}

async function operator(browser: Browser) {
  const page = await (await browser.newContext()).newPage();
  await operatorLogin(page);
  return page;
}

/// Declines every dialog on `page` and counts them.
function declineDialogs(page: Page) {
  const asked: string[] = [];
  page.on('dialog', (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  return asked;
}

async function newPerson(page: Page, family: string) {
  await page.goto(routes.peopleNew);
  await hydrated(page);
  const form = page.getByTestId(testid.personForm);
  await form.getByLabel('姓', { exact: true }).fill(family);
  await form.getByRole('button', { name: '保存する' }).click();
  await expect(page).toHaveURL(/\/people\/[0-9a-f-]{36}$/);
  await hydrated(page);
  return page.url();
}

test('declining each question changes nothing: person, account, sessions, allowlist, import, organisation, operator', async ({ browser }) => {
  const admin = await login(browser, 'kanri');
  const asked = declineDialogs(admin);

  // A person: delete and archive, declined.
  const personUrl = await newPerson(admin, '確認');
  await admin.getByTestId(testid.deletePerson).click();
  await admin.getByTestId(testid.archivePerson).click();
  expect(asked).toHaveLength(2);
  expect(asked[0]).toContain('元に戻せません');
  await admin.goto(personUrl);
  await hydrated(admin);
  await expect(admin.getByTestId(testid.personFacts)).toBeVisible();
  await expect(admin.getByRole('heading', { level: 1 })).not.toContainText('利用終了');

  // An account with a live session: disable, reset, end one, end all, delete — all declined.
  const member = await login(browser, 'kiroku');
  await admin.goto(routes.admin);
  await hydrated(admin);
  await admin.getByTestId(testid.accountList).getByRole('link', { name: 'kiroku' }).click();
  await hydrated(admin);
  await expect(admin.getByTestId(testid.sessionList)).toBeVisible();
  await admin.getByTestId(testid.disableUser).click();
  await admin.getByRole('button', { name: 'パスワードを再発行する' }).click();
  await admin.getByTestId(testid.sessionList).getByRole('button', { name: 'ログアウトさせる' }).first().click();
  await admin.getByRole('button', { name: 'すべての端末をログアウトさせる' }).click();
  await admin.getByRole('button', { name: 'アカウントを削除する' }).click();
  expect(asked).toHaveLength(7);
  await admin.reload();
  await hydrated(admin);
  await expect(admin.getByTestId(testid.userStatus)).toHaveText('利用中');
  await expect(admin.getByTestId(testid.sessionList)).toBeVisible();
  await expect(admin.getByTestId(testid.issuedPassword)).toHaveCount(0);
  // The member is still logged in, with the same password.
  await member.goto(routes.account);
  await expect(member).toHaveURL(routes.account);

  // Own sessions: ending the member's other session, declined.
  const memberElsewhere = await login(browser, 'kiroku');
  const memberAsked = declineDialogs(memberElsewhere);
  await memberElsewhere.goto(routes.account);
  await hydrated(memberElsewhere);
  await memberElsewhere.getByTestId(testid.sessionList).getByRole('button', { name: 'ログアウトさせる' }).first().click();
  expect(memberAsked).toHaveLength(1);
  await member.reload();
  await expect(member).toHaveURL(routes.account);

  // The allowlist: an entry added, its removal declined.
  await admin.goto(routes.adminNetwork);
  await hydrated(admin);
  const panel = admin.getByTestId(testid.allowlist);
  await panel.getByLabel('アドレス / CIDR').fill('127.0.0.0/8');
  await panel.getByRole('button', { name: '追加する' }).click();
  await expect(panel.getByTestId(testid.allowlistEntries)).toContainText('127.0.0.0/8');
  await panel.getByRole('button', { name: '削除 127.0.0.0/8' }).click();
  expect(asked).toHaveLength(8);
  await admin.reload();
  await hydrated(admin);
  await expect(admin.getByTestId(testid.allowlistEntries)).toContainText('127.0.0.0/8');

  // An import, declined at the last step: nobody added.
  await admin.goto(routes.peopleImport);
  await hydrated(admin);
  await admin.getByLabel('CSVファイル').setInputFiles({ name: 'p.csv', mimeType: 'text/csv', buffer: Buffer.from('姓,電話番号\n取込確認,03-1111-2222\n', 'utf8') });
  await admin.getByRole('button', { name: '内容を確認する' }).click();
  await admin.getByTestId(testid.importPreview).getByRole('button', { name: /件を登録する/ }).click();
  expect(asked).toHaveLength(9);
  expect(asked[8]).toContain('1件');
  await expect(admin.getByTestId(testid.importDone)).toHaveCount(0);
  await admin.goto(routes.people);
  await hydrated(admin);
  await expect(admin.getByTestId(testid.peopleList)).not.toContainText('取込確認');

  // The operator: suspending the organisation and disabling an operator, declined.
  const ops = await operator(browser);
  const opsAsked = declineDialogs(ops);
  await ops.getByTestId(testid.tenantList).getByRole('link', { name: org }).click();
  await hydrated(ops);
  await ops.getByRole('button', { name: '組織を一時停止する' }).click();
  expect(opsAsked).toHaveLength(1);
  await ops.reload();
  await hydrated(ops);
  await expect(ops.getByTestId(testid.tenantFacts)).toContainText('利用中');
  await ops.goto('/ops/operators');
  await hydrated(ops);
  await ops.getByTestId(testid.operatorList).getByRole('button', { name: 'アカウント停止' }).first().click();
  expect(opsAsked).toHaveLength(2);
  await ops.reload();
  await expect(ops.getByTestId(testid.operatorList)).not.toContainText('停止中');
  // The member could log in all along: nothing was suspended, ended or deleted.
  await member.reload();
  await expect(member).toHaveURL(routes.account);
});

test('two quick clicks on 記録を追加 store one record, and the form is empty afterwards', async ({ browser }) => {
  const page = await login(browser, 'kiroku');
  await newPerson(page, '二重');
  const form = page.getByTestId(testid.recordForm);
  await form.getByLabel('内容').fill('一度だけ保存される記録');
  await form.getByRole('button', { name: '記録を追加' }).dblclick();
  const records = page.getByTestId(testid.recordList);
  await expect(records).toContainText('一度だけ保存される記録');
  await expect(form.getByLabel('内容')).toHaveValue('');
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId(testid.recordList).locator('li')).toHaveCount(1);
});

test('without JavaScript, a delete is asked again on the page and done only once ticked', async ({ browser }) => {
  const js = await login(browser, 'kanri');
  const personUrl = await newPerson(js, '無効');
  const page = await loginWithoutScripts(browser, 'kanri');
  await page.goto(personUrl);
  await page.getByTestId(testid.deletePerson).click();
  // Back on the person's page: nothing deleted, the question shown with a box to tick.
  await expect(page).toHaveURL(new RegExp(personUrl.replace(/[.?]/g, '\\$&')));
  await expect(page.getByTestId(testid.personFacts)).toBeVisible();
  const tick = page.getByLabel(/元に戻せません/);
  await expect(tick).toBeVisible();
  await tick.check();
  await page.getByTestId(testid.deletePerson).click();
  await expect(page).toHaveURL(routes.people);
  await js.goto(personUrl);
  await expect(js.getByText('指定されたデータは見つかりません。')).toBeVisible();
});
