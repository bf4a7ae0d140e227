// Runs in its own project against its own server (see servers.ts): it
// breaks that server's audit chain on purpose.
import { test, expect } from '@playwright/test';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { routes, testid } from './ids';
import { dataDirOf, kuraBin } from './servers';
import { operatorLogin } from './session';

const dataDir = dataDirOf('tamper');
const bin = kuraBin;


test('an audit row edited by hand is found by verify and an alert appears on the operator dashboard', async ({ page }) => {
  // What an attacker with the database file could do: drop the guard and edit a row.
  execFileSync('python3', ['-c', `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DROP TRIGGER audit_log_no_update")
db.execute("UPDATE audit_log SET actor_label = 'someone else' WHERE seq = 3")
db.commit()
`, join(dataDir, 'kura.db')]);
  const verify = spawnSync(bin, ['audit', 'verify'], { env: { ...process.env, KURA_DATA_DIR: dataDir } });
  expect(verify.status).toBe(1);
  expect(verify.stdout.toString()).toContain('BROKEN at row 3');

  await operatorLogin(page);
  await expect(page.getByTestId(testid.alertBadge)).toBeVisible();
  await page.getByRole('link', { name: /アラート/ }).click();
  const list = page.getByTestId(testid.alertList);
  await expect(list).toContainText('操作ログの改ざんを検知しました');
  await expect(list).toContainText('"first_bad_seq":3');
});
