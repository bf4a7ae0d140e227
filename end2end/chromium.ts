// What every Playwright configuration here shares: Debian's Chromium (no
// browser download) with the switches that keep it quiet and offline, and
// the suite's passwords (serve.sh creates the accounts with them).
process.env.E2E_MEMBER_PASSWORD ??= 'correct horse battery staple';
process.env.E2E_OPERATOR_PASSWORD ??= 'operators keep this one apart';

export const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};
