// Runs after every other project (playwright.config.ts: dependencies): it
// reads what the whole run left behind on every server.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { routes } from './ids';
import { person } from './people-data';
import { dataDirOf, servers } from './servers';

test('after the whole run, no password, session cookie or people data is in any log file or audit row', async ({ page, context }) => {
  // One more session, to know a live cookie value.
  await page.goto(routes.login);
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible();
  await page.getByLabel('組織コード').fill('sample');
  await page.getByLabel('ユーザーID').fill('kanri');
  await page.locator('#password').fill(process.env.E2E_MEMBER_PASSWORD!);
  await page.getByRole('button', { name: 'ログイン', exact: true }).click();
  await expect(page).toHaveURL(routes.home);
  const cookie = (await context.cookies()).find((c) => c.name.endsWith('kura_session'))!.value;

  const secrets = [
    process.env.E2E_MEMBER_PASSWORD!,
    process.env.E2E_OPERATOR_PASSWORD!,
    ...servers.flatMap((server) => [
      readFileSync(join(dataDirOf(server), 'initial-operator-password.txt'), 'utf8').trim(),
      readFileSync(join(dataDirOf(server), 'e2e-hanako-temporary-password.txt'), 'utf8').trim(),
    ]),
    // Passwords the specs typed.
    'the operator chose this passphrase',
    'hanako has a long passphrase',
    'yamada chooses a passphrase',
    'suzuki has a passphrase too',
    'definitely not it',
    'not the password at all',
    cookie,
  ];
  // People data typed by people.spec.ts (names are short, so only the longer values).
  const peopleData = [person.phone, person.email, person.notes, person.record, `${person.family} ${person.given}`];
  for (const server of servers) {
    const dataDir = dataDirOf(server);
    const logDir = join(dataDir, 'logs');
    const logs = readdirSync(logDir).map((f) => readFileSync(join(logDir, f), 'utf8')).join('\n');
    expect(logs).toContain('finished processing request');
    const audit = execFileSync('python3', ['-c', `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute("SELECT actor_label, COALESCE(target,''), detail, COALESCE(client_ip,'') FROM audit_log"):
    print("|".join(row))
`, join(dataDir, 'kura.db')]).toString();
    if (server === 'app') expect(audit.split('\n').length).toBeGreaterThan(20);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(logs.includes(secret), `a secret is in the log files of ${server}`).toBe(false);
      expect(audit.includes(secret), `a secret is in the audit log of ${server}`).toBe(false);
    }
    for (const value of peopleData) {
      expect(logs.includes(value), `people data is in the log files of ${server}`).toBe(false);
      expect(audit.includes(value), `people data is in the audit log of ${server}`).toBe(false);
    }
    // And the database file holds none of it in plaintext.
    const dbBytes = Buffer.concat(
      ['kura.db', 'kura.db-wal'].filter((f) => readdirSync(dataDir).includes(f)).map((f) => readFileSync(join(dataDir, f))),
    );
    for (const value of [...peopleData, person.family]) {
      expect(dbBytes.includes(Buffer.from(value, 'utf8')), `people data is stored in plaintext on ${server}`).toBe(false);
    }
  }
});
